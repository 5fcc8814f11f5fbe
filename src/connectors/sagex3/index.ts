/**
 * Sage X3 connector: customers, sales orders and items written through the classic SOAP web services
 * (CAdxWebServiceXmlCC); every entity read and change-polled through the Syracuse REST api1 on
 * UPDDATTIM. Guide: docs/connectors/sagex3.md. Quirks: README.md in this folder.
 */
import type { ConnectorDefinition } from '../../core/connector.js';
import { SageX3Connection } from './connection.js';
import { customerSpec } from './entities/customer.js';
import { itemSpec } from './entities/item.js';
import { invoiceSpec, itemSiteSpec, shipmentSpec, stockSpec } from './entities/read-only.js';
import { salesOrderSpec } from './entities/sales-order.js';
import { sageX3Settings } from './settings.js';

export { SageX3Connection, type SageX3ConnectionOptions } from './connection.js';
export { sageX3Settings, type SageX3Settings } from './settings.js';

/** The Sage X3 connector declaration. */
export const sageX3Connector: ConnectorDefinition = {
  type: 'sagex3',
  label: 'Sage X3',
  description: 'Sage X3 (Sage Enterprise Management): customers, sales orders and items written through the classic SOAP web services; customers, orders, items, stock, shipments and invoices read and polled through the Syracuse REST api1.',
  settings: sageX3Settings,
  settingsSchema: sageX3Settings.jsonSchema,
  entities: [customerSpec, salesOrderSpec, itemSpec, itemSiteSpec, stockSpec, shipmentSpec, invoiceSpec],
  // A classic SOAP pool runs a few X3 processes ("children"); more calls at once only queue in it.
  rateLimits: { concurrent: 4, perSecond: 20 },
  create: (ctx) => new SageX3Connection(ctx),
};
