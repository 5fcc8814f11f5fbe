/**
 * The classes read (never written) by flows: ITMMVT (stock totals per item and site), STOCK (stock
 * lines by site, lot and location), SDELIVERY (shipments, with the customer), SINVOICE (invoices,
 * with the customer).
 */
import type { EntitySpec } from '../../../core/connector.js';
import type { EntityHandler } from '../../shared/entities.js';
import { withCustomer } from './customer-link.js';
import { AUDIT, f, menu, text } from './fields.js';
import { restReads, type EntityContext } from './rest-entity.js';

const readOps = ['read', 'changes', 'get', 'find'] as const;

/** ITMMVT. */
export const itemSiteSpec: EntitySpec = {
  name: 'ITMMVT',
  label: 'Item stock per site',
  idField: 'ITMREF~STOFCY',
  updatedField: 'UPDDATTIM',
  operations: readOps,
  description: 'Per item and site: physical stock, allocated, on open orders. Available ≈ PHYSTO − PHYALL.',
  fields: [text('ITMREF', 20), text('STOFCY', 5), f('PHYSTO', 'decimal', { scale: 3 }), f('PHYALL', 'decimal', { scale: 3 }), f('SALSTO', 'decimal', { scale: 3 }), f('AVC', 'decimal', { scale: 4 }), ...AUDIT],
};

/** STOCK. */
export const stockSpec: EntitySpec = {
  name: 'STOCK',
  label: 'Stock line',
  idField: 'STOFCY~STOCOU',
  updatedField: 'UPDDATTIM',
  operations: readOps,
  fields: [text('STOFCY', 5), text('STOCOU', 15), text('ITMREF', 20), text('LOT', 15), text('LOC', 10), text('STA', 3, { description: 'A available, Q quarantine, R rejected.' }), f('QTYSTU', 'decimal', { scale: 3 }), f('CUMALLQTY', 'decimal', { scale: 3 }), ...AUDIT],
};

/** SDELIVERY. */
export const shipmentSpec: EntitySpec = {
  name: 'SDELIVERY',
  label: 'Shipment (delivery)',
  idField: 'SDHNUM',
  updatedField: 'UPDDATTIM',
  operations: readOps,
  fields: [text('SDHNUM', 20), text('SOHNUM', 20), text('BPCORD', 15), f('SHIDAT', 'date'), text('BPTNUM', 15, { description: 'Carrier.' }), text('TRKNUM', 30, { description: 'Tracking number.' }), menu('CFMFLG', ['1', '2'], 'Validated: 1 No, 2 Yes.'), f('SDELIVERYD', 'array'), f('customer', 'object', { readOnly: true }), ...AUDIT],
};

/** SINVOICE. */
export const invoiceSpec: EntitySpec = {
  name: 'SINVOICE',
  label: 'Sales invoice',
  idField: 'NUM',
  updatedField: 'UPDDATTIM',
  operations: readOps,
  fields: [text('NUM', 20), text('SIVTYP', 5), text('BPR', 15), f('ACCDAT', 'date'), f('AMTNOT', 'decimal', { scale: 2 }), f('AMTATI', 'decimal', { scale: 2 }), text('CUR', 3), f('STRDUDDAT', 'date'), menu('STA', ['1', '2', '3'], '3 = posted.'), text('SOHNUM', 20), f('SINVOICED', 'array'), f('customer', 'object', { readOnly: true }), ...AUDIT],
};

/** The read-only handlers. */
export function readOnlyHandlers(ctx: EntityContext): Record<string, EntityHandler> {
  return {
    ITMMVT: { spec: itemSiteSpec, ...restReads({ spec: itemSiteSpec, cls: 'ITMMVT', keys: ['ITMREF', 'STOFCY'], queryable: ['ITMREF', 'STOFCY'] }, ctx) },
    STOCK: { spec: stockSpec, ...restReads({ spec: stockSpec, cls: 'STOCK', keys: ['STOFCY', 'STOCOU'], queryable: ['ITMREF', 'STOFCY', 'LOT', 'LOC', 'STA'] }, ctx) },
    SDELIVERY: { spec: shipmentSpec, ...restReads({ spec: shipmentSpec, cls: 'SDELIVERY', keys: ['SDHNUM'], queryable: ['SDHNUM', 'SOHNUM', 'BPCORD'], enrich: (rs, s) => withCustomer(ctx, rs, 'BPCORD', s) }, ctx) },
    SINVOICE: { spec: invoiceSpec, ...restReads({ spec: invoiceSpec, cls: 'SINVOICE', keys: ['NUM'], queryable: ['NUM', 'BPR', 'SOHNUM', 'STA'], enrich: (rs, s) => withCustomer(ctx, rs, 'BPR', s) }, ctx) },
  };
}
