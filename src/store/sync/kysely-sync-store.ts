/** SyncStore over Kysely, shared by the SQLite and PostgreSQL adapters (JSON as text, ISO stamps, like every table). */
import type { Kysely } from 'kysely';
import type { JsonValue } from '../../core/json.js';
import type { SideKey } from '../../core/sync.js';
import { isoNow } from '../clock.js';
import type { XrefId } from '../types.js';
import type { PairedRows, ReconcileDiff, ReconcileRowInput, ReconcileRun, ReviewInput, SyncPair, SyncReview, SyncStore, Tombstone } from './types.js';

interface SyncPairsTable { id: string; flow: string; a_id: string; b_id: string; fields: string; a_stamp: string | null; b_stamp: string | null; updated_at: string }
interface TombstonesTable { connection: string; entity: string; external_id: string; flow: string; reason: string; merged_into: string | null; deleted_at: string }
interface ReviewsTable {
  id: string; flow: string; a_id: string; b_id: string; field: string; a_value: string | null; b_value: string | null; a_stamp: string | null; b_stamp: string | null;
  status: string; value: string | null; resolved_by: string | null; resolved_at: string | null; created_at: string;
}
interface RunsTable { id: string; flow: string; status: string; actor: string; summary: string | null; started_at: string; finished_at: string | null }
interface RowsTable { run_id: string; side: string; external_id: string; match_key: string | null; fields: string }
interface DiffsTable { run_id: string; seq: number; kind: string; a_id: string | null; b_id: string | null; field: string | null; a_value: string | null; b_value: string | null; owner_value: string | null; status: string }
interface XrefTable { connection: string; entity: string; external_id: string }

/** The tables this module reads and writes (migration 0007, and the xref of 0001). */
export interface SyncDatabase {
  sync_pairs: SyncPairsTable;
  xref_tombstones: TombstonesTable;
  sync_reviews: ReviewsTable;
  reconcile_runs: RunsTable;
  reconcile_rows: RowsTable;
  reconcile_diffs: DiffsTable;
  xref: XrefTable;
}

/** How the adapter runs writes (SQLite queues them behind its one writer). */
export interface SyncStoreWriter {
  write<T>(fn: (db: Kysely<SyncDatabase>) => Promise<T>): Promise<T>;
  tx<T>(fn: (db: Kysely<SyncDatabase>) => Promise<T>): Promise<T>;
  /** A transaction whose loss in a power cut is harmless (a reconciliation's scratch snapshot: the run is redone). */
  relaxedTx<T>(fn: (db: Kysely<SyncDatabase>) => Promise<T>): Promise<T>;
  /** Brings the planner's statistics of a table up to date after a bulk fill (PostgreSQL: ANALYZE). */
  refreshStatistics(table: keyof SyncDatabase): Promise<void>;
  newId(): string;
}

const CHUNK = 100;
/** Match keys per `IN (…)` list: well under either database's bound-parameter limit. */
const KEYS_PER_QUERY = 500;
/** Snapshot rows deleted per transaction. */
const DROP_SLICE = 5000;
const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const parse = (t: string | null): JsonValue => (t === null ? null : (JSON.parse(t) as JsonValue));

