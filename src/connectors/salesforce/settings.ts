/**
 * The Salesforce connection settings, declared once (core/settings-spec.ts): the declaration
 * validates them, renders the console form and documents them, and their type derives from it.
 */
import { Defaulted, defineSettings, StringEnum, Type, type SettingsOf } from '../../core/settings-spec.js';

const schema = Type.Object(
  {
    loginUrl: Defaulted(
      Type.String({ format: 'uri', title: 'Login URL', description: 'https://login.salesforce.com (production), https://test.salesforce.com (sandbox), or your My Domain URL (required for client credentials).' }),
      'https://login.salesforce.com',
    ),
    instanceUrl: Type.Optional(Type.String({ format: 'uri', title: 'Instance URL', description: 'Leave empty: taken from the token response.' })),
    apiVersion: Defaulted(Type.String({ pattern: '^\\d{2}\\.0$', title: 'API version', description: 'REST API version (46.0 or later).' }), '62.0'),
    flow: Defaulted(
      StringEnum(['jwt', 'refresh_token', 'client_credentials'], {
        title: 'OAuth flow',
        description: 'jwt: server-to-server with a certificate; refresh_token: authorise once in the console; client_credentials: connected app with a Run As user.',
      }),
      'jwt',
    ),
    clientId: Type.String({ minLength: 1, title: 'Consumer key', description: "The connected app's consumer key." }),
    clientSecret: Type.Optional(Type.String({ 'x-secret': true, title: 'Consumer secret', description: 'Needed for refresh_token and client_credentials.' })),
    username: Type.Optional(Type.String({ title: 'Username', description: 'The integration user (jwt flow).' })),
    privateKey: Type.Optional(Type.String({ 'x-secret': true, title: 'Private key (PEM)', description: 'PKCS#8 private key whose certificate is uploaded to the connected app (jwt flow).' })),
    refreshToken: Type.Optional(Type.String({ 'x-secret': true, title: 'Refresh token', description: 'Obtained by authorising the connection in the console (refresh_token flow).' })),
    audience: Type.Optional(Type.String({ title: 'JWT audience', description: 'Only when it differs from the login URL.' })),
    bulkThreshold: Defaulted(Type.Integer({ minimum: 200, title: 'Bulk threshold', description: 'Batches larger than this use Bulk API 2.0.' }), 2000),
    settleSeconds: Defaulted(
      Type.Integer({ minimum: 0, title: 'Settle time (s)', description: 'Change polling leaves records stamped in the last N seconds for the next poll, so a transaction still committing is not skipped. Formerly changeSettleSeconds.' }),
      2,
    ),
    changeDataCapture: Defaulted(
      Type.Boolean({
        title: 'Change Data Capture',
        description: 'Flows with a stream trigger follow Change Data Capture events. Turn off where the org has no Change Data Capture entitlement: those flows then poll (trigger.pollEvery).',
      }),
      true,
    ),
    organizationId: Type.Optional(
      Type.String({ pattern: '^00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?$', title: 'Organization ID', description: 'The org id (00D…) outbound messages must carry; notifications from any other org are refused.' }),
    ),
    bulkPollIntervalMs: Defaulted(Type.Integer({ minimum: 10, title: 'Bulk poll interval (ms)' }), 2000),
    bulkTimeoutMs: Defaulted(Type.Integer({ minimum: 1000, title: 'Bulk timeout (ms)' }), 600000),
  },
  {
    additionalProperties: false,
    // The credentials each OAuth flow needs.
    allOf: [
      { if: { properties: { flow: { const: 'jwt' } } }, then: { required: ['username', 'privateKey'] } },
      { if: { properties: { flow: { const: 'refresh_token' } } }, then: { required: ['refreshToken'] } },
      { if: { properties: { flow: { const: 'client_credentials' } } }, then: { required: ['clientSecret'] } },
    ],
  },
);

/** The one declaration of a Salesforce connection's settings; `changeSettleSeconds` is the deprecated name of `settleSeconds`. */
export const salesforceSettings = defineSettings(schema, { aliases: { changeSettleSeconds: 'settleSeconds' } });

/** JSON Schema of the settings; `x-secret` fields are encrypted at rest and never returned. */
export const settingsSchema = salesforceSettings.jsonSchema;

/** Settings of one Salesforce connection, defaults applied. */
export type SalesforceSettings = SettingsOf<typeof schema>;

/** Validates raw settings (filling defaults) or throws SyncError('fatal') naming what is wrong. */
export function parseSettings(raw: Record<string, unknown>): SalesforceSettings {
  const s = salesforceSettings.parse(raw, 'salesforce');
  s.loginUrl = s.loginUrl.replace(/\/+$/, '');
  if (s.instanceUrl) s.instanceUrl = s.instanceUrl.replace(/\/+$/, '');
  return s;
}
