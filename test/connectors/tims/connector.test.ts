/**
 * The TIMS connector against the emulator over real HTTP. Every request the connector sent and every
 * answer it read are checked against the contract file at the end; the connector's entity fields
 * are held to the contract's schemas, so neither side can drift from the published contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, ConnectorContext, Watermark } from '../../../src/core/connector.js';
import { SyncError } from '../../../src/core/errors.js';
import { readFileSync } from 'node:fs';
import { CONTRACT_MAJOR, createTimsConnection, timsConnector, timsEntityTable, timsSettings } from '../../../src/connectors/tims/index.js';
import { specsOf } from '../../../src/connectors/shared/entities.js';
import { startTimsEmulator, type RunningTimsEmulator } from '../../../src/sandbox/tims/index.js';
import { timsContract } from '../../support/tims-contract.js';

let emu: RunningTimsEmulator;
let conn: Connector;
const gated: string[] = [];
const contract = timsContract();

function context(settings: Record<string, unknown>, log = gated): ConnectorContext {
  const quiet = () => undefined;
  const state = new Map<string, unknown>();
  return {
    connectionName: 'tims-test',
    settings,
    state: { get: async (k) => state.get(k), set: async (k, v) => void state.set(k, v) },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    reportUsage: quiet,
    gate: { acquire: async (op) => (log.push(op), () => undefined) },
  };
}
const settings = (extra: Record<string, unknown> = {}) => ({ baseUrl: emu.baseUrl, apiKey: emu.apiKey, pageSize: 3, ...extra });

async function rejection(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SyncError);
    return err as SyncError;
  }
  throw new Error('expected a rejection');
}

/** Reads every change after `since`, page by page, as the engine would. */
async function drain(entity: string, since: Watermark | null, limit = 4) {
  const records = [];
  let mark = since;
  for (let i = 0; i < 50; i++) {
    const page = await conn.readChanges(entity, mark, { limit, overlapMs: 0 });
    records.push(...page.records);
    mark = page.next;
    if (!page.hasMore) break;
  }
  return { records, mark };
}

beforeAll(async () => {
  emu = await startTimsEmulator();
  conn = createTimsConnection(context(settings()), () => emu.clock.now().getTime());
});
afterAll(async () => {
  await conn?.close();
  await emu?.close();
});

describe('settings and check', () => {
  it('declares its settings once, with defaults and the API key secret', () => {
    expect(timsConnector.settingsSchema).toBe(timsSettings.jsonSchema);
    expect(timsSettings.fields.find((f) => f.name === 'apiKey')).toMatchObject({ secret: true, required: true });
    expect(timsSettings.parse({ baseUrl: 'https://b.example/api/v1', apiKey: 'k' }, 'tims')).toMatchObject({ pageSize: 200, settleSeconds: 0, timeoutMs: 30000 });
    expect(timsSettings.problems({ baseUrl: 'https://b.example/api/v1' }).join()).toMatch(/apiKey/);
  });

  it('reports the company and contract version, and a refused key without retrying', async () => {
    expect(await conn.check()).toMatchObject({ ok: true, info: { contractVersion: contract.version, company: 'High Plains Welding & Gas Supply' } });
    const bad = createTimsConnection(context(settings({ apiKey: 'wrong' }), []));
    const r = await bad.check();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/401 unauthorized.*API key/);
    expect((await rejection(bad.get('customer', 'C1001'))).kind).toBe('unauthorized');
  });

  it('refuses a bridge of another major contract version', async () => {
    emu.faults.add({ path: '/api/v1/info', count: 1, fault: { status: 200, body: { contractVersion: '2.0.0', companyName: 'X', timsVersion: 'V9' } } });
    expect(await conn.check()).toMatchObject({ ok: false, message: expect.stringMatching(/contract 2\.0\.0.*1\.x/) });
  });
});

