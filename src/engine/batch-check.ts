/**
 * Vendor jobs as engine jobs. When a target's writeBatch returns a PendingBatch (a Bulk API job, a
 * Pardot import still running), the bulk load stores the handle and the source records in a `batch`
 * job due when the connector asked to be checked; a worker runs the check (connector.resumeBatch),
 * defers the job again while the vendor is still busy, and once it is done links the written records
 * and hands the failed ones to the queue. Nothing waits in between: no worker, no limiter slot and no
 * connector is held while the vendor works.
 *
 * A batch can hold 100,000 records, so two things keep every step of it short: the records' data
 * travels packed (gzip, in slices of
 * PACK_RECORDS, opened only for the records that failed), so a check re-reads and re-writes megabytes,
 * not the records' full JSON; and a finished batch commits its links and retry jobs in slices of
 * SETTLE_SLICE, each its own short transaction, idempotent if the job runs again. One transaction
 * holding the store for minutes stopped the worker's lease renewals: the lease lapsed, the job was
 * claimed again while it still ran, and the copies starved each other (the 100,000-record bulk load
 * of issue 13 never finished).
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { isPendingBatch, type BatchOutcome, type PendingBatch, type SourceRecord } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { Fields, JsonObject, JsonValue } from '../core/json.js';
import type { InboxEvent, JobRow, NewJob, Store, XrefLink } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { FlowRuntime } from './flow-cache.js';
import type { EventPayload } from './payloads.js';

/** Records per packed slice of a batch's data. */
export const PACK_RECORDS = 1000;
/** Links (and retry jobs) committed per transaction when a batch settles. */
export const SETTLE_SLICE = 1000;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A source record as a batch keeps it: id and stamp in the open; its data in `data` (older payloads) or in the packed slices. */
export interface BatchRecord {
  id: string;
  updatedAt?: string;
  data?: Fields;
}

/** The payload of a `batch` job. */
export interface BatchCheckPayload {
  batch: {
    /** The flow target the writes belong to. */
    target: string;
    connection: string;
    entity: string;
    /** The connector's handle, as its last answer returned it. */
    handle: JsonObject;
    /** The source records the writes were made from, in op order (their data packed below). */
    records: BatchRecord[];
    /** The records' data, PACK_RECORDS per slice in record order: base64 of gzipped JSON arrays. */
    packed?: string[];
    /** The connector's last progress line. */
    detail?: string;
    /** Checks made so far. */
    checks: number;
  };
}

/** Packs records' data into gzip slices (compressed off the event loop, a slice at a time). */
export async function packRecords(records: Array<Pick<SourceRecord, 'data'>>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < records.length; i += PACK_RECORDS) out.push(await packSlice(records.slice(i, i + PACK_RECORDS).map((r) => r.data)));
  return out;
}

async function packSlice(data: Fields[]): Promise<string> {
  return ((await gzipAsync(JSON.stringify(data))) as Buffer).toString('base64');
}

/** A batch's records as its job keeps them: ids and stamps in the open, data packed. */
export interface PackedRecords {
  records: BatchRecord[];
  packed: string[];
}

/**
 * Slices already packed, shared by the packers of one bulk load: every target of a flow usually takes
 * the same source records in the same order, so each slice is gzipped once and its text shared by the
 * targets' batch jobs instead of packed (and held) once per target. Keyed by the slice's first record.
 */
export type PackCache = WeakMap<Fields, { data: Fields[]; packed: string }>;

/**
 * Packs a batch's records as they arrive, so a bulk load holds a source record's data only until its
 * slice of PACK_RECORDS is full, not until the whole batch (100,000 records) has been read.
 */
export class RecordPacker {
  private readonly records: BatchRecord[] = [];
  private readonly packed: string[] = [];
  private slice: Fields[] = [];

  /** `cache`: shared with the other targets' packers of the same load. */
  constructor(private readonly cache?: PackCache) {}

  /** Records added so far. */
  get size(): number {
    return this.records.length;
  }

  /** Adds one record (in op order). */
  async add(r: Pick<SourceRecord, 'id' | 'updatedAt' | 'data'>): Promise<void> {
    this.records.push({ id: r.id, ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}) });
    this.slice.push(r.data);
    if (this.slice.length === PACK_RECORDS) {
      const full = this.slice;
      this.slice = [];
      this.packed.push(await this.pack(full));
    }
  }

  /** The records and their packed data; the packer is empty afterwards. */
  async finish(): Promise<PackedRecords> {
    if (this.slice.length) this.packed.push(await this.pack(this.slice));
    this.slice = [];
    const out = { records: this.records.splice(0), packed: this.packed.splice(0) };
    return out;
  }

  /** A slice's packed text: another target's, when it packed these very records, else gzipped now. */
  private async pack(data: Fields[]): Promise<string> {
    const hit = this.cache?.get(data[0]);
    if (hit && hit.data.length === data.length && hit.data.every((d, i) => d === data[i])) return hit.packed;
    const packed = await packSlice(data);
    this.cache?.set(data[0], { data, packed });
    return packed;
  }
}

