/**
 * The connection settings of a Sage 100 connection: the one schema (validated by the engine,
 * rendered by the console, listed on the reference page) and its typed reading.
 */
import { dsnConnectionString } from './odbc-client.js';
import type { JsonObject } from '../../core/json.js';
import { SyncError } from '../../core/errors.js';
import { isValidTimeZone } from './stamps.js';

/** JSON Schema of the settings. */
export const settingsSchema: JsonObject = {
  type: 'object',
  required: ['endpointUrl', 'companyCode', 'username', 'password'],
  properties: {
    endpointUrl: { type: 'string', title: 'eBWS endpoint URL', description: 'The eBusiness Web Services basic endpoint, e.g. https://sage.example.com/MAS200WebServices/MasBasicService.svc (the WSDL is read from ?wsdl).' },
    companyCode: { type: 'string', title: 'Company code', pattern: '^[A-Za-z0-9]{3}$', description: 'The 3-character Sage 100 company code (e.g. ABC).' },
    username: { type: 'string', title: 'Sage 100 user', description: 'A Sage 100 user whose role may use A/R Customer Maintenance and S/O Sales Order Entry.' },
    password: { type: 'string', title: 'Password', 'x-secret': true },
    odbcDsn: { type: 'string', title: 'ODBC DSN', default: 'SOTAMAS90', description: 'The system DSN of the Sage 100 ODBC driver on the machine where Syncline runs; user, password and company are added from the fields above.' },
    odbcConnectionString: { type: 'string', title: 'ODBC connection string', 'x-secret': true, description: 'A full ODBC connection string; used instead of the DSN when set (e.g. Driver=...;UID=...;PWD=...;Company=ABC).' },
    timeZone: { type: 'string', title: 'Sage server time zone', default: 'UTC', description: 'IANA zone of the Sage 100 server clock (e.g. America/Chicago). DateUpdated/TimeUpdated are local time there.' },
    defaultARDivisionNo: { type: 'string', title: 'Default division for new customers', default: '01', pattern: '^\\d{2}$' },
    defaultSalespersonDivisionNo: { type: 'string', title: 'Default salesperson division', description: 'Defaults to the customer division.' },
    defaultSalespersonNo: { type: 'string', title: 'Default salesperson for new customers', maxLength: 4, description: 'Sage requires a salesperson when a customer is added.' },
    defaultTermsCode: { type: 'string', title: 'Default terms code for new customers', maxLength: 2 },
    defaultCustomerType: { type: 'string', title: 'Default customer type for new customers', maxLength: 4 },
    defaultPriceLevel: { type: 'string', title: 'Default price level for new customers', maxLength: 1 },
    defaultTaxSchedule: { type: 'string', title: 'Default tax schedule for new customers', maxLength: 9 },
    requestTimeoutMs: { type: 'integer', title: 'eBWS call timeout (ms)', default: 30000, minimum: 1000 },
    pollOverlapSeconds: {
      type: 'integer',
      title: 'Connector-side polling overlap (s)',
      default: 0,
      minimum: 0,
      description: 'Re-read changes stamped up to this long before the watermark and drop the ones already produced (kept in the watermark). The engine\'s poll trigger `overlap` does the same for flows; use this when the caller keeps the returned watermark as is.',
    },
  },
};

/** The settings, typed. */
export interface Sage100Settings {
  endpointUrl: string;
  companyCode: string;
  username: string;
  password: string;
  /** The ODBC connection string actually used. */
  odbcConnectionString: string;
  timeZone: string;
  defaults: {
    ARDivisionNo: string;
    SalespersonDivisionNo?: string;
    SalespersonNo?: string;
    TermsCode?: string;
    CustomerType?: string;
    PriceLevel?: string;
    TaxSchedule?: string;
  };
  requestTimeoutMs: number;
  pollOverlapMs: number;
}

const opt = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Reads and checks the settings; a missing or malformed value is a fatal configuration error. */
export function parseSettings(raw: Record<string, unknown>): Sage100Settings {
  const need = (k: string): string => {
    const v = opt(raw[k]);
    if (!v) throw new SyncError('fatal', `Sage 100 connection: the setting "${k}" is required.`, { system: 'sage100', field: k });
    return v;
  };
  const endpointUrl = need('endpointUrl').replace(/\?wsdl$/i, '');
  const companyCode = need('companyCode').toUpperCase();
  const username = need('username');
  const password = need('password');
  const timeZone = opt(raw.timeZone) ?? 'UTC';
  if (!isValidTimeZone(timeZone)) throw new SyncError('fatal', `Sage 100 connection: "${timeZone}" is not a known IANA time zone.`, { system: 'sage100', field: 'timeZone' });
  const dsn = opt(raw.odbcDsn) ?? 'SOTAMAS90';
  const odbcConnectionString = opt(raw.odbcConnectionString) ?? dsnConnectionString({ dsn, username, password, companyCode });
  const num = (k: string, dflt: number) => (typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : dflt);
  return {
    endpointUrl,
    companyCode,
    username,
    password,
    odbcConnectionString,
    timeZone,
    defaults: {
      ARDivisionNo: opt(raw.defaultARDivisionNo) ?? '01',
      SalespersonDivisionNo: opt(raw.defaultSalespersonDivisionNo),
      SalespersonNo: opt(raw.defaultSalespersonNo),
      TermsCode: opt(raw.defaultTermsCode),
      CustomerType: opt(raw.defaultCustomerType),
      PriceLevel: opt(raw.defaultPriceLevel),
      TaxSchedule: opt(raw.defaultTaxSchedule),
    },
    requestTimeoutMs: num('requestTimeoutMs', 30_000),
    pollOverlapMs: num('pollOverlapSeconds', 0) * 1000,
  };
}
