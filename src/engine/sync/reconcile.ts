/**
 * Reconciliation of a two-way pair: snapshot both sides into the store page by page, by each system's
 * bulk or paged read (Connector.readAll), then compare in the store a page at a time: pairs joined with
 * both snapshot rows in one query per page, and records no pair holds matched to the other side by
 * their first match key in one query per page of keys. Memory stays bounded by a page whatever the
 * size (a million records spill to the store, never to the heap). The differences (a record missing
 * on either side, a field that differs with the value its owner or rule settles on, a pair whose
 * record is gone) are kept for review; applying a selection queues pair jobs through the normal queue
 * (rate limits, retries, dead letters, traces).
 */
import { SyncError } from '../../core/errors.js';
import type { Connector, SourceRecord } from '../../core/connector.js';
import type { Fields, JsonObject, JsonValue } from '../../core/json.js';
import { otherSide, sideName, type SideKey, type SyncDef } from '../../core/sync.js';
import type { ReconcileDiff, ReconcileRowInput, ReconcileRun, SyncPair } from '../../store/sync/types.js';
import type { NewJob, Store } from '../../store/types.js';
import type { ConnectionPool } from '../connections.js';
import { parseDuration } from '../durations.js';
import type { FlowCache, FlowRuntime } from '../flow-cache.js';
import { isInactive } from './pair-deletes.js';
import type { PairEvent } from './pair-event.js';
import { canon, ruleText, settleField } from './settle.js';

/** Rows compared per step, and differences written or applied per batch. */
const PAGE = 500;
/** Records asked for per whole-entity read: Salesforce's largest query batch, so a million records cost 500 calls a side. */
export const READ_PAGE = 2000;

/** What a reconciliation needs. */
export interface ReconcileDeps {
  store: Store;
  pool: ConnectionPool;
  flows: FlowCache;
  /** Reports the drift found (records with any difference) per flow, e.g. as a metric. */
  onDrift?(flow: string, records: number): void;
  /** Aborts the reads when the caller stops. */
  signal?: AbortSignal;
}

/** Compares both sides of a pair flow and stores the differences; returns the finished run. */
export async function reconcile(flowName: string, actor: string, deps: ReconcileDeps): Promise<ReconcileRun> {
  const flow = await deps.flows.get(flowName);
  const sync = flow.def.sync;
  if (!sync) throw new SyncError('invalid_data', `flow "${flowName}" is not a two-way pair (no sync: block); reconciliation compares the two sides of a pair`, { rule: 'reconcile needs sync:' });
  const store = deps.store.sync;
  const run = await store.createReconcileRun(flowName, actor);
  try {
    const read = { a: await snapshot(flow, 'a', run.id, deps), b: await snapshot(flow, 'b', run.id, deps) };
    await store.snapshotTaken(run.id);
    const diffs = new DiffWriter(run.id, deps.store);
    await comparePairs(flow, run.id, deps.store, diffs);
    await compareUnpaired(flow, run.id, deps.store, diffs);
    await diffs.flush();
    await store.dropReconcileRows(run.id);
    const summary: JsonObject = { records: { a: read.a, b: read.b }, drift: diffs.records, ...diffs.counts };
    await store.finishReconcileRun(run.id, 'ready', summary);
    deps.onDrift?.(flowName, diffs.records);
    return (await store.getReconcileRun(run.id))!;
  } catch (err) {
    await store.dropReconcileRows(run.id).catch(() => undefined);
    await store.finishReconcileRun(run.id, 'failed', { error: (err as Error).message });
    throw err;
  }
}

/**
 * Pages of every live record of a side: the connector's whole-entity read when it has one (one query
 * cursor followed to its end: Salesforce's query locator, the ERPs' paged reads), else its change read
 * from the beginning.
 */