/** The data of the records at `indexes` (ascending), opening only the slices that hold them. */
export async function unpackRecords(b: Pick<BatchCheckPayload['batch'], 'records' | 'packed'>, indexes: number[], entity: string): Promise<SourceRecord[]> {
  const slices = new Map<number, Fields[]>();
  const out: SourceRecord[] = [];
  for (const i of indexes) {
    const r = b.records[i];
    let data = r.data;
    if (data === undefined) {
      const k = Math.floor(i / PACK_RECORDS);
      let slice = slices.get(k);
      if (!slice) {
        const text = b.packed?.[k];
        if (text === undefined) throw new SyncError('fatal', `batch job payload has no packed data for record ${r.id} (slice ${k})`);
        slice = JSON.parse(((await gunzipAsync(Buffer.from(text, 'base64'))) as Buffer).toString('utf8')) as Fields[];
        slices.set(k, slice);
      }
      data = slice[i % PACK_RECORDS];
    }
    out.push({ id: r.id, entity, ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}), data });
  }
  return out;
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

/** Sorts a batch's outcomes (one per record, in order) into links, failed record indexes and unidentified writes. */
export function sortOutcomes(source: { connection: string; entity: string }, target: { connection: string; entity: string }, records: BatchRecord[], outcomes: BatchOutcome[]): { links: XrefLink[]; failedAt: number[]; unidentified: number } {
  const links: XrefLink[] = [];
  const failedAt: number[] = [];
  let unidentified = 0;
  records.forEach((r, i) => {
    const o = outcomes[i];
    if (o?.ok && o.id === null) unidentified += 1;
    else if (o?.ok) links.push({ a: { connection: source.connection, entity: source.entity, id: r.id }, b: { connection: target.connection, entity: target.entity, id: o.id } });
    else failedAt.push(i);
  });
  return { links, failedAt, unidentified };
}

/** The `batch` job for a pending result, due when the connector asked to be checked. */
export async function batchCheckJob(flow: FlowRuntime, target: { name: string; connection: string; entity: string }, records: SourceRecord[], pending: PendingBatch, checks = 0): Promise<NewJob> {
  const packer = new RecordPacker();
  for (const r of records) await packer.add(r);
  return packedBatchCheckJob(flow, target, await packer.finish(), pending, checks);
}

/** The `batch` job for a pending result whose records are already packed (RecordPacker). */
export function packedBatchCheckJob(flow: FlowRuntime, target: { name: string; connection: string; entity: string }, records: PackedRecords, pending: PendingBatch, checks = 0): NewJob {
  const payload: BatchCheckPayload = {
    batch: {
      target: target.name,
      connection: target.connection,
      entity: target.entity,
      handle: pending.handle,
      records: records.records,
      packed: records.packed,
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

/** The outcome of one check: deferred again, or done with what is left to commit (links and retries are already committed, slice by slice). */
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
  const { written, failed, unidentified } = await commitSettlement(flow, job, b, result, deps.store);
  return {
    done: true,
    settlement: { links: [], failed: [] },
    enqueue: [],
    stats: { target: b.target, checks: b.checks + 1, written, failed, ...(unidentified ? { unidentified } : {}) },
  };
}

/**
 * Links the written records and queues the failed ones, SETTLE_SLICE per transaction, so no
 * transaction holds the store long enough to starve lease renewals. Running it again (the job claimed
 * again after a crash) changes nothing: a link is recorded once, and each retry's delivery id (record,
 * stamp, this batch job and target) is dropped by the inbox the second time.
 */
async function commitSettlement(flow: FlowRuntime, job: Pick<JobRow, 'id'>, b: BatchCheckPayload['batch'], outcomes: BatchOutcome[], store: Store): Promise<{ written: number; failed: number; unidentified: number }> {
  const source = flow.def.source;
  let links: XrefLink[] = [];
  const failedAt: number[] = [];
  let written = 0;
  let unidentified = 0;
  for (let i = 0; i < b.records.length; i++) {
    const o = outcomes[i];
    if (o?.ok && o.id === null) {
      // Written, but the system did not say as which record: its next write upserts on the match key and links it.
      written += 1;
      unidentified += 1;
    } else if (o?.ok) {
      links.push({ a: { connection: source.connection, entity: source.entity, id: b.records[i].id }, b: { connection: b.connection, entity: b.entity, id: o.id } });
      written += 1;
    } else failedAt.push(i);
    if (links.length >= SETTLE_SLICE) {
      await store.link(links);
      links = [];
    }
  }
  if (links.length) await store.link(links);
  for (let k = 0; k < failedAt.length; k += SETTLE_SLICE) {
    const records = await unpackRecords(b, failedAt.slice(k, k + SETTLE_SLICE), source.entity);
    const events: InboxEvent[] = records.map((r) => ({
      flow: flow.name,
      deliveryId: `${r.id}@${r.updatedAt ?? 'bulk'}#${job.id}/${b.target}`,
      payload: { record: r.data, id: r.id, type: 'bulk-retry' } satisfies EventPayload as unknown as JsonValue,
      recordKey: r.id,
    }));
    await store.ingest(events, { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts });
  }
  return { written, failed: failedAt.length, unidentified };
}
