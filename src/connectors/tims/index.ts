/**
 * TIMS connector: speaks Syncline's published TIMS bridge contract (docs/connectors/tims-contract.yaml),
 * not the TIMS vendor's API, which is not public. Guide: docs/connectors/tims.md.
 */
import type { ConnectorDefinition } from '../../core/connector.js';
import { createTimsConnection, TIMS_ENTITIES } from './connection.js';
import { timsSettings } from './settings.js';

export { CONTRACT_MAJOR, createTimsConnection, timsEntityTable } from './connection.js';
export { timsSettings, type TimsSettings } from './settings.js';

/** The TIMS connector declaration. */
export const timsConnector: ConnectorDefinition = {
  type: 'tims',
  label: 'TIMS (bridge)',
  description: 'TIMS ERP for gas and welding distributors, through a bridge implementing the Syncline TIMS contract: customers, locations, contacts, cylinder balances, items, availability, orders and quotes, invoices, payments, statements.',
  settings: timsSettings,
  settingsSchema: timsSettings.jsonSchema,
  entities: TIMS_ENTITIES,
  rateLimits: { perSecond: 10, concurrent: 4 },
  create: (ctx) => createTimsConnection(ctx),
};
