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
import { isPendingBatch, type BatchResult, type SourceRecord, type Watermark, type WriteOp } from '../core/connector.js';
import { SyncError, toSyncError } from '../core/errors.js';
import type { InboxEvent, Store } from '../store/types.js';
import { batchCheckJob, settleBatch } from './batch-check.js';
import { validateRecord, type MappingContext } from '../mapping/index.js';
import type { ConnectionPool } from './connections.js';
import type { FlowCache } from './flow-cache.js';
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
  /** Records read per source page (default 50,000). */
  pageSize?: number;
  onProgress?: (p: BulkProgress) => void;
}

/** Runs a bulk initial load of one flow. */
export async function bulkLoad(
  deps: { store: Store; pool: ConnectionPool; flows: FlowCache },
  flowName: string,
  options: BulkLoadOptions = {},
): Promise<BulkProgress> {
  const flow = await deps.flows.get(flowName);
  const { source } = flow.def;
  const progress: BulkProgress = { phase: 'reading', read: 0, written: Object.fromEntries(flow.def.targets.map((t) => [t.name, 0])), queued: 0, pending: 0 };
  const report = (p: Partial<BulkProgress>) => {
    Object.assign(progress, p);
    options.onProgress?.({ ...progress, written: { ...progress.written } });
  };
  const conn = await deps.pool.get(source.connection);
  let since: Watermark | null = null;
  let newest: Watermark | null = null;
  for (;;) {
    report({ phase: 'reading', detail: `${source.connection} ${source.entity}` });
    const page = await conn.connector.readChanges(source.entity, since, { limit: options.pageSize ?? 50_000 });
    progress.read += page.records.length;
    if (page.next && (!newest || compareMarks(page.next, newest) > 0)) newest = page.next;
    await loadPage(flow.name, page.records, deps, progress, report);
    if (!page.hasMore || !page.next) break;
    since = page.next;
  }
  if (newest) {
    await deps.store.commitPoll({ flow: flow.name, watermarkKey: `${source.connection}/${source.entity}`, watermark: newest, jobs: [] });
  }
  report({ phase: 'done', detail: undefined });
  return progress;
}

async function loadPage(
  flowName: string,
  records: SourceRecord[],
  deps: { store: Store; pool: ConnectionPool; flows: FlowCache },
  progress: BulkProgress,
  report: (p: Partial<BulkProgress>) => void,
): Promise<void> {
  const flow = await deps.flows.get(flowName);
  const { source } = flow.def;
  const failed = new Map<string, SourceRecord>();
  const ctx = (r: SourceRecord): MappingContext => ({
    flow: flow.name,
    recordKey: r.id,
    xref: (connection, entity, id, tc, te) => deps.store.xrefFind({ connection, entity, id: String(id) }, tc, te),
  });
  const passing: SourceRecord[] = [];
  report({ phase: 'mapping' });
  // Lookups and per-element targets need the record runner (a read before mapping, one write per
  // element): such a flow's records go to the queue as ordinary jobs.
  const needsRunner = (flow.def.lookups?.length ?? 0) > 0 || flow.def.targets.some((t) => t.forEach);
  if (needsRunner) for (const r of records) failed.set(r.id, r);
  for (const r of needsRunner ? [] : records) {
    try {
      if (await flow.compiled.filter(r.data, ctx(r))) passing.push(r);
    } catch {
      failed.set(r.id, r);
    }
  }
  for (const target of flow.compiled.targets) {
    const t = target.def;
    const spec = await deps.pool.entitySpec(t.connection, t.entity);
    const ops: WriteOp[] = [];
    const owners: SourceRecord[] = [];
    for (const r of passing) {
      if (failed.has(r.id)) continue;
      try {
        if (!(await target.when(r.data, ctx(r)))) continue;
        const { fields } = await target.map(r.data, ctx(r));
        const existing = t.match?.xref === false ? null : await deps.store.xrefFind({ connection: source.connection, entity: source.entity, id: r.id }, t.connection, t.entity);
        const errors = spec ? validateRecord(fields, spec, { flow: flow.name, target: t.name, recordKey: r.id, verb: existing ? 'update' : (t.write?.verb ?? 'upsert') }) : [];
        if (errors.length) throw errors[0];
        const op = planWrite(t, t.write?.verb ?? 'upsert', existing, fields, flow.name, r.id);
        if (!op) continue; // a create-only target that already exists
        ops.push(op);
        owners.push(r);
      } catch {
        failed.set(r.id, r);
      }
    }
    if (!ops.length) continue;
    report({ phase: 'writing', detail: `${t.connection} ${t.entity}: ${ops.length} records` });
    const conn = await deps.pool.get(t.connection);
    let result: BatchResult;
    try {
      if (!conn.connector.writeBatch) throw new SyncError('fatal', `${t.connection} has no bulk write for ${t.entity}`);
      result = await conn.connector.writeBatch(t.entity, ops);
    } catch (err) {
      const e = toSyncError(err);
      result = ops.map(() => ({ ok: false as const, error: e }));
    }
    if (isPendingBatch(result)) {
      // The vendor works on it now; a worker checks it when the connector asked, holding nothing meanwhile.
      await deps.store.enqueue([await batchCheckJob(flow, t, owners, result)]);
      progress.pending += owners.length;
      report({ detail: `${t.connection} ${t.entity}: ${result.detail ?? 'vendor job running'}` });
      continue;
    }
    const { links, failed: rejected } = settleBatch(source, t, owners, result);
    for (const r of rejected) failed.set(r.id, r);
    for (let i = 0; i < links.length; i += 1000) await deps.store.link(links.slice(i, i + 1000));
    progress.written[t.name] += links.length;
    report({});
  }
  if (failed.size) {
    // Failed records run again as ordinary jobs: retried, or dead-lettered with the field and reason.
    const events: InboxEvent[] = [...failed.values()].map((r) => ({
      flow: flow.name,
      deliveryId: `${r.id}@${r.updatedAt ?? 'bulk'}`,
      payload: { record: r.data, id: r.id, type: 'bulk-retry' } satisfies EventPayload as unknown as InboxEvent['payload'],
      recordKey: r.id,
    }));
    const res = await deps.store.ingest(events, { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts });
    progress.queued += res.accepted;
    report({});
  }
}
