/**
 * Runs one source record through a flow: filter, then for each target map → validate → match →
 * write (idempotently, through the cross-reference) → write back. Returns what happened as data
 * (traces, xref links, payload hashes) for the worker to commit with the job in one transaction.
 */
import type { Fields, JsonValue } from '../core/json.js';
import { SyncError, toSyncError } from '../core/errors.js';
import type { TargetDef } from '../core/flow.js';
import type { Connector, WriteOp } from '../core/connector.js';
import { normalizeKey, sameKey } from '../core/match-keys.js';
import type { CompiledLookup, CompiledTarget, MappingContext } from '../mapping/index.js';
import { validateRecord } from '../mapping/index.js';
import type { RunStatus, Store, TargetHash, TraceInput, XrefId, XrefLink } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { FlowRuntime } from './flow-cache.js';
import type { EventPayload } from './payloads.js';
import { stableHash } from './stable-hash.js';
import type { EngineMetrics } from './metrics.js';
import type { KeyedMutex } from './keyed-mutex.js';
import { RecordContextReader } from './record-context.js';

/** What a record run produced, committed with the job. */
export interface RecordRunResult {
  status: RunStatus;
  traces: TraceInput[];
  xref: XrefLink[];
  hashes: TargetHash[];
  /** Target name → id written, for request-reply callers. */
  written: Record<string, { id: string; created: boolean; data?: Fields }>;
}

/** A failed record run: the error plus the progress already made (kept so a retry does not redo it). */
export class RecordRunFailure extends Error {
  constructor(
    readonly error: SyncError,
    readonly partial: Omit<RecordRunResult, 'status'>,
  ) {
    super(error.message);
  }
}

