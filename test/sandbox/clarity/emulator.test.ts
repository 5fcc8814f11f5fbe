/**
 * The Clarity eCommerce emulator over real HTTP: identity sessions and Basic, generated CRUD routes,
 * search with ModifiedSince and 1-based paging, CEFActionResponse and ResponseStatus bodies, the
 * order workflow, carts aging to Abandoned by the clock with event rows, and signed webhooks under
 * the shared fault rules.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startClarityEmulator, type RunningClarityEmulator } from '../../../src/sandbox/clarity/index.js';

let emu: RunningClarityEmulator;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read the API's JSON loosely
type Loose = any;
const basic = (u = 'syncline-api', p = 'clarity') => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = basic()): Promise<{ status: number; json: Loose; headers: Headers }> {
  const res = await fetch(`${emu.apiUrl}${path}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

beforeAll(async () => {
  emu = await startClarityEmulator();
});
afterAll(async () => emu.close());
beforeEach(() => emu.reset());

describe('auth', () => {
  it('logs in at /auth/identity with ss-id/ss-pid cookies, and answers 401 once the session idles out', async () => {
    const login = await api('POST', '/auth/identity', { Username: 'syncline-api', Password: 'clarity', RememberMe: true }, {});
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]);
    expect(cookies.some((c) => c.startsWith('ss-id='))).toBe(true);
    expect(cookies.some((c) => c.startsWith('ss-pid='))).toBe(true);
    const cookie = { cookie: cookies.join('; ') };
    expect((await api('GET', '/Contacts/Users?Paging={Size:2,StartIndex:1}', undefined, cookie)).status).toBe(200);
    emu.advanceClock(21 * 60_000);
    const expired = await api('GET', '/Contacts/Users', undefined, cookie);
    expect(expired.status).toBe(401);
    expect(expired.json.ResponseStatus.ErrorCode).toBe('Unauthorized');
  });

  it('refuses a wrong password, accepts Basic, and answers 403 for a missing permission', async () => {
    expect((await api('POST', '/auth/identity', { Username: 'syncline-api', Password: 'nope' }, {})).status).toBe(401);
    expect((await api('GET', '/Accounts/Accounts', undefined, basic('syncline-api', 'nope'))).status).toBe(401);
    expect((await api('GET', '/Accounts/Accounts', undefined, {})).status).toBe(401);
    expect((await api('GET', '/Accounts/Accounts', undefined, basic('readonly-api'))).status).toBe(200);
    const denied = await api('POST', '/Accounts/Account/Create', { Name: 'X' }, basic('readonly-api'));
    expect(denied.status).toBe(403);
    expect(denied.json.ResponseStatus.Message).toContain('Accounts.Account.Create');
  });
});

describe('generated routes', () => {
  it('pages with a 1-based StartIndex and reports PagedResults', async () => {
    const all = await api('GET', '/Contacts/Users');
    const total = all.json.TotalCount as number;
    const p1 = await api('GET', '/Contacts/Users?Paging={Size:3,StartIndex:1}');
    const p2 = await api('GET', '/Contacts/Users?Paging.Size=3&Paging.StartIndex=2');
    expect(p1.json.CurrentPage).toBe(1);
    expect(p1.json.TotalPages).toBe(Math.ceil(total / 3));
    expect(p1.json.CurrentCount).toBe(3);
    expect(p2.json.Results[0].ID).toBe(p1.json.Results[2].ID + 1);
    const body = await api('POST', '/Contacts/UsersForConnect', { Paging: { Size: 3, StartIndex: 2 } });
    expect(body.json.Results.map((r: Loose) => r.ID)).toEqual(p2.json.Results.map((r: Loose) => r.ID));
  });

  it('ModifiedSince matches rows created or updated at or after it', async () => {
    const since = new Date(emu.clock.nowMs() + 1000).toISOString();
    emu.advanceClock(2000);
    const user = emu.state.rows('User')[0];
    emu.editUser(Number(user.ID), { PhoneNumber: '+1 555 0199' });
    const res = await api('GET', `/Contacts/Users?ModifiedSince=${encodeURIComponent(since)}`);
    expect(res.json.Results.map((r: Loose) => r.ID)).toEqual([user.ID]);
  });

  it('creates, reads by ID and Key, upserts by CustomKey, updates, deactivates, and answers Exists', async () => {
    const created = await api('POST', '/Accounts/Account/Create', { CustomKey: 'ACC-ZETA', Name: 'Zeta Tools', SageID: '02-ZETA', SerializableAttributes: { Region: { Key: 'Region', Value: 'West' } } });
    expect(created.json).toMatchObject({ ActionSucceeded: true, Messages: [] });
    const id = created.json.Result as number;
    const byKey = await api('GET', '/Accounts/Account/Key/ACC-ZETA');
    expect(byKey.json).toMatchObject({ ID: id, Name: 'Zeta Tools', SageID: '02-ZETA', UpdatedDate: null, Active: true });
    expect(byKey.json.SerializableAttributes.Region.Value).toBe('West');
    expect(JSON.parse(byKey.json.JsonAttributes)).toEqual({ Region: 'West' });
    const upserted = await api('POST', '/Accounts/Account/Upsert', { CustomKey: 'ACC-ZETA', Name: 'Zeta Tools Inc.' });
    expect(upserted.json.Result).toBe(id);
    expect((await api('PUT', '/Accounts/Account/Update', { ID: id, Credit: 500 })).json.ActionSucceeded).toBe(true);
    const byId = await api('GET', `/Accounts/Account/ID/${id}`);
    expect(byId.json).toMatchObject({ Name: 'Zeta Tools Inc.', Credit: 500 });
    expect(byId.json.UpdatedDate).not.toBeNull();
    expect((await api('GET', '/Accounts/Account/Exists/Key/ACC-ZETA')).json).toBe(id);
    const missing = await api('GET', '/Accounts/Account/Exists/Key/NOPE');
    expect(missing.status).toBe(204);
    expect((await api('PATCH', `/Accounts/Account/Deactivate/ID/${id}`)).json.ActionSucceeded).toBe(true);
    expect((await api('GET', `/Accounts/Account/ID/${id}`)).json.Active).toBe(false);
    expect((await api('GET', '/Accounts/Account/ID/999999')).status).toBe(404);
    expect((await api('DELETE', '/Accounts/Account/Delete/Key/ACC-ZETA')).json.ActionSucceeded).toBe(true);
    expect((await api('GET', `/Accounts/Account/ID/${id}`)).status).toBe(404);
  });

  it('answers ResponseStatus field errors for validation and ActionSucceeded false on 200 for business failures', async () => {
    const invalid = await api('POST', '/Contacts/User/Create', { UserName: 'x' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.ResponseStatus.Errors).toEqual([{ ErrorCode: 'NotEmpty', FieldName: 'Email', Message: "'Email' must not be empty." }]);
    const dup = await api('POST', '/Accounts/Account/Create', { CustomKey: 'ACC-ABBOTT', Name: 'Again' });
    expect(dup.status).toBe(200);
    expect(dup.json).toMatchObject({ ActionSucceeded: false, Result: null });
    expect(dup.json.Messages[0]).toContain('ACC-ABBOTT');
  });
});

describe('the shop', () => {
  it('ages an idle cart to Abandoned by the clock and writes a CartEvent for it', async () => {
    const cart = emu.fillCart('maria.delgado@abbottfasteners.example', [{ sku: 'HX-1001', quantity: 2 }]);
    emu.advanceClock(59 * 60_000);
    expect(emu.state.get('Cart', Number(cart.ID))!.StatusKey).toBe('New');
    emu.advanceClock(2 * 60_000);
    const abandoned = await api('GET', `/Shopping/Carts?StatusKey=Abandoned&UserID=${String(cart.UserID)}`);
    expect(abandoned.json.Results).toHaveLength(1);
    expect(abandoned.json.Results[0]).toMatchObject({ ID: cart.ID, Total: 49, UserContactEmail: 'maria.delgado@abbottfasteners.example' });
    const events = await api('GET', `/Shopping/CartEvents?MasterID=${String(cart.ID)}`);
    const last = events.json.Results.at(-1);
    expect(JSON.parse(last.OldRecordSerialized).StatusKey).toBe('New');
    expect(JSON.parse(last.NewRecordSerialized).StatusKey).toBe('Abandoned');
    expect(last.NewStatusID).toBe(2);
  });

  it('converts a cart and moves the order through the workflow routes, refusing a wrong step with ActionSucceeded false', async () => {
    const cart = emu.fillCart('noah.fischer@mailbox.example', [{ sku: 'TW-5005', quantity: 1 }]);
    const order = emu.convertCart(Number(cart.ID));
    expect(order.StatusKey).toBe('Pending');
    expect(emu.state.get('Cart', Number(cart.ID))!.StatusKey).toBe('Converted To Order');
    const bad = await api('PATCH', `/Ordering/SalesOrder/Complete/${String(order.ID)}`);
    expect(bad.json.ActionSucceeded).toBe(false);
    for (const step of ['Confirm', 'CreatePickTicket', 'Ship']) expect((await api('PATCH', `/Ordering/SalesOrder/${step}/${String(order.ID)}`)).json.ActionSucceeded).toBe(true);
    const shipped = (await api('GET', `/Ordering/SalesOrder/ID/${String(order.ID)}`)).json;
    expect(shipped.StatusKey).toBe('Shipped');
    expect(shipped.TrackingNumber).toMatch(/\w{10,}/);
    const shipment = (await api('GET', `/Shipping/Shipments?SalesOrderID=${String(order.ID)}`)).json.Results[0];
    expect(shipment.TrackingNumber).toBe(shipped.TrackingNumber);
    expect((await api('GET', `/Invoicing/SalesInvoices?SalesOrderID=${String(order.ID)}`)).json.Results[0].StatusKey).toBe('Unpaid');
    const events = (await api('GET', `/Ordering/SalesOrderEvents?MasterID=${String(order.ID)}`)).json.Results;
    expect(events.map((e: Loose) => JSON.parse(e.NewRecordSerialized).StatusKey)).toEqual(['Pending', 'Confirmed', 'Processing', 'Shipped']);
    expect(events[0].OldStatusID).toBeNull();
  });
});

describe('webhooks', () => {
  let receiver: Server;
  const got: Array<{ headers: Record<string, unknown>; body: string }> = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => new Promise<void>((r) => receiver.close(() => r())));

  it('signs cart.abandoned deliveries, and drops or repeats them under the fault rules', async () => {
    got.length = 0;
    emu.webhooks.config.url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    emu.webhooks.config.secret = 's3cret';
    const a = emu.fillCart('priya.raman@blueridgehydraulics.example', [{ sku: 'HC-2210', quantity: 1 }]);
    emu.shop.abandon(Number(a.ID));
    await emu.flushWebhooks();
    const hook = got.find((g) => g.headers['x-clarity-event'] === 'cart.abandoned')!;
    const ts = String(hook.headers['x-clarity-timestamp']);
    expect(hook.headers['x-clarity-signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(`${ts}.${String(hook.headers['x-clarity-delivery-id'])}.${hook.body}`).digest('hex')}`);
    expect(JSON.parse(hook.body)).toMatchObject({ EventType: 'cart.abandoned', Entity: 'CartEvent', Data: { MasterID: a.ID } });

    got.length = 0;
    emu.faults.add({ method: 'POST', path: 'cart\\.abandoned', count: 1, fault: { drop: true } });
    emu.faults.add({ method: 'POST', path: 'cart\\.abandoned', count: 1, fault: { repeat: 1 } });
    const b = emu.fillCart('elena.petrova@cascadepackaging.example', [{ sku: 'TP-7070', quantity: 1 }]);
    emu.shop.abandon(Number(b.ID));
    const c = emu.fillCart('diego.santos@webmail.example', [{ sku: 'HX-1002', quantity: 1 }]);
    emu.shop.abandon(Number(c.ID));
    await emu.flushWebhooks();
    const abandons = got.filter((g) => g.headers['x-clarity-event'] === 'cart.abandoned').map((g) => JSON.parse(g.body).Data.MasterID);
    expect(abandons).toEqual([c.ID, c.ID]);
    emu.webhooks.config.url = undefined;
  });
});
