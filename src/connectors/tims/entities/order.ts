/**
 * TIMS orders and quotes (types ship, will-call, quote): polled with the buyer's e-mail for
 * marketing, created from a won deal. A deal already ordered (409 `duplicate_external_id`) answers
 * the existing order, so a Closed Won sent twice makes one order and its number is written back.
 */
import type { EntitySpec, WriteOutcome } from '../../../core/connector.js';
import { invalidField, SyncError } from '../../../core/errors.js';
import type { EntityHandler } from '../../shared/entities.js';
import type { BridgeRecord } from '../client.js';
import { SYSTEM } from '../errors.js';
import { checkLengths, day, derived, money, pick, pollList, stamp, text, toMoney, toRecord, withCustomer, type EntityDeps } from './shared.js';

const TYPES = ['ship', 'will-call', 'quote'] as const;

export const orderSpec: EntitySpec = {
  name: 'order',
  label: 'Order / quote',
  idField: 'orderNo',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes', 'get', 'find', 'create'],
  description: 'A TIMS sales order (ship or will-call) or quote.',
  fields: [
    text('orderNo', 12, { readOnly: true }),
    { name: 'type', type: 'picklist', enum: TYPES, required: true },
    { name: 'status', type: 'picklist', enum: ['open', 'ready', 'picked-up', 'shipped', 'invoiced', 'cancelled', 'expired'], readOnly: true },
    text('customerCode', 10, { required: true }),
    text('locationId', 20, { description: 'Ship-to; the default location when empty (not for will-call)' }),
    text('warehouseId', 6, { description: 'Pick-up branch of a will-call; shipping branch otherwise' }),
    day('orderDate'),
    text('poNumber', 25),
    { name: 'blanketPo', type: 'boolean' },
    text('externalId', 40, { externalId: true, description: 'The CRM deal (Opportunity id)' }),
    { name: 'lines', type: 'array', required: true, description: 'itemCode, quantity, unitPrice (omit for the price level)' },
    derived(money('total')),
    derived({ name: 'pickedUpAt', type: 'datetime' }),
    derived(text('invoiceNo')),
    stamp('modifiedAt'),
    derived(text('customerName', 40)),
    derived({ name: 'email', type: 'email', description: "The customer's e-mail" }),
  ],
};

/** The order entity. */
export function orderHandler(deps: EntityDeps): EntityHandler {
  const { client } = deps;
  const enrich = (rows: BridgeRecord[]) => withCustomer(deps, rows);
  const find = async (field: string, value: unknown) => {
    if (field !== 'externalId' && field !== 'customerCode') throw new SyncError('fatal', `TIMS orders can be found by externalId or customerCode, not ${field}`, { system: SYSTEM, field });
    if (value === null || value === undefined || value === '') return [];
    const rows: BridgeRecord[] = [];
    for await (const row of client.list('/orders', { [field]: String(value) })) rows.push(row);
    return (await enrich(rows)).map((r) => toRecord('order', String(r.orderNo), r));
  };
  return {
    spec: orderSpec,
    readChanges: (since, options) => pollList(deps, { path: '/orders', entity: 'order', key: (r) => String(r.orderNo), enrich }, since, options),
    async get(id) {
      const row = await client.find(`/orders/${encodeURIComponent(id)}`);
      return row ? toRecord('order', id, (await enrich([row]))[0]) : null;
    },
    find,
    async write(op): Promise<WriteOutcome & { ok: true }> {
      if (op.verb !== 'create') throw new SyncError('fatal', `the TIMS bridge contract only creates orders (asked to ${op.verb})`, { system: SYSTEM });
      const key = String(op.data.externalId ?? op.data.poNumber ?? op.data.customerCode ?? '');
      const body = orderBody(op.data, key);
      try {
        const row = await client.call('POST', '/orders', { body, idempotencyKey: op.idempotencyKey, recordKey: key });
        return { ok: true, id: String(row.orderNo), created: true, data: { orderNo: row.orderNo, total: row.total, status: row.status } };
      } catch (err) {
        if (err instanceof SyncError && err.details.vendorCode === 'duplicate_external_id' && body.externalId) {
          const [existing] = await find('externalId', body.externalId);
          if (existing) return { ok: true, id: existing.id, created: false, data: { orderNo: existing.id, total: existing.data.total, status: existing.data.status } };
        }
        throw err;
      }
    },
  };
}

/** The contract's OrderCreate from mapped fields, refusing what the bridge would refuse. */
function orderBody(data: Record<string, unknown>, key: string): Record<string, unknown> {
  checkLengths(data, orderSpec.fields, 'order', key);
  if (!TYPES.includes(data.type as (typeof TYPES)[number])) throw invalidField('type', data.type ?? null, `one of ${TYPES.join(', ')}`, undefined, key);
  if (!data.customerCode) throw invalidField('customerCode', data.customerCode ?? null, 'required', 'TIMS order: field "customerCode" is required: the deal\'s Account has no TIMS customer yet.', key);
  if (data.type === 'will-call' && !data.warehouseId) throw invalidField('warehouseId', null, 'required for will-call', 'TIMS order: a will-call order needs "warehouseId", the pick-up branch.', key);
  const lines = Array.isArray(data.lines) ? (data.lines as Array<Record<string, unknown>>) : [];
  if (lines.length === 0) throw invalidField('lines', data.lines ?? null, 'at least one line', 'TIMS order: an order needs at least one line.', key);
  const body = pick(data, ['type', 'customerCode', 'locationId', 'warehouseId', 'orderDate', 'poNumber', 'blanketPo', 'externalId']);
  if (typeof body.orderDate === 'string') body.orderDate = body.orderDate.slice(0, 10);
  body.lines = lines.map((l, i) => {
    const quantity = Number(l.quantity);
    if (!l.itemCode) throw invalidField(`lines.${i}.itemCode`, l.itemCode ?? null, 'required', `TIMS order: line ${i + 1} has no item code (is the product linked to a TIMS item?).`, key);
    if (!Number.isInteger(quantity) || quantity < 1) throw invalidField(`lines.${i}.quantity`, l.quantity ?? null, 'a whole number of at least 1', `TIMS order: line ${i + 1} quantity must be a whole number of at least 1, got ${JSON.stringify(l.quantity)}.`, key);
    const line: Record<string, unknown> = { itemCode: String(l.itemCode).toUpperCase(), quantity };
    if (l.unitPrice !== undefined && l.unitPrice !== null && l.unitPrice !== '') line.unitPrice = toMoney(l.unitPrice, `lines.${i}.unitPrice`, key);
    return line;
  });
  return body;
}
