import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import type { PardotConnector } from '../../../src/connectors/pardot/index.js';
import type { RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import type { Row } from '../../../src/sandbox/pardot/query.js';
import { exportSPKI, exportPKCS8, generateKeyPair } from 'jose';
import { context, emulatorSettings, setup } from './helpers.js';
import { pardotConnector } from '../../../src/connectors/pardot/index.js';
import { startPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { settle, settleAll } from '../../support/batches.js';
import type { PendingBatch } from '../../../src/core/connector.js';

let emu: RunningPardotEmulator;
let conn: PardotConnector;
let ctx: Awaited<ReturnType<typeof setup>>['ctx'];

beforeEach(async () => {
  ({ emu, conn, ctx } = await setup());
});
afterEach(async () => {
  await emu.close();
});

async function rejection(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SyncError);
    return err as SyncError;
  }
  throw new Error('expected a rejection');
}

describe('headers and fields', () => {
  it('checks the connection with both headers, and the API refuses a call missing either', async () => {
    const check = await conn.check();
    expect(check.ok).toBe(true);
    const token = (await (await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=syncline-test&client_secret=secret' })).json()) as { access_token: string };
    const url = `${emu.url}/api/v5/objects/prospects?fields=id`;
    const noBu = await fetch(url, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(noBu.status).toBe(400);
    expect(await noBu.json()).toEqual({ code: 181, message: 'A required header is missing: Pardot-Business-Unit-Id header not found on request.' });
    const noAuth = await fetch(url, { headers: { 'pardot-business-unit-id': emu.businessUnitId } });
    expect(noAuth.status).toBe(401);
  });

  it('reports a wrong business unit as a fatal configuration error (code 201)', async () => {
    const wrong = pardotConnector.create(context(emulatorSettings(emu, { businessUnitId: '0Uv000000000000AAA' })));
    const check = await wrong.check();
    expect(check.ok).toBe(false);
    expect(check.info).toMatchObject({ kind: 'fatal', code: '201' });
    const err = await rejection(wrong.get('prospect', '1'));
    expect(err.kind).toBe('fatal');
    expect(err.details.status).toBe(403);
  });

  it('sends fields on every read: records carry exactly the standard and custom fields', async () => {
    const first = [...emu.state.prospects.values()][0];
    const rec = await conn.get('prospect', String(first.id));
    expect(rec?.data.email).toBe(first.email);
    expect(rec?.data).toHaveProperty('erp_customer_number__c');
    expect(rec?.data).toHaveProperty('stock_level__c', null);
    expect(await conn.get('prospect', '999999999')).toBeNull();
  });
});

describe('change polling', () => {
  it('pages through hundreds of prospects sharing one stamp without loss or repeats', async () => {
    const at = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    for (let i = 0; i < 450; i++) {
      const id = emu.state.nextId('prospect');
      emu.state.prospects.set(id, { id, email: `bulk${i}@example.com`, firstName: `Bulk${i}`, isDeleted: false, createdAt: at, updatedAt: at } as Row);
    }
    const total = [...emu.state.prospects.values()].length;
    const seen: string[] = [];
    let since = null;
    let rounds = 0;
    for (;;) {
      const page = await conn.readChanges('prospect', since, { limit: 100, fields: ['email'] });
      seen.push(...page.records.map((r) => r.id));
      since = page.next;
      rounds += 1;
      if (!page.hasMore) break;
    }
    expect(rounds).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(total);
    // Sorted by (updatedAt, id): ids at the shared stamp ascend.
    const bulk = seen.filter((id) => Number(id) > 55_389_571 + 31).map(Number);
    expect(bulk).toEqual([...bulk].sort((a, b) => a - b));
    // A later poll returns only what changed after the watermark.
    const target = [...emu.state.prospects.values()][3];
    await conn.write('prospect', { verb: 'update', id: String(target.id), data: { jobTitle: 'Head of Purchasing' } });
    await new Promise((r) => setTimeout(r, 1100));
    const after = await conn.readChanges('prospect', since, { limit: 100 });
    expect(after.records.map((r) => r.id)).toEqual([String(target.id)]);
    expect(after.records[0].data.jobTitle).toBe('Head of Purchasing');
  });

  it('follows nextPageToken across several pages, each page one request through the gate', async () => {
    const rows: unknown[] = [];
    const gated = ctx.calls.length;
    const sent = emu.calls().byFamily.prospects ?? 0;
    for await (const r of conn.client.all('/api/v5/objects/prospects', ['id'], { limit: 7 })) rows.push(r);
    expect(rows.length).toBe(emu.state.prospects.size);
    const pages = Math.ceil(emu.state.prospects.size / 7);
    expect((emu.calls().byFamily.prospects ?? 0) - sent).toBe(pages);
    // A multi-page read spends one slot of the connection's limiter per request, not one for the read.
    expect(ctx.calls.slice(gated)).toEqual(Array(pages).fill('GET prospects'));
  });

  it('reports deleted prospects as deleted records', async () => {
    const first = await conn.readChanges('prospect', null, { limit: 1000, fields: ['email'] });
    const victim = [...emu.state.prospects.values()][4];
    await conn.write('prospect', { verb: 'delete', id: String(victim.id), data: {} });
    await new Promise((r) => setTimeout(r, 1100));
    const after = await conn.readChanges('prospect', first.next, { limit: 1000, fields: ['email'] });
    expect(after.records).toHaveLength(1);
    expect(after.records[0]).toMatchObject({ id: String(victim.id), deleted: true });
    expect(await conn.get('prospect', String(victim.id))).toMatchObject({ deleted: true });
  });

  it('leaves records younger than the read lag for a later poll', async () => {
    const lagged = pardotConnector.create(context(emulatorSettings(emu, { settleSeconds: 60 })));
    await lagged.write('prospect', { verb: 'create', data: { email: 'fresh@example.com' } });
    const page = await lagged.readChanges('prospect', null, { limit: 1000, fields: ['email'] });
    expect(page.records.some((r) => r.data.email === 'fresh@example.com')).toBe(false);
    expect(page.records.length).toBe(32);
  });
});

describe('prospect writes', () => {
  it('normalises mixed-case emails before upsertLatestByEmail so one prospect is kept', async () => {
    const a = await conn.write('prospect', { verb: 'upsert', match: { field: 'email', value: '  Jordan.Price@Example.COM ' }, data: { firstName: 'Jordan' } });
    expect(a.created).toBe(true);
    const b = await conn.write('prospect', { verb: 'upsert', match: { field: 'email', value: 'jordan.price@example.com' }, data: { lastName: 'Price' } });
    expect(b.created).toBe(false);
    expect(b.id).toBe(a.id);
    const c = await conn.write('prospect', { verb: 'upsert', data: { email: 'JORDAN.PRICE@EXAMPLE.COM', company: 'Price Tools' } });
    expect(c.id).toBe(a.id);
    const matches = [...emu.state.prospects.values()].filter((p) => String(p.email).toLowerCase() === 'jordan.price@example.com');
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ email: 'jordan.price@example.com', firstName: 'Jordan', lastName: 'Price', company: 'Price Tools' });
    const found = await conn.find('prospect', 'email', 'Jordan.Price@example.com');
    expect(found.map((r) => r.id)).toEqual([a.id]);
  });

  it('round-trips custom fields discovered from the custom-fields endpoint', async () => {
    const entities = await conn.discover();
    const prospect = entities.find((e) => e.name === 'prospect')!;
    const names = prospect.fields.map((f) => f.name);
    for (const f of ['erp_customer_number__c', 'lifetime_value__c', 'last_order_date__c', 'credit_limit__c', 'cart_items__c', 'stock_level__c']) expect(names).toContain(f);
    expect(prospect.fields.find((f) => f.name === 'lifetime_value__c')?.type).toBe('number');
    const w = await conn.write('prospect', {
      verb: 'create',
      data: { email: 'cf@example.com', erp_customer_number__c: '01-CFX001', lifetime_value__c: 1234.5, last_order_date__c: '2026-11-01', customer_status__c: 'Active' },
    });
    const rec = await conn.get('prospect', w.id);
    expect(rec?.data).toMatchObject({ erp_customer_number__c: '01-CFX001', lifetime_value__c: 1234.5, last_order_date__c: '2026-11-01', customer_status__c: 'Active', cart_value__c: null });
  });

  it('classifies a bad value as invalid_data with the field', async () => {
    const err = await rejection(conn.write('prospect', { verb: 'create', data: { email: 'ok@example.com', lifetime_value__c: 'lots' } }));
    expect(err.kind).toBe('invalid_data');
    expect(err.details).toMatchObject({ field: 'lifetime_value__c', vendorCode: '154', status: 400 });
    const unknown = await rejection(conn.write('prospect', { verb: 'create', data: { email: 'ok@example.com', nope__c: 1 } }));
    expect(unknown.kind).toBe('invalid_data');
    expect(unknown.details.field).toBe('nope__c');
    const missing = await rejection(conn.write('prospect', { verb: 'update', id: '12345', data: { firstName: 'X' } }));
    expect(missing.kind).toBe('not_found');
  });
});

describe('activities and lists', () => {
  it('records an external activity and refuses an unknown type', async () => {
    const p = [...emu.state.prospects.values()][0];
    const ok = await conn.write('externalActivity', { verb: 'create', data: { type: 'Order_Shipped', value: 'SO-10042', email: String(p.email).toUpperCase() } });
    expect(ok.ok).toBe(true);
    const stored = [...emu.state.externalActivities.values()];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ extension: 'Syncline', type: 'Order_Shipped', value: 'SO-10042', prospectId: p.id });
    const bad = await rejection(conn.write('externalActivity', { verb: 'create', data: { type: 'Order Teleported', value: 'SO-1', email: p.email } }));
    expect(bad.kind).toBe('invalid_data');
    expect(bad.details.field).toBe('type');
    const nobody = await rejection(conn.write('externalActivity', { verb: 'create', data: { type: 'Order_Shipped', value: 'SO-1', email: 'nobody@example.com' } }));
    expect(nobody.kind).toBe('not_found');
  });

  it('reads visitor activities by prospect with the type label', async () => {
    const p = [...emu.state.prospects.values()][2];
    const acts = await conn.find('visitorActivity', 'prospectId', p.id);
    expect(acts.length).toBe(3);
    expect(acts.map((a) => a.data.typeLabel)).toEqual(['Sent', 'Open', 'View']);
  });

  it('adds and removes list members idempotently', async () => {
    const [list] = await conn.find('list', 'name', 'Abandoned cart recovery');
    const p = [...emu.state.prospects.values()][1];
    const first = await conn.write('listMembership', { verb: 'create', data: { listId: Number(list.id), prospectId: p.id } });
    const second = await conn.write('listMembership', { verb: 'upsert', data: { listId: list.id, prospectId: String(p.id) } });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.id).toBe(first.id);
    const active = () => [...emu.state.listMemberships.values()].filter((m) => m.listId === Number(list.id) && m.prospectId === p.id && !m.isDeleted);
    expect(active()).toHaveLength(1);
    await conn.write('listMembership', { verb: 'delete', data: { listId: list.id, prospectId: p.id } });
    await conn.write('listMembership', { verb: 'delete', data: { listId: list.id, prospectId: p.id } });
    expect(active()).toHaveLength(0);
    const [dynamic] = await conn.find('list', 'name', 'High score prospects');
    const err = await rejection(conn.write('listMembership', { verb: 'create', data: { listId: dynamic.id, prospectId: p.id } }));
    expect(err.kind).toBe('invalid_data');
  });

  it('reads campaigns', async () => {
    const [c] = await conn.find('campaign', 'name', 'Customer Newsletter');
    expect(c.data.name).toBe('Customer Newsletter');
    expect((await conn.get('campaign', c.id))?.id).toBe(c.id);
  });
});

