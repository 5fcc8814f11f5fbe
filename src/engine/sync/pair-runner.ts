/**
 * Runs one record of a two-way pair: reads both sides fresh, settles every field by its owner or rule
 * against the last-synced values, writes what changed to either side, and keeps the new last-synced
 * values. Because the echo of our own write reads back as "nothing changed since the last sync", a
 * write never bounces back. Deletes, inactivation and merges are handled in ./pair-deletes.ts.
 */
import type { Connector, EntitySpec, SourceRecord } from '../../core/connector.js';
import { SyncError, toSyncError } from '../../core/errors.js';
import type { Fields, JsonValue } from '../../core/json.js';
import { otherSide, sideName, type SideKey, type SyncDef, type SyncSideDef } from '../../core/sync.js';
import type { FieldState, SyncPair } from '../../store/sync/types.js';
import type { Store, TraceInput, XrefId } from '../../store/types.js';
import type { ConnectionPool } from '../connections.js';
import { parseDuration } from '../durations.js';
import type { FlowRuntime } from '../flow-cache.js';
import type { EngineMetrics } from '../metrics.js';
import { RecordRunFailure, type RecordRunResult } from '../record-runner.js';
import { canon, settleField, type Settled } from './settle.js';
import type { PairEvent } from './pair-event.js';
import { handleGone, isInactive } from './pair-deletes.js';

/** Dependencies of the pair runner. */
export interface PairRunnerDeps {
  store: Store;
  pool: ConnectionPool;
  metrics?: EngineMetrics;
}

/** One side as the runner works with it. */
export interface SideHandle {
  key: SideKey;
  def: SyncSideDef;
  name: string;
  connector: Connector;
  spec: EntitySpec | undefined;
}

/** Shared state of one pair run. */
export interface PairRun {
  flow: FlowRuntime;
  sync: SyncDef;
  deps: PairRunnerDeps;
  result: RecordRunResult;
  side(key: SideKey): Promise<SideHandle>;
  ref(key: SideKey, id: string): XrefId;
  fail(err: unknown, step: TraceInput): never;
}

/** Runs one pair event. Throws RecordRunFailure on failure (the worker retries or dead-letters it). */
export async function runPairRecord(flow: FlowRuntime, event: PairEvent, deps: PairRunnerDeps): Promise<RecordRunResult> {
  const sync = flow.def.sync!;
  const result: RecordRunResult = { status: 'succeeded', traces: [], xref: [], hashes: [], written: {} };
  const handles = new Map<SideKey, Promise<SideHandle>>();
  const run: PairRun = {
    flow,
    sync,
    deps,
    result,
    side(key) {
      let h = handles.get(key);
      if (!h) {
        h = (async () => {
          const def = sync[key];
          const conn = await deps.pool.get(def.connection);
          return { key, def, name: sideName(sync, key), connector: conn.connector, spec: await deps.pool.entitySpec(def.connection, def.entity).catch(() => undefined) };
        })();
        handles.set(key, h);
      }
      return h;
    },
    ref: (key, id) => ({ connection: sync[key].connection, entity: sync[key].entity, id }),
    fail(err, step) {
      const error = toSyncError(err);
      if (!error.details.connection && step.connection) error.details.connection = step.connection;
      result.traces.push({ ...step, status: 'failed', error: error.toJSON() });
      throw new RecordRunFailure(error, result);
    },
  };
  const s: SideKey = event.side ?? 'a';
  const id = event.id;
  const sDef = sync[s];
  result.traces.push({ step: 'trigger', status: 'ok', connection: sDef.connection, entity: sDef.entity, externalId: id ?? undefined, after: event.record as JsonValue, keys: id ? [id.toLowerCase()] : [] });
  if (!id) return run.fail(new SyncError('invalid_data', `a ${sDef.entity} record of side ${s} arrived without an id`, { rule: 'two-way pairs need record ids' }), { step: 'trigger', status: 'failed' });
  await settlePair(run, s, id, event);
  return result;
}