async function* sidePages(connector: Pick<Connector, 'readAll' | 'readChanges'>, entity: string, signal?: AbortSignal): AsyncGenerator<SourceRecord[]> {
  if (connector.readAll) {
    let cursor: JsonObject | null = null;
    do {
      const page = await connector.readAll(entity, cursor, { limit: READ_PAGE, signal });
      yield page.records;
      cursor = page.next;
    } while (cursor);
    return;
  }
  let since = null;
  for (;;) {
    const page = await connector.readChanges(entity, since, { limit: READ_PAGE, overlapMs: 0, signal });
    yield page.records.filter((r) => !r.deleted);
    if (!page.hasMore || !page.next) return;
    since = page.next;
  }
}

/** Reads every live record of one side into the run's snapshot; returns how many. */
async function snapshot(flow: FlowRuntime, side: SideKey, runId: string, deps: ReconcileDeps): Promise<number> {
  const sync = flow.def.sync!;
  const def = sync[side];
  const conn = await deps.pool.get(def.connection);
  const firstKey = sync.match[0][side];
  let n = 0;
  for await (const records of sidePages(conn.connector, def.entity, deps.signal)) {
    const rows: ReconcileRowInput[] = [];
    for (const r of records) {
      if (r.deleted || isInactive(def, r.data)) continue;
      const key = canon(firstKey === 'id' ? r.id : r.data[firstKey]);
      rows.push({ side, id: r.id, matchKey: key === null ? null : String(key), fields: Object.fromEntries(sync.fields.map((f) => [f[side], (r.data[f[side]] ?? null) as JsonValue])) });
    }
    await deps.store.sync.addReconcileRows(runId, rows);
    n += rows.length;
  }
  return n;
}

/** Buffers differences and writes them in batches with running numbers; counts records with any difference. */
class DiffWriter {
  private seq = 0;
  private buf: ReconcileDiff[] = [];
  /** Records with at least one difference (each record is compared once, so no set is needed). */
  records = 0;
  readonly counts: Record<ReconcileDiff['kind'], number> = { missing_a: 0, missing_b: 0, field: 0, orphan: 0 };
  constructor(
    private readonly runId: string,
    private readonly store: Store,
  ) {}
  async add(d: Omit<ReconcileDiff, 'runId' | 'seq' | 'status'>): Promise<void> {
    this.buf.push({ ...d, runId: this.runId, seq: ++this.seq, status: 'open' });
    this.counts[d.kind] += 1;
    if (this.buf.length >= PAGE) await this.flush();
  }
  async flush(): Promise<void> {
    const part = this.buf.splice(0);
    if (part.length) await this.store.sync.addDiffs(part);
  }
}

/** The value the pair's owner or rule settles on when the sides differ (null for `ask`: a person decides). */
function ownerValue(sync: SyncDef, f: SyncDef['fields'][number], a: JsonValue, b: JsonValue, pair: SyncPair | null): JsonValue {
  const skewMs = sync.skewTolerance ? parseDuration(sync.skewTolerance) : 2000;
  const now = { a, b, aStamp: null, bStamp: null };
  let s = settleField(sync, f, now, pair?.fields[f.a], { skewMs });
  // Drift nobody recorded (both differ from the last sync, or no last sync): the rule decides as in a conflict.
  if (!s.review && !('a' in s.write) && !('b' in s.write)) s = settleField(sync, f, now, undefined, { skewMs });
  if (s.review) return null;
  return ('a' in s.write ? s.write.a : 'b' in s.write ? s.write.b : a) ?? null;
}

/** Differences of the mapped fields of two records taken as one; counts the record once when any. */
async function fieldDiffs(sync: SyncDef, a: ReconcileRowInput, b: ReconcileRowInput, pair: SyncPair | null, diffs: DiffWriter): Promise<void> {
  let any = false;
  for (const f of sync.fields) {
    const av = (a.fields[f.a] ?? null) as JsonValue;
    const bv = (b.fields[f.b] ?? null) as JsonValue;
    if (JSON.stringify(canon(av)) === JSON.stringify(canon(bv))) continue;
    any = true;
    await diffs.add({ kind: 'field', aId: a.id, bId: b.id, field: f.a, aValue: av, bValue: bv, ownerValue: ownerValue(sync, f, av, bv, pair) });
  }
  if (any) diffs.records += 1;
}

