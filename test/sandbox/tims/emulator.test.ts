/**
 * The TIMS bridge emulator against the published contract: every operation is exercised (answers
 * and errors), and every exchange the emulator recorded is validated against the contract file's
 * schemas. Behaviour a bridge must have is checked on its own: stable (modifiedAt, key) paging with
 * an opaque cursor, stamps that move with business events, idempotent creates, the error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimsEmulator, type RunningTimsEmulator } from '../../../src/sandbox/tims/index.js';
import { timsContract } from '../../support/tims-contract.js';

let emu: RunningTimsEmulator;
const contract = timsContract();

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${emu.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${emu.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
const get = (path: string) => call('GET', path);
const data = (r: { json: Record<string, unknown> }) => r.json.data as Array<Record<string, unknown>>;

beforeAll(async () => {
  emu = await startTimsEmulator();
});
afterAll(async () => emu?.close());

describe('the seeded distributor', () => {
  it('has customers holding cylinders, will-call orders at a branch, hazmat items and stock by warehouse', async () => {
    const customers = data(await get('/customers?limit=500'));
    expect(customers.length).toBeGreaterThanOrEqual(8);
    expect(customers.every((c) => typeof c.cylindersHeld === 'number')).toBe(true);
    expect(customers.filter((c) => (c.cylindersHeld as number) > 0).length).toBeGreaterThanOrEqual(6);
    const orders = data(await get('/orders?limit=500'));
    expect(orders.some((o) => o.type === 'will-call' && o.status === 'ready' && o.warehouseId === 'BIL')).toBe(true);
    expect(orders.some((o) => o.type === 'will-call' && o.status === 'invoiced' && o.pickedUpAt)).toBe(true);
    expect(orders.some((o) => o.blanketPo === true)).toBe(true);
    expect(orders.some((o) => o.type === 'quote')).toBe(true);
    const items = data(await get('/items'));
    expect(items.find((i) => i.itemCode === 'AC-B')).toMatchObject({ hazmat: true, hazmatClass: '2.1', unNumber: 'UN1001' });
    expect(items.find((i) => i.itemCode === 'HELM-AD')).toMatchObject({ hazmat: false, hazmatClass: null });
    const stock = data(await get('/availability?itemCode=AR-300'));
    expect(stock.map((a) => a.warehouseId).sort()).toEqual(['BIL', 'BZN', 'GTF']);
    const invoices = data(await get('/invoices?limit=500'));
    expect(new Set(invoices.map((i) => i.status))).toEqual(new Set(['open', 'overdue', 'paid']));
    expect(invoices.some((i) => i.kind === 'rental')).toBe(true);
    expect(data(await get('/payments')).length).toBeGreaterThanOrEqual(3);
    expect(data(await get('/statements')).length).toBe(customers.length);
    expect(data(await get('/warehouses')).find((w) => w.warehouseId === 'GTF')).toMatchObject({ willCall: false });
  });

  it("derives a customer's balance, past-due balance and rental from its invoices and cylinders", async () => {
    for (const c of data(await get('/customers?limit=500'))) {
      const invoices = data(await get(`/invoices?customerCode=${String(c.customerCode)}&limit=500`));
      const cents = (xs: Array<Record<string, unknown>>, f: string) => xs.reduce((s, x) => s + Math.round(Number(x[f]) * 100), 0);
      expect(Math.round(Number(c.balance) * 100)).toBe(cents(invoices, 'balanceDue'));
      expect(Math.round(Number(c.pastDueBalance) * 100)).toBe(cents(invoices.filter((i) => i.status === 'overdue'), 'balanceDue'));
      const cylinders = data(await get(`/customers/${String(c.customerCode)}/cylinder-balances`));
      expect(c.cylindersHeld).toBe(cylinders.reduce((s, x) => s + (x.count as number), 0));
      expect(Math.round(Number(c.monthlyRental) * 100)).toBe(cents(cylinders, 'monthlyRental'));
    }
  });
});

describe('change polling', () => {
  it('pages in (modifiedAt, key) order with an opaque cursor, modifiedSince inclusive', async () => {
    const all: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/customers?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      all.push(...data(r));
      cursor = r.json.nextCursor as string | null;
    } while (cursor);
    const keys = all.map((c) => `${String(c.modifiedAt)}|${String(c.customerCode)}`);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(all.map((c) => c.customerCode)).size).toBe(all.length);
    const since = String(all[2].modifiedAt);
    const after = data(await get(`/customers?modifiedSince=${encodeURIComponent(since)}&limit=500`));
    expect(after.map((c) => c.customerCode)).toEqual(all.filter((c) => String(c.modifiedAt) >= since).map((c) => c.customerCode));
  });

  it('moves a record changed while a client pages to the end: seen again, never skipped', async () => {
    const everyone = data(await get('/customers?limit=500')).map((c) => String(c.customerCode));
    const first = await get('/customers?limit=3');
    const served = data(first).map((c) => String(c.customerCode));
    // Between two pages, one customer already served and one not yet served change.
    emu.clock.advance(60_000);
    const [again, later] = [served[0], everyone.at(-2)!];
    emu.deliverCylinders({ customerCode: again, gasType: 'Oxygen', size: '125', count: 1 });
    emu.deliverCylinders({ customerCode: later, gasType: 'Oxygen', size: '125', count: 1 });
    const rest: Array<Record<string, unknown>> = [];
    let cursor = first.json.nextCursor as string | null;
    while (cursor) {
      const r = await get(`/customers?limit=3&cursor=${encodeURIComponent(cursor)}`);
      rest.push(...data(r));
      cursor = r.json.nextCursor as string | null;
    }
    const codes = [...served, ...rest.map((c) => String(c.customerCode))];
    expect(new Set(codes)).toEqual(new Set(everyone));
    expect(codes.filter((c) => c === again)).toHaveLength(2);
    expect(codes.filter((c) => c === later)).toHaveLength(1);
    // Both come last, in (modifiedAt, key) order, carrying the delivery.
    expect(rest.slice(-2).map((c) => String(c.customerCode))).toEqual([again, later].sort());
    const keys = rest.map((c) => `${String(c.modifiedAt)}|${String(c.customerCode)}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('stamps the customer, the balance and the order when a business event happens', async () => {
    emu.clock.advance(60_000);
    const mark = emu.clock.stamp();
    const [customer] = data(await get('/customers?limit=1'));
    const code = String(customer.customerCode);
    emu.deliverCylinders({ customerCode: code, gasType: 'Argon', size: '300', count: 3 });
    const changed = data(await get(`/customers?modifiedSince=${encodeURIComponent(mark)}`));
    expect(changed.map((c) => c.customerCode)).toEqual([code]);
    expect(changed[0].cylindersHeld).toBe((customer.cylindersHeld as number) + 3);
    const balances = data(await get(`/cylinder-balances?modifiedSince=${encodeURIComponent(mark)}`));
    expect(balances).toHaveLength(1);
    expect(balances[0]).toMatchObject({ customerCode: code, gasType: 'Argon', size: '300' });
    emu.clock.advance(60_000);
    const mark2 = emu.clock.stamp();
    const ready = data(await get('/orders?type=will-call&limit=500')).find((o) => o.status === 'ready')!;
    emu.pickUp(String(ready.orderNo));
    const invoiceNo = emu.postInvoice(String(ready.orderNo));
    const orders = data(await get(`/orders?modifiedSince=${encodeURIComponent(mark2)}`));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ orderNo: ready.orderNo, status: 'invoiced', invoiceNo });
    expect(orders[0].pickedUpAt).toBeTruthy();
    const paymentId = emu.receivePayment({ customerCode: String(ready.customerCode), amount: (await get(`/invoices/${invoiceNo}`)).json.total as string, invoiceNo });
    const paid = (await get(`/invoices/${invoiceNo}`)).json;
    expect(paid).toMatchObject({ status: 'paid', balanceDue: '0.00' });
    expect(data(await get(`/payments?modifiedSince=${encodeURIComponent(mark2)}`)).map((p) => p.paymentId)).toEqual([paymentId]);
  });

  it('refuses a malformed modifiedSince, limit or cursor with 400 naming the parameter', async () => {
    expect((await get('/customers?modifiedSince=yesterday')).json).toMatchObject({ code: 'bad_request', field: 'modifiedSince' });
    expect((await get('/items?limit=0')).json).toMatchObject({ code: 'bad_request', field: 'limit' });
    const r = await get('/customers?cursor=bm90LWEtY3Vyc29y');
    expect(r.status).toBe(400);
    expect(r.json.field).toBe('cursor');
  });
});

describe('writes', () => {
  const body = {
    name: 'Laurel Refinery Maintenance',
    terms: 'NET30',
    email: 'maint@laurelrefinery.example',
    externalId: '001Hs00000TIMS01AAA',
    billingAddress: { line1: '803 Hwy 212 S', city: 'Laurel', state: 'MT', postalCode: '59044', country: 'US' },
    locations: [{ name: 'Laurel refinery gate 3', address: { line1: '803 Hwy 212 S', city: 'Laurel', state: 'MT', postalCode: '59044', country: 'US' }, warehouseId: 'BIL' }],
  };

  it('creates a customer with its default location; a repeated Idempotency-Key answers the same one', async () => {
    const first = await call('POST', '/customers', body, { 'idempotency-key': 'lead-00Q1' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ name: body.name, externalId: body.externalId, status: 'active', balance: '0.00', cylindersHeld: 0 });
    const again = await call('POST', '/customers', body, { 'idempotency-key': 'lead-00Q1' });
    expect(again.status).toBe(201);
    expect(again.json.customerCode).toBe(first.json.customerCode);
    const locations = data(await get(`/customers/${String(first.json.customerCode)}/locations`));
    expect(locations).toHaveLength(1);
    expect(locations[0]).toMatchObject({ isDefault: true, warehouseId: 'BIL' });
    expect(first.json.defaultLocationId).toBe(locations[0].locationId);
    expect(data(await get(`/customers?externalId=${body.externalId}`))).toHaveLength(1);
    expect(data(await get('/customers?email=MAINT@laurelrefinery.example'))).toHaveLength(1);
  });

  it('refuses a second customer with the same external id (409) and a bad field (422 naming it)', async () => {
    const dup = await call('POST', '/customers', { ...body, email: 'other@laurel.example', locations: [] });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ code: 'duplicate_external_id', field: 'externalId' });
    const bad = await call('POST', '/customers', { ...body, externalId: null, email: null, locations: [{ ...body.locations[0], address: { ...body.locations[0].address, state: 'Montana' } }] });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ code: 'validation_failed', field: 'locations.0.address.state' });
    const unknown = await call('POST', '/customers', { name: 'X', terms: 'NET30', colour: 'blue' });
    expect(unknown.json).toMatchObject({ code: 'validation_failed', field: 'colour' });
    const code = String(data(await get('/customers?limit=1'))[0].customerCode);
    const tooLong = await call('PATCH', `/customers/${code}`, { name: 'N'.repeat(41) });
    expect(tooLong.json).toMatchObject({ code: 'validation_failed', field: 'name' });
    const patched = await call('PATCH', `/customers/${code}`, { creditLimit: '12500.00', phone: '+14065550100' });
    expect(patched).toMatchObject({ status: 200, json: { customerCode: code, creditLimit: '12500.00', phone: '+14065550100' } });
    expect((await call('PATCH', `/customers/${code}`, { externalId: body.externalId })).json).toMatchObject({ code: 'duplicate_external_id' });
  });

  it('enters ship and will-call orders at list price, commits stock, and refuses a duplicate deal', async () => {
    const [customer] = data(await get('/customers?externalId=001Hs00000TIMS01AAA'));
    const code = String(customer.customerCode);
    const before = data(await get('/availability?itemCode=AR-300&warehouseId=BZN'))[0];
    const willCall = await call('POST', '/orders', { type: 'will-call', customerCode: code, warehouseId: 'BZN', externalId: '006Hs0000TIMS01', poNumber: 'LR-1', blanketPo: true, lines: [{ itemCode: 'AR-300', quantity: 2 }] });
    expect(willCall.status).toBe(201);
    expect(willCall.json).toMatchObject({ type: 'will-call', status: 'open', locationId: null, warehouseId: 'BZN', total: '136.00', blanketPo: true });
    const after = data(await get('/availability?itemCode=AR-300&warehouseId=BZN'))[0];
    expect(after.committed).toBe((before.committed as number) + 2);
    expect(after.available).toBe((before.available as number) - 2);
    const dup = await call('POST', '/orders', { type: 'ship', customerCode: code, externalId: '006Hs0000TIMS01', lines: [{ itemCode: 'OX-125', quantity: 1 }] });
    expect(dup).toMatchObject({ status: 409, json: { code: 'duplicate_external_id', field: 'externalId' } });
    const shipOrder = await call('POST', '/orders', { type: 'ship', customerCode: code, lines: [{ itemCode: 'OX-125', quantity: 1, unitPrice: '20.00' }] });
    expect(shipOrder.json).toMatchObject({ status: 'open', locationId: `${code}-01`, warehouseId: 'BIL', total: '20.00' });
    const gtf = await call('POST', '/orders', { type: 'will-call', customerCode: code, warehouseId: 'GTF', lines: [{ itemCode: 'OX-125', quantity: 1 }] });
    expect(gtf.json).toMatchObject({ code: 'validation_failed', field: 'warehouseId' });
    const badItem = await call('POST', '/orders', { type: 'ship', customerCode: code, lines: [{ itemCode: 'OX-125', quantity: 1 }, { itemCode: 'NOPE', quantity: 1 }] });
    expect(badItem).toMatchObject({ status: 422, json: { code: 'unknown_reference', field: 'lines.1.itemCode' } });
    const quote = await call('POST', '/orders', { type: 'quote', customerCode: code, lines: [{ itemCode: 'HELM-AD', quantity: 1 }] });
    expect(String(quote.json.orderNo)).toMatch(/^Q-/);
    const contact = await call('POST', `/customers/${code}/contacts`, { firstName: 'Rosa', lastName: 'Vega', email: 'rosa@laurelrefinery.example', title: 'Planner' });
    expect(contact.status).toBe(201);
    const location = await call('POST', `/customers/${code}/locations`, { name: 'Tank farm', address: { line1: '1 Tank Rd', city: 'Laurel', state: 'MT', postalCode: '59044', country: 'US' } });
    expect(location.json).toMatchObject({ isDefault: false });
    expect(data(await get(`/customers/${code}/contacts`))).toHaveLength(1);
    expect((await get(`/customers/${code}/statements`)).status).toBe(200);
    expect((await get('/orders/SO-NOPE')).json).toMatchObject({ code: 'not_found' });
    expect((await get('/items/AR-300')).json).toMatchObject({ itemCode: 'AR-300', unit: 'CYL' });
    expect((await get('/info')).json).toMatchObject({ contractVersion: contract.version });
  });
});

describe('transport', () => {
  it('answers 401 without the key, 404 for unknown records, 429 with Retry-After under an injected limit', async () => {
    const anon = await fetch(`${emu.baseUrl}/customers`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ code: 'unauthorized' });
    const wrong = await call('GET', '/customers', undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect((await get('/customers/NOPE')).status).toBe(404);
    emu.faults.add({ path: '/api/v1/items', count: 1, fault: { vendorError: 'rate_limited' } });
    const limited = await get('/items');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.json).toMatchObject({ code: 'rate_limited' });
    expect((await call('POST', '/orders', undefined)).json).toMatchObject({ code: 'bad_request' });
  });
});

describe('control endpoints', () => {
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__sandbox/${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('stages business events over HTTP and moves the clock', async () => {
    const at = '2027-01-15T12:00:00.000Z';
    expect((await control('clock', { at })).json.now).toMatch(/^2027-01-15T12:00/);
    const [c] = data(await get('/customers?limit=1'));
    const code = String(c.customerCode);
    const delivered = await control('events/deliver-cylinders', { customerCode: code, gasType: 'Helium', size: '300', count: 2 });
    expect(delivered.json.result).toMatchObject({ gasType: 'Helium', count: 2, monthlyRental: '17.00', lastDeliveryDate: '2027-01-15' });
    expect((await control('events/return-cylinders', { customerCode: code, gasType: 'Helium', size: '300', count: 5 })).json).toMatchObject({ code: 'validation_failed', field: 'count' });
    expect((await control('events/return-cylinders', { customerCode: code, gasType: 'Helium', size: '300', count: 2 })).json.result).toMatchObject({ count: 0, lastReturnDate: '2027-01-15' });
    const rental = await control('events/post-invoice', { customerCode: code });
    expect(String((rental.json.result as { invoiceNo: string }).invoiceNo)).toMatch(/^IN-/);
    const paid = await control('events/receive-payment', { customerCode: code, amount: '10.00', method: 'cash' });
    expect(String((paid.json.result as { paymentId: string }).paymentId)).toMatch(/^PMT-/);
    expect((await control('events/age-invoices', {})).json.result).toMatchObject({ overdue: expect.any(Array) });
    expect((await control('events/set-availability', { itemCode: 'AR-300', warehouseId: 'GTF', onHand: 5 })).json.result).toMatchObject({ onHand: 5, available: 5 });
    expect((await control('events/set-credit', { customerCode: code, status: 'credit-hold' })).status).toBe(200);
    expect((await get(`/customers/${code}`)).json.status).toBe('credit-hold');
    expect((await control('events/run-statements', {})).status).toBe(200);
    expect((await control('events/pick-up', { orderNo: 'SO-NOPE' })).status).toBe(404);
    expect((await control('events/teleport', {})).status).toBe(404);
    expect((await control('calls')).json.calls).toEqual(expect.any(Array));
    await control('clock', { real: true });
  });
});

describe('the contract', () => {
  it('answers every exchange in the contract, and accepts only requests the contract allows', () => {
    expect(emu.calls.length).toBeGreaterThan(50);
    expect(emu.calls.flatMap((c) => contract.checkResponse(c))).toEqual([]);
    // What the bridge accepted was a valid request; what it refused (4xx) was refused on purpose here.
    expect(emu.calls.filter((c) => c.status < 400).flatMap((c) => contract.checkRequest(c))).toEqual([]);
    expect(emu.calls.filter((c) => c.status === 422).every((c) => contract.checkRequest(c).length > 0 || /unknown_reference|validation_failed/.test(JSON.stringify(c.response)))).toBe(true);
  });

  it('exercised every operation and every error status of the contract', () => {
    const seen = new Set(emu.calls.map((c) => contract.match(c.method, c.path)?.key).filter(Boolean));
    expect(contract.operations().filter((op) => !seen.has(op))).toEqual([]);
    expect(new Set(emu.calls.map((c) => c.status))).toEqual(new Set([200, 201, 400, 401, 404, 409, 422, 429]));
  });

  it('fails a response that does not match', () => {
    const good = emu.calls.find((c) => c.method === 'GET' && c.path.endsWith('/items/AR-300'))!;
    expect(contract.checkResponse(good)).toEqual([]);
    const broken = { ...good, response: { ...(good.response as object), hazmat: 'yes' } };
    expect(contract.checkResponse(broken).join()).toMatch(/hazmat/);
    expect(contract.checkResponse({ ...good, status: 418 }).join()).toMatch(/not declared/);
  });
});