/** Dependencies of the record runner. */
export interface RecordRunnerDeps {
  store: Store;
  pool: ConnectionPool;
  metrics?: EngineMetrics;
  /** Serialises find-then-write on the same match-key value (two records with one email) in this process. */
  locks?: KeyedMutex;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Matches a surrogate code unit that is not part of a pair (with the u flag, pairs are one code point). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Test-only: SYNCLINE_TEST_CRASH_AFTER_WRITE=<flow>/<target> kills this process right after that
 * target's write returned and before anything is committed (the window exactly-once must survive).
 */
function crashHook(flow: string, target: string): void {
  if (process.env.SYNCLINE_TEST_CRASH_AFTER_WRITE === `${flow}/${target}`) process.kill(process.pid, 'SIGKILL');
}

/** Runs one event through the flow. Throws RecordRunFailure on any failure. */
export async function runRecord(flow: FlowRuntime, event: EventPayload, deps: RecordRunnerDeps): Promise<RecordRunResult> {
  const source = flow.def.source;
  let record = event.record;
  let sourceId = event.id ?? null;
  let keys = searchKeys(record, sourceId);
  const result: RecordRunResult = { status: 'succeeded', traces: [], xref: [], hashes: [], written: {} };
  result.traces.push({ step: 'trigger', status: 'ok', connection: source.connection, entity: event.via ?? source.entity, externalId: sourceId ?? undefined, after: record as JsonValue, keys });
  if (event.via) {
    // A changed child row (source.refreshOn): the flow runs on its parent, re-read now, so figures the
    // source computes over the children are current and a repeated child never counts twice.
    const step: TraceInput = { step: 'refresh', status: 'ok', connection: source.connection, entity: source.entity, keys };
    try {
      const parent = await readParent(flow, event.via, record, sourceId, deps);
      record = parent.data;
      sourceId = parent.id;
      keys = [...new Set([...keys, ...searchKeys(record, sourceId)])];
      result.traces.push({ ...step, externalId: parent.id, after: record as JsonValue, keys });
    } catch (err) {
      const error = toSyncError(err);
      if (!error.details.recordKey && sourceId) error.details.recordKey = sourceId;
      result.traces.push({ ...step, status: 'failed', error: error.toJSON() });
      throw new RecordRunFailure(error, result);
    }
  }

  const sourceRef: XrefId | null = sourceId ? { connection: source.connection, entity: source.entity, id: sourceId } : null;
  // What the store knows about this record (links, last hashes), read once for the whole run.
  const known = new RecordContextReader(deps.store, sourceRef);
  const ctx: MappingContext = {
    flow: flow.name,
    recordKey: sourceId ?? undefined,
    // Links made earlier in this run are committed only with the job, so look at them first: a later
    // target can then refer to the record an earlier target just wrote (Product2 → its PricebookEntry).
    xref: async (connection, entity, id, targetConnection, targetEntity) => {
      const pending = pendingXref(result.xref, { connection, entity, id: String(id) }, targetConnection, targetEntity);
      if (pending) return pending;
      return known.xrefFind({ connection, entity, id: String(id) }, targetConnection, targetEntity);
    },
  };
  const fail = (err: unknown, step?: TraceInput): never => {
    const error = toSyncError(err);
    if (!error.details.recordKey && sourceId) error.details.recordKey = sourceId;
    if (!error.details.connection && step?.connection) error.details.connection = step.connection;
    if (step) result.traces.push({ ...step, status: 'failed', error: error.toJSON() });
    throw new RecordRunFailure(error, result);
  };

  /** Evaluates a target's `when` and mapping, and refuses values no vendor can store. */
  const prepareTarget = async (
    target: (typeof flow.compiled.targets)[number],
    mctx: MappingContext,
    rec: Fields = record,
  ): Promise<{ kind: 'skipped' } | { kind: 'mapped'; mapped: Awaited<ReturnType<typeof target.map>> } | { kind: 'failed'; error: unknown; step: TraceInput }> => {
    const t = target.def;
    const step: TraceInput = { step: `map:${t.name}`, status: 'failed', connection: t.connection, entity: t.entity, keys };
    try {
      if (!(await target.when(rec, mctx))) return { kind: 'skipped' };
    } catch (err) {
      return { kind: 'failed', error: err, step };
    }
    let mapped;
    try {
      mapped = await target.map(rec, mctx);
    } catch (err) {
      return { kind: 'failed', error: err, step: { ...step, before: rec as JsonValue } };
    }
    // A lone surrogate cannot be encoded as UTF-8, so no vendor can store it (and URL encoding it
    // throws): refuse it as invalid data naming the field, instead of retrying a write that cannot succeed.
    const malformed = Object.entries(mapped.fields).find(([, v]) => typeof v === 'string' && LONE_SURROGATE.test(v));
    if (malformed) {
      const error = new SyncError('invalid_data', `field "${malformed[0]}" of target "${t.name}" is not valid Unicode (it holds a lone surrogate)`, { field: malformed[0], rule: 'well-formed Unicode' });
      return { kind: 'failed', error, step: { ...step, before: rec as JsonValue } };
    }
    return { kind: 'mapped', mapped };
  };
  /** The target's own rules (types, lengths, choices; required fields unless `verb` is update), as one invalid_data error or null. */
  const checkMapped = async (target: (typeof flow.compiled.targets)[number], fields: Fields, verb: 'create' | 'update' | 'upsert' | 'delete'): Promise<SyncError | null> => {
    const t = target.def;
    const spec = await deps.pool.entitySpec(t.connection, t.entity);
    if (!spec) return null;
    const errors = validateRecord(fields, spec, { flow: flow.name, target: t.name, recordKey: sourceId ?? undefined, verb });
    if (!errors.length) return null;
    return new SyncError('invalid_data', errors.map((e) => e.message).join('; '), { ...errors[0].details, recordKey: sourceId ?? undefined });
  };

  for (const lookup of flow.compiled.lookups ?? []) {
    const l = lookup.def;
    const step: TraceInput = { step: `lookup:${l.name}`, status: 'ok', connection: l.connection, entity: l.entity, keys };
    try {
      const found = (await lookup.when(record, ctx)) ? await runLookup(lookup, record, ctx, deps) : [];
      const bound = l.many ? found : (found[0] ?? null);
      record = { ...record, [l.name]: bound as JsonValue };
      result.traces.push({ ...step, status: found.length ? 'ok' : 'skipped', externalId: found[0]?.id as string | undefined, after: bound as JsonValue });
    } catch (err) {
      return fail(err, step);
    }
  }

  let passed: boolean;
  try {
    passed = await flow.compiled.filter(record, ctx);
  } catch (err) {
    return fail(err, { step: 'filter', status: 'failed', keys });
  }
  if (!passed) {
    result.status = 'skipped';
    const reason = (await flow.compiled.filterReason?.(record, ctx)) ?? null;
    // Without a filterReason the filter itself is the flow's own words for why (the console shows it).
    const why: JsonValue | null = reason ? { reason } : flow.def.filter !== undefined ? { filter: flow.def.filter } : null;
    result.traces.push({ step: 'filter', status: 'skipped', keys, ...(why ? { after: why } : {}) });
    return result;
  }

  // 1. Map and validate every target before the first write, so a mapping error in the second target
  // cannot leave the first one written (a half-written record). A target whose rules look up the
  // record an earlier target of this run writes (`$xref` to that target's entity) can only be mapped
  // after that write, so it is mapped again then; its first mapping is not trusted either way.
  type Target = (typeof flow.compiled.targets)[number];
  type Prepared = { target: Target; state: 'skipped' } | { target: Target; state: 'after-earlier-writes' } | { target: Target; state: 'mapped'; mapped: Awaited<ReturnType<Target['map']>> };
  const prepared: Prepared[] = [];
  const targets = flow.compiled.targets;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    const t = target.def;
    const earlier = new Set(targets.slice(0, i).map((e) => `${e.def.connection}\u0000${e.def.entity}`));
    let dependsOnEarlier = false;
    const probe: MappingContext = {
      ...ctx,
      xref: async (connection, entity, id, targetConnection, targetEntity) => {
        if (earlier.has(`${targetConnection}\u0000${targetEntity}`)) dependsOnEarlier = true;
        return ctx.xref!(connection, entity, id, targetConnection, targetEntity);
      },
    };
    if (target.forEach) {
      // One write per element of a list (every member of a list): mapped element by element when written.
      prepared.push({ target, state: 'after-earlier-writes' });
      continue;
    }
    const outcome = await prepareTarget(target, probe);
    if (dependsOnEarlier) prepared.push({ target, state: 'after-earlier-writes' });
    else if (outcome.kind === 'failed') return fail(outcome.error, outcome.step);
    else if (outcome.kind === 'skipped') prepared.push({ target, state: 'skipped' });
    else {
      // Required fields depend on whether the record exists (found at write time); every other rule is checked now.
      const problem = await checkMapped(target, outcome.mapped.fields, 'update');
      if (problem) return fail(problem, { step: `map:${t.name}`, status: 'failed', connection: t.connection, entity: t.entity, after: outcome.mapped.fields as JsonValue, keys });
      prepared.push({ target, state: 'mapped', mapped: outcome.mapped });
    }
  }

