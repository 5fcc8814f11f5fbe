/**
 * Connection settings that point Syncline at the sandbox emulators (Salesforce, Pardot and an ERP:
 * Sage 100, Sage X3 or TIMS) with each emulator's default credentials, so the demo and the journey tests start from
 * the same connections a user would enter in the console.
 */

/** Where the running emulators listen (what `startXEmulator` returned). */
export interface SandboxEndpoints {
  /** The Salesforce emulator: its origin serves both the OAuth endpoints and the REST API. */
  salesforce: { url: string };
  /** The Pardot emulator: its origin serves the token endpoint and API v5; its business unit id if not the default. */
  pardot: { url: string; businessUnitId?: string };
  /** The Sage 100 emulator: eBWS endpoint, ODBC connection string (or the DSN it registered) and company code (left out when the demo runs another ERP). */
  sage100?: { endpointUrl: string; odbcConnectionString: string; companyCode: string; odbcDsn?: string };
  /** The Sage X3 emulator: its origin (Syracuse), endpoint (folder) and pool alias. */
  sagex3?: { url: string; endpoint: string; poolAlias: string };
  /** The TIMS bridge emulator: the contract's base URL (ending in `/api/v1`) and the API key it accepts. */
  tims?: { baseUrl: string; apiKey: string };
  /** The Clarity eCommerce emulator (the shop beside the ERP): its origin, and the secret its pushes are signed with when they are on. */
  clarity?: { url: string; webhookSecret?: string };
}

/** One named connection as saved in the store. */
export interface SandboxConnection {
  /** Connector type name. */
  type: string;
  /** Raw settings, validated by the connector's settings schema. */
  settings: Record<string, unknown>;
}

// The emulators' built-in credentials (src/sandbox/*): duplicated as literals because the CLI must
// not import emulator code into a connection; a test checks that they still authenticate.
const SALESFORCE_APP = { clientId: 'syncline-emulator-client', clientSecret: 'syncline-emulator-secret' };
const PARDOT_DEFAULT_BUSINESS_UNIT_ID = '0Uv5e000000XyZaCAK';
const SAGE100_USER = { username: 'syncline', password: 'sage100' };
const SAGEX3_USER = { user: 'SYNCLINE', password: 'x3-sandbox' };
const CLARITY_USER = { username: 'syncline-api', password: 'clarity' };

/** Returns the connections `salesforce`, `pardot` and the ERPs given (`sage100`, `sagex3`, `tims`) authenticated against the emulators' defaults. */
export function sandboxConnections(e: SandboxEndpoints): Record<string, SandboxConnection> {
  const out: Record<string, SandboxConnection> = {
    salesforce: {
      type: 'salesforce',
      settings: {
        loginUrl: e.salesforce.url,
        flow: 'client_credentials',
        clientId: SALESFORCE_APP.clientId,
        clientSecret: SALESFORCE_APP.clientSecret,
        // The emulator stamps in-process; no commit can still be in flight, so no settle delay.
        settleSeconds: 0,
      },
    },
    pardot: {
      type: 'pardot',
      settings: {
        businessUnitId: e.pardot.businessUnitId ?? PARDOT_DEFAULT_BUSINESS_UNIT_ID,
        baseUrl: e.pardot.url,
        loginUrl: e.pardot.url,
        authFlow: 'client_credentials',
        clientId: SALESFORCE_APP.clientId,
        clientSecret: SALESFORCE_APP.clientSecret,
        // The emulator has no read-after-write lag, so polling need not hold back recent changes.
        settleSeconds: 0,
      },
    },
  };
  if (e.sage100) {
    out.sage100 = {
      type: 'sage100',
      settings: {
        endpointUrl: e.sage100.endpointUrl,
        // The DSN route builds the connection string of a real SOTAMAS90 DSN (DSN=…;UID=…;PWD=…;Company=…).
        ...(e.sage100.odbcDsn ? { odbcDsn: e.sage100.odbcDsn } : { odbcConnectionString: e.sage100.odbcConnectionString }),
        companyCode: e.sage100.companyCode,
        username: SAGE100_USER.username,
        password: SAGE100_USER.password,
        timeZone: 'UTC',
        defaultARDivisionNo: '01',
        defaultSalespersonNo: '0100',
        defaultTermsCode: '01',
      },
    };
  }
  if (e.sagex3) {
    out.sagex3 = {
      type: 'sagex3',
      settings: {
        baseUrl: e.sagex3.url,
        endpoint: e.sagex3.endpoint,
        poolAlias: e.sagex3.poolAlias,
        user: SAGEX3_USER.user,
        password: SAGEX3_USER.password,
        defaultCustomerCategory: 'WEB',
        defaultSalesSite: 'NA011',
        // The emulated folder audits customer deletions (AUDITH), as a site that turned table auditing on.
        auditedDeletions: true,
        // The emulator commits in-process: nothing can still be in flight in the current second.
        settleSeconds: 0,
      },
    };
  }
  if (e.tims) {
    out.tims = {
      type: 'tims',
      settings: {
        baseUrl: e.tims.baseUrl,
        apiKey: e.tims.apiKey,
        // The emulator answers from its own books: no replica can lag behind.
        settleSeconds: 0,
      },
    };
  }
  if (e.clarity) {
    out.clarity = {
      type: 'clarity',
      settings: {
        siteUrl: e.clarity.url,
        username: CLARITY_USER.username,
        password: CLARITY_USER.password,
        authMode: 'identity',
        // The emulator commits in-process: nothing is still in flight.
        settleSeconds: 0,
        ...(e.clarity.webhookSecret ? { webhookSecret: e.clarity.webhookSecret } : {}),
      },
    };
  }
  return out;
}
