/**
 * The Pardot (Account Engagement) connector: API v5 over a Salesforce OAuth token, with both
 * required headers, `fields` on every read and nextPageToken paging. Limits (5 concurrent calls per
 * business unit, the daily budget) are declared here and enforced by the engine.
 */
import type { ConnectorDefinition } from '../../core/connector.js';
import { PARDOT_ENTITIES, PardotConnector } from './connector.js';
import { pardotSettings } from './settings.js';
import { salesforceBrowserAuthorization } from '../shared/salesforce-oauth.js';

export { PardotConnector } from './connector.js';
export { normalizeEmail } from './entities/prospects.js';
export type { ImportHandle, ImportResult, ImportFailure } from './entities/imports.js';
export { classifyPardotError, nextMidnight } from './errors.js';
export { pardotSettings, readSettings, type PardotSettings } from './settings.js';

/** The connector declaration. */
export const pardotConnector: ConnectorDefinition = {
  type: 'pardot',
  label: 'Salesforce Account Engagement (Pardot)',
  description: 'Prospects, custom fields, lists, visitor and external activities, and bulk prospect imports through the Pardot API v5.',
  settings: pardotSettings,
  settingsSchema: pardotSettings.jsonSchema,
  entities: PARDOT_ENTITIES,
  // perDay is the smallest edition's budget; a connection's `rateLimits.perDay` setting overrides it.
  rateLimits: { concurrent: 5, perDay: 25_000 },
  // Pardot has no OAuth of its own: a Salesforce user authorises it through Salesforce's login.
  authorization: salesforceBrowserAuthorization('authFlow'),
  create: (ctx) => new PardotConnector(ctx),
};