  // 2. Write, target by target. What one attempt wrote is committed with its outcome (cross-reference
  // and payload hash per target), so a retry or a replay finds those targets written and unchanged
  // and completes only what is missing.
  /** Writes one mapped record of a target: match, plan, write, link, write back. */
  const writeTarget = async (target: Target, mapped: Awaited<ReturnType<Target['map']>>, rec: Fields, element?: string): Promise<void> => {
    const t = target.def;
    const fields = mapped.fields;
    // The source record is kept once, on the trigger step; the map step holds what it produced.
    const mapTrace: TraceInput = { step: `map:${t.name}`, status: 'ok', connection: t.connection, entity: t.entity, after: fields as JsonValue, lineage: mapped.lineage, keys };
    result.traces.push(mapTrace);

    const writeStep: TraceInput = { step: `write:${t.name}`, status: 'ok', connection: t.connection, entity: t.entity, keys: [...keys] };
    // A target that needs no write (already created, or unchanged) still gets its write-back: the
    // attempt that wrote it may have failed at the write-back (e.g. Salesforce was down when the
    // order number was to be written to the Opportunity). writeBack skips values already there.
    const writeBackExisting = async (existingId: string): Promise<void> => {
      if (!t.writeBack || !target.writeBack) return;
      const targetRef = { connection: t.connection, entity: t.entity, id: existingId };
      if (sourceRef && !result.xref.some((l) => l.a === sourceRef && l.b.id === existingId)) result.xref.push({ a: sourceRef, b: targetRef });
      await writeBack(t, target.writeBack, rec, { id: existingId, created: false }, sourceId, ctx, deps, known, result, keys);
    };
    // Until the write lands, another record with the same match-key value would also find nothing and create.
    const release = await (deps.locks?.hold(matchLockKeys(t, fields)) ?? Promise.resolve(() => undefined));
    try {
      const conn = await deps.pool.get(t.connection);
      const verb = t.write?.verb ?? 'upsert';
      const existingId = await findTarget(target, rec, ctx, fields, sourceRef, conn.connector, known);
      const invalid = await checkMapped(target, fields, existingId ? 'update' : verb);
      if (invalid) throw invalid;
      // Each forEach element is its own write: its idempotency key names the element, not only the event.
      const op = planWrite(t, verb, existingId, fields, flow.name, sourceId && element ? `${sourceId}#${element}` : sourceId);
      if (!op) {
        writeStep.status = 'unchanged';
        writeStep.externalId = existingId ?? undefined;
        result.traces.push(writeStep);
        if (existingId) await writeBackExisting(existingId);
        return;
      }
      const hash = stableHash(op.data);
      if (existingId && verb !== 'delete' && (t.write?.skipUnchanged ?? true)) {
        const last = await known.targetHash({ connection: t.connection, entity: t.entity, id: existingId });
        if (last === hash) {
          writeStep.status = 'unchanged';
          writeStep.externalId = existingId;
          writeStep.keys!.push(existingId.toLowerCase());
          result.traces.push(writeStep);
          if (sourceRef) result.xref.push({ a: sourceRef, b: { connection: t.connection, entity: t.entity, id: existingId } });
          result.written[t.name] = { id: existingId, created: false };
          await writeBackExisting(existingId);
          return;
        }
      }
      writeStep.after = op.data as JsonValue;
      const outcome = await conn.connector.write(t.entity, op);
      crashHook(flow.name, t.name);
      // A write can land with the target's warnings (Sage X3 type-2 messages): the run trace keeps them.
      const warnings = outcome.data?.warnings;
      if (Array.isArray(warnings) && warnings.length > 0) writeStep.after = { ...op.data, $warnings: warnings } as JsonValue;
      deps.metrics?.writes.inc({ connection: t.connection, entity: t.entity, result: outcome.created ? 'created' : 'updated' });
      writeStep.externalId = outcome.id;
      writeStep.keys!.push(outcome.id.toLowerCase());
      writeStep.before = existingId ? { id: existingId } : null;
      result.traces.push(writeStep);
      const targetRef = { connection: t.connection, entity: t.entity, id: outcome.id };
      result.hashes.push({ target: targetRef, hash });
      if (sourceRef) result.xref.push({ a: sourceRef, b: targetRef });
      result.written[t.name] = { id: outcome.id, created: outcome.created, data: outcome.data };

      if (t.writeBack && target.writeBack) {
        await writeBack(t, target.writeBack, rec, { id: outcome.id, created: outcome.created, ...(outcome.data ?? {}) }, sourceId, ctx, deps, known, result, keys);
      }
    } catch (err) {
      if (err instanceof RecordRunFailure) throw err;
      return fail(err, writeStep);
    } finally {
      release();
    }
  };

