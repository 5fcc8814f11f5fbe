/**
 * The Pardot connection settings: one JSON Schema that validates a connection, renders its form and
 * documents it; `readSettings` applies the schema's defaults and derives the API host.
 */
import type { JsonObject } from '../../core/json.js';
import { SyncError } from '../../core/errors.js';

/** Production and training business units. */
export const PRODUCTION_HOST = 'https://pi.pardot.com';
/** Demo, developer and sandbox business units. */
export const DEMO_HOST = 'https://pi.demo.pardot.com';

/** JSON Schema of a Pardot connection. Secrets carry `"x-secret": true`. */
export const settingsSchema: JsonObject = {
  type: 'object',
  required: ['businessUnitId', 'clientId', 'authFlow'],
  additionalProperties: false,
  properties: {
    businessUnitId: {
      type: 'string',
      title: 'Business unit id',
      description: 'The 18-character Account Engagement business unit id (starts with 0Uv). Setup → Account Engagement → Business Unit Setup.',
      pattern: '^0Uv[A-Za-z0-9]{15}$',
    },
    environment: {
      type: 'string',
      title: 'Environment',
      description: 'production (pi.pardot.com) for production and training units; demo (pi.demo.pardot.com) for demo, developer and sandbox units.',
      enum: ['production', 'demo'],
      default: 'production',
    },
    baseUrl: { type: 'string', title: 'API base URL override', description: 'Replaces the host chosen by environment (the sandbox emulator, a proxy).' },
    loginUrl: {
      type: 'string',
      title: 'Salesforce login URL',
      description: 'https://login.salesforce.com, https://test.salesforce.com for a sandbox org, or the My Domain URL (required for client credentials).',
      default: 'https://login.salesforce.com',
    },
    authFlow: { type: 'string', title: 'OAuth flow', enum: ['jwt', 'refresh_token', 'client_credentials'], default: 'jwt' },
    clientId: { type: 'string', title: 'Consumer key', description: 'The connected app consumer key.' },
    clientSecret: { type: 'string', title: 'Consumer secret', description: 'For refresh_token and client_credentials.', 'x-secret': true },
    username: { type: 'string', title: 'Salesforce username', description: 'The integration user (jwt flow).' },
    privateKey: { type: 'string', title: 'Private key (PEM, PKCS#8)', description: 'Signs the JWT assertion (jwt flow).', 'x-secret': true },
    refreshToken: { type: 'string', title: 'Refresh token', description: 'From authorising the connection once (refresh_token flow).', 'x-secret': true },
    rateLimits: {
      type: 'object',
      title: 'Rate limits',
      description: "Overrides of the declared limits, read by the engine's limiter. Set perDay to your edition's daily budget: Growth 25,000, Plus 50,000, Advanced and Premium 100,000.",
      additionalProperties: false,
      properties: {
        perDay: { type: 'integer', minimum: 1, description: 'API calls per day for this business unit.' },
        concurrent: { type: 'integer', minimum: 1, maximum: 5, description: 'Calls in flight at once (Pardot allows 5 per business unit).' },
        perSecond: { type: 'number', exclusiveMinimum: 0, description: 'Optional steady pace.' },
      },
    },
    accountTimeZone: {
      type: 'string',
      title: 'Account time zone',
      description: 'IANA name of the time zone set in the Account Engagement account; the daily budget is assumed to reset at its midnight.',
      default: 'UTC',
    },
    readLagSeconds: {
      type: 'integer',
      title: 'Read lag (s)',
      description: 'Change polling ignores records updated in the last N seconds, because v5 reads may lag writes by up to 60 s.',
      minimum: 0,
      default: 60,
    },
    importThreshold: {
      type: 'integer',
      title: 'Import API threshold',
      description: 'Batches with more prospect upserts than this go through the Import API; smaller ones are sent one call per record.',
      minimum: 1,
      default: 50,
    },
  },
};

/** Settings of one connection, defaults applied. */
export interface PardotSettings {
  /** `Pardot-Business-Unit-Id` sent on every call. */
  businessUnitId: string;
  /** production or demo host. */
  environment: 'production' | 'demo';
  /** API origin actually used (baseUrl or the environment's host), no trailing slash. */
  apiBaseUrl: string;
  /** Salesforce login host for OAuth. */
  loginUrl: string;
  /** OAuth grant. */
  authFlow: string;
  /** Connected app consumer key. */
  clientId: string;
  /** Connected app consumer secret. */
  clientSecret?: string;
  /** Salesforce username (jwt). */
  username?: string;
  /** PEM private key (jwt). */
  privateKey?: string;
  /** Refresh token (refresh_token). */
  refreshToken?: string;
  /** Per-connection overrides of the declared limits (enforced by the engine). */
  rateLimits?: { perDay?: number; concurrent?: number; perSecond?: number };
  /** IANA time zone of the account. */
  accountTimeZone: string;
  /** Seconds of recent changes change polling leaves for the next poll. */
  readLagSeconds: number;
  /** Prospect batches larger than this use the Import API. */
  importThreshold: number;
}

/** Applies defaults from the schema and derives the API host. */
export function readSettings(raw: Record<string, unknown>): PardotSettings {
  const props = settingsSchema.properties as Record<string, { default?: unknown }>;
  const s: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) s[k] = raw[k] ?? p.default;
  if (typeof s.businessUnitId !== 'string' || s.businessUnitId === '') throw new SyncError('fatal', 'Pardot connection: businessUnitId is required', { system: 'pardot', field: 'businessUnitId' });
  if (typeof s.clientId !== 'string' || s.clientId === '') throw new SyncError('fatal', 'Pardot connection: clientId (the connected app consumer key) is required', { system: 'pardot', field: 'clientId' });
  const host = typeof s.baseUrl === 'string' && s.baseUrl ? s.baseUrl : s.environment === 'demo' ? DEMO_HOST : PRODUCTION_HOST;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: String(s.accountTimeZone) });
  } catch {
    throw new SyncError('fatal', `Pardot connection: accountTimeZone "${String(s.accountTimeZone)}" is not an IANA time zone`, { system: 'pardot', field: 'accountTimeZone' });
  }
  return { ...(s as unknown as PardotSettings), apiBaseUrl: host.replace(/\/+$/, '') };
}
