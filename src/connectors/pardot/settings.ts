/**
 * The Pardot connection settings, declared once (core/settings-spec.ts): the declaration validates a
 * connection, renders its form and documents it; `readSettings` returns them typed, defaults applied,
 * with the API host derived.
 */
import { SyncError } from '../../core/errors.js';
import { Defaulted, defineSettings, StringEnum, Type, type SettingsOf } from '../../core/settings-spec.js';

/** Production and training business units. */
export const PRODUCTION_HOST = 'https://pi.pardot.com';
/** Demo, developer and sandbox business units. */
export const DEMO_HOST = 'https://pi.demo.pardot.com';

const schema = Type.Object(
  {
    businessUnitId: Type.String({
      title: 'Business unit id',
      description: 'The 18-character Account Engagement business unit id (starts with 0Uv). Setup → Account Engagement → Business Unit Setup.',
      pattern: '^0Uv[A-Za-z0-9]{15}$',
    }),
    environment: Defaulted(
      StringEnum(['production', 'demo'], {
        title: 'Environment',
        description: 'production (pi.pardot.com) for production and training units; demo (pi.demo.pardot.com) for demo, developer and sandbox units.',
      }),
      'production',
    ),
    baseUrl: Type.Optional(Type.String({ title: 'API base URL override', description: 'Replaces the host chosen by environment (the sandbox emulator, a proxy).' })),
    loginUrl: Defaulted(
      Type.String({
        title: 'Salesforce login URL',
        description: 'https://login.salesforce.com, https://test.salesforce.com for a sandbox org, or the My Domain URL (required for client credentials).',
      }),
      'https://login.salesforce.com',
    ),
    authFlow: StringEnum(['jwt', 'refresh_token', 'client_credentials'], { title: 'OAuth flow', default: 'jwt' }),
    clientId: Type.String({ title: 'Consumer key', description: 'The connected app consumer key.', minLength: 1 }),
    clientSecret: Type.Optional(Type.String({ title: 'Consumer secret', description: 'For refresh_token and client_credentials.', 'x-secret': true })),
    username: Type.Optional(Type.String({ title: 'Salesforce username', description: 'The integration user (jwt flow).' })),
    privateKey: Type.Optional(Type.String({ title: 'Private key (PEM, PKCS#8)', description: 'Signs the JWT assertion (jwt flow).', 'x-secret': true })),
    refreshToken: Type.Optional(Type.String({ title: 'Refresh token', description: 'From authorising the connection once (refresh_token flow).', 'x-secret': true })),
    rateLimits: Type.Optional(
      Type.Object(
        {
          perDay: Type.Optional(Type.Integer({ minimum: 1, description: 'API calls per day for this business unit.' })),
          concurrent: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'Calls in flight at once (Pardot allows 5 per business unit).' })),
          perSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Optional steady pace.' })),
        },
        {
          title: 'Rate limits',
          description: "Overrides of the declared limits, read by the engine's limiter. Set perDay to your edition's daily budget: Growth 25,000, Plus 50,000, Advanced and Premium 100,000.",
          additionalProperties: false,
        },
      ),
    ),
    accountTimeZone: Defaulted(
      Type.String({
        title: 'Account time zone',
        description: 'IANA name of the time zone set in the Account Engagement account; the daily budget is assumed to reset at its midnight.',
      }),
      'UTC',
    ),
    settleSeconds: Defaulted(
      Type.Integer({
        title: 'Settle time (s)',
        description: 'Change polling leaves records updated in the last N seconds for a later poll, because v5 reads may lag writes by up to 60 s. Formerly readLagSeconds.',
        minimum: 0,
      }),
      60,
    ),
    importThreshold: Defaulted(
      Type.Integer({
        title: 'Import API threshold',
        description: 'Batches with more prospect upserts than this go through the Import API; smaller ones are sent one call per record.',
        minimum: 1,
      }),
      50,
    ),
    importIdReadBack: Defaulted(
      Type.Integer({
        title: 'Import id read-back (rows)',
        description:
          'The Import API does not return prospect ids, and reading them back costs one query per 1,000 prospects. Imports of email upserts larger than this leave the ids unread: each prospect is linked on its next write, which upserts by email and returns the id. 0 never reads them back.',
        minimum: 0,
      }),
      5_000,
    ),
  },
  { additionalProperties: false },
);

/** The one declaration of a Pardot connection's settings; `readLagSeconds` is the deprecated name of `settleSeconds`. */
export const pardotSettings = defineSettings(schema, { aliases: { readLagSeconds: 'settleSeconds' } });

/** Settings of one connection, defaults applied, with the API origin actually used (baseUrl or the environment's host, no trailing slash). */
export type PardotSettings = SettingsOf<typeof schema> & { apiBaseUrl: string };

/** Applies defaults from the declaration and derives the API host. */
export function readSettings(raw: Record<string, unknown>): PardotSettings {
  const s = pardotSettings.parse(raw, 'pardot');
  const host = s.baseUrl ? s.baseUrl : s.environment === 'demo' ? DEMO_HOST : PRODUCTION_HOST;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: s.accountTimeZone });
  } catch {
    throw new SyncError('fatal', `Pardot connection: accountTimeZone "${s.accountTimeZone}" is not an IANA time zone`, { system: 'pardot', field: 'accountTimeZone' });
  }
  return { ...s, apiBaseUrl: host.replace(/\/+$/, '') };
}