/** Pairs the store holds, a page at a time with both snapshot rows: both records there (compare fields) or one gone (an orphan). */
async function comparePairs(flow: FlowRuntime, runId: string, store: Store, diffs: DiffWriter): Promise<void> {
  const sync = flow.def.sync!;
  let after: string | null = null;
  for (;;) {
    const page = await store.sync.pairedRows(runId, flow.name, after, PAGE);
    if (!page.length) return;
    for (const { pair: p, a, b } of page) {
      if (a && b) {
        await fieldDiffs(sync, a, b, p, diffs);
        continue;
      }
      diffs.records += 1;
      await diffs.add({ kind: 'orphan', aId: p.aId, bId: p.bId, field: null, aValue: a ? 'present' : 'missing', bValue: b ? 'present' : 'missing', ownerValue: null });
    }
    after = page.at(-1)!.pair.id;
  }
}

/**
 * Records no pair holds, a page at a time. A record of side a is taken as one with the unpaired
 * record of side b that has its first match key (the smallest id when several do) and their fields
 * are compared; without one it is missing on b. A record of side b is missing on a unless it is the
 * partner side a's pass chose.
 */
async function compareUnpaired(flow: FlowRuntime, runId: string, store: Store, diffs: DiffWriter): Promise<void> {
  const sync = flow.def.sync!;
  for (const side of ['a', 'b'] as const) {
    const other = otherSide(side);
    let after: string | null = null;
    for (;;) {
      const rows = await store.sync.unpairedRows(runId, flow.name, side, after, PAGE);
      if (!rows.length) break;
      const keys = [...new Set(rows.flatMap((r) => (r.matchKey === null ? [] : [r.matchKey])))];
      const partners = new Map((await store.sync.firstUnpairedByKey(runId, flow.name, other, keys)).map((r) => [r.matchKey!, r]));
      // Side b: whether this row is the one side a's pass compared (the first of its key on side b).
      const firstOfKey = side === 'b' ? new Map((await store.sync.firstUnpairedByKey(runId, flow.name, 'b', keys)).map((r) => [r.matchKey!, r.id])) : null;
      for (const r of rows) {
        const partner = r.matchKey === null ? undefined : partners.get(r.matchKey);
        if (partner && side === 'a') {
          await fieldDiffs(sync, r, partner, null, diffs);
          continue;
        }
        if (partner && firstOfKey?.get(r.matchKey!) === r.id) continue;
        diffs.records += 1;
        await diffs.add({ kind: side === 'a' ? 'missing_b' : 'missing_a', aId: side === 'a' ? r.id : null, bId: side === 'b' ? r.id : null, field: null, aValue: null, bValue: null, ownerValue: null });
      }
      after = rows.at(-1)!.id;
    }
  }
}

/** Which differences to apply: all open ones, or these numbers. */
export type ReconcileSelection = { all: true } | { seqs: number[] };

/** A pair job to queue and the differences it applies. */
interface PendingJob {
  event: PairEvent;
  seqs: number[];
}

/**
 * Queues pair jobs for the selected open differences (nothing else is touched); returns the jobs
 * queued. Differences are read a page at a time and their jobs queued as they fill a page, so a large
 * reconciliation is applied with bounded memory; a record's differences (consecutive numbers) always
 * go into one job limited to those fields.
 */
