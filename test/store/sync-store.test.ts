/** The two-way pair tables (migration 0007) behave the same on SQLite and PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { TEST_MASTER_KEY } from '../support/engine.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

describe.each(['sqlite', 'postgres'] as const)('sync store on %s', (kind) => {
  let store: Store;
  let cleanup = async () => {};
  let run = true;
  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('sync store on postgres');
    if (!run) return;
    let url: string;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-sync-store-'));
      url = `sqlite:${path.join(dir, 's.db')}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const db = await createTestDatabase('syncline_sync_store');
      url = db.url;
      cleanup = db.drop;
    }
    store = await openStore({ url, masterKey: TEST_MASTER_KEY });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });

  it('keeps one pair per record on either side, re-pointing replaces the old pairing', async () => {
    if (!run) return;
    const s = store.sync;
    const p = await s.savePair({ flow: 'f', aId: 'A1', bId: 'B1', fields: { Name: { a: 'x', b: 'x' } }, aStamp: null, bStamp: null });
    await s.savePair({ flow: 'f', aId: 'A2', bId: 'B2', fields: {}, aStamp: null, bStamp: null });
    // A1 now pairs with B2: the A2-B2 pairing goes, A1 keeps its row.
    const q = await s.savePair({ flow: 'f', aId: 'A1', bId: 'B2', fields: {}, aStamp: null, bStamp: null });
    expect(q.id).toBe(p.id);
    expect(await s.pairBy('f', 'b', 'B2')).toMatchObject({ aId: 'A1' });
    expect(await s.pairBy('f', 'a', 'A2')).toBeNull();
    expect(await s.pairBy('other', 'a', 'A1')).toBeNull();
    expect(await s.countPairs('f')).toBe(1);
  });

  it('tombstones once, and the first reason stays', async () => {
    if (!run) return;
    const ref = { connection: 'sf', entity: 'Account', id: '001X' };
    await store.sync.tombstone({ ref, flow: 'f', reason: 'merged', mergedInto: '001Y' });
    await store.sync.tombstone({ ref, flow: 'f', reason: 'deleted', mergedInto: null });
    expect(await store.sync.tombstoneOf(ref)).toMatchObject({ reason: 'merged', mergedInto: '001Y' });
  });

  it('keeps one open review per pair and field, refreshed with the latest values; resolving twice fails', async () => {
    if (!run) return;
    const s = store.sync;
    const r1 = await s.openReview({ flow: 'f', aId: 'A1', bId: 'B2', field: 'Street', aValue: '1', bValue: '2', aStamp: null, bStamp: null });
    const r2 = await s.openReview({ flow: 'f', aId: 'A1', bId: 'B2', field: 'Street', aValue: '1', bValue: '3', aStamp: null, bStamp: null });
    expect(r2.id).toBe(r1.id);
    expect(await s.listReviews({ flow: 'f', status: 'open' })).toEqual([expect.objectContaining({ bValue: '3' })]);
    expect(await s.resolveReview(r1.id, '3', 'alice')).toMatchObject({ status: 'resolved', value: '3', resolvedBy: 'alice' });
    expect(await s.resolveReview(r1.id, '1', 'bob')).toBeNull();
    await s.markReviewsApplied([r1.id]);
    expect(await s.reviewsOf('f', 'A1')).toEqual([]);
  });

  it('lists snapshot rows no pair holds, in id order, page by page', async () => {
    if (!run) return;
    const s = store.sync;
    const rec = await s.createReconcileRun('f', 'test');
    await s.addReconcileRows(rec.id, ['A1', 'A3', 'A4', 'A5'].map((id) => ({ side: 'a' as const, id, matchKey: id.toLowerCase(), fields: { Name: id } })));
    const first = await s.unpairedRows(rec.id, 'f', 'a', null, 2);
    expect(first.map((r) => r.id)).toEqual(['A3', 'A4']);
    expect((await s.unpairedRows(rec.id, 'f', 'a', 'A4', 2)).map((r) => r.id)).toEqual(['A5']);
    expect(await s.reconcileRow(rec.id, 'a', { matchKey: 'a5' })).toMatchObject({ id: 'A5', fields: { Name: 'A5' } });
    await s.addDiffs([1, 2, 3].map((seq) => ({ runId: rec.id, seq, kind: 'missing_b' as const, aId: `A${seq}`, bId: null, field: null, aValue: null, bValue: null, ownerValue: null, status: 'open' as const })));
    await s.setDiffStatus(rec.id, [2], 'queued');
    expect((await s.listDiffs(rec.id, { status: 'open' })).map((d) => d.seq)).toEqual([1, 3]);
    await s.dropReconcileRows(rec.id);
    expect(await s.reconcileRows(rec.id, 'a', null, 10)).toEqual([]);
  });
  it('joins each pair with both snapshot rows, and finds the first unpaired row of each match key, one query a page', async () => {
    if (!run) return;
    const s = store.sync;
    await s.savePair({ flow: 'join', aId: 'A1', bId: 'B1', fields: {}, aStamp: null, bStamp: null });
    await s.savePair({ flow: 'join', aId: 'A2', bId: 'B2', fields: {}, aStamp: null, bStamp: null });
    const rec = await s.createReconcileRun('join', 'test');
    const row = (side: 'a' | 'b', id: string, matchKey: string | null) => ({ side, id, matchKey, fields: { Name: id } });
    await s.addReconcileRows(rec.id, [row('a', 'A1', 'k1'), row('a', 'A3', 'k3'), row('a', 'A4', null)]);
    await s.addReconcileRows(rec.id, [row('b', 'B1', 'k1'), row('b', 'B2', 'k2'), row('b', 'B9', 'k3'), row('b', 'B5', 'k3'), row('b', 'B6', 'k6')]);
    const joined = await s.pairedRows(rec.id, 'join', null, 10);
    // A2 was not read: its pair is an orphan on side a.
    expect(joined.map((j) => [j.pair.aId, j.a?.id ?? null, j.b?.id ?? null])).toEqual([['A1', 'A1', 'B1'], ['A2', null, 'B2']]);
    expect(joined[0].a).toMatchObject({ matchKey: 'k1', fields: { Name: 'A1' } });
    expect(await s.pairedRows(rec.id, 'join', joined[1].pair.id, 10)).toEqual([]);
    // k1's B1 is paired, so it is nobody's free partner; k3 has two: the smallest id wins.
    const first = await s.firstUnpairedByKey(rec.id, 'join', 'b', ['k1', 'k3', 'k6', 'none']);
    expect(first.map((r) => [r.matchKey, r.id]).sort()).toEqual([['k3', 'B5'], ['k6', 'B6']]);
    expect(await s.firstUnpairedByKey(rec.id, 'join', 'a', [])).toEqual([]);
  });

  it('purges old reconciliations with their differences, keeping the newest one of a flow while it has open differences', async () => {
    if (!run) return;
    const s = store.sync;
    const diffs = (runId: string, n: number) => Array.from({ length: n }, (_, i) => ({ runId, seq: i + 1, kind: 'missing_b' as const, aId: `A${i}`, bId: null, field: null, aValue: null, bValue: null, ownerValue: null, status: 'open' as const }));
    const made = async (flow: string, status: 'ready' | 'failed', n: number, queued = false) => {
      const r = await s.createReconcileRun(flow, 'test');
      await s.addDiffs(diffs(r.id, n));
      if (queued) await s.setDiffStatus(r.id, Array.from({ length: n }, (_, i) => i + 1), 'queued');
      await s.finishReconcileRun(r.id, status, {});
      return r.id;
    };
    const superseded = await made('ret-a', 'ready', 7); // open differences, but a newer comparison replaced it
    const applied = await made('ret-a', 'ready', 3, true);
    const crashed = (await s.createReconcileRun('ret-a', 'test')).id; // never finished; its snapshot rows stayed
    await s.addReconcileRows(crashed, [{ side: 'a', id: 'X1', matchKey: null, fields: {} }, { side: 'b', id: 'X1', matchKey: null, fields: {} }]);
    const underReview = await made('ret-a', 'ready', 4);
    const other = await made('ret-b', 'ready', 2, true); // newest of its flow, but nothing left open

    // Younger than the cutoff: nothing goes.
    const past = new Date(Date.now() - 86_400_000).toISOString();
    const none = await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, batchSize: 2 });
    expect(none).toMatchObject({ reconciliations: 0, reconcileDiffs: 0 });
    expect(await s.listReconcileRuns('ret-a', 10)).toHaveLength(4);

    // Older than the cutoff, in batches of 2 under a small budget per call.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    let runs = 0;
    let purgedDiffs = 0;
    for (let i = 0; i < 50; i++) {
      const r = await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, flowRunsBefore: { 'ret-a': future, 'ret-b': future }, batchSize: 2, maxBatches: 3 });
      runs += r.reconciliations;
      purgedDiffs += r.reconcileDiffs;
      if (r.complete) break;
    }
    expect(runs).toBe(4);
    expect(purgedDiffs).toBe(7 + 3 + 2);
    expect((await s.listReconcileRuns('ret-a', 10)).map((r) => r.id)).toEqual([underReview]);
    expect(await s.listReconcileRuns('ret-b', 10)).toEqual([]);
    expect((await s.listDiffs(underReview)).map((d) => d.seq)).toEqual([1, 2, 3, 4]);
    for (const gone of [superseded, applied, other]) expect(await s.listDiffs(gone)).toEqual([]);
    expect(await s.reconcileRows(crashed, 'a', null, 10)).toEqual([]);
    expect(await s.reconcileRows(crashed, 'b', null, 10)).toEqual([]);

    // Once its differences are applied (or a newer run replaces it) it goes too.
    await s.setDiffStatus(underReview, [1, 2, 3, 4], 'queued');
    const last = await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, flowRunsBefore: { 'ret-a': future }, batchSize: 100 });
    expect(last).toMatchObject({ reconciliations: 1, reconcileDiffs: 4, complete: true });
  });
});