/** Settles the pair holding `id` on side `s` (also used after a merge, for the surviving record). */
export async function settlePair(run: PairRun, s: SideKey, id: string, event: Pick<PairEvent, 'type' | 'record' | 'only'>): Promise<void> {
  const { sync, deps, result } = run;
  const t = otherSide(s);
  const store = deps.store.sync;
  const traceStep = (step: string, side: SideKey, extra: Partial<TraceInput> = {}): TraceInput => ({ step, status: 'ok', connection: sync[side].connection, entity: sync[side].entity, ...extra });

  const dead = await store.tombstoneOf(run.ref(s, id));
  if (dead) {
    result.status = 'skipped';
    result.traces.push(traceStep(`read:${sideName(sync, s)}`, s, { status: 'skipped', externalId: id, keys: [id.toLowerCase()], after: { tombstone: dead.reason, since: dead.deletedAt, note: 'deleted earlier: a late update does not bring it back' } }));
    return;
  }
  const S = await run.side(s);
  const T = await run.side(t);
  let recS: SourceRecord | null;
  if (event.type === 'deleted') recS = null;
  else {
    try {
      recS = await S.connector.get(S.def.entity, id);
    } catch (err) {
      return run.fail(err, traceStep(`read:${S.name}`, s, { externalId: id }));
    }
  }
  let pair = await store.pairBy(run.flow.name, s, id);
  if (!recS || isInactive(S.def, recS.data)) {
    await handleGone(run, s, id, recS?.data ?? event.record, pair, recS ? 'inactive' : 'deleted');
    return;
  }
  result.traces.push(traceStep(`read:${S.name}`, s, { externalId: id, after: pick(recS.data, sync, s), keys: [id.toLowerCase()] }));

  // The partner: the pair row, then the cross-reference, then the match pairs.
  let tId = pair ? (t === 'a' ? pair.aId : pair.bId) : null;
  tId ??= await deps.store.xrefFind(run.ref(s, id), sync[t].connection, sync[t].entity);
  if (!tId) {
    try {
      tId = await matchPartner(run, S, T, id, recS.data);
    } catch (err) {
      return run.fail(err, traceStep(`match:${T.name}`, t));
    }
  }
  let recT: SourceRecord | null = null;
  if (tId) {
    const deadT = await store.tombstoneOf(run.ref(t, tId));
    if (deadT) {
      result.status = 'skipped';
      result.traces.push(traceStep(`read:${T.name}`, t, { status: 'skipped', externalId: tId, keys: [tId.toLowerCase()], after: { tombstone: deadT.reason, since: deadT.deletedAt, note: `the paired ${T.def.entity} was deleted: this record is not copied again` } }));
      return;
    }
    try {
      recT = await T.connector.get(T.def.entity, tId);
    } catch (err) {
      return run.fail(err, traceStep(`read:${T.name}`, t, { externalId: tId }));
    }
    if (!recT || isInactive(T.def, recT.data)) {
      // The partner went away without its own event reaching us yet: settle that delete now.
      const pairT = pair ?? (await store.pairBy(run.flow.name, t, tId));
      await handleGone(run, t, tId, recT?.data ?? {}, pairT, recT ? 'inactive' : 'deleted');
      return;
    }
    result.traces.push(traceStep(`read:${T.name}`, t, { externalId: tId, after: pick(recT.data, sync, t), keys: [tId.toLowerCase()] }));
  }

  if (!recT) {
    await createPartner(run, S, T, id, recS);
    return;
  }
  pair ??= await store.pairBy(run.flow.name, t, recT.id);
  const bySide = { [s]: recS, [t]: recT } as Record<SideKey, SourceRecord>;
  await settleFields(run, bySide, pair, event.only);
}

/** The fields of one side a flow pairs, from a record (for traces). */
function pick(data: Fields, sync: SyncDef, side: SideKey): JsonValue {
  return Object.fromEntries(sync.fields.map((f) => [f[side], (data[f[side]] ?? null) as JsonValue]));
}

/** Finds the partner of an unpaired record by the match pairs (`id` is the record id). */
async function matchPartner(run: PairRun, S: SideHandle, T: SideHandle, id: string, data: Fields): Promise<string | null> {
  for (const m of run.sync.match) {
    const value = m[S.key] === 'id' ? id : data[m[S.key]];
    if (canon(value) === null) continue;
    const ft = m[T.key];
    if (ft === 'id') {
      const found = await T.connector.get(T.def.entity, String(value));
      if (found) return found.id;
      continue;
    }
    const found = await T.connector.find(T.def.entity, ft, value);
    if (found.length === 1) return found[0].id;
    if (found.length > 1) {
      throw new SyncError('conflict', `${found.length} ${T.def.entity} records on "${T.def.connection}" have ${ft} = ${JSON.stringify(value)}; cannot tell which one pairs with ${S.def.entity} ${id} (merge them, or link the right one)`, {
        field: ft,
        value: value as JsonValue,
        rule: 'a pair matches at most one record',
      });
    }
  }
  return null;
}