describe('change polling', () => {
  let mark: Watermark | null = null;

  it('reads every customer once, in (modifiedAt, key) order, across pages, with cylinder holdings', async () => {
    const { records, mark: next } = await drain('customer', null);
    mark = next;
    const customers = [...emu.books.customers.keys()];
    expect(records.map((r) => r.id).sort()).toEqual(customers.sort());
    const order = records.map((r) => `${r.updatedAt}|${r.id}`);
    expect(order).toEqual([...order].sort());
    const mine = records.find((r) => r.data.name === 'Stillwater Mine Maintenance')!;
    expect(mine.data.cylinderSummary).toMatch(/Argon 300 ×20/);
    expect(mine.data.cylindersHeld).toBe((mine.data.cylinderBalances as unknown[]).reduce((s: number, b) => s + Number((b as { count: number }).count), 0));
    expect((await conn.readChanges('customer', mark, { limit: 10, overlapMs: 0 })).records).toEqual([]);
  });

  it('sees a cylinder delivery, a will-call pick-up and a payment on the next poll', async () => {
    emu.clock.advance(1000);
    const code = [...emu.books.customers.values()].find((c) => c.name === 'Big Sky Brewing Co')!.customerCode;
    emu.deliverCylinders({ customerCode: code, gasType: 'CO2', size: '50LB', count: 6 });
    const { records } = await drain('customer', mark);
    expect(records.map((r) => r.id)).toEqual([code]);
    expect(records[0].data.cylinderSummary).toMatch(/CO2 50LB ×24/);
    const orders = await drain('order', null, 50);
    const ready = orders.records.find((r) => r.data.type === 'will-call' && r.data.status === 'ready')!;
    expect(ready.data.email).toBeTruthy();
    emu.clock.advance(1000);
    emu.pickUp(ready.id);
    const after = await drain('order', orders.mark);
    expect(after.records.map((r) => [r.id, r.data.status])).toEqual([[ready.id, 'picked-up']]);
    const invoices = await drain('invoice', null, 100);
    expect(invoices.records.every((r) => typeof r.data.email === 'string' || r.data.email === null)).toBe(true);
    emu.clock.advance(1000);
    const invoiceNo = emu.postInvoice(ready.id);
    emu.receivePayment({ customerCode: String(ready.data.customerCode), amount: emu.books.invoices.get(invoiceNo)!.total, invoiceNo });
    expect((await drain('invoice', invoices.mark)).records.map((r) => [r.id, r.data.status])).toEqual([[invoiceNo, 'paid']]);
    const payments = await drain('payment', null, 100);
    expect(payments.records.at(-1)!.data).toMatchObject({ customerCode: ready.data.customerCode, appliedTo: [{ invoiceNo }] });
  });

  it('polls items, availability with totals across warehouses, cylinder balances and statements', async () => {
    const items = await drain('item', null, 100);
    expect(items.records.find((r) => r.id === 'AC-B')!.data).toMatchObject({ hazmat: true, hazmatClass: '2.1', listPrice: '42.00' });
    const stock = await drain('availability', null, 100);
    const argon = stock.records.filter((r) => r.data.itemCode === 'AR-300');
    expect(argon.map((r) => r.id).sort()).toEqual(['AR-300/BIL', 'AR-300/BZN', 'AR-300/GTF']);
    const total = argon.reduce((s, r) => s + Math.max(0, Number(r.data.available)), 0);
    expect(argon.every((r) => r.data.totalAvailable === total)).toBe(true);
    expect(argon[0].data.byWarehouse).toMatch(/^BIL:\d+; BZN:\d+; GTF:\d+$/);
    expect((await drain('cylinderBalance', null, 100)).records.length).toBe(emu.books.cylinders.size);
    expect((await drain('statement', null, 100)).records.length).toBe(emu.books.statements.size);
  });

  it('leaves records younger than the read lag for the next poll', async () => {
    const lagging = createTimsConnection(context(settings({ settleSeconds: 60 })), () => emu.clock.now().getTime());
    const { mark: m } = await (async () => {
      const all = await lagging.readChanges('item', null, { limit: 500, overlapMs: 0 });
      return { mark: all.next };
    })();
    emu.clock.advance(1000);
    emu.setAvailability({ itemCode: 'HE-300', warehouseId: 'BZN', onHand: 3 });
    expect((await lagging.readChanges('availability', null, { limit: 500, overlapMs: 0 })).records.some((r) => r.id === 'HE-300/BZN' && r.data.onHand === 3)).toBe(false);
    emu.clock.advance(61_000);
    expect((await lagging.readChanges('availability', null, { limit: 500, overlapMs: 0 })).records.some((r) => r.id === 'HE-300/BZN' && r.data.onHand === 3)).toBe(true);
    expect(m).not.toBeNull();
  });
});

