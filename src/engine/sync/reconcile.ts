/**
 * Reconciliation of a two-way pair: snapshot both sides into the store page by page (memory stays
 * bounded by one page whatever the size), compare them in the store by pair and by match key, and keep
 * a reviewable list of differences: a record missing on either side, a field that differs (with the
 * value its owner or rule settles on), a pair whose record is gone. Applying a selection queues pair
 * jobs through the normal queue (rate limits, retries, dead letters, traces).
 */
import { SyncError } from '../../core/errors.js';
import type { Fields, JsonObject, JsonValue } from '../../core/json.js';
import { sideName, type SideKey, type SyncDef } from '../../core/sync.js';
import type { ReconcileDiff, ReconcileRowInput, ReconcileRun, SyncPair } from '../../store/sync/types.js';
import type { NewJob, Store } from '../../store/types.js';
import type { ConnectionPool } from '../connections.js';
import { parseDuration } from '../durations.js';
import type { FlowCache, FlowRuntime } from '../flow-cache.js';
import { isInactive } from './pair-deletes.js';
import type { PairEvent } from './pair-event.js';
import { canon, ruleText, settleField } from './settle.js';

/** Records read per page and rows compared per step. */
const PAGE = 500;

/** What a reconciliation needs. */
export interface ReconcileDeps {
  store: Store;
  pool: ConnectionPool;
  flows: FlowCache;
  /** Reports the drift found (records with any difference) per flow, e.g. as a metric. */
  onDrift?(flow: string, records: number): void;
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
    const diffs = new DiffWriter(run.id, deps.store);
    const drifted = new Set<string>();
    await comparePairs(flow, run.id, deps.store, diffs, drifted);
    await compareUnpaired(flow, run.id, deps.store, diffs, drifted);
    await diffs.flush();
    await store.dropReconcileRows(run.id);
    const summary: JsonObject = { records: { a: read.a, b: read.b }, drift: drifted.size, ...diffs.counts };
    await store.finishReconcileRun(run.id, 'ready', summary);
    deps.onDrift?.(flowName, drifted.size);
    return (await store.getReconcileRun(run.id))!;
  } catch (err) {
    await store.dropReconcileRows(run.id).catch(() => undefined);
    await store.finishReconcileRun(run.id, 'failed', { error: (err as Error).message });
    throw err;
  }
}

/** Reads every live record of one side into the run's snapshot; returns how many. */
async function snapshot(flow: FlowRuntime, side: SideKey, runId: string, deps: ReconcileDeps): Promise<number> {
  const sync = flow.def.sync!;
  const def = sync[side];
  const conn = await deps.pool.get(def.connection);
  const firstKey = sync.match[0][side];
  let since = null;
  let n = 0;
  for (;;) {
    const page = await conn.connector.readChanges(def.entity, since, { limit: PAGE, overlapMs: 0 });
    const rows: ReconcileRowInput[] = [];
    for (const r of page.records) {
      if (r.deleted || isInactive(def, r.data)) continue;
      const key = canon(firstKey === 'id' ? r.id : r.data[firstKey]);
      rows.push({ side, id: r.id, matchKey: key === null ? null : String(key), fields: Object.fromEntries(sync.fields.map((f) => [f[side], (r.data[f[side]] ?? null) as JsonValue])) });
    }
    await deps.store.sync.addReconcileRows(runId, rows);
    n += rows.length;
    if (!page.hasMore || !page.next) break;
    since = page.next;
  }
  return n;
}