  for (const prep of prepared) {
    const target = prep.target;
    const t = target.def;
    if (prep.state === 'mapped') {
      await writeTarget(target, prep.mapped, record);
      continue;
    }
    if (prep.state === 'skipped') {
      result.traces.push({ step: `map:${t.name}`, status: 'skipped', connection: t.connection, entity: t.entity, keys });
      continue;
    }
    let elements: Fields[] = [record];
    if (target.forEach) {
      try {
        elements = (await target.forEach(record, ctx)).map((item) => ({ ...record, item: item as JsonValue }));
      } catch (err) {
        return fail(err, { step: `map:${t.name}`, status: 'failed', connection: t.connection, entity: t.entity, keys });
      }
      if (elements.length === 0) {
        result.traces.push({ step: `map:${t.name}`, status: 'skipped', connection: t.connection, entity: t.entity, keys, after: { reason: 'forEach gave no elements' } });
        continue;
      }
    }
    for (const rec of elements) {
      const outcome = await prepareTarget(target, ctx, rec);
      if (outcome.kind === 'failed') return fail(outcome.error, outcome.step);
      if (outcome.kind === 'skipped') {
        result.traces.push({ step: `map:${t.name}`, status: 'skipped', connection: t.connection, entity: t.entity, keys });
        continue;
      }
      await writeTarget(target, outcome.mapped, rec, target.forEach ? stableHash(rec.item ?? null) : undefined);
    }
  }
  return result;
}