describe('writes', () => {
  const lead = { name: 'Laurel Refinery Maintenance', terms: 'NET30', email: 'maint@laurelrefinery.example', externalId: '001Hs00000LAUREL', line1: '803 Hwy 212 S', city: 'Laurel', state: 'MT', postalCode: '59044', country: 'US', warehouseId: 'BIL' };

  it('creates a customer with its default ship-to; the same CRM record again answers it', async () => {
    const first = await conn.write('customer', { verb: 'create', data: lead, idempotencyKey: 'flow:customer:00Q1' });
    expect(first).toMatchObject({ ok: true, created: true, data: { customerCode: first.id, defaultLocationId: `${first.id}-01` } });
    expect(emu.customer(first.id)).toMatchObject({ name: lead.name, billingAddress: { city: 'Laurel', state: 'MT' } });
    // Another lead of the same Account: linked to the customer, whose master data stays as it was.
    const again = await conn.write('customer', { verb: 'create', data: { ...lead, email: 'rosa@laurelrefinery.example', phone: '+14066280000' } });
    expect(again).toMatchObject({ id: first.id, created: false });
    expect(emu.customer(first.id)).toMatchObject({ email: lead.email, phone: null });
    const upsert = await conn.write('customer', { verb: 'upsert', match: { field: 'email', value: lead.email }, data: { ...lead, creditLimit: 15000 } });
    expect(upsert).toMatchObject({ id: first.id, created: false });
    expect(emu.customer(first.id)!.creditLimit).toBe('15000.00');
    expect([...emu.books.customers.values()].filter((c) => c.externalId === lead.externalId)).toHaveLength(1);
    expect((await conn.find('customer', 'externalId', lead.externalId)).map((r) => r.id)).toEqual([first.id]);
    // The contract's email search is case-insensitive: a key with other capitals and padding finds the customer.
    expect((await conn.find('customer', 'email', ' MAINT@LaurelRefinery.example ')).map((r) => r.id)).toEqual([first.id]);
    expect(await conn.get('customer', 'NOPE')).toBeNull();
  });

  it('refuses bad customer data naming the field, before or at the bridge', async () => {
    const long = await rejection(conn.write('customer', { verb: 'create', data: { ...lead, externalId: null, email: null, name: 'N'.repeat(41) } }));
    expect(long).toMatchObject({ kind: 'invalid_data', details: { field: 'name' } });
    const state = await rejection(conn.write('customer', { verb: 'create', data: { ...lead, externalId: null, email: null, state: 'Montana' } }));
    expect(state).toMatchObject({ kind: 'invalid_data', details: { field: 'state' } });
    const email = await rejection(conn.write('customer', { verb: 'create', data: { ...lead, externalId: null, email: 'not-an-email' } }));
    expect(email).toMatchObject({ kind: 'invalid_data', details: { field: 'email' } });
  });

  it('creates ship and will-call orders; the same deal twice answers the first order', async () => {
    const code = (await conn.find('customer', 'externalId', lead.externalId))[0].id;
    const deal = { type: 'will-call', customerCode: code, warehouseId: 'BZN', externalId: '006Hs0000LAUREL1', orderDate: '2026-12-05', poNumber: 'LR-77', lines: [{ itemCode: 'ar-300', quantity: 2, unitPrice: 65 }, { itemCode: 'GLV-MIG-L', quantity: 4 }] };
    const first = await conn.write('order', { verb: 'create', data: deal, idempotencyKey: 'flow:order:006A' });
    expect(first).toMatchObject({ created: true, data: { total: '188.00', status: 'open' } });
    const again = await conn.write('order', { verb: 'create', data: deal });
    expect(again).toMatchObject({ id: first.id, created: false });
    expect([...emu.books.orders.values()].filter((o) => o.externalId === deal.externalId)).toHaveLength(1);
    const shipped = await conn.write('order', { verb: 'create', data: { type: 'ship', customerCode: code, lines: [{ itemCode: 'OX-125', quantity: 1 }] } });
    expect(emu.books.orders.get(shipped.id)).toMatchObject({ type: 'ship', locationId: `${code}-01` });
    expect(await rejection(conn.write('order', { verb: 'create', data: { ...deal, externalId: null, lines: [{ itemCode: 'AR-300', quantity: 1.5 }] } }))).toMatchObject({ kind: 'invalid_data', details: { field: 'lines.0.quantity' } });
    expect(await rejection(conn.write('order', { verb: 'create', data: { ...deal, externalId: null, warehouseId: undefined } }))).toMatchObject({ kind: 'invalid_data', details: { field: 'warehouseId' } });
    expect(await rejection(conn.write('order', { verb: 'create', data: { ...deal, externalId: null, lines: [{ itemCode: 'NOPE', quantity: 1 }] } }))).toMatchObject({ kind: 'invalid_data', details: { field: 'lines.0.itemCode', vendorCode: 'unknown_reference' } });
    const location = await conn.write('location', { verb: 'create', data: { customerCode: code, name: 'Tank farm', line1: '1 Tank Rd', city: 'Laurel', state: 'MT', postalCode: '59044', country: 'US' } });
    expect(location.id).toBe(`${code}/${code}-02`);
    const contact = await conn.write('contact', { verb: 'create', data: { customerCode: code, firstName: 'Rosa', lastName: 'Vega', email: 'rosa@laurelrefinery.example' } });
    expect(contact.id).toMatch(new RegExp(`^${code}/`));
  });
});