/** A value as side `side`'s field type wants it (a number for a currency field read as "5000.00" from the other side). */
function forSide(h: SideHandle, field: string, value: JsonValue): JsonValue {
  const type = h.spec?.fields.find((f) => f.name === field)?.type;
  if (value === null) return null;
  if ((type === 'decimal' || type === 'number' || type === 'integer') && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if ((type === 'string' || type === 'text' || type === 'phone' || type === 'email' || type === 'picklist') && typeof value === 'number') return String(value);
  return value;
}

/** Creates the missing partner of `S`'s record on side T with the fields T does not own, then pairs them. */
async function createPartner(run: PairRun, S: SideHandle, T: SideHandle, id: string, recS: SourceRecord): Promise<void> {
  const { sync, deps, result, flow } = run;
  if (sync.create?.[T.key] === false) {
    result.status = 'skipped';
    result.traces.push({ step: `write:${T.name}`, status: 'skipped', connection: T.def.connection, entity: T.def.entity, after: { reason: `no partner found and the pair does not create ${T.def.entity} records` } });
    return;
  }
  const data: Fields = {};
  for (const f of sync.fields) {
    // The system of record's own fields start empty there rather than with the other system's guess.
    // (unless T cannot create the record without it).
    if (f.owner && f.owner === T.name && !T.spec?.fields.find((x) => x.name === f[T.key])?.required) continue;
    const v = canon(recS.data[f[S.key]]);
    if (v !== null) data[f[T.key]] = forSide(T, f[T.key], recS.data[f[S.key]] as JsonValue);
  }
  for (const m of sync.match) if (m[S.key] === 'id' && m[T.key] !== 'id') data[m[T.key]] = id;
  const step: TraceInput = { step: `write:${T.name}`, status: 'ok', connection: T.def.connection, entity: T.def.entity, after: data as JsonValue };
  let newId: string;
  try {
    const out = await T.connector.write(T.def.entity, { verb: 'create', data, idempotencyKey: `${flow.name}:${S.key}:${id}` });
    newId = out.id;
    deps.metrics?.writes.inc({ connection: T.def.connection, entity: T.def.entity, result: 'created' });
  } catch (err) {
    return run.fail(err, step);
  }
  step.externalId = newId;
  step.keys = [newId.toLowerCase()];
  result.traces.push(step);
  result.written[T.name] = { id: newId, created: true };
  const fields: Record<string, FieldState> = {};
  for (const f of sync.fields) {
    const sv = (recS.data[f[S.key]] ?? null) as JsonValue;
    const tv = f[T.key] in data ? (data[f[T.key]] as JsonValue) : null;
    fields[f.a] = S.key === 'a' ? { a: sv, b: tv } : { a: tv, b: sv };
  }
  const aId = S.key === 'a' ? id : newId;
  const bId = S.key === 'a' ? newId : id;
  // Kept at once (not only with the job): a retry after a crash finds the partner it made.
  await deps.store.sync.savePair({ flow: flow.name, aId, bId, fields, aStamp: null, bStamp: null });
  result.xref.push({ a: run.ref('a', aId), b: run.ref('b', bId) });
  // The new record's id is the other side's key (Account.Sage100_Customer_No__c = 01-ABF): write it there.
  const back: Fields = {};
  for (const m of sync.match) if (m[T.key] === 'id' && m[S.key] !== 'id') back[m[S.key]] = newId;
  if (Object.keys(back).length) {
    const wb: TraceInput = { step: `writeback:${S.name}`, status: 'ok', connection: S.def.connection, entity: S.def.entity, externalId: id, after: back as JsonValue };
    try {
      await S.connector.write(S.def.entity, { verb: 'update', id, data: back });
    } catch (err) {
      return run.fail(err, wb);
    }
    result.traces.push(wb);
  }
  // Settle at once what the create could not carry (the system of record's own values flow back now),
  // so the next read of either side finds the pair quiet.
  let recT: SourceRecord | null;
  try {
    recT = await T.connector.get(T.def.entity, newId);
  } catch (err) {
    return run.fail(err, { step: `read:${T.name}`, status: 'failed', connection: T.def.connection, entity: T.def.entity, externalId: newId });
  }
  if (!recT) return;
  const recS2: SourceRecord = { ...recS, data: { ...recS.data, ...back } };
  const bySide = (S.key === 'a' ? { a: recS2, b: recT } : { a: recT, b: recS2 }) as Record<SideKey, SourceRecord>;
  await settleFields(run, bySide, await deps.store.sync.pairBy(flow.name, 'a', aId));
}

/** Settles every field of a known pair and writes what changed, one update per side. */
async function settleFields(run: PairRun, rec: Record<SideKey, SourceRecord>, pair: SyncPair | null, only?: string[]): Promise<void> {
  const { sync, deps, result, flow } = run;
  const store = deps.store.sync;
  const skewMs = sync.skewTolerance ? parseDuration(sync.skewTolerance) : 2000;
  const reviews = await store.reviewsOf(flow.name, rec.a.id);
  const applied: string[] = [];
  const writes: Record<SideKey, Fields> = { a: {}, b: {} };
  const fields: Record<string, FieldState> = { ...(pair?.fields ?? {}) };
  const outcomes: Array<{ field: string; settled: Settled }> = [];
  for (const f of sync.fields) {
    if (only && !only.includes(f.a)) continue;
    const now = { a: (rec.a.data[f.a] ?? null) as JsonValue, b: (rec.b.data[f.b] ?? null) as JsonValue, aStamp: rec.a.updatedAt ?? null, bStamp: rec.b.updatedAt ?? null };
    const resolved = f.rule === 'ask' ? reviews.find((r) => r.field === f.a && r.status === 'resolved') : undefined;
    const settled = settleField(sync, f, now, pair?.fields[f.a], { skewMs, ...(resolved ? { decided: { value: resolved.value } } : {}) });
    if (resolved) applied.push(resolved.id);
    outcomes.push({ field: f.a, settled });
    // An undecided first pairing keeps no "last synced" value, so the conflict stays a conflict.
    if (settled.review && !pair?.fields[f.a]) delete fields[f.a];
    else fields[f.a] = settled.state;
    if ('a' in settled.write) writes.a[f.a] = settled.write.a!;
    if ('b' in settled.write) writes.b[f.b] = settled.write.b!;
  }
  for (const { field, settled } of outcomes) {
    if (settled.conflict) {
      result.traces.push({ step: `conflict:${field}`, status: settled.review ? 'skipped' : 'ok', after: settled.conflict as unknown as JsonValue });
    }
    if (settled.review) {
      const c = settled.conflict!;
      const review = await store.openReview({ flow: flow.name, aId: rec.a.id, bId: rec.b.id, field, aValue: c.a.value as JsonValue, bValue: c.b.value as JsonValue, aStamp: c.a.stamp, bStamp: c.b.stamp });
      result.traces.push({ step: `review:${field}`, status: 'skipped', after: { review: review.id, note: 'waiting for a person (syncline review list)' } });
    }
    if (settled.consentKept) {
      const k = settled.consentKept;
      result.traces.push({ step: `consent:${field}`, status: 'skipped', connection: sync[k].connection, entity: sync[k].entity, externalId: rec[k].id, after: { note: `not moved toward mailable on ${sideName(sync, k)}: the flow does not allow it (allowMailable)` } });
    }
  }
  for (const k of ['b', 'a'] as const) {
    const h = await run.side(k);
    const data = Object.fromEntries(Object.entries(writes[k]).map(([field, v]) => [field, forSide(h, field, v as JsonValue)]));
    const step: TraceInput = { step: `write:${h.name}`, status: 'ok', connection: h.def.connection, entity: h.def.entity, externalId: rec[k].id, keys: [rec[k].id.toLowerCase()] };
    if (!Object.keys(data).length) {
      result.traces.push({ ...step, status: 'unchanged' });
      continue;
    }
    step.before = Object.fromEntries(Object.keys(data).map((field) => [field, (rec[k].data[field] ?? null) as JsonValue]));
    step.after = data as JsonValue;
    try {
      await h.connector.write(h.def.entity, { verb: 'update', id: rec[k].id, data });
      deps.metrics?.writes.inc({ connection: h.def.connection, entity: h.def.entity, result: 'updated' });
    } catch (err) {
      return run.fail(err, step);
    }
    result.traces.push(step);
    result.written[h.name] = { id: rec[k].id, created: false };
  }
  await store.savePair({ id: pair?.id, flow: flow.name, aId: rec.a.id, bId: rec.b.id, fields, aStamp: rec.a.updatedAt ?? null, bStamp: rec.b.updatedAt ?? null });
  await store.markReviewsApplied(applied);
  result.xref.push({ a: run.ref('a', rec.a.id), b: run.ref('b', rec.b.id) });
}