function pairOf(r: SyncPairsTable): SyncPair {
  return { id: r.id, flow: r.flow, aId: r.a_id, bId: r.b_id, fields: JSON.parse(r.fields), aStamp: r.a_stamp, bStamp: r.b_stamp, updatedAt: r.updated_at };
}
function reviewOf(r: ReviewsTable): SyncReview {
  return {
    id: r.id, flow: r.flow, aId: r.a_id, bId: r.b_id, field: r.field, aValue: parse(r.a_value), bValue: parse(r.b_value), aStamp: r.a_stamp, bStamp: r.b_stamp,
    status: r.status as SyncReview['status'], value: parse(r.value), resolvedBy: r.resolved_by, resolvedAt: r.resolved_at, createdAt: r.created_at,
  };
}
function runOf(r: RunsTable): ReconcileRun {
  return { id: r.id, flow: r.flow, status: r.status as ReconcileRun['status'], actor: r.actor, summary: r.summary ? JSON.parse(r.summary) : null, startedAt: r.started_at, finishedAt: r.finished_at };
}
function rowOf(r: RowsTable): ReconcileRowInput {
  return { side: r.side as SideKey, id: r.external_id, matchKey: r.match_key, fields: JSON.parse(r.fields) };
}
function diffOf(r: DiffsTable): ReconcileDiff {
  return {
    runId: r.run_id, seq: Number(r.seq), kind: r.kind as ReconcileDiff['kind'], aId: r.a_id, bId: r.b_id, field: r.field,
    aValue: parse(r.a_value), bValue: parse(r.b_value), ownerValue: parse(r.owner_value), status: r.status as ReconcileDiff['status'],
  };
}

/** The SyncStore of a Kysely store. */
export class KyselySyncStore implements SyncStore {
  constructor(
    private readonly db: Kysely<SyncDatabase>,
    private readonly w: SyncStoreWriter,
  ) {}

  async pairBy(flow: string, side: SideKey, id: string): Promise<SyncPair | null> {
    const row = await this.db.selectFrom('sync_pairs').selectAll().where('flow', '=', flow).where(side === 'a' ? 'a_id' : 'b_id', '=', id).executeTakeFirst();
    return row ? pairOf(row) : null;
  }

  async savePair(pair: Omit<SyncPair, 'id' | 'updatedAt'> & { id?: string }): Promise<SyncPair> {
    const now = isoNow();
    return this.w.tx(async (db) => {
      // A pair is one row per record on either side: drop rows that held either id under another pairing.
      const existing = await db
        .selectFrom('sync_pairs')
        .selectAll()
        .where('flow', '=', pair.flow)
        .where((eb) => eb.or([eb('a_id', '=', pair.aId), eb('b_id', '=', pair.bId), ...(pair.id ? [eb('id', '=', pair.id)] : [])]))
        .execute();
      const keep = existing.find((r) => r.id === pair.id) ?? existing.find((r) => r.a_id === pair.aId) ?? existing[0];
      const others = existing.filter((r) => r !== keep).map((r) => r.id);
      if (others.length) await db.deleteFrom('sync_pairs').where('id', 'in', others).execute();
      const row: SyncPairsTable = { id: keep?.id ?? this.w.newId(), flow: pair.flow, a_id: pair.aId, b_id: pair.bId, fields: JSON.stringify(pair.fields), a_stamp: pair.aStamp, b_stamp: pair.bStamp, updated_at: now };
      if (keep) await db.updateTable('sync_pairs').set(row).where('id', '=', keep.id).execute();
      else await db.insertInto('sync_pairs').values(row).execute();
      return pairOf(row);
    });
  }

  async dropPair(id: string): Promise<void> {
    await this.w.write((db) => db.deleteFrom('sync_pairs').where('id', '=', id).execute());
  }

  async listPairs(flow: string, after: string | null, limit: number): Promise<SyncPair[]> {
    let q = this.db.selectFrom('sync_pairs').selectAll().where('flow', '=', flow);
    if (after) q = q.where('id', '>', after);
    return (await q.orderBy('id').limit(limit).execute()).map(pairOf);
  }

  async tombstone(t: Omit<Tombstone, 'deletedAt'>): Promise<void> {
    await this.w.write((db) =>
      db
        .insertInto('xref_tombstones')
        .values({ connection: t.ref.connection, entity: t.ref.entity, external_id: t.ref.id, flow: t.flow, reason: t.reason, merged_into: t.mergedInto, deleted_at: isoNow() })
        .onConflict((oc) => oc.columns(['connection', 'entity', 'external_id']).doNothing())
        .execute(),
    );
  }

