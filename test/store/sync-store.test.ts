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
});
