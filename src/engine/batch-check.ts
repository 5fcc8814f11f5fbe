/**
 * Vendor jobs as engine jobs. When a target's writeBatch returns a PendingBatch (a Bulk API job, a
 * Pardot import still running), the bulk load stores the handle and the source records in a `batch`
 * job due when the connector asked to be checked; a worker runs the check (connector.resumeBatch),
 * defers the job again while the vendor is still busy, and once it is done links the written records
 * and hands the failed ones to the queue, in the transaction that completes the job. Nothing waits
 * in between: no worker, no limiter slot and no connector is held while the vendor works.
 */
import { isPendingBatch, type PendingBatch, type SourceRecord, type WriteOutcome } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { Fields, JsonObject, JsonValue } from '../core/json.js';
import type { JobRow, NewJob, Store, XrefLink } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { FlowRuntime } from './flow-cache.js';
import type { EventPayload } from './payloads.js';

/** The payload of a `batch` job. */
export interface BatchCheckPayload {
  batch: {
    /** The flow target the writes belong to. */
    target: string;
    connection: string;
    entity: string;
    /** The connector's handle, as its last answer returned it. */
    handle: JsonObject;
    /** The source records the writes were made from, in op order. */
    records: Array<{ id: string; updatedAt?: string; data: Fields }>;
    /** The connector's last progress line. */
    detail?: string;
    /** Checks made so far. */
    checks: number;
  };
}

/** True for a `batch` job's payload. */
export function isBatchCheckPayload(p: unknown): p is BatchCheckPayload {
  return typeof p === 'object' && p !== null && 'batch' in p && typeof (p as BatchCheckPayload).batch?.handle === 'object';
}

/** What a finished batch means for the store: links for the records written, jobs for the ones that failed. */
export interface BatchSettlement {
  links: XrefLink[];
  /** The source records whose write failed: they run again as ordinary jobs (retried or dead-lettered with their reason). */
  failed: SourceRecord[];
}

/** Sorts a batch's outcomes (one per record, in order) into links and failures. */
export function settleBatch(source: { connection: string; entity: string }, target: { connection: string; entity: string }, records: Array<Pick<SourceRecord, 'id' | 'updatedAt' | 'data'>>, outcomes: WriteOutcome[]): BatchSettlement {
  const links: XrefLink[] = [];
  const failed: SourceRecord[] = [];
  records.forEach((r, i) => {
    const o = outcomes[i];
    if (o?.ok) links.push({ a: { connection: source.connection, entity: source.entity, id: r.id }, b: { connection: target.connection, entity: target.entity, id: o.id } });
    else failed.push({ id: r.id, entity: source.entity, updatedAt: r.updatedAt, data: r.data });
  });
  return { links, failed };
}

/** The ordinary jobs that re-run failed records of a bulk write. */
export function retryJobs(flow: FlowRuntime, failed: SourceRecord[]): NewJob[] {
  return failed.map((r) => ({
    flow: flow.name,
    flowVersion: flow.version,
    kind: 'event',
    payload: { record: r.data, id: r.id, type: 'bulk-retry' } satisfies EventPayload as unknown as JsonValue,
    recordKey: r.id,
    maxAttempts: flow.policy.maxAttempts,
  }));
}

/** The `batch` job for a pending result, due when the connector asked to be checked. */
export function batchCheckJob(flow: FlowRuntime, target: { name: string; connection: string; entity: string }, records: SourceRecord[], pending: PendingBatch, checks = 0): NewJob {
  const payload: BatchCheckPayload = {
    batch: {
      target: target.name,
      connection: target.connection,
      entity: target.entity,
      handle: pending.handle,
      records: records.map((r) => ({ id: r.id, ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}), data: r.data })),
      ...(pending.detail ? { detail: pending.detail } : {}),
      checks,
    },
  };
  return {
    flow: flow.name,
    flowVersion: flow.version,
    kind: 'batch',
    payload: payload as unknown as JsonValue,
    maxAttempts: flow.policy.maxAttempts,
    runAt: new Date(Date.now() + pending.checkAfterMs).toISOString(),
  };
}

/** The outcome of one check: deferred again, or done with what to commit. */
export type BatchCheckOutcome =
  | { done: false; runAt: string; payload: BatchCheckPayload }
  | { done: true; settlement: BatchSettlement; enqueue: NewJob[]; stats: JsonObject };

/** Runs one check of a `batch` job. Throws what resumeBatch throws (the worker's retry policy applies). */
export async function checkBatch(flow: FlowRuntime, job: Pick<JobRow, 'id'>, payload: BatchCheckPayload, deps: { pool: ConnectionPool; store: Store }): Promise<BatchCheckOutcome> {
  const b = payload.batch;
  const conn = await deps.pool.get(b.connection);
  if (!conn.connector.resumeBatch) throw new SyncError('fatal', `${b.connection} returned a pending batch but cannot resume one (job ${job.id})`, { system: b.connection });
  const result = await conn.connector.resumeBatch(b.entity, b.handle);
  if (isPendingBatch(result)) {
    return {
      done: false,
      runAt: new Date(Date.now() + result.checkAfterMs).toISOString(),
      payload: { batch: { ...b, handle: result.handle, checks: b.checks + 1, ...(result.detail ? { detail: result.detail } : {}) } },
    };
  }
  const settlement = settleBatch(flow.def.source, { connection: b.connection, entity: b.entity }, b.records, result);
  return {
    done: true,
    settlement,
    enqueue: retryJobs(flow, settlement.failed),
    stats: { target: b.target, checks: b.checks + 1, written: settlement.links.length, failed: settlement.failed.length },
  };
}