/** The parent record of a changed `refreshOn` child row, read from the source connection. */
async function readParent(flow: FlowRuntime, via: string, child: Fields, childId: string | null, deps: RecordRunnerDeps): Promise<{ id: string; data: Fields }> {
  const source = flow.def.source;
  const def = source.refreshOn?.find((r) => r.entity === via);
  const what = `${via} ${childId ?? '(no id)'}`;
  if (!def || !flow.compiled.parentIdOf) throw new SyncError('invalid_data', `${what}: this flow version has no source.refreshOn for ${via}`, { rule: 'source.refreshOn' });
  const parentId = await flow.compiled.parentIdOf(via, child, { flow: flow.name, recordKey: childId ?? undefined });
  if (!parentId) throw new SyncError('invalid_data', `${what} names no ${source.entity}: parentId \`${def.parentId}\` gave nothing`, { field: def.parentId, rule: 'source.refreshOn.parentId' });
  const conn = await deps.pool.get(source.connection);
  const parent = await conn.connector.get(source.entity, parentId);
  if (!parent) throw new SyncError('invalid_data', `${what} belongs to ${source.entity} ${parentId}, which does not exist on "${source.connection}"`, { field: def.parentId, value: parentId, rule: 'the parent must exist' });
  return { id: parent.id, data: parent.data };
}

/** Reads what one lookup names: a get per id, or a find per value, stopping at the first hit unless `many`. */
async function runLookup(lookup: CompiledLookup, record: Fields, ctx: MappingContext, deps: RecordRunnerDeps): Promise<Fields[]> {
  const l = lookup.def;
  const keys = await lookup.keys(record, ctx);
  const conn = await deps.pool.get(l.connection);
  const found: Fields[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const hits = l.find ? await conn.connector.find(l.entity, l.find.field, key) : [await conn.connector.get(l.entity, key)].filter((r) => r !== null);
    for (const h of hits) {
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      found.push({ ...h.data, id: h.id });
    }
    if (found.length && !l.many) break;
  }
  if (!found.length && l.required) {
    const how = l.find ? `${l.find.field} = ${keys.map((k) => JSON.stringify(k)).join(' or ') || '(no value)'}` : `id ${keys.join(', ') || '(no id)'}`;
    throw new SyncError('invalid_data', `lookup "${l.name}" found no ${l.entity} on "${l.connection}" with ${how}`, { field: l.name, value: keys, rule: 'required lookup' });
  }
  return found;
}

/** Lock keys for a target's match-key values (`pardot/prospect/email=ada@example.com`). */
function matchLockKeys(t: TargetDef, fields: Fields): string[] {
  return (t.match?.keys ?? [])
    .filter((k) => k.split('+').every((part) => fields[part] !== undefined && fields[part] !== null && fields[part] !== ''))
    .map((k) => `${t.connection}/${t.entity}/${k}=${k.split('+').map((part) => normalizeKey(fields[part])).join('+')}`);
}

/** What findTarget needs of a connector. */
type Finder = Pick<Connector, 'find' | 'get'>;

/**
 * The target record's id, most certain link first: the cross-reference, then the link the source
 * carries (`match.link`, e.g. the converted Account's customer number), then the match keys in
 * order. A key that finds several records is a conflict for a person (never a create).
 */
async function findTarget(
  target: CompiledTarget,
  record: Fields,
  ctx: MappingContext,
  fields: Fields,
  sourceRef: XrefId | null,
  connector: Finder,
  known: RecordContextReader,
): Promise<string | null> {
  const t = target.def;
  if (sourceRef && t.match?.xref !== false) {
    const id = await known.xrefFind(sourceRef, t.connection, t.entity);
    if (id) return id;
  }
  if (target.link) {
    const linked = await target.link(record, ctx);
    // A link can be stale (the record was deleted or merged): then the keys decide.
    if (linked && (await connector.get(t.entity, linked))) return linked;
  }
  for (const key of t.match?.keys ?? []) {
    const [first, ...rest] = key.split('+');
    const value = fields[first];
    if (value === undefined || value === null || value === '') continue;
    if (rest.some((part) => fields[part] === undefined || fields[part] === null || fields[part] === '')) continue;
    // The connector searches by the first field; the other parts of a compound key are checked here.
    const found = (await connector.find(t.entity, first, value)).filter((r) => rest.every((part) => sameKey(r.data[part], fields[part])));
    if (found.length === 1) return found[0].id;
    if (found.length > 1) {
      if (t.match?.onMultiple === 'first') return found[0].id;
      const shown = Object.fromEntries([first, ...rest].map((p) => [p, fields[p]]));
      throw new SyncError('conflict', `${found.length} ${t.entity} records on "${t.connection}" have ${key} = ${JSON.stringify(rest.length ? shown : value)}; cannot tell which one to update (merge them, or link the right one)`, {
        field: key,
        value: rest.length ? shown : value,
        rule: 'match must find at most one record',
      });
    }
  }
  return null;
}

