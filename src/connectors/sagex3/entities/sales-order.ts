/**
 * SORDER: sales orders with their lines (`SORDERQ`: SOPLIN, ITMREF, QTY, GROPRI, NETPRI, DLVQTY,
 * INVQTY...), read through api1 and written through the sales order web service (object SOH; X3 gives
 * the number, prices, totals and statuses). Status menus: ORDSTA 1 Open / 2 Closed; DLVSTA 1 Not /
 * 2 Partly / 3 Delivered; INVSTA 1 Not / 2 Partly / 3 Invoiced; HLDSTA 1 Not on hold / 2 On hold.
 */
import type { EntitySpec } from '../../../core/connector.js';
import type { EntityHandler } from '../../shared/entities.js';
import { AUDIT, f, menu, text } from './fields.js';
import { withCustomer } from './customer-link.js';
import { restReads, type EntityContext } from './rest-entity.js';
import type { soapObjectWriter } from './soap-object.js';

/** The declaration. */
export const salesOrderSpec: EntitySpec = {
  name: 'SORDER',
  label: 'Sales order',
  idField: 'SOHNUM',
  updatedField: 'UPDDATTIM',
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'delete', 'batch'],
  description: 'X3 sales orders with their lines; `customer` carries the sold-to customer\'s name and main emails.',
  fields: [
    text('SOHNUM', 20, { externalId: true, description: 'Order number; given by X3 from the order type sequence when left empty.' }),
    text('SOHTYP', 5, { description: 'Order type (SON...).' }),
    text('SALFCY', 5, { required: true, description: 'Sales site.' }),
    text('STOFCY', 5, { description: 'Shipping site.' }),
    text('BPCORD', 15, { required: true, description: 'Sold-to customer.' }),
    text('CUSORDREF', 20, { description: 'Customer order reference (PO).' }),
    f('ORDDAT', 'date'),
    f('DEMDLVDAT', 'date', { description: 'Requested delivery date.' }),
    f('SHIDAT', 'date', { readOnly: true }),
    text('CUR', 3, { readOnly: true }),
    f('ORDNOT', 'decimal', { scale: 2, readOnly: true, description: 'Total excluding tax.' }),
    f('ORDATI', 'decimal', { scale: 2, readOnly: true, description: 'Total including tax.' }),
    menu('ORDSTA', ['1', '2'], '1 Open, 2 Closed.', { readOnly: true }),
    menu('DLVSTA', ['1', '2', '3'], '1 Not delivered, 2 Partly, 3 Delivered.', { readOnly: true }),
    menu('INVSTA', ['1', '2', '3'], '1 Not invoiced, 2 Partly, 3 Invoiced.', { readOnly: true }),
    menu('HLDSTA', ['1', '2'], '1 Not on hold, 2 On hold.', { readOnly: true }),
    f('SORDERQ', 'array', { required: true, description: 'Lines: ITMREF, QTY, optional GROPRI (else the item price), DSTOFCY.' }),
    f('customer', 'object', { readOnly: true }),
    ...AUDIT,
  ],
};

const QUERYABLE = ['SOHNUM', 'SOHTYP', 'SALFCY', 'BPCORD', 'CUSORDREF', 'ORDSTA', 'DLVSTA', 'INVSTA', 'HLDSTA', 'ORDDAT'];

/** The sales order handler. */
export function salesOrderHandler(ctx: EntityContext, writer: ReturnType<typeof soapObjectWriter>): EntityHandler {
  const reads = restReads({ spec: salesOrderSpec, cls: 'SORDER', keys: ['SOHNUM'], queryable: QUERYABLE, enrich: (rs, signal) => withCustomer(ctx, rs, 'BPCORD', signal) }, ctx);
  return { spec: salesOrderSpec, ...reads, write: (op) => writer.write(op) };
}
