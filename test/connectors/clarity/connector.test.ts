/**
 * The Clarity connector against the emulator: identity sessions renewed once on 401, Basic, paging to
 * the last page, ModifiedSince polling through pollByStamp, the event tables as a change log, writes
 * through Create/Upsert/Update/Deactivate with attributes, the workflow routes, the error taxonomy, and
 * webhook pushes parsed into the polled records' delivery ids.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, ConnectorContext, Watermark } from '../../../src/core/connector.js';
import { SyncError } from '../../../src/core/errors.js';
import { clarityConnector } from '../../../src/connectors/clarity/index.js';
import { signWebhook } from '../../../src/core/webhook-signature.js';
import { startClarityEmulator, type RunningClarityEmulator } from '../../../src/sandbox/clarity/index.js';
import { memoryState } from '../pardot/helpers.js';

let emu: RunningClarityEmulator;

function context(settings: Record<string, unknown>): ConnectorContext & { calls: string[] } {
  const calls: string[] = [];
  const quiet = () => undefined;
  return { connectionName: 'clarity-test', settings, state: memoryState(), logger: { debug: quiet, info: quiet, warn: quiet, error: quiet }, reportUsage: quiet, gate: { acquire: async (op) => (calls.push(op), () => {}) }, calls };
}

function open(extra: Record<string, unknown> = {}): { conn: Connector; ctx: ReturnType<typeof context> } {
  const ctx = context({ siteUrl: emu.url, username: 'syncline-api', password: 'clarity', pageSize: 3, settleSeconds: 0, ...extra });
  return { conn: clarityConnector.create(ctx), ctx };
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SyncError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

async function drain(conn: Connector, entity: string, since: Watermark | null, overlapMs = 0) {
  const records = [];
  let mark = since;
  for (;;) {
    const page = await conn.readChanges(entity, mark, { limit: 4, overlapMs });
    records.push(...page.records);
    mark = page.next;
    if (!page.hasMore) break;
  }
  return { records, mark };
}

beforeAll(async () => {
  // The shop clock starts two days back, so the hours a test lets pass stay behind the hub's real clock.
  emu = await startClarityEmulator({ now: new Date(Date.now() - 2 * 86_400_000) });
});
afterAll(async () => emu.close());
beforeEach(() => {
  emu.reset();
  emu.setClock(new Date(Date.now() - 2 * 86_400_000));
});

describe('auth', () => {
  it('logs in once, reuses the session, and logs in again once when it expired', async () => {
    const { conn, ctx } = open();
    expect((await conn.check()).ok).toBe(true);
    await conn.get('User', String(emu.state.rows('User')[0].ID));
    expect(ctx.calls.filter((c) => c === 'POST auth/identity')).toHaveLength(1);
    emu.auth.expireAll();
    expect(await conn.get('User', String(emu.state.rows('User')[0].ID))).not.toBeNull();
    expect(ctx.calls.filter((c) => c === 'POST auth/identity')).toHaveLength(2);
  });

  it('a refused password is unauthorized; Basic works; a missing permission is unauthorized naming it', async () => {
    expect((await failure(open({ password: 'wrong' }).conn.get('User', '1001'))).kind).toBe('unauthorized');
    const basic = open({ authMode: 'basic' });
    expect(await basic.conn.get('User', '1001')).not.toBeNull();
    expect(basic.ctx.calls).not.toContain('POST auth/identity');
    expect((await failure(open({ authMode: 'basic', password: 'wrong' }).conn.get('User', '1001'))).kind).toBe('unauthorized');
    const ro = open({ username: 'readonly-api' }).conn;
    const denied = await failure(ro.write('Account', { verb: 'create', data: { Name: 'X' } }));
    expect(denied.kind).toBe('unauthorized');
    expect(denied.message).toContain('Accounts.Account.Create');
  });
});

describe('reads', () => {
  it.each(['jsv', 'dotted', 'forConnect'])('pages through every row (%s paging)', async (pagingStyle) => {
    const { conn } = open({ pagingStyle });
    const { records } = await drain(conn, 'User', null);
    expect(records.map((r) => Number(r.id))).toEqual(emu.state.rows('User').map((u) => u.ID));
    expect(records[0].data).toMatchObject({ Email: expect.stringContaining('@'), Attributes: { LoyaltyTier: expect.any(String) } });
  });

  it('polls by ModifiedSince: a created and an updated row after the watermark, nothing twice', async () => {
    const { conn } = open();
    const first = await drain(conn, 'Account', null);
    expect(first.records).toHaveLength(emu.state.rows('Account').length);
    emu.advanceClock(5000);
    const acc = emu.state.rows('Account')[1];
    emu.state.update('Account', Number(acc.ID), { Credit: 75_000 });
    const next = await drain(conn, 'Account', first.mark, 60_000);
    expect(next.records.map((r) => r.id)).toEqual([String(acc.ID)]);
    expect(next.records[0].data.Credit).toBe(75_000);
    expect((await drain(conn, 'Account', next.mark, 60_000)).records).toEqual([]);
  });

  it('the cart event table yields every status change between two polls, with old and new status', async () => {
    const { conn } = open();
    const start = await drain(conn, 'CartEvent', null);
    emu.advanceClock(1000);
    const cart = emu.fillCart('maria.delgado@abbottfasteners.example', [{ sku: 'HX-1001', quantity: 1 }]);
    emu.advanceClock(2 * 3_600_000);
    emu.fillCart('maria.delgado@abbottfasteners.example', [{ sku: 'HX-1001', quantity: 2 }], Number(cart.ID));
    emu.advanceClock(2 * 3_600_000);
    const { records } = await drain(conn, 'CartEvent', start.mark);
    const mine = records.filter((r) => r.data.MasterID === cart.ID);
    expect(mine.map((r) => [r.data.OldStatusKey, r.data.NewStatusKey])).toEqual([['New', 'Abandoned'], ['Abandoned', 'New'], ['New', 'Abandoned']]);
    expect((mine[2].data.Record as Record<string, unknown>).Total).toBe(49);
    // Polling the cart itself sees only where it ended.
    const abandoned = await conn.find('AbandonedCart', 'UserID', cart.UserID);
    expect(abandoned.map((r) => r.id)).toEqual([String(cart.ID)]);
  });
});

describe('abandoned carts on a site where no job marks them', () => {
  it('with cartIdleMinutes, a known shopper\'s cart idle that long is produced once; an anonymous one never', async () => {
    // Idle time is measured by the hub's clock against the shop's stamps: here both are real time.
    emu.shop.abandonAfterMs = 30 * 86_400_000;
    emu.setClock(new Date());
    const { conn } = open({ cartIdleMinutes: 30 });
    const start = await drain(conn, 'AbandonedCart', null, 60_000);
    expect(start.records.every((r) => (r.data.AbandonedBy === 'status' ? r.data.StatusKey === 'Abandoned' : r.data.UserID !== null && r.data.StatusKey === 'New'))).toBe(true);
    const cart = emu.fillCart('chloe.martin@mailbox.example', [{ sku: 'GL-6020', quantity: 4 }]);
    const anonymous = emu.fillCart(null, [{ sku: 'GL-6020', quantity: 1 }]);
    const early = await drain(conn, 'AbandonedCart', start.mark, 60_000);
    expect(early.records).toEqual([]);
    // Both carts were last touched 31 minutes ago.
    const ago = new Date(Date.now() - 31 * 60_000).toISOString();
    for (const c of [cart, anonymous]) Object.assign(emu.state.get('Cart', Number(c.ID))!, { CreatedDate: ago, UpdatedDate: ago });
    const late = await drain(conn, 'AbandonedCart', early.mark, 60_000);
    expect(late.records.map((r) => [r.id, r.data.AbandonedBy, r.data.StatusKey])).toEqual([[String(cart.ID), 'idle', 'New']]);
    expect((await drain(conn, 'AbandonedCart', late.mark, 60_000)).records).toEqual([]);
    emu.shop.abandonAfterMs = 3_600_000;
  });
});

describe('writes and errors', () => {
  it('creates, upserts by CustomKey (merging the full model), updates, deactivates, and writes attributes as fields', async () => {
    const { conn } = open();
    const created = await conn.write('Account', { verb: 'upsert', match: { field: 'CustomKey', value: 'SF-001' }, data: { CustomKey: 'SF-001', Name: 'Zeta Tools', 'Attributes.Region': 'West' } });
    expect(created.created).toBe(true);
    const again = await conn.write('Account', { verb: 'upsert', match: { field: 'CustomKey', value: 'SF-001' }, data: { Credit: 900, Attributes: { Segment: 'OEM' } } });
    expect(again).toMatchObject({ id: created.id, created: false });
    const row = (await conn.get('Account', created.id))!;
    expect(row.data).toMatchObject({ Name: 'Zeta Tools', Credit: 900, Attributes: { Region: 'West', Segment: 'OEM' } });
    await conn.write('Account', { verb: 'update', id: created.id, data: { SageID: '02-ZETA' } });
    expect((await conn.find('Account', 'CustomKey', 'SF-001'))[0].data).toMatchObject({ SageID: '02-ZETA', Name: 'Zeta Tools' });
    await conn.write('Account', { verb: 'delete', id: created.id, data: {} });
    expect((await conn.get('Account', created.id))!.data.Active).toBe(false);
    const byEmail = await conn.write('User', { verb: 'upsert', match: { field: 'Email', value: 'noah.fischer@mailbox.example' }, data: { IsEmailSubscriber: false } });
    expect(byEmail.created).toBe(false);
    expect(emu.userByEmail('noah.fischer@mailbox.example')!.IsEmailSubscriber).toBe(false);
  });

  it('finds a user keyed with capitals by the lower-cased email a flow matches on', async () => {
    const { conn } = open();
    const { id } = await conn.write('User', { verb: 'create', data: { UserName: 'mia.shouty', Email: 'Mia.Shouty@Mailbox.Example' } });
    expect((await conn.find('User', 'Email', 'mia.shouty@mailbox.example')).map((r) => r.id)).toEqual([id]);
  });

  it('ResponseStatus field errors are invalid_data naming the field; ActionSucceeded false is a failure naming the field; 404 is not found', async () => {
    const { conn } = open();
    const missing = await failure(conn.write('User', { verb: 'create', data: { UserName: 'x' } }));
    expect(missing).toMatchObject({ kind: 'invalid_data', details: { field: 'Email', status: 400 } });
    const refused = await failure(conn.write('Product', { verb: 'upsert', match: { field: 'CustomKey', value: 'NEW-1' }, data: { Name: 'New', PriceBase: -3 } }));
    expect(refused).toMatchObject({ kind: 'invalid_data', details: { field: 'PriceBase', vendorCode: 'ActionSucceeded=false' } });
    expect(refused.message).toContain('PriceBase cannot be negative');
    expect((await failure(conn.write('Account', { verb: 'create', data: { CustomKey: 'ACC-ABBOTT', Name: 'Again' } }))).kind).toBe('conflict');
    expect(await conn.get('Account', '999999')).toBeNull();
    expect((await failure(conn.write('Account', { verb: 'update', id: '999999', data: { Name: 'x' } }))).kind).toBe('not_found');
  });

  it('runs a workflow route after a write and reports a refused step with its message', async () => {
    const { conn } = open();
    const cart = emu.fillCart('noah.fischer@mailbox.example', [{ sku: 'HX-1002', quantity: 1 }]);
    const order = emu.convertCart(Number(cart.ID));
    await conn.write('SalesOrder', { verb: 'update', id: String(order.ID), data: { PurchaseOrderNumber: 'PO-1', Action: 'Confirm' } });
    expect(emu.state.get('SalesOrder', Number(order.ID))).toMatchObject({ StatusKey: 'Confirmed', PurchaseOrderNumber: 'PO-1' });
    const refused = await failure(conn.write('SalesOrder', { verb: 'update', id: String(order.ID), data: { Action: 'Complete' } }));
    expect(refused.kind).toBe('invalid_data');
    expect(refused.message).toContain("is 'Confirmed'");
  });

  it('5xx is retryable', async () => {
    const { conn } = open();
    emu.faults.add({ path: 'Contacts/User/ID', count: 2, fault: { vendorError: 'ServiceUnavailable' } });
    expect((await failure(conn.get('User', '1001'))).kind).toBe('retryable');
  });
});

describe('webhooks', () => {
  it('verifies the signature and turns a push into the polled record with the same delivery id', async () => {
    const { conn } = open();
    const settings = { siteUrl: emu.url, username: 'u', password: 'p', webhookSecret: 'topsecret' };
    const start = await drain(conn, 'CartEvent', null);
    emu.advanceClock(1000);
    const cart = emu.fillCart('priya.raman@blueridgehydraulics.example', [{ sku: 'PV-3300', quantity: 3 }]);
    emu.shop.abandon(Number(cart.ID));
    const event = emu.state.rows('CartEvent').at(-1)!;
    const body = JSON.stringify({ EventType: 'cart.abandoned', OccurredAt: new Date().toISOString(), Entity: 'CartEvent', Data: emu.state.view('CartEvent', event) });
    const ts = String(Math.floor(Date.now() / 1000));
    const req = { headers: { 'x-clarity-timestamp': ts, 'x-clarity-delivery-id': 'd-1', 'x-clarity-signature': signWebhook('topsecret', ts, body, 'd-1') }, rawBody: Buffer.from(body), body: JSON.parse(body) as unknown };
    clarityConnector.webhook!.verify(req, settings);
    expect(() => clarityConnector.webhook!.verify({ ...req, rawBody: Buffer.from(body.replace('3', '4')) }, settings)).toThrow(/does not match/);
    const [parsed] = clarityConnector.webhook!.parse(req, settings);
    const polled = (await drain(conn, 'CartEvent', start.mark)).records.find((r) => r.id === String(event.ID))!;
    expect(parsed.deliveryId).toBe(`${polled.id}@${polled.updatedAt}`);
    expect(parsed.data).toEqual(polled.data);
  });
});