export async function applyReconcile(runId: string, selection: ReconcileSelection, actor: string, deps: Pick<ReconcileDeps, 'store' | 'flows'>): Promise<{ applied: number[]; jobIds: string[] }> {
  const store = deps.store.sync;
  const run = await store.getReconcileRun(runId);
  if (!run) throw new SyncError('not_found', `no reconciliation ${runId}`);
  if (run.status !== 'ready') throw new SyncError('conflict', `reconciliation ${runId} is ${run.status}, not ready to apply`);
  const flow = await deps.flows.get(run.flow);
  const chosen = 'seqs' in selection ? new Set(selection.seqs) : null;
  const applied: number[] = [];
  const jobIds: string[] = [];
  let pending = new Map<string, PendingJob>();
  // Jobs first, then the differences they carry are marked queued: a crash in between leaves them open, to apply again.
  const flush = async () => {
    const batch = [...pending.entries()];
    pending = new Map();
    const rows: NewJob[] = batch
      .filter(([, j]) => j.event.id !== null)
      .map(([key, { event }]) => ({
        flow: run.flow,
        flowVersion: flow.version,
        kind: 'manual',
        payload: { ...event, reason: `reconcile ${runId} by ${actor}` } as unknown as JsonObject,
        recordKey: key,
        maxAttempts: flow.policy.maxAttempts,
      }));
    if (rows.length) jobIds.push(...(await deps.store.enqueue(rows)));
    const seqs = batch.flatMap(([, j]) => j.seqs);
    await store.setDiffStatus(runId, seqs, 'queued');
    applied.push(...seqs);
  };
  let afterSeq = 0;
  for (;;) {
    const page = await store.listDiffs(runId, { status: 'open', afterSeq, limit: PAGE });
    if (!page.length) break;
    afterSeq = page.at(-1)!.seq;
    for (const d of page) {
      if (chosen && !chosen.has(d.seq)) continue;
      const { key, job } = await jobOf(run.flow, d, deps.store);
      // A new record once the page is full: queue what is gathered (a record's differences are consecutive, so none is split).
      if (pending.size >= PAGE && !pending.has(key)) await flush();
      const open = pending.get(key) ?? { event: job, seqs: [] };
      if (d.kind === 'field') open.event.only = [...(open.event.only ?? []), d.field!];
      open.seqs.push(d.seq);
      pending.set(key, open);
    }
  }
  await flush();
  // What was not chosen stays open: apply it later, or never.
  await deps.store.audit({ actor, action: 'reconcile.apply', target: `flow:${run.flow}`, details: { run: runId, differences: applied.length, jobs: jobIds.length } });
  return { applied, jobIds };
}

/** The pair job one difference asks for (id null when there is nothing left to write), keyed by the record it settles. */
async function jobOf(flow: string, d: ReconcileDiff, store: Store): Promise<{ key: string; job: PairEvent }> {
  if (d.kind === 'orphan') {
    // The pair names a record that is gone: forget the pair, and let the record still there find or create a partner.
    const pair = await store.sync.pairBy(flow, 'a', d.aId!);
    if (pair) await store.sync.dropPair(pair.id);
    const present: SideKey | null = d.aValue === 'present' ? 'a' : d.bValue === 'present' ? 'b' : null;
    if (!present) return { key: `orphan:${d.seq}`, job: { record: {}, id: null, side: 'a' } };
    const id = (present === 'a' ? d.aId : d.bId)!;
    return { key: `${present}:${id}`, job: { record: {}, id, side: present } };
  }
  const side: SideKey = d.kind === 'missing_a' ? 'b' : 'a';
  const id = (side === 'a' ? d.aId : d.bId)!;
  return { key: `${side}:${id}`, job: { record: {} as Fields, id, side } };
}

/** A line per difference, for the CLI and logs. */
export function describeDiff(sync: SyncDef, d: ReconcileDiff): string {
  const a = sideName(sync, 'a');
  const b = sideName(sync, 'b');
  switch (d.kind) {
    case 'missing_a':
      return `#${d.seq} missing on ${a}: ${sync.b.entity} ${d.bId} has no partner`;
    case 'missing_b':
      return `#${d.seq} missing on ${b}: ${sync.a.entity} ${d.aId} has no partner`;
    case 'orphan':
      return `#${d.seq} orphan pair: ${sync.a.entity} ${d.aId} (${String(d.aValue)}) ↔ ${sync.b.entity} ${d.bId} (${String(d.bValue)})`;
    default: {
      const f = sync.fields.find((x) => x.a === d.field)!;
      return `#${d.seq} ${d.aId} ↔ ${d.bId} ${d.field}: ${a}=${JSON.stringify(d.aValue)} ${b}=${JSON.stringify(d.bValue)} → ${d.ownerValue === null ? 'a person decides' : JSON.stringify(d.ownerValue)} (${ruleText(f)})`;
    }
  }
}
