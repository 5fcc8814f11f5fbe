/**
 * The Sage X3 GraphQL read path (readApi: graphql) against the emulator's /xtrem/api: a connected
 * application's signed token, customers and items read and change-polled through the release's node
 * names into the same records as api1 (X3 column names, menus as 1/2, main address and contact,
 * totals), other classes through api1, and the failures a user can cause (wrong secret, wrong release).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import type { SourceRecord, Watermark } from '../../../src/core/connector.js';
import { SageX3Connection } from '../../../src/connectors/sagex3/index.js';
import { DEFAULT_CONNECTED_APP, startSageX3Emulator, type RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';
import { emulatorSettings, testContext } from './context.js';

let emu: RunningSageX3Emulator;
beforeAll(async () => {
  emu = await startSageX3Emulator({ seedSize: { customers: 9, items: 6, orders: 8 } });
});
// The seed and earlier tests' writes are stamped in the emulator's current second, and a poll reads a
// second (UPDDATTIM has whole seconds) once it has ended.
beforeEach(() => emu.clock.advance(1000));
afterAll(async () => emu?.close());

const graphql = { readApi: 'graphql', graphqlClientId: DEFAULT_CONNECTED_APP.clientId, graphqlSecret: DEFAULT_CONNECTED_APP.secret, pageSize: 4 };
function connect(extra: Record<string, unknown> = {}) {
  const ctx = testContext(emulatorSettings(emu, extra));
  return { ctx, x3: new SageX3Connection(ctx, { now: () => emu.clock.now().getTime() }) };
}
async function pollAll(x3: SageX3Connection, entity: string, since: Watermark | null = null): Promise<{ records: SourceRecord[]; next: Watermark | null }> {
  const records: SourceRecord[] = [];
  for (;;) {
    const page = await x3.readChanges(entity, since, { limit: 5, overlapMs: 1000 });
    records.push(...page.records);
    since = page.next;
    if (!page.hasMore) return { records, next: since };
  }
}
const graphqlCalls = () => emu.calls.filter((c) => c.api === 'graphql').length;

describe('the GraphQL read path', () => {
  it('polls customers and items through the nodes into the same records api1 gives, paging by cursor', async () => {
    const viaRest = await pollAll(connect().x3, 'BPCUSTOMER');
    const before = graphqlCalls();
    const { x3, ctx } = connect(graphql);
    const viaGraphql = await pollAll(x3, 'BPCUSTOMER');
    // 9 customers in pages of 4: the cursor was followed.
    expect(graphqlCalls() - before).toBeGreaterThanOrEqual(3);
    expect(ctx.calls.some((c) => c.startsWith('POST graphql customer query'))).toBe(true);
    expect(viaGraphql.records.map((r) => r.id)).toEqual(viaRest.records.map((r) => r.id));
    const fields = ['BPCNUM', 'BPCNAM', 'BCGCOD', 'BPCSTA', 'OSTCTL', 'OSTAUZ', 'CUR', 'CTY', 'WEB1', 'CNTFNA', 'CNTLNA', 'CNTEMA', 'UPDDATTIM', 'totals'];
    const pick = (r: SourceRecord) => Object.fromEntries(fields.map((f) => [f, r.data[f]]));
    expect(viaGraphql.records.map(pick)).toEqual(viaRest.records.map(pick));
    expect(viaGraphql.records[0].data.BPCSTA).toBe('2');

    const items = await pollAll(x3, 'ITMMASTER');
    const restItems = await pollAll(connect().x3, 'ITMMASTER');
    expect(items.records.map((r) => [r.id, r.data.ITMDES1, r.data.BASPRI])).toEqual(restItems.records.map((r) => [r.id, r.data.ITMDES1, r.data.BASPRI]));
  });

  it('sees a later change only, reads one customer by code, and keeps reading other classes through api1', async () => {
    const { x3, ctx } = connect(graphql);
    const first = await pollAll(x3, 'BPCUSTOMER');
    const c = emu.tables.list('BPCUSTOMER')[4];
    emu.clock.advance(5_000);
    emu.business.editCustomer(String(c.BPCNUM), { BPCNAM: 'Changed through X3', BPCSTA: '1' });
    // UPDDATTIM has whole seconds: a poll reads a second once it has ended.
    emu.clock.advance(1_000);
    const later = await pollAll(x3, 'BPCUSTOMER', first.next);
    expect(later.records.map((r) => [r.id, r.data.BPCNAM, r.data.BPCSTA])).toEqual([[String(c.BPCNUM), 'Changed through X3', '1']]);
    const one = await x3.get('BPCUSTOMER', String(c.BPCNUM));
    expect(one?.data).toMatchObject({ BPCNUM: c.BPCNUM, BPCNAM: 'Changed through X3' });
    expect(await x3.get('BPCUSTOMER', 'NOSUCH')).toBeNull();
    const calls = ctx.calls.length;
    const orders = await pollAll(x3, 'SORDER');
    expect(orders.records.length).toBe(emu.tables.count('SORDER'));
    // Orders have no node here: read through api1 (their customers, for enrichment, through GraphQL).
    expect(ctx.calls.slice(calls).some((op) => op.startsWith('GET SORDER $query'))).toBe(true);
    expect(ctx.calls.slice(calls).filter((op) => op.startsWith('POST graphql')).every((op) => op.startsWith('POST graphql customer'))).toBe(true);
  });

  it('a wrong secret is unauthorized; the other release\'s node names are a fatal error that names the setting', async () => {
    const wrong = connect({ ...graphql, graphqlSecret: 'not-the-secret-0123456789abcdef' }).x3;
    await expect(wrong.get('BPCUSTOMER', 'PT001')).rejects.toMatchObject({ kind: 'unauthorized' });
    const old = connect({ ...graphql, graphqlRelease: '2021' }).x3;
    const err = await old.get('BPCUSTOMER', 'PT001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect(err).toMatchObject({ kind: 'fatal', details: { vendorCode: 'SCHEMA' } });
    expect((err as SyncError).message).toMatch(/xtremX3MasterData.*graphqlRelease/);
    expect(() => connect({ readApi: 'graphql' })).toThrow(/graphqlClientId/);
  });

  it('reads a 2021–22 server through xtremX3MasterData.businessPartner, or another release\'s server through graphqlNames', async () => {
    const old = await startSageX3Emulator({ seedSize: { customers: 5, items: 3, orders: 0 }, graphqlRelease: '2021' });
    try {
      const settings = (extra: Record<string, unknown>) => testContext(emulatorSettings(old, { ...graphql, ...extra }));
      const viaRelease = new SageX3Connection(settings({ graphqlRelease: '2021' }));
      const c = old.tables.list('BPCUSTOMER')[2];
      expect((await viaRelease.get('BPCUSTOMER', String(c.BPCNUM)))?.data).toMatchObject({ BPCNUM: c.BPCNUM, BPCNAM: c.BPCNAM });
      // The 2023 defaults fail on this server until the installation names its nodes.
      const ctx = settings({ graphqlRelease: '2023', graphqlNames: { BPCUSTOMER: 'xtremX3MasterData.businessPartner', ITMMASTER: 'xtremX3MasterData.product' } });
      const renamed = new SageX3Connection(ctx);
      // This connection reads the real clock: the seed's second must end before a poll reads it.
      await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
      const page = await renamed.readChanges('BPCUSTOMER', null, { limit: 10 });
      expect(page.records.map((r) => r.id).sort()).toEqual(old.tables.list('BPCUSTOMER').map((r) => String(r.BPCNUM)).sort());
      expect(ctx.calls.some((op) => op.startsWith('POST graphql businessPartner query'))).toBe(true);
      expect((await renamed.get('ITMMASTER', String(old.tables.list('ITMMASTER')[0].ITMREF)))?.data.ITMREF).toBe(old.tables.list('ITMMASTER')[0].ITMREF);
    } finally {
      await old.close();
    }
  });

  it('a property renamed through graphqlNames is what the query asks for; a name the read path does not know is refused naming the key', async () => {
    // An unknown property on the emulator's node: the rename reaches the query (the server refuses it).
    const renamed = connect({ ...graphql, graphqlNames: { 'BPCUSTOMER.BPCNAM': 'customerName', 'BPCUSTOMER.CONTACT.CNTEMA': 'emailAddress' } }).x3;
    const err = await renamed.get('BPCUSTOMER', 'PT001').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'fatal', details: { vendorCode: 'SCHEMA' } });
    expect((err as SyncError).message).toMatch(/customerName/);
    expect(() => connect({ ...graphql, graphqlNames: { SORDER: 'x3Sales.salesOrder' } })).toThrow(/graphqlNames\["SORDER"\].*not read through GraphQL/);
    expect(() => connect({ ...graphql, graphqlNames: { BPCUSTOMER: 'customer' } })).toThrow(/graphqlNames\["BPCUSTOMER"\].*package\.node/);
    expect(() => connect({ ...graphql, graphqlNames: { 'BPCUSTOMER.NOTES.TEXT': 'value' } })).toThrow(/graphqlNames\["BPCUSTOMER.NOTES.TEXT"\].*no collection NOTES/);
    expect(() => connect({ ...graphql, graphqlNames: { 'BPCUSTOMER.BPCNAM': 'company name' } })).toThrow(/not a GraphQL property name/);
  });

  it('check() proves the GraphQL path too', async () => {
    const res = await connect(graphql).x3.check();
    expect(res).toMatchObject({ ok: true, info: { rest: 'ok', graphql: 'ok', soap: 'ok' } });
  });
});