describe('Import API', () => {
  it('upserts a few thousand prospects in a handful of calls and reports the bad rows per record', async () => {
    const existing = [...emu.state.prospects.values()][0];
    const ops = Array.from({ length: 3000 }, (_, i) => ({
      verb: 'upsert' as const,
      match: { field: 'email', value: i % 2 ? `Bulk.Buyer${i}@Example.com` : `bulk.buyer${i}@example.com` },
      data: { firstName: `Buyer${i}`, lifetime_value__c: i * 10 },
    }));
    ops[17] = { verb: 'upsert', match: { field: 'email', value: 'not-an-email' }, data: { firstName: 'Broken', lifetime_value__c: 1 } };
    ops[2500] = { verb: 'upsert', match: { field: 'email', value: 'bad.number@example.com' }, data: { firstName: 'Bad', lifetime_value__c: 'many' as unknown as number } };
    ops[42] = { verb: 'upsert', match: { field: 'email', value: String(existing.email).toUpperCase() }, data: { firstName: 'Renamed', lifetime_value__c: 5 } };
    await fetch(`${emu.url}/__sandbox/calls`, { method: 'DELETE' });
    const outcomes = await settle(conn.writeBatch('prospect', ops), (h) => conn.resumeBatch('prospect', h));
    expect(outcomes).toHaveLength(3000);
    const failed = outcomes.map((o, i) => (o.ok ? -1 : i)).filter((i) => i >= 0);
    expect(failed).toEqual([17, 2500]);
    const f17 = outcomes[17];
    expect(!f17.ok && f17.error.kind).toBe('invalid_data');
    expect(!f17.ok && f17.error.message).toMatch(/email/);
    const o42 = outcomes[42];
    expect(o42.ok && o42.id).toBe(String(existing.id));
    expect(o42.ok && o42.created).toBe(false);
    const o5 = outcomes[5];
    expect(o5.ok && o5.created).toBe(true);
    expect(emu.state.prospects.get(Number(o5.ok && o5.id))).toMatchObject({ email: 'bulk.buyer5@example.com', firstName: 'Buyer5', lifetime_value__c: 50 });
    expect(existing.firstName).toBe('Renamed');
    const calls = emu.calls().byFamily;
    expect(calls.imports).toBeLessThan(20);
    expect(calls.prospects ?? 0).toBeLessThan(10);
  });

  it('openBatch holds an import\'s rows as CSV once past the threshold, and writes an op the import cannot take on its own call', async () => {
    const existing = [...emu.state.prospects.values()][0];
    const batch = conn.openBatch('prospect');
    if (!batch) throw new Error('expected a batch builder');
    const data = Array.from({ length: 120 }, (_, i) => ({ firstName: `Streamed${i}` }));
    data.slice(0, 100).forEach((d, i) => batch.add({ verb: 'upsert', match: { field: 'email', value: `streamed${i}@example.com` }, data: d }));
    // Past the threshold: an update by id is not an import row; it is written on its own, in its place.
    batch.add({ verb: 'update', id: String(existing.id), data: { firstName: 'UpdatedOnItsOwn' } });
    data.slice(100).forEach((d, i) => batch.add({ verb: 'upsert', match: { field: 'email', value: `streamed${100 + i}@example.com` }, data: d }));
    // What the load does once a write is added: its objects are no longer the batch's.
    for (const d of data) d.firstName = 'changed after add';
    const checks: PendingBatch[] = [];
    const outcomes = await settle(batch.submit(), (h) => conn.resumeBatch('prospect', h), checks);
    expect(checks[0]?.detail).toMatch(/^import \d+ submitted/);
    expect(outcomes).toHaveLength(121);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes[100]).toMatchObject({ ok: true, id: String(existing.id) });
    expect(emu.state.prospects.get(Number(existing.id))?.firstName).toBe('UpdatedOnItsOwn');
    const byEmail = new Map([...emu.state.prospects.values()].map((p) => [p.email, p]));
    for (const i of [0, 99, 119]) expect(byEmail.get(`streamed${i}@example.com`)?.firstName).toBe(`Streamed${i}`);
    const o119 = outcomes[120];
    expect(o119.ok && byEmail.get('streamed119@example.com')?.id).toBe(o119.ok ? Number(o119.id) : -1);
  });

  it('returns an import pending at once and completes it through checks, one status read each', async () => {
    const ops = Array.from({ length: 120 }, (_, i) => ({ verb: 'upsert' as const, match: { field: 'email', value: `Load${i}@Example.com` }, data: { company: 'Loaded Co' } }));
    const first = await conn.writeBatch('prospect', ops);
    expect(Array.isArray(first)).toBe(false);
    const checks: PendingBatch[] = [];
    const before = emu.calls().byFamily.imports ?? 0;
    const outcomes = await settle(first, (h) => conn.resumeBatch('prospect', h), checks);
    expect(outcomes.every((o) => o.ok && o.created)).toBe(true);
    expect(checks[0].detail).toMatch(/submitted/);
    // Every check but the last read the status once; the last also found it Complete.
    expect((emu.calls().byFamily.imports ?? 0) - before).toBe(checks.length);
    expect([...emu.state.prospects.values()].filter((p) => p.company === 'Loaded Co').every((p) => p.email === String(p.email).toLowerCase())).toBe(true);
  });
  it('leaves the ids of an import of email upserts above importIdReadBack unread, and the next upsert by email finds the prospect', async () => {
    await emu.close();
    ({ emu, conn } = await setup({}, { importIdReadBack: 100 }));
    const ops = Array.from({ length: 120 }, (_, i) => ({ verb: 'upsert' as const, match: { field: 'email', value: `Lazy${i}@Example.com` }, data: { company: 'Lazy Co' } }));
    ops[7] = { verb: 'upsert', match: { field: 'email', value: 'not-an-email' }, data: { company: 'Lazy Co' } };
    await conn.check();
    await fetch(`${emu.url}/__sandbox/calls`, { method: 'DELETE' });
    const outcomes = await settleAll(conn.writeBatch('prospect', ops), (h) => conn.resumeBatch('prospect', h));
    expect(outcomes.filter((o) => o.ok && o.id === null)).toHaveLength(119);
    expect(outcomes[7].ok).toBe(false);
    // One shared, frozen outcome for every unidentified row, not one object per row (issue 20: a settling worker holds 50,000 of them).
    const unread = new Set(outcomes.filter((o) => o.ok));
    expect(unread.size).toBe(1);
    expect(Object.isFrozen([...unread][0])).toBe(true);
    // No prospect was read back: the import's own calls only.
    expect(emu.calls().byFamily.prospects ?? 0).toBe(0);
    const stored = [...emu.state.prospects.values()].find((p) => p.email === 'lazy3@example.com');
    expect(stored?.company).toBe('Lazy Co');
    // The record's next write upserts on the email and gets the id the import gave it.
    const next = await conn.write('prospect', { verb: 'upsert', match: { field: 'email', value: 'Lazy3@Example.com' }, data: { company: 'Lazy Co 2' } });
    expect(next).toMatchObject({ ok: true, id: String(stored?.id) });
    // Creates are not found again by a later write: an import of creates still reads its ids back.
    const creates = Array.from({ length: 120 }, (_, i) => ({ verb: 'create' as const, data: { email: `new${i}@example.com`, company: 'New Co' } }));
    const created = await settle(conn.writeBatch('prospect', creates), (h) => conn.resumeBatch('prospect', h));
    expect(created.every((o) => o.ok && o.id)).toBe(true);
  });
});