describe('errors', () => {
  it('maps 429 with Retry-After to rate_limited, 5xx to retryable, 409 to conflict, unknown entities to fatal', async () => {
    emu.faults.add({ path: '/api/v1/items', count: 1, fault: { vendorError: 'rate_limited' } });
    expect(await rejection(conn.readChanges('item', null, { limit: 5 }))).toMatchObject({ kind: 'rate_limited', details: { retryAfterMs: 2000, status: 429, system: 'tims' } });
    emu.faults.add({ path: '/api/v1/items', count: 1, fault: { vendorError: 'internal_error' } });
    expect((await rejection(conn.readChanges('item', null, { limit: 5 }))).kind).toBe('retryable');
    emu.faults.add({ path: '/api/v1/customers$', method: 'POST', count: 1, fault: { vendorError: 'duplicate_email' } });
    expect(await rejection(conn.write('customer', { verb: 'create', data: { name: 'Dup', terms: 'COD' } }))).toMatchObject({ kind: 'conflict', details: { vendorCode: 'duplicate_email' } });
    expect((await rejection(Promise.resolve().then(() => conn.readChanges('nope', null, { limit: 5 })))).kind).toBe('fatal');
    expect((await rejection(Promise.resolve().then(() => conn.write('invoice', { verb: 'create', data: {} })))).kind).toBe('fatal');
  });
});

