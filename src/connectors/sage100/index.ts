/**
 * Sage 100 connector: writes customers and sales orders through eBusiness Web Services (SOAP),
 * reads and polls customers, orders, invoice history, items and stock through the Sage 100 ODBC
 * driver. Guide: docs/connectors/sage100.md. Read-path decision: docs/decisions/0005-sage100-odbc.md.
 */
import type { ConnectorDefinition } from '../../core/connector.js';
import { ENTITY_MODULES, Sage100Connection } from './connection.js';
import { sage100Settings } from './settings.js';

export { Sage100Connection, type Sage100ConnectionOptions } from './connection.js';
export type { InvoiceTotals } from './invoice-totals.js';
export { sage100Settings, type Sage100Settings } from './settings.js';

/** The Sage 100 connector declaration. */
export const sage100Connector: ConnectorDefinition = {
  type: 'sage100',
  label: 'Sage 100',
  description: 'Sage 100 (MAS 90/200): customers and sales orders written through eBusiness Web Services; customers, orders, invoice history, items and stock read through ODBC.',
  settings: sage100Settings,
  settingsSchema: sage100Settings.jsonSchema,
  entities: ENTITY_MODULES.map((m) => m.spec),
  // eBWS runs business objects in one IIS pool per user; more than a couple of calls at once only queue there.
  rateLimits: { concurrent: 2, perSecond: 10 },
  create: (ctx) => new Sage100Connection(ctx),
};