/** Buffers differences and writes them in batches with running numbers. */
class DiffWriter {
  private seq = 0;
  private buf: ReconcileDiff[] = [];
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

async function fieldDiffs(sync: SyncDef, a: ReconcileRowInput, b: ReconcileRowInput, pair: SyncPair | null, diffs: DiffWriter, drifted: Set<string>): Promise<void> {
  for (const f of sync.fields) {
    const av = (a.fields[f.a] ?? null) as JsonValue;
    const bv = (b.fields[f.b] ?? null) as JsonValue;
    if (JSON.stringify(canon(av)) === JSON.stringify(canon(bv))) continue;
    drifted.add(`a:${a.id}`);
    await diffs.add({ kind: 'field', aId: a.id, bId: b.id, field: f.a, aValue: av, bValue: bv, ownerValue: ownerValue(sync, f, av, bv, pair) });
  }
}

/** Pairs the store holds: both records there (compare fields) or one gone (an orphan). */
async function comparePairs(flow: FlowRuntime, runId: string, store: Store, diffs: DiffWriter, drifted: Set<string>): Promise<void> {
  const sync = flow.def.sync!;
  let after: string | null = null;
  for (;;) {
    const pairs = await store.sync.listPairs(flow.name, after, PAGE);
    if (!pairs.length) return;
    for (const p of pairs) {
      const a = await store.sync.reconcileRow(runId, 'a', { id: p.aId });
      const b = await store.sync.reconcileRow(runId, 'b', { id: p.bId });
      if (a && b) await fieldDiffs(sync, a, b, p, diffs, drifted);
      else {
        drifted.add(`a:${p.aId}`);
        await diffs.add({ kind: 'orphan', aId: p.aId, bId: p.bId, field: null, aValue: a ? 'present' : 'missing', bValue: b ? 'present' : 'missing', ownerValue: null });
      }
    }
    after = pairs.at(-1)!.id;
  }
}

/** Records no pair holds: matched on the other side by key (fields compared), or missing there. */
async function compareUnpaired(flow: FlowRuntime, runId: string, store: Store, diffs: DiffWriter, drifted: Set<string>): Promise<void> {
  const sync = flow.def.sync!;
  const matchedB = new Set<string>();
  for (const side of ['a', 'b'] as const) {
    const other: SideKey = side === 'a' ? 'b' : 'a';
    let after: string | null = null;
    for (;;) {
      const rows = await store.sync.unpairedRows(runId, flow.name, side, after, PAGE);
      if (!rows.length) break;
      for (const r of rows) {
        if (side === 'b' && matchedB.has(r.id)) continue;
        const partner = r.matchKey ? await store.sync.reconcileRow(runId, other, { matchKey: r.matchKey }) : null;
        const partnerFree = partner && !(await store.sync.pairBy(flow.name, other, partner.id));
        if (partner && partnerFree) {
          const [a, b] = side === 'a' ? [r, partner] : [partner, r];
          if (side === 'a') matchedB.add(b.id);
          await fieldDiffs(sync, a, b, null, diffs, drifted);
          continue;
        }
        drifted.add(`${side}:${r.id}`);
        await diffs.add({ kind: side === 'a' ? 'missing_b' : 'missing_a', aId: side === 'a' ? r.id : null, bId: side === 'b' ? r.id : null, field: null, aValue: null, bValue: null, ownerValue: null });
      }
      after = rows.at(-1)!.id;
    }
  }
}

/** Which differences to apply: all open ones, or these numbers. */
export type ReconcileSelection = { all: true } | { seqs: number[] };

/** Queues pair jobs for the selected open differences (nothing else is touched); returns the jobs queued. */
export async function applyReconcile(runId: string, selection: ReconcileSelection, actor: string, deps: Pick<ReconcileDeps, 'store' | 'flows'>): Promise<{ applied: number[]; jobIds: string[] }> {
  const store = deps.store.sync;
  const run = await store.getReconcileRun(runId);
  if (!run) throw new SyncError('not_found', `no reconciliation ${runId}`);
  if (run.status !== 'ready') throw new SyncError('conflict', `reconciliation ${runId} is ${run.status}, not ready to apply`);
  const flow = await deps.flows.get(run.flow);
  const chosen = 'seqs' in selection ? new Set(selection.seqs) : null;
  const picked: ReconcileDiff[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await store.listDiffs(runId, { status: 'open', afterSeq, limit: PAGE });
    if (!page.length) break;
    picked.push(...page.filter((d) => !chosen || chosen.has(d.seq)));
    afterSeq = page.at(-1)!.seq;
  }
  // One job per record; field differences of one record become one job limited to those fields.
  const jobs = new Map<string, PairEvent>();
  for (const d of picked) {
    if (d.kind === 'orphan') {
      const pair = await store.pairBy(run.flow, 'a', d.aId!);
      if (pair) await store.dropPair(pair.id);
      const present: SideKey | null = d.aValue === 'present' ? 'a' : d.bValue === 'present' ? 'b' : null;
      if (present) jobs.set(`${present}:${present === 'a' ? d.aId : d.bId}`, { record: {}, id: (present === 'a' ? d.aId : d.bId)!, side: present });
      continue;
    }
    const side: SideKey = d.kind === 'missing_a' ? 'b' : 'a';
    const id = (side === 'a' ? d.aId : d.bId)!;
    const key = `${side}:${id}`;
    const job = jobs.get(key) ?? { record: {} as Fields, id, side };
    if (d.kind === 'field') job.only = [...(job.only ?? []), d.field!];
    jobs.set(key, job);
  }
  const rows: NewJob[] = [...jobs.entries()].map(([key, e]) => ({
    flow: run.flow,
    flowVersion: flow.version,
    kind: 'manual',
    payload: { ...e, reason: `reconcile ${runId} by ${actor}` } as unknown as JsonObject,
    recordKey: key,
    maxAttempts: flow.policy.maxAttempts,
  }));
  const jobIds = rows.length ? await deps.store.enqueue(rows) : [];
  await store.setDiffStatus(runId, picked.map((d) => d.seq), 'queued');
  // What was not chosen stays open: apply it later, or never.
  await deps.store.audit({ actor, action: 'reconcile.apply', target: `flow:${run.flow}`, details: { run: runId, differences: picked.length, jobs: jobIds.length } });
  return { applied: picked.map((d) => d.seq), jobIds };
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
