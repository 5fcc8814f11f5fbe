/**
 * Previews that write nothing. Replay: what replaying a dead letter (with the flow's current version,
 * as a replay runs) would write and what the target holds now, field by field. Cost: the API calls an
 * initial load or a reconciliation would spend per connection, against what is left of today's budget.
 */
import type { Fields, JsonValue } from '../core/json.js';
import { sideName, type SideKey } from '../core/sync.js';
import { toSyncError } from '../core/errors.js';
import { validateRecord, type MappingContext } from '../mapping/index.js';
import type { Store } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import { parseDuration } from './durations.js';
import type { FlowCache, FlowRuntime } from './flow-cache.js';
import { asEventPayload } from './payloads.js';
import { asPairEvent } from './sync/pair-event.js';
import { READ_PAGE } from './sync/reconcile.js';
import { canon, same, settleField } from './sync/settle.js';

/** One field: what the replay would write, what is there now. */
export interface FieldPreview {
  field: string;
  write: JsonValue;
  now: JsonValue;
  changes: boolean;
}

/** One target (or pair side) of a replay preview. */
export interface TargetPreview {
  target: string;
  connection: string;
  entity: string;
  /** The record that would be written; null when the replay would create one. */
  id: string | null;
  action: 'create' | 'update' | 'unchanged' | 'skipped' | 'fails';
  fields: FieldPreview[];
  /** Why the replay would fail again (the mapping or the target's rules refuse it). */
  error?: string;
}

/** What replaying one dead letter would do. */
export interface ReplayPreview {
  deadLetter: string;
  flow: string;
  version: number;
  targets: TargetPreview[];
}

/** What previews need. */
export interface PreviewDeps {
  store: Store;
  pool: ConnectionPool;
  flows: FlowCache;
}

/** Previews the replay of one dead letter, field by field, against the target's current record. */
export async function previewReplay(id: string, deps: PreviewDeps): Promise<ReplayPreview | null> {
  const d = await deps.store.getDeadLetter(id);
  if (!d) return null;
  const flow = await deps.flows.get(d.flow);
  const targets = flow.def.sync ? await pairPreview(flow, d.payload, deps) : await targetPreviews(flow, d.payload, deps);
  return { deadLetter: id, flow: d.flow, version: flow.version, targets };
}

async function targetPreviews(flow: FlowRuntime, payload: JsonValue, deps: PreviewDeps): Promise<TargetPreview[]> {
  const event = asEventPayload(payload);
  const source = flow.def.source;
  const ctx: MappingContext = {
    flow: flow.name,
    recordKey: event.id ?? undefined,
    xref: (connection, entity, rid, tc, te) => deps.store.xrefFind({ connection, entity, id: String(rid) }, tc, te),
  };
  const out: TargetPreview[] = [];
  for (const target of flow.compiled.targets) {
    const t = target.def;
    const base = { target: t.name, connection: t.connection, entity: t.entity };
    let fields: Fields;
    try {
      if (!(await target.when(event.record, ctx))) {
        out.push({ ...base, id: null, action: 'skipped', fields: [] });
        continue;
      }
      fields = (await target.map(event.record, ctx)).fields;
    } catch (err) {
      out.push({ ...base, id: null, action: 'fails', fields: [], error: toSyncError(err).message });
      continue;
    }
    const existing = event.id && t.match?.xref !== false ? await deps.store.xrefFind({ connection: source.connection, entity: source.entity, id: event.id }, t.connection, t.entity) : null;
    const current = existing ? await (await deps.pool.get(t.connection)).connector.get(t.entity, existing) : null;
    const rows = Object.entries(fields).map(([field, v]) => {
      const now = (current?.data[field] ?? null) as JsonValue;
      return { field, write: v as JsonValue, now, changes: !same(v, now) };
    });
    // The target's own rules (lengths, types, required fields), as the runner checks them before writing.
    const spec = await deps.pool.entitySpec(t.connection, t.entity).catch(() => undefined);
    const verb = current ? 'update' : (t.write?.verb ?? 'upsert');
    const problems = spec ? validateRecord(fields, spec, { flow: flow.name, target: t.name, recordKey: event.id ?? undefined, verb }) : [];
    const action = problems.length ? 'fails' : !current ? 'create' : rows.some((r) => r.changes) ? 'update' : 'unchanged';
    out.push({ ...base, id: current?.id ?? null, action, fields: rows, ...(problems.length ? { error: problems.map((p) => p.message).join('; ') } : {}) });
  }
  return out;
}

/** A pair event's replay: both sides read now, every field settled as the pair runner would. */
async function pairPreview(flow: FlowRuntime, payload: JsonValue, deps: PreviewDeps): Promise<TargetPreview[]> {
  const sync = flow.def.sync!;
  const event = asPairEvent(payload);
  const s: SideKey = event.side ?? 'a';
  const t: SideKey = s === 'a' ? 'b' : 'a';
  const get = async (k: SideKey, rid: string) => (await deps.pool.get(sync[k].connection)).connector.get(sync[k].entity, rid);
  const recS = event.id ? await get(s, event.id) : null;
  const pair = event.id ? await deps.store.sync.pairBy(flow.name, s, event.id) : null;
  const tId = pair ? (t === 'a' ? pair.aId : pair.bId) : event.id ? await deps.store.xrefFind({ connection: sync[s].connection, entity: sync[s].entity, id: event.id }, sync[t].connection, sync[t].entity) : null;
  const recT = tId ? await get(t, tId) : null;
  const side = (k: SideKey, id: string | null, action: TargetPreview['action'], fields: FieldPreview[]): TargetPreview => ({ target: sideName(sync, k), connection: sync[k].connection, entity: sync[k].entity, id, action, fields });
  if (!recS) return [side(s, event.id, 'skipped', [])];
  if (!recT) return [side(t, null, 'create', sync.fields.filter((f) => canon(recS.data[f[s]]) !== null).map((f) => ({ field: f[t], write: recS.data[f[s]] as JsonValue, now: null, changes: true })))];
  const rec = { [s]: recS, [t]: recT } as Record<SideKey, NonNullable<typeof recS>>;
  const rows: Record<SideKey, FieldPreview[]> = { a: [], b: [] };
  const skewMs = sync.skewTolerance ? parseDuration(sync.skewTolerance) : 2000;
  for (const f of sync.fields) {
    const now = { a: (rec.a.data[f.a] ?? null) as JsonValue, b: (rec.b.data[f.b] ?? null) as JsonValue, aStamp: rec.a.updatedAt ?? null, bStamp: rec.b.updatedAt ?? null };
    const settled = settleField(sync, f, now, pair?.fields[f.a], { skewMs });
    for (const k of ['a', 'b'] as const) if (k in settled.write) rows[k].push({ field: f[k], write: settled.write[k] as JsonValue, now: now[k], changes: true });
  }
  return (['a', 'b'] as const).map((k) => side(k, rec[k].id, rows[k].length ? 'update' : 'unchanged', rows[k]));
}

