/**
 * The Salesforce connector: OAuth 2.0 (JWT bearer, refresh token, client credentials), REST on a
 * configured API version, sObject Collections, Composite, SOQL with safe binding, Bulk API 2.0 for
 * large volumes, and API-usage reporting from `Sforce-Limit-Info`.
 */
import type { ConnectorContext, ConnectorDefinition } from '../../core/connector.js';
import { SalesforceApi } from './api.js';
import { SalesforceConnection } from './connector.js';
import { ENTITIES } from './entities/catalog.js';
import { parseSettings, salesforceSettings } from './settings.js';
import { outboundMessages } from './outbound-messages.js';
import { salesforceBrowserAuthorization } from '../shared/salesforce-oauth.js';

/** The connector declaration. */
export const salesforceConnector: ConnectorDefinition = {
  type: 'salesforce',
  label: 'Salesforce',
  description: 'Salesforce Sales Cloud through the REST, Composite and Bulk 2.0 APIs.',
  settings: salesforceSettings,
  settingsSchema: salesforceSettings.jsonSchema,
  entities: ENTITIES,
  // 25 concurrent long-running requests is the org-wide ceiling; keep well under it. perDay is a
  // floor (Enterprise base allocation); Sforce-Limit-Info reports the org's real limit at run time.
  rateLimits: { perSecond: 20, concurrent: 10, perDay: 100_000 },
  // Outbound messages (flows with an outboundMessage trigger); Change Data Capture is SalesforceConnection.readStream.
  webhook: outboundMessages,
  authorization: salesforceBrowserAuthorization('flow'),
  create: (ctx: ConnectorContext) => new SalesforceConnection(ctx),
};

/** The typed lower-level API for a connection context (journeys use it for composite/bulk work). */
export function createSalesforceApi(ctx: Pick<ConnectorContext, 'settings' | 'state' | 'gate' | 'reportUsage'>): SalesforceApi {
  return new SalesforceApi(parseSettings(ctx.settings), ctx);
}

export { SalesforceApi } from './api.js';
export { SalesforceConnection } from './connector.js';
export { SalesforceClient, type SalesforceRequest, type TokenProvider } from './client.js';
export { parseSettings, salesforceSettings, settingsSchema, type SalesforceSettings } from './settings.js';
export { soqlLiteral, soqlString, soqlIdent, soqlDateTime, soqlLikeLiteral } from './soql.js';
export { fromApiError, fromBulkError, classifyResponse } from './errors.js';
export { ref, sobjectSubrequest, type CompositeSubrequest, type CompositeResult } from './entities/composite.js';
export type { BulkJobInfo, BulkOperation, IngestHandle } from './entities/bulk.js';
export { changesSoql } from './entities/read.js';
export { parseOutboundMessage, OUTBOUND_ACK } from './outbound-messages.js';
export { toWriteOutcomes, type ItemResult } from './entities/collections.js';
