/**
 * Bulk initial load: read the whole source of a flow and write every target through the target's bulk
 * form (connector.writeBatch, which picks Bulk API 2.0 / the Import API for large batches). Records
 * that fail mapping, validation or their write are handed to the normal queue as ordinary jobs, so
 * they retry or reach the dead-letter queue with their reason exactly as live traffic does. At the
 * end the flow's watermark is set to the newest record read, so polling carries on from there.
 *
 * A target whose bulk form runs as a vendor job (Bulk API 2.0, the Pardot Import API) answers
 * "pending": the load does not wait for it but queues a `batch` job that workers check when the
 * connector asked (engine/batch-check.ts), so the load returns as soon as everything is submitted.
 */
import { isPendingBatch, type BatchBuilder, type BatchResult, type EntitySpec, type SourceRecord, type Watermark, type WriteOp } from '../core/connector.js';
import type { TargetDef } from '../core/flow.js';
import { SyncError, toSyncError } from '../core/errors.js';
import type { InboxEvent, Store } from '../store/types.js';
import { packedBatchCheckJob, RecordPacker, settleBatch, type PackCache } from './batch-check.js';
import { validateRecord, type MappingContext } from '../mapping/index.js';
import type { ConnectionPool } from './connections.js';
import type { FlowCache, FlowRuntime } from './flow-cache.js';
import type { EventPayload } from './payloads.js';
import { compareMarks } from './source-reader.js';
import { planWrite } from './record-runner.js';

/** Progress of a bulk load, reported as it goes. */
export interface BulkProgress {
  phase: 'reading' | 'mapping' | 'writing' | 'done';
  read: number;
  /** Target name → records written successfully. */
  written: Record<string, number>;
  /** Records handed to the queue (they failed in bulk and will retry or be dead-lettered there). */
  queued: number;
  /** Records in vendor jobs still running (Bulk API, imports); workers check the jobs and finish them. */
  pending: number;
  /** Free text for the current step (`Account: Bulk API job JobComplete`). */
  detail?: string;
}

/** Options of a bulk load. */
export interface BulkLoadOptions {
  /** Records read per source page (default 5,000): the most source records held at once. */
  pageSize?: number;
  /**
   * Records per vendor job and target (default 50,000): a target's mapped writes are gathered (as upload
   * CSV rows where the connector builds them op by op) until this many have come, then submitted as one
   * batch (one Bulk API job, one import). Larger means fewer API calls and more memory.
   */
  batchSize?: number;
  onProgress?: (p: BulkProgress) => void;
}

/** Default records per source page. */
export const BULK_PAGE = 5_000;
/** Default records per vendor job and target. */
export const BULK_BATCH = 50_000;

type Deps = { store: Store; pool: ConnectionPool; flows: FlowCache };

/**
 * A target's writes gathered for its next vendor job: in the connector's batch builder (its upload
 * text) when it has one, else as ops; their source records stored part by part as they come.
 */
interface Gathered {
  target: FlowRuntime['compiled']['targets'][number];
  /** The connector's builder for the next batch (undefined: not opened yet; null: the connector has none). */
  builder: BatchBuilder | null | undefined;
  ops: WriteOp[];
  /** Writes gathered for the next batch. */
  count: number;
  owners: RecordPacker;
}

/**
 * Runs a bulk initial load of one flow, streaming: a source page is mapped as soon as it is read and
 * then dropped; each mapped write goes into the target connector's batch builder (openBatch), which
 * keeps it as a row of the upload CSV, and its source record into the store a part at a time
 * (RecordPacker), and each target's batch is submitted once `batchSize` writes have gathered. Memory is
 * bounded by one page and each target's upload text, not by the size of the source (1,000,000
 * customers load in the same memory as 100,000).
 */