/** API calls one connection would spend, against today's budget. */
export interface CostLine {
  connection: string;
  reads: number;
  writes: number;
  calls: number;
  /** Calls left today (null when the connection has no daily limit). */
  remaining: number | null;
  limit: number | null;
  fits: boolean;
}

/** A cost preview with the assumptions behind the numbers. */
export interface CostPreview {
  flow: string;
  mode: 'load' | 'reconcile';
  records: Record<string, number>;
  lines: CostLine[];
  assumptions: string[];
}

/** Records per page of a read (the engine's default) and calls a pair's record costs when written. */
const PAGE = 500;

/**
 * Estimates the calls of an initial load (every source record written: reads by page, writes in the
 * target's batches where it has them, else one per record plus a read of the partner) or of a
 * reconciliation (both sides read by page). `records` overrides the record counts (per connection);
 * otherwise the last reconciliation's counts, or the pairs held, are used.
 */
export async function costPreview(flowName: string, mode: 'load' | 'reconcile', deps: PreviewDeps & { budget(): Promise<Array<{ connection: string; used: number; limit: number | null }>> }, records: Record<string, number> = {}): Promise<CostPreview> {
  const flow = await deps.flows.get(flowName);
  // A reconciliation reads each side whole, in the larger pages of a whole-entity read.
  const page = mode === 'reconcile' && flow.def.sync ? READ_PAGE : PAGE;
  const assumptions: string[] = [`reads come in pages of ${page} records`];
  const calls = new Map<string, { reads: number; writes: number }>();
  const add = (c: string, reads: number, writes: number) => {
    const x = calls.get(c) ?? { reads: 0, writes: 0 };
    calls.set(c, { reads: x.reads + reads, writes: x.writes + writes });
  };
  const counts: Record<string, number> = {};
  const count = async (connection: string, side?: SideKey): Promise<number> => {
    if (records[connection] !== undefined) return records[connection];
    const last = (await deps.store.sync.listReconcileRuns(flowName, 1))[0];
    const fromRun = side && (last?.summary?.records as Record<string, number> | undefined)?.[side];
    if (typeof fromRun === 'number') {
      assumptions.push(`${connection}: ${fromRun} records, as the last reconciliation (${last!.startedAt}) read`);
      return fromRun;
    }
    const pairs = await deps.store.sync.countPairs(flowName);
    assumptions.push(`${connection}: ${pairs} records assumed (the pairs held; pass records to say otherwise)`);
    return pairs;
  };
  if (flow.def.sync) {
    const sync = flow.def.sync;
    for (const k of ['a', 'b'] as const) counts[sync[k].connection] = await count(sync[k].connection, k);
    for (const k of ['a', 'b'] as const) add(sync[k].connection, Math.ceil(counts[sync[k].connection] / page) || 1, 0);
    if (mode === 'load') {
      // Every side-a record: both sides read again (get), the partner created, its key written back.
      const n = counts[sync.a.connection];
      add(sync.a.connection, n, n);
      add(sync.b.connection, n, n);
      assumptions.push('a first pairing reads both records again, creates the partner and writes its key back: about 2 calls per record on each side');
    } else {
      assumptions.push('applying differences afterwards costs about 2 calls per record on each side');
    }
  } else {
    const src = flow.def.source.connection;
    counts[src] = await count(src);
    add(src, Math.ceil(counts[src] / page) || 1, 0);
    if (mode === 'load') {
      for (const t of flow.def.targets) {
        const spec = await deps.pool.entitySpec(t.connection, t.entity).catch(() => undefined);
        const batch = spec?.operations.includes('batch') ? (t.write?.batchSize ?? spec.maxBatchSize ?? 1) : 1;
        add(t.connection, batch > 1 ? 0 : counts[src], Math.ceil(counts[src] / batch));
        assumptions.push(batch > 1 ? `${t.connection}/${t.entity}: written in batches of ${batch}` : `${t.connection}/${t.entity}: one match read and one write per record`);
      }
    }
  }
  const budget = new Map((await deps.budget()).map((b) => [b.connection, b]));
  const lines = [...calls.entries()].map(([connection, c]) => {
    const b = budget.get(connection);
    const remaining = b?.limit != null ? Math.max(0, b.limit - b.used) : null;
    const total = c.reads + c.writes;
    return { connection, reads: c.reads, writes: c.writes, calls: total, remaining, limit: b?.limit ?? null, fits: remaining === null || total <= remaining };
  });
  return { flow: flowName, mode, records: counts, lines, assumptions };
}
