/**
 * TIMS customers: polled with their figures and cylinder holdings; created with a default ship-to
 * location in one call (`POST /customers` with `locations`), updated with PATCH. A create whose
 * `externalId` the bridge already knows (409 `duplicate_external_id`) answers that customer instead,
 * so a lead sent twice, or two leads of one Account, never make two customers.
 */
import type { EntitySpec, WriteOp, WriteOutcome } from '../../../core/connector.js';
import { invalidField, SyncError } from '../../../core/errors.js';
import type { EntityHandler } from '../../shared/entities.js';
import type { BridgeRecord } from '../client.js';
import { SYSTEM } from '../errors.js';
import { checkLengths, day, derived, int, money, pick, pollList, stamp, text, toMoney, toRecord, type EntityDeps } from './shared.js';

const STATUSES = ['active', 'credit-hold', 'inactive'] as const;

/** The contract's writable customer fields. */
const WRITABLE = ['name', 'status', 'creditLimit', 'terms', 'salesperson', 'email', 'phone', 'externalId'] as const;
/** Address fields the connector folds into `billingAddress` and the default location. */
const ADDRESS = ['line1', 'line2', 'city', 'state', 'postalCode', 'country'] as const;

export const customerSpec: EntitySpec = {
  name: 'customer',
  label: 'Customer',
  idField: 'customerCode',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert'],
  description: 'A TIMS customer (account) with its receivable figures and the cylinders it holds.',
  fields: [
    text('customerCode', 10, { readOnly: true, description: 'Assigned by TIMS' }),
    text('name', 40, { required: true }),
    { name: 'status', type: 'picklist', enum: STATUSES },
    money('creditLimit'),
    derived(money('balance', { description: 'Open receivables' })),
    derived(money('pastDueBalance')),
    derived(money('lifetimeSales')),
    text('terms', 10, { required: true, description: 'Terms code (NET30, COD)' }),
    text('salesperson', 6),
    { name: 'email', type: 'email', maxLength: 80 },
    { name: 'phone', type: 'phone', maxLength: 20 },
    text('externalId', 40, { externalId: true, description: 'The CRM id of this customer' }),
    derived({ name: 'billingAddress', type: 'object' }),
    derived(text('defaultLocationId')),
    derived(int('cylindersHeld')),
    derived(money('monthlyRental')),
    derived(day('lastOrderDate')),
    derived(day('lastPaymentDate')),
    derived(int('averageDaysToPay')),
    stamp('createdAt'),
    stamp('modifiedAt'),
    // The connector's own: an address for billing and the default ship-to, and the holdings it reads.
    text('line1', 40, { description: 'Billing and default ship-to address, line 1' }),
    text('line2', 40),
    text('city', 30),
    text('state', 2, { description: 'Two-letter state code' }),
    text('postalCode', 10),
    text('country', 2, { description: 'ISO 3166 alpha-2 (US)' }),
    text('locationName', 40, { description: 'Name of the default ship-to created with the customer' }),
    text('warehouseId', 6, { description: 'The branch serving the default ship-to' }),
    derived({ name: 'cylinderBalances', type: 'array', description: 'Cylinders held, by location, gas type and size' }),
    derived(text('cylinderSummary', undefined, { description: 'Holdings in one line: "Argon 300 ×4; Oxygen 125 ×2"' })),
  ],
};