  async tombstoneOf(ref: XrefId): Promise<Tombstone | null> {
    const r = await this.db.selectFrom('xref_tombstones').selectAll().where('connection', '=', ref.connection).where('entity', '=', ref.entity).where('external_id', '=', ref.id).executeTakeFirst();
    return r ? { ref, flow: r.flow, reason: r.reason as Tombstone['reason'], mergedInto: r.merged_into, deletedAt: r.deleted_at } : null;
  }

  async unlinkXref(ref: XrefId): Promise<void> {
    await this.w.write((db) => db.deleteFrom('xref').where('connection', '=', ref.connection).where('entity', '=', ref.entity).where('external_id', '=', ref.id).execute());
  }

  async openReview(input: ReviewInput): Promise<SyncReview> {
    return this.w.tx(async (db) => {
      const open = await db.selectFrom('sync_reviews').selectAll().where('flow', '=', input.flow).where('a_id', '=', input.aId).where('field', '=', input.field).where('status', '=', 'open').executeTakeFirst();
      const values = { b_id: input.bId, a_value: json(input.aValue), b_value: json(input.bValue), a_stamp: input.aStamp, b_stamp: input.bStamp };
      if (open) {
        await db.updateTable('sync_reviews').set(values).where('id', '=', open.id).execute();
        return reviewOf({ ...open, ...values });
      }
      const row: ReviewsTable = { id: this.w.newId(), flow: input.flow, a_id: input.aId, field: input.field, ...values, status: 'open', value: null, resolved_by: null, resolved_at: null, created_at: isoNow() };
      await db.insertInto('sync_reviews').values(row).execute();
      return reviewOf(row);
    });
  }