export async function bulkLoad(deps: Deps, flowName: string, options: BulkLoadOptions = {}): Promise<BulkProgress> {
  const flow = await deps.flows.get(flowName);
  const { source } = flow.def;
  const progress: BulkProgress = { phase: 'reading', read: 0, written: Object.fromEntries(flow.def.targets.map((t) => [t.name, 0])), queued: 0, pending: 0 };
  const report = (p: Partial<BulkProgress>) => {
    Object.assign(progress, p);
    options.onProgress?.({ ...progress, written: { ...progress.written } });
  };
  const batchSize = Math.max(1, options.batchSize ?? BULK_BATCH);
  const packCache: PackCache = new WeakMap();
  const gathered: Gathered[] = flow.compiled.targets.map((target) => ({ target, builder: undefined, ops: [], count: 0, owners: new RecordPacker(deps.store, packCache) }));
  const conn = await deps.pool.get(source.connection);
  let since: Watermark | null = null;
  let newest: Watermark | null = null;
  for (;;) {
    report({ phase: 'reading', detail: `${source.connection} ${source.entity}` });
    const { records, next, hasMore } = await conn.connector.readChanges(source.entity, since, { limit: Math.max(1, options.pageSize ?? BULK_PAGE) });
    progress.read += records.length;
    if (next && (!newest || compareMarks(next, newest) > 0)) newest = next;
    // The page is emptied as it is handed over, so its records can go before the batches are submitted.
    await mapPage(flow, records.splice(0), gathered, deps, progress, report);
    for (const g of gathered) if (g.count >= batchSize) await submit(flow, g, deps, progress, report, packCache);
    if (!hasMore || !next) break;
    since = next;
  }
  for (const g of gathered) if (g.count) await submit(flow, g, deps, progress, report, packCache);
  if (newest) {
    await deps.store.commitPoll({ flow: flow.name, watermarkKey: `${source.connection}/${source.entity}`, watermark: newest, jobs: [] });
  }
  report({ phase: 'done', detail: undefined });
  return progress;
}

/** Maps one page into every target's gathered writes; records that fail anywhere go to the queue instead. */
async function mapPage(flow: FlowRuntime, records: SourceRecord[], gathered: Gathered[], deps: Deps, progress: BulkProgress, report: (p: Partial<BulkProgress>) => void): Promise<void> {
  const { source } = flow.def;
  report({ phase: 'mapping' });
  const ctx = (r: SourceRecord): MappingContext => ({
    flow: flow.name,
    recordKey: r.id,
    xref: (connection, entity, id, tc, te) => deps.store.xrefFind({ connection, entity, id: String(id) }, tc, te),
  });
  const specs = await Promise.all(gathered.map((g) => deps.pool.entitySpec(g.target.def.connection, g.target.def.entity)));
  // Lookups and per-element targets need the record runner (a read before mapping, one write per
  // element): such a flow's records go to the queue as ordinary jobs.
  const needsRunner = (flow.def.lookups?.length ?? 0) > 0 || flow.def.targets.some((t) => t.forEach);
  const failed: SourceRecord[] = needsRunner ? [...records] : [];
  for (const r of needsRunner ? [] : records) {
    const planned: Array<WriteOp | null> = [];
    try {
      if (!(await flow.compiled.filter(r.data, ctx(r)))) continue;
      for (const [k, g] of gathered.entries()) {
        const t = g.target.def;
        if (!(await g.target.when(r.data, ctx(r)))) {
          planned.push(null);
          continue;
        }
        const { fields } = await g.target.map(r.data, ctx(r));
        const existing = t.match?.xref === false ? null : await deps.store.xrefFind({ connection: source.connection, entity: source.entity, id: r.id }, t.connection, t.entity);
        const spec = specs[k];
        const errors = spec ? validateRecord(fields, spec, { flow: flow.name, target: t.name, recordKey: r.id, verb: existing ? 'update' : (t.write?.verb ?? 'upsert') }) : [];
        if (errors.length) throw errors[0];
        // null: a create-only target that already exists
        planned.push(matchedUpsert(t, spec, planWrite(t, t.write?.verb ?? 'upsert', existing, fields, flow.name, r.id)));
      }
    } catch {
      failed.push(r);
      continue;
    }
    for (const [k, op] of planned.entries()) {
      if (!op) continue;
      await gather(gathered[k], op, deps);
      await gathered[k].owners.add(r);
    }
  }
  await requeue(flow, failed, deps, progress, report);
}