/** The customer entity. */
export function customerHandler(deps: EntityDeps): EntityHandler {
  const { client } = deps;
  const path = (code: string) => `/customers/${encodeURIComponent(code)}`;

  /** Adds the holdings the customer's figures summarise. */
  const enrich = async (rows: BridgeRecord[]): Promise<BridgeRecord[]> => {
    const out: BridgeRecord[] = [];
    for (const row of rows) {
      const balances = (await client.all(`${path(String(row.customerCode))}/cylinder-balances`)).filter((b) => Number(b.count) > 0);
      const summary = balances.map((b) => `${String(b.gasType)} ${String(b.size)} ×${String(b.count)}`).join('; ');
      out.push({ ...row, cylinderBalances: balances, cylinderSummary: summary });
    }
    return out;
  };

  const find = async (field: string, value: unknown) => {
    if (field !== 'email' && field !== 'externalId' && field !== 'customerCode') {
      throw new SyncError('fatal', `TIMS customers can be found by email, externalId or customerCode, not ${field}`, { system: SYSTEM, field });
    }
    if (value === null || value === undefined || value === '') return [];
    if (field === 'customerCode') {
      const one = await client.find(path(String(value)));
      return one ? [toRecord('customer', String(one.customerCode), (await enrich([one]))[0])] : [];
    }
    const rows: BridgeRecord[] = [];
    for await (const row of client.list('/customers', { [field]: String(value) })) rows.push(row);
    return rows.map((r) => toRecord('customer', String(r.customerCode), r));
  };

  const update = async (code: string, data: Record<string, unknown>): Promise<WriteOutcome & { ok: true }> => {
    const body = changes(data, code);
    const row = Object.keys(body).length ? await client.call('PATCH', path(code), { body, recordKey: code }) : await client.call('GET', path(code));
    return { ok: true, id: code, created: false, data: { customerCode: code, defaultLocationId: row.defaultLocationId ?? null } };
  };

  const create = async (op: WriteOp): Promise<WriteOutcome & { ok: true }> => {
    const key = String(op.data.externalId ?? op.data.email ?? op.data.name ?? '');
    const body = changes(op.data, key);
    if (!body.name) throw invalidField('name', op.data.name ?? null, 'required', 'TIMS customer: field "name" is required.', key);
    if (!body.terms) throw invalidField('terms', op.data.terms ?? null, 'required', 'TIMS customer: field "terms" is required (map it or set a value in the flow).', key);
    const address = addressOf(op.data, key);
    if (address) body.locations = [{ name: String(op.data.locationName || body.name).slice(0, 40), address, ...(op.data.warehouseId ? { warehouseId: op.data.warehouseId } : {}) }];
    try {
      const row = await client.call('POST', '/customers', { body, idempotencyKey: op.idempotencyKey, recordKey: key });
      return { ok: true, id: String(row.customerCode), created: true, data: { customerCode: row.customerCode, defaultLocationId: row.defaultLocationId ?? null } };
    } catch (err) {
      // The bridge already has the customer of this CRM record (a retried create, or another lead of
      // the same Account): link to it as it is. Its master data is not overwritten by a second contact.
      if (err instanceof SyncError && err.details.vendorCode === 'duplicate_external_id' && body.externalId) {
        const [existing] = await find('externalId', body.externalId);
        if (existing) return { ok: true, id: existing.id, created: false, data: { customerCode: existing.id, defaultLocationId: existing.data.defaultLocationId ?? null } };
      }
      throw err;
    }
  };

  return {
    spec: customerSpec,
    readChanges: (since, options) => pollList(deps, { path: '/customers', entity: 'customer', key: (r) => String(r.customerCode), enrich }, since, options),
    async get(id) {
      const row = await client.find(path(id));
      return row ? toRecord('customer', id, (await enrich([row]))[0]) : null;
    },
    find,
    async write(op) {
      switch (op.verb) {
        case 'create':
          return create(op);
        case 'update':
          if (!op.id) throw new SyncError('fatal', 'TIMS customer update needs the customer code', { system: SYSTEM });
          return update(op.id, op.data);
        case 'upsert': {
          if (op.id) return update(op.id, op.data);
          if (!op.match) throw new SyncError('fatal', 'TIMS customer upsert needs an id or a match field (email, externalId)', { system: SYSTEM });
          const found = await find(op.match.field, op.match.value);
          if (found.length > 1) throw new SyncError('conflict', `TIMS: ${found.length} customers have ${op.match.field} = ${JSON.stringify(op.match.value)}`, { system: SYSTEM, field: op.match.field });
          return found.length ? update(found[0].id, op.data) : create({ ...op, verb: 'create' });
        }
        case 'delete':
          throw new SyncError('fatal', 'the TIMS bridge contract does not delete customers; set status inactive instead', { system: SYSTEM });
      }
    },
  };
}

/** The contract fields a write sends, checked and normalised. */
function changes(data: Record<string, unknown>, key: string): Record<string, unknown> {
  checkLengths(data, customerSpec.fields, 'customer', key);
  const body = pick(data, WRITABLE);
  if (body.creditLimit !== undefined) body.creditLimit = toMoney(body.creditLimit, 'creditLimit', key);
  if (typeof body.email === 'string' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) throw invalidField('email', body.email, 'an e-mail address', `TIMS customer: field "email" is not an e-mail address: ${JSON.stringify(body.email)}.`, key);
  if (body.status !== undefined && !STATUSES.includes(body.status as (typeof STATUSES)[number])) throw invalidField('status', body.status, `one of ${STATUSES.join(', ')}`, undefined, key);
  const address = addressOf(data, key);
  if (address) body.billingAddress = address;
  return body;
}

/** The contract address from the flat fields, or null without a first line. */
function addressOf(data: Record<string, unknown>, key: string): Record<string, unknown> | null {
  if (!data.line1) return null;
  const a = pick(data, ADDRESS);
  for (const f of ['city', 'state', 'postalCode', 'country'] as const) {
    if (!a[f]) throw invalidField(f, data[f] ?? null, 'required with an address', `TIMS customer: field "${f}" is required when an address is given.`, key);
  }
  if (!/^[A-Z]{2}$/.test(String(a.state))) throw invalidField('state', a.state, 'two-letter state code', `TIMS customer: field "state" must be a two-letter code (MT), got ${JSON.stringify(a.state)}.`, key);
  if (!/^[A-Z]{2}$/.test(String(a.country))) throw invalidField('country', a.country, 'ISO 3166 alpha-2', `TIMS customer: field "country" must be a two-letter ISO code (US), got ${JSON.stringify(a.country)}.`, key);
  return a;
}