describe('limits and tokens', () => {
  it('classifies code 66 as rate_limited with a short wait, and the retried call succeeds', async () => {
    emu.faults.add({ path: '/prospects', count: 1, fault: { vendorError: '66' } });
    const err = await rejection(conn.get('prospect', String([...emu.state.prospects.keys()][0])));
    expect(err.kind).toBe('rate_limited');
    expect(err.details.vendorCode).toBe('66');
    expect(err.details.retryAfterMs).toBeLessThanOrEqual(5_000);
    expect(err.details.resetAt).toBeUndefined();
    expect(await conn.get('prospect', String([...emu.state.prospects.keys()][0]))).not.toBeNull();
  });

  it('gets code 66 from a sixth concurrent call when the engine does not gate', async () => {
    await conn.check();
    emu.faults.add({ path: '/prospects', count: 5, fault: { latencyMs: 1500 } });
    const ids = [...emu.state.prospects.keys()].slice(0, 6);
    const results = await Promise.allSettled(ids.map((id, i) => new Promise((r) => setTimeout(r, i === 5 ? 300 : 0)).then(() => conn.get('prospect', String(id)))));
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect((rejected[0].reason as SyncError).kind).toBe('rate_limited');
    expect((rejected[0].reason as SyncError).details.vendorCode).toBe('66');
  });

  it('parks work on code 122 until midnight in the account time zone', async () => {
    await conn.check();
    emu.setDailyUsage(emu.dailyUsage().limit);
    const before = Date.now();
    const err = await rejection(conn.readChanges('prospect', null, { limit: 10 }));
    expect(err.kind).toBe('rate_limited');
    expect(err.details.vendorCode).toBe('122');
    const resetAt = err.details.resetAt!;
    expect(resetAt).toBeGreaterThan(before);
    expect(resetAt - before).toBeLessThanOrEqual(25 * 3600_000);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/Los_Angeles', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(resetAt));
    expect(local).toBe('00:00');
    expect(err.details.retryAfterMs).toBeGreaterThan(0);
  });

  it('refreshes an expired token once (184) and retries transparently', async () => {
    await conn.check();
    const issued = emu.tokens.issued;
    emu.expireTokens();
    const rec = await conn.get('prospect', String([...emu.state.prospects.keys()][0]));
    expect(rec).not.toBeNull();
    expect(emu.tokens.issued).toBe(issued + 1);
  });

  it('gives up after one refresh when the API keeps refusing the token', async () => {
    await conn.check();
    const issued = emu.tokens.issued;
    emu.faults.add({ path: '/prospects', count: 2, fault: { vendorError: '184' } });
    const err = await rejection(conn.get('prospect', String([...emu.state.prospects.keys()][0])));
    expect(err.kind).toBe('auth_expired');
    expect(emu.tokens.issued).toBe(issued + 1);
  });

  it('shares one refresh among concurrent calls', async () => {
    await conn.check();
    const issued = emu.tokens.issued;
    emu.expireTokens();
    const ids = [...emu.state.prospects.keys()].slice(0, 4);
    const recs = await Promise.all(ids.map((id) => conn.get('prospect', String(id))));
    expect(recs.every((r) => r !== null)).toBe(true);
    expect(emu.tokens.issued).toBe(issued + 1);
  });
});