  async listReviews(filter: { flow?: string; status?: SyncReview['status']; limit?: number }): Promise<SyncReview[]> {
    let q = this.db.selectFrom('sync_reviews').selectAll();
    if (filter.flow) q = q.where('flow', '=', filter.flow);
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.orderBy('created_at').orderBy('id').limit(filter.limit ?? 100).execute()).map(reviewOf);
  }

  async getReview(id: string): Promise<SyncReview | null> {
    const r = await this.db.selectFrom('sync_reviews').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? reviewOf(r) : null;
  }

  async resolveReview(id: string, value: JsonValue, actor: string): Promise<SyncReview | null> {
    return this.w.tx(async (db) => {
      const set = { status: 'resolved', value: json(value), resolved_by: actor, resolved_at: isoNow() };
      const n = await db.updateTable('sync_reviews').set(set).where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
      if (Number(n.numUpdatedRows) === 0) return null;
      const r = await db.selectFrom('sync_reviews').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return reviewOf(r);
    });
  }

  async reviewsOf(flow: string, aId: string): Promise<SyncReview[]> {
    return (await this.db.selectFrom('sync_reviews').selectAll().where('flow', '=', flow).where('a_id', '=', aId).where('status', 'in', ['open', 'resolved']).execute()).map(reviewOf);
  }

  async markReviewsApplied(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.w.write((db) => db.updateTable('sync_reviews').set({ status: 'applied' }).where('id', 'in', ids).execute());
  }

  async createReconcileRun(flow: string, actor: string): Promise<ReconcileRun> {
    const row: RunsTable = { id: this.w.newId(), flow, status: 'running', actor, summary: null, started_at: isoNow(), finished_at: null };
    await this.w.write((db) => db.insertInto('reconcile_runs').values(row).execute());
    return runOf(row);
  }

  async finishReconcileRun(id: string, status: ReconcileRun['status'], summary: Record<string, JsonValue>): Promise<void> {
    await this.w.write((db) => db.updateTable('reconcile_runs').set({ status, summary: JSON.stringify(summary), finished_at: isoNow() }).where('id', '=', id).execute());
  }

  async getReconcileRun(id: string): Promise<ReconcileRun | null> {
    const r = await this.db.selectFrom('reconcile_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? runOf(r) : null;
  }

  async listReconcileRuns(flow: string, limit: number): Promise<ReconcileRun[]> {
    return (await this.db.selectFrom('reconcile_runs').selectAll().where('flow', '=', flow).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(runOf);
  }

  async addReconcileRows(runId: string, rows: ReconcileRowInput[]): Promise<void> {
    if (!rows.length) return;
    // One commit per page, without a sync of its own: snapshot rows are scratch, a lost run is run again.
    await this.w.relaxedTx(async (db) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK).map((r) => ({ run_id: runId, side: r.side, external_id: r.id, match_key: r.matchKey, fields: JSON.stringify(r.fields) }));
        await db
          .insertInto('reconcile_rows')
          .values(part)
          .onConflict((oc) => oc.columns(['run_id', 'side', 'external_id']).doNothing())
          .execute();
      }
    });
  }

  async reconcileRows(runId: string, side: SideKey, after: string | null, limit: number): Promise<ReconcileRowInput[]> {
    let q = this.db.selectFrom('reconcile_rows').selectAll().where('run_id', '=', runId).where('side', '=', side);
    if (after !== null) q = q.where('external_id', '>', after);
    return (await q.orderBy('external_id').limit(limit).execute()).map(rowOf);
  }

  async reconcileRow(runId: string, side: SideKey, by: { id: string } | { matchKey: string }): Promise<ReconcileRowInput | null> {
    let q = this.db.selectFrom('reconcile_rows').selectAll().where('run_id', '=', runId).where('side', '=', side);
    q = 'id' in by ? q.where('external_id', '=', by.id) : q.where('match_key', '=', by.matchKey);
    const r = await q.orderBy('external_id').executeTakeFirst();
    return r ? rowOf(r) : null;
  }

  async pairedRows(runId: string, flow: string, after: string | null, limit: number): Promise<PairedRows[]> {
    let q = this.db
      .selectFrom('sync_pairs as p')
      .leftJoin('reconcile_rows as ra', (j) => j.onRef('ra.external_id', '=', 'p.a_id').on('ra.run_id', '=', runId).on('ra.side', '=', 'a'))
      .leftJoin('reconcile_rows as rb', (j) => j.onRef('rb.external_id', '=', 'p.b_id').on('rb.run_id', '=', runId).on('rb.side', '=', 'b'))
      .selectAll('p')
      .select(['ra.external_id as ra_id', 'ra.match_key as ra_key', 'ra.fields as ra_fields', 'rb.external_id as rb_id', 'rb.match_key as rb_key', 'rb.fields as rb_fields'])
      .where('p.flow', '=', flow);
    if (after !== null) q = q.where('p.id', '>', after);
    const rows = await q.orderBy('p.id').limit(limit).execute();
    return rows.map((r) => ({
      pair: pairOf(r),
      a: r.ra_id === null ? null : rowOf({ run_id: runId, side: 'a', external_id: r.ra_id, match_key: r.ra_key, fields: r.ra_fields! }),
      b: r.rb_id === null ? null : rowOf({ run_id: runId, side: 'b', external_id: r.rb_id, match_key: r.rb_key, fields: r.rb_fields! }),
    }));
  }

  async firstUnpairedByKey(runId: string, flow: string, side: SideKey, keys: string[]): Promise<ReconcileRowInput[]> {
    if (!keys.length) return [];
    const col = side === 'a' ? 'p.a_id' : 'p.b_id';
    const out: ReconcileRowInput[] = [];
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const part = keys.slice(i, i + KEYS_PER_QUERY);
      const first = await this.db
        .selectFrom('reconcile_rows as f')
        .leftJoin('sync_pairs as p', (j) => j.onRef(col, '=', 'f.external_id').on('p.flow', '=', flow))
        .select((eb) => eb.fn.min('f.external_id').as('id'))
        .where('f.run_id', '=', runId)
        .where('f.side', '=', side)
        .where('f.match_key', 'in', part)
        .where('p.id', 'is', null)
        .groupBy('f.match_key')
        .execute();
      // The rows by primary key in a second query: joined on the aggregate (or `IN (subquery)`),
      // PostgreSQL compared every row of the side with every key (seconds a page).
      const ids = first.map((r) => r.id).filter((id): id is string => id !== null);
      if (!ids.length) continue;
      const rows = await this.db.selectFrom('reconcile_rows').selectAll().where('run_id', '=', runId).where('side', '=', side).where('external_id', 'in', ids).execute();
      out.push(...rows.map(rowOf));
    }
    return out;
  }

  async snapshotTaken(_runId: string): Promise<void> {
    await this.w.refreshStatistics('reconcile_rows');
  }

  async unpairedRows(runId: string, flow: string, side: SideKey, after: string | null, limit: number): Promise<ReconcileRowInput[]> {
    const col = side === 'a' ? 'p.a_id' : 'p.b_id';
    let q = this.db
      .selectFrom('reconcile_rows as r')
      .leftJoin('sync_pairs as p', (j) => j.onRef(col, '=', 'r.external_id').on('p.flow', '=', flow))
      .selectAll('r')
      .where('r.run_id', '=', runId)
      .where('r.side', '=', side)
      .where('p.id', 'is', null);
    if (after !== null) q = q.where('r.external_id', '>', after);
    return (await q.orderBy('r.external_id').limit(limit).execute()).map(rowOf);
  }

  async countPairs(flow: string): Promise<number> {
    const r = await this.db.selectFrom('sync_pairs').select((eb) => eb.fn.countAll().as('n')).where('flow', '=', flow).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async dropReconcileRows(runId: string): Promise<void> {
    // In slices by key range, each its own short transaction: a million rows in one delete would hold
    // SQLite's writer for seconds (and `IN (… LIMIT n)` runs as a subplan per row on PostgreSQL).
    for (const side of ['a', 'b'] as const) {
      for (;;) {
        const more = await this.w.relaxedTx(async (db) => {
          const edge = await db.selectFrom('reconcile_rows').select('external_id').where('run_id', '=', runId).where('side', '=', side).orderBy('external_id').offset(DROP_SLICE - 1).limit(1).executeTakeFirst();
          let q = db.deleteFrom('reconcile_rows').where('run_id', '=', runId).where('side', '=', side);
          if (edge) q = q.where('external_id', '<=', edge.external_id);
          await q.execute();
          return edge !== undefined;
        });
        if (!more) break;
      }
    }
  }

  async addDiffs(diffs: ReconcileDiff[]): Promise<void> {
    if (!diffs.length) return;
    await this.w.tx(async (db) => {
      for (let i = 0; i < diffs.length; i += CHUNK) {
        const part = diffs.slice(i, i + CHUNK).map((d) => ({
          run_id: d.runId, seq: d.seq, kind: d.kind, a_id: d.aId, b_id: d.bId, field: d.field, a_value: json(d.aValue), b_value: json(d.bValue), owner_value: json(d.ownerValue), status: d.status,
        }));
        await db.insertInto('reconcile_diffs').values(part).execute();
      }
    });
  }

  async listDiffs(runId: string, filter: { status?: ReconcileDiff['status']; afterSeq?: number; limit?: number } = {}): Promise<ReconcileDiff[]> {
    let q = this.db.selectFrom('reconcile_diffs').selectAll().where('run_id', '=', runId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
    return (await q.orderBy('seq').limit(filter.limit ?? 1000).execute()).map(diffOf);
  }

  async setDiffStatus(runId: string, seqs: number[], status: ReconcileDiff['status']): Promise<void> {
    if (!seqs.length) return;
    await this.w.tx(async (db) => {
      for (let i = 0; i < seqs.length; i += KEYS_PER_QUERY) {
        const part = seqs.slice(i, i + KEYS_PER_QUERY);
        await db.updateTable('reconcile_diffs').set({ status }).where('run_id', '=', runId).where('seq', 'in', part).execute();
      }
    });
  }
}