/** Turns the verb and what matching found into one write (or null when a create-only target already exists). Shared with the bulk load. */
export function planWrite(t: TargetDef, verb: 'upsert' | 'create' | 'update' | 'delete', existingId: string | null, fields: Fields, flow: string, sourceId: string | null): WriteOp | null {
  const idempotencyKey = sourceId ? `${flow}:${t.name}:${sourceId}` : undefined;
  // A delete goes to the connector even without a match: the fields may name the record (a list
  // membership by list and prospect), and removing what is already gone succeeds.
  if (verb === 'delete') return { verb: 'delete', ...(existingId ? { id: existingId } : {}), data: fields, idempotencyKey };
  if (existingId) {
    if (verb === 'create') return null;
    return { verb: 'update', id: existingId, data: fields, idempotencyKey };
  }
  if (verb === 'update') {
    throw new SyncError('not_found', `no ${t.entity} on "${t.connection}" matches this record yet (update-only target "${t.name}")`, { rule: 'update needs an existing record' });
  }
  const ext = t.write?.externalIdField;
  if (verb === 'upsert' && ext && fields[ext] !== undefined && fields[ext] !== null && fields[ext] !== '') {
    return { verb: 'upsert', match: { field: ext, value: fields[ext] }, data: fields, idempotencyKey };
  }
  return { verb: 'create', data: fields, idempotencyKey };
}

async function writeBack(
  t: TargetDef,
  compiled: { id(source: Fields, result: Fields, ctx: MappingContext): Promise<string | null>; map(source: Fields, result: Fields, ctx: MappingContext): Promise<Fields> },
  record: Fields,
  written: Fields,
  sourceId: string | null,
  ctx: MappingContext,
  deps: RecordRunnerDeps,
  known: RecordContextReader,
  result: RecordRunResult,
  keys: string[],
): Promise<void> {
  const wb = t.writeBack!;
  const step: TraceInput = { step: `writeback:${t.name}`, status: 'ok', connection: wb.connection, entity: wb.entity, keys: [...keys] };
  try {
    const id = (await compiled.id(record, written, ctx)) ?? sourceId;
    if (!id) throw new SyncError('invalid_data', `write-back of target "${t.name}" has no record id (set writeBack.id)`, { rule: 'writeBack.id' });
    const data = await compiled.map(record, written, ctx);
    step.externalId = id;
    step.after = data as JsonValue;
    const ref = { connection: wb.connection, entity: wb.entity, id };
    // The written-back record is the same real-world record (e.g. the converted Account): link it, so
    // later flows can look it up through the cross-reference.
    const targetRef = result.xref.at(-1)?.b;
    if (targetRef) result.xref.push({ a: targetRef, b: ref });
    const hash = stableHash(data);
    if ((await known.targetHash(ref)) === hash) {
      step.status = 'unchanged';
    } else {
      const conn = await deps.pool.get(wb.connection);
      await conn.connector.write(wb.entity, { verb: 'update', id, data });
      result.hashes.push({ target: ref, hash });
    }
    result.traces.push(step);
  } catch (err) {
    const error = toSyncError(err);
    if (!error.details.connection) error.details.connection = wb.connection;
    result.traces.push({ ...step, status: 'failed', error: error.toJSON() });
    throw new RecordRunFailure(error, result);
  }
}

/** The id linked to `from` on `connection`/`entity` among links not yet committed, in either direction. */
function pendingXref(links: XrefLink[], from: XrefId, connection: string, entity: string): string | null {
  const same = (x: XrefId) => x.connection === from.connection && x.entity === from.entity && x.id === from.id;
  for (const l of links) {
    if (same(l.a) && l.b.connection === connection && l.b.entity === entity) return l.b.id;
    if (same(l.b) && l.a.connection === connection && l.a.entity === entity) return l.a.id;
  }
  return null;
}

/** Lowercased ids and emails of a record, so a person can find its runs by any of them. */
function searchKeys(record: Fields, id: string | null): string[] {
  const keys = new Set<string>();
  if (id) keys.add(id.toLowerCase());
  for (const v of Object.values(record)) {
    if (typeof v === 'string' && v.length < 320 && EMAIL.test(v.trim())) keys.add(v.trim().toLowerCase());
  }
  return [...keys];
}