/**
 * A create for a target matched on one key the system can upsert on (an external-id field, Pardot's
 * email) becomes an upsert on that key: what the record runner does by finding on the key before it
 * writes, done by the vendor in bulk, so a record already in the target is updated, not created twice.
 */
function matchedUpsert(t: TargetDef, spec: EntitySpec | null | undefined, op: WriteOp | null): WriteOp | null {
  const keys = t.match?.keys ?? [];
  if (op?.verb !== 'create' || keys.length !== 1 || t.match?.link) return op;
  const field = spec?.fields.find((f) => f.name === keys[0]);
  const value = op.data[keys[0]];
  if (!field?.externalId || value === undefined || value === null || value === '') return op;
  return { ...op, verb: 'upsert', match: { field: field.name, value } };
}

/** Adds a write to its target's next batch: into the connector's builder (op by op, as upload text) when it has one. */
async function gather(g: Gathered, op: WriteOp, deps: Deps): Promise<void> {
  if (g.builder === undefined) {
    const t = g.target.def;
    g.builder = (await deps.pool.get(t.connection)).connector.openBatch?.(t.entity) ?? null;
  }
  if (g.builder) g.builder.add(op);
  else g.ops.push(op);
  g.count += 1;
}

/** Submits a target's gathered writes as one batch; a vendor job becomes a `batch` job checked later. */
async function submit(flow: FlowRuntime, g: Gathered, deps: Deps, progress: BulkProgress, report: (p: Partial<BulkProgress>) => void, packCache: PackCache): Promise<void> {
  const t = g.target.def;
  const { builder, count } = g;
  // The ops are handed over: the next batch starts empty while this one is sent.
  const ops = g.ops.splice(0);
  g.builder = undefined;
  g.count = 0;
  const owners = await g.owners.finish();
  g.owners = new RecordPacker(deps.store, packCache);
  report({ phase: 'writing', detail: `${t.connection} ${t.entity}: ${count} records` });
  const conn = await deps.pool.get(t.connection);
  let result: BatchResult;
  try {
    if (builder) result = await builder.submit();
    else if (conn.connector.writeBatch) result = await conn.connector.writeBatch(t.entity, ops);
    else throw new SyncError('fatal', `${t.connection} has no bulk write for ${t.entity}`);
  } catch (err) {
    const e = toSyncError(err);
    result = Array.from({ length: count }, () => ({ ok: false as const, error: e }));
  }
  // Sent: the ops (a batch of 50,000 mapped records) need not live through the job's enqueue.
  ops.length = 0;
  if (isPendingBatch(result)) {
    // The vendor works on it now; a worker checks it when the connector asked, holding nothing meanwhile.
    await deps.store.enqueue([packedBatchCheckJob(flow, t, owners, result)]);
    progress.pending += owners.count;
    report({ detail: `${t.connection} ${t.entity}: ${result.detail ?? 'vendor job running'}` });
    return;
  }
  const counts = await settleBatch(flow, { connection: t.connection, entity: t.entity, data: owners }, result, deps.store, (r) => `${r.id}@${r.updatedAt ?? 'bulk'}`);
  await deps.store.deleteBatchData(owners.id);
  progress.written[t.name] += counts.written;
  progress.queued += counts.queued;
  report({});
}

/** Failed records run again as ordinary jobs: retried, or dead-lettered with the field and reason. */
async function requeue(flow: FlowRuntime, failed: SourceRecord[], deps: Deps, progress: BulkProgress, report: (p: Partial<BulkProgress>) => void): Promise<void> {
  if (!failed.length) return;
  const events: InboxEvent[] = failed.map((r) => ({
    flow: flow.name,
    deliveryId: `${r.id}@${r.updatedAt ?? 'bulk'}`,
    payload: { record: r.data, id: r.id, type: 'bulk-retry' } satisfies EventPayload as unknown as InboxEvent['payload'],
    recordKey: r.id,
  }));
  const res = await deps.store.ingest(events, { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts });
  progress.queued += res.accepted;
  report({});
}