describe('the contract', () => {
  it('every request the connector sent is one the contract defines, and went through the gate', () => {
    const sent = emu.calls.filter((c) => c.headers.authorization === `Bearer ${emu.apiKey}`);
    expect(sent.length).toBeGreaterThan(40);
    expect(sent.flatMap((c) => contract.checkRequest(c))).toEqual([]);
    // Injected faults answer off-contract on purpose (a v2 bridge, a 500).
    expect(emu.calls.filter((c) => !c.injected).flatMap((c) => contract.checkResponse(c))).toEqual([]);
    expect(gated.length).toBe(sent.length);
  });

  it('fails a request the contract does not allow, so the check above can fail', () => {
    const sent = emu.calls.filter((c) => c.headers.authorization === `Bearer ${emu.apiKey}`);
    const create = sent.find((c) => c.method === 'POST' && c.path === '/api/v1/orders' && c.status === 201)!;
    const list = sent.find((c) => c.method === 'GET' && c.path === '/api/v1/customers' && 'modifiedSince' in c.query)!;
    expect([...contract.checkRequest(create), ...contract.checkRequest(list)]).toEqual([]);
    const body = create.body as Record<string, unknown>;
    expect(contract.checkRequest({ ...create, body: { ...body, salesRep: 'JD' } }).join()).toMatch(/salesRep/);
    expect(contract.checkRequest({ ...create, body: { ...body, type: 'delivery' } }).join()).toMatch(/type/);
    expect(contract.checkRequest({ ...create, body: { ...body, lines: [{ itemCode: 'AR-300', quantity: 0 }] } }).join()).toMatch(/lines\/0\/quantity/);
    expect(contract.checkRequest({ ...create, headers: { ...create.headers, authorization: 'Basic dGltczp0aW1z' } }).join()).toMatch(/bearer/);
    expect(contract.checkRequest({ ...list, query: { ...list.query, updatedSince: '2026-01-01T00:00:00Z' } }).join()).toMatch(/updatedSince/);
    expect(contract.checkRequest({ ...list, query: { ...list.query, modifiedSince: 'yesterday' } }).join()).toMatch(/modifiedSince/);
    expect(contract.checkRequest({ ...list, query: { ...list.query, limit: '1000' } }).join()).toMatch(/limit/);
    expect(contract.checkRequest({ ...list, method: 'DELETE' }).join()).toMatch(/no such operation/);
    expect(contract.checkRequest({ ...list, path: '/api/v1/customers/c-1' }).join()).toMatch(/customerCode/);
  });

  it("declares only the contract's fields, plus the ones it derives or folds into the contract's", () => {
    const own: Record<string, [string, string[]]> = {
      customer: ['Customer', ['line1', 'line2', 'city', 'state', 'postalCode', 'country', 'locationName', 'warehouseId', 'cylinderBalances', 'cylinderSummary']],
      order: ['Order', ['customerName', 'email']],
      invoice: ['Invoice', ['customerName', 'email']],
      payment: ['Payment', ['customerName', 'email']],
      statement: ['Statement', []],
      cylinderBalance: ['CylinderBalance', []],
      item: ['Item', ['listPrice']],
      availability: ['Availability', ['totalAvailable', 'byWarehouse']],
      location: ['LocationInput', ['customerCode', 'locationId', 'line1', 'line2', 'city', 'state', 'postalCode', 'country']],
      contact: ['ContactInput', ['customerCode', 'contactId']],
    };
    expect(timsConnector.entities.map((e) => e.name).sort()).toEqual(Object.keys(own).sort());
    expect(timsConnector.entities).toEqual(specsOf(timsEntityTable({ client: null as never, settings: null as never, now: Date.now })));
    for (const entity of timsConnector.entities) {
      const [schema, extra] = own[entity.name];
      const allowed = new Set([...contract.properties(schema), ...extra]);
      expect(entity.fields.map((f) => f.name).filter((n) => !allowed.has(n)), entity.name).toEqual([]);
      if (!['location', 'contact'].includes(entity.name)) expect(contract.properties(schema).filter((p) => !entity.fields.some((f) => f.name === p)), entity.name).toEqual([]);
    }
  });

  it('speaks the major version of the contract file, and its guide lists every setting', () => {
    expect(CONTRACT_MAJOR).toBe(Number(contract.version.split('.')[0]));
    const guide = readFileSync(new URL('../../../docs/connectors/tims.md', import.meta.url), 'utf8');
    for (const f of timsSettings.fields) if (!f.name.includes('.')) expect(guide).toContain(`| \`${f.name}\` |`);
  });
});
