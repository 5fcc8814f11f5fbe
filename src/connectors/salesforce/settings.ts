/**
 * The Salesforce connection settings: their type and the one JSON Schema that validates them,
 * renders the console form and documents them.
 */
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { SyncError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import type { SalesforceOAuthFlow } from '../shared/salesforce-oauth.js';

/** Settings of one Salesforce connection. */
export interface SalesforceSettings {
  /** Login host (https://login.salesforce.com, https://test.salesforce.com or the My Domain URL). */
  loginUrl: string;
  /** Instance URL override; normally taken from the token response. */
  instanceUrl?: string;
  /** REST API version, e.g. `62.0`. */
  apiVersion: string;
  /** OAuth grant. */
  flow: SalesforceOAuthFlow;
  /** Connected app consumer key. */
  clientId: string;
  /** Connected app consumer secret (refresh_token, client_credentials). */
  clientSecret?: string;
  /** Integration user's username (jwt). */
  username?: string;
  /** PKCS#8 PEM private key matching the certificate uploaded to the connected app (jwt). */
  privateKey?: string;
  /** Refresh token from a one-time web-server authorisation (refresh_token). */
  refreshToken?: string;
  /** JWT audience when it differs from loginUrl. */
  audience?: string;
  /** Batches larger than this go through Bulk API 2.0 instead of sObject Collections. */
  bulkThreshold: number;
  /** readChanges ignores records stamped in the last N seconds, so a transaction still committing in that second is not skipped. */
  changeSettleSeconds: number;
  /** How often a Bulk job's status is polled, in ms. */
  bulkPollIntervalMs: number;
  /** How long to wait for a Bulk job before giving up, in ms. */
  bulkTimeoutMs: number;
}

/** JSON Schema of the settings; `x-secret` fields are encrypted at rest and never returned. */
export const settingsSchema: JsonObject = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['loginUrl', 'flow', 'clientId'],
  properties: {
    loginUrl: { type: 'string', format: 'uri', default: 'https://login.salesforce.com', title: 'Login URL', description: 'https://login.salesforce.com (production), https://test.salesforce.com (sandbox), or your My Domain URL (required for client credentials).' },
    instanceUrl: { type: 'string', format: 'uri', title: 'Instance URL', description: 'Leave empty: taken from the token response.' },
    apiVersion: { type: 'string', pattern: '^\\d{2}\\.0$', default: '62.0', title: 'API version', description: 'REST API version (46.0 or later).' },
    flow: { type: 'string', enum: ['jwt', 'refresh_token', 'client_credentials'], default: 'jwt', title: 'OAuth flow', description: 'jwt: server-to-server with a certificate; refresh_token: authorise once in the console; client_credentials: connected app with a Run As user.' },
    clientId: { type: 'string', minLength: 1, title: 'Consumer key', description: "The connected app's consumer key." },
    clientSecret: { type: 'string', 'x-secret': true, title: 'Consumer secret', description: 'Needed for refresh_token and client_credentials.' },
    username: { type: 'string', title: 'Username', description: 'The integration user (jwt flow).' },
    privateKey: { type: 'string', 'x-secret': true, title: 'Private key (PEM)', description: 'PKCS#8 private key whose certificate is uploaded to the connected app (jwt flow).' },
    refreshToken: { type: 'string', 'x-secret': true, title: 'Refresh token', description: 'Obtained by authorising the connection in the console (refresh_token flow).' },
    audience: { type: 'string', title: 'JWT audience', description: 'Only when it differs from the login URL.' },
    bulkThreshold: { type: 'integer', minimum: 200, default: 2000, title: 'Bulk threshold', description: 'Batches larger than this use Bulk API 2.0.' },
    changeSettleSeconds: { type: 'integer', minimum: 0, default: 2, title: 'Change settle time (s)', description: 'Changes newer than this are read on the next poll.' },
    bulkPollIntervalMs: { type: 'integer', minimum: 10, default: 2000, title: 'Bulk poll interval (ms)' },
    bulkTimeoutMs: { type: 'integer', minimum: 1000, default: 600000, title: 'Bulk timeout (ms)' },
  },
  allOf: [
    { if: { properties: { flow: { const: 'jwt' } } }, then: { required: ['username', 'privateKey'] } },
    { if: { properties: { flow: { const: 'refresh_token' } } }, then: { required: ['refreshToken'] } },
    { if: { properties: { flow: { const: 'client_credentials' } } }, then: { required: ['clientSecret'] } },
  ],
};

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));
const validate = ajv.compile(settingsSchema);

/** Validates raw settings (filling defaults) or throws SyncError('fatal') naming what is wrong. */
export function parseSettings(raw: Record<string, unknown>): SalesforceSettings {
  const copy = structuredClone(raw);
  if (!validate(copy)) {
    const msg = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()).join('; ');
    throw new SyncError('fatal', `Salesforce connection settings are invalid: ${msg}`, { system: 'salesforce' });
  }
  const s = copy as unknown as SalesforceSettings;
  s.loginUrl = s.loginUrl.replace(/\/+$/, '');
  if (s.instanceUrl) s.instanceUrl = s.instanceUrl.replace(/\/+$/, '');
  return s;
}