describe('OAuth flows against the emulator token endpoint', () => {
  it('signs in with the JWT bearer flow verified by the configured public key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwtEmu = await startPardotEmulator({ clientId: 'jwt-app', jwtPublicKey: await exportSPKI(publicKey) });
    try {
      const settings = emulatorSettings(jwtEmu, { authFlow: 'jwt', clientId: 'jwt-app', clientSecret: undefined, username: 'integration@example.com', privateKey: await exportPKCS8(privateKey) });
      expect((await pardotConnector.create(context(settings)).check()).ok).toBe(true);
      const other = await generateKeyPair('RS256', { extractable: true });
      const refused = await pardotConnector.create(context({ ...settings, privateKey: await exportPKCS8(other.privateKey) })).check();
      expect(refused.ok).toBe(false);
      // The credential refused: 'unauthorized' (the connection is marked unhealthy), not a retry.
      expect(refused.info?.kind).toBe('unauthorized');
    } finally {
      await jwtEmu.close();
    }
  });

  it('signs in with a refresh token and refuses an unknown one', async () => {
    const rtEmu = await startPardotEmulator({ clientId: 'web-app', clientSecret: 'sec', refreshToken: '5Aep861good' });
    try {
      const settings = emulatorSettings(rtEmu, { authFlow: 'refresh_token', clientId: 'web-app', clientSecret: 'sec', refreshToken: '5Aep861good' });
      expect((await pardotConnector.create(context(settings)).check()).ok).toBe(true);
      const bad = await pardotConnector.create(context({ ...settings, refreshToken: '5Aep861bad' })).check();
      expect(bad).toMatchObject({ ok: false, info: { kind: 'unauthorized' } });
    } finally {
      await rtEmu.close();
    }
  });
});
