/**
 * Vendor jobs as engine jobs. When a target's writeBatch returns a PendingBatch (a Bulk API job, a
 * Pardot import still running), the bulk load stores the handle and the source records in a `batch`
 * job due when the connector asked to be checked; a worker runs the check (connector.resumeBatch),
 * defers the job again while the vendor is still busy, and once it is done links the written records
 * and hands the failed ones to the queue. Nothing waits in between: no worker, no limiter slot and no
 * connector is held while the vendor works.
 *
 * A batch can hold 100,000 records, so its source records are not in the job's row: the bulk load
 * stores them as it goes, in parts of PACK_RECORDS (ids in the open, data gzipped; Store.saveBatchPart),
 * and the job carries only their reference. A check re-reads and re-writes a small payload, and a
 * finished batch is settled a part at a time: links and retry jobs per part, each its own short
 * transaction, idempotent if the job runs again, with only the failed records' data unpacked. One
 * transaction holding the store for minutes stopped the worker's lease renewals: the lease lapsed, the
 * job was claimed again while it still ran, and the copies starved each other (the 100,000-record bulk
 * load of issue 13 never finished). A worker process checks one batch at a time (worker.ts), so it
 * holds one vendor job's results, not one per job slot (issue 20).
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { isPendingBatch, type BatchOutcome, type PendingBatch, type SourceRecord } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { Fields, JsonObject, JsonValue } from '../core/json.js';
import type { InboxEvent, JobRow, NewJob, Store, XrefLink } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { FlowRuntime } from './flow-cache.js';
import type { EventPayload } from './payloads.js';

/** Records per packed slice (and per stored part) of a batch's data. */
export const PACK_RECORDS = 1000;
/** Links (and retry jobs) committed per transaction when a batch settles. */
export const SETTLE_SLICE = PACK_RECORDS;

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
    /** Where the source records the writes were made from are stored (Store.readBatchPart), in op order. */
    data?: BatchDataRef;
    /** Older payloads: the records in the job row itself (their data packed below, or in each record). */
    records?: BatchRecord[];
    /** Older payloads: the records' data, PACK_RECORDS per slice in record order: base64 of gzipped JSON arrays. */
    packed?: string[];
    /** The connector's last progress line. */
    detail?: string;
    /** Checks made so far. */
    checks: number;
  };
}

/** A batch's source records as the store keeps them: `count` records in parts of PACK_RECORDS under `id`. */
export interface BatchDataRef {
  [key: string]: string | number;
  id: string;
  count: number;
}

/** One stored part of a batch's data: PACK_RECORDS records' ids and stamps, and their data packed. */
export interface BatchPart {
  records: BatchRecord[];
  packed?: string;
}

async function packSlice(data: Fields[]): Promise<string> {
  return ((await gzipAsync(JSON.stringify(data))) as Buffer).toString('base64');
}

/**
 * Slices already packed, shared by the packers of one bulk load: every target of a flow usually takes
 * the same source records in the same order, so each slice is gzipped once instead of once per target.
 * Keyed by the slice's first record.
 */
export type PackCache = WeakMap<Fields, { data: Fields[]; packed: string }>;

/**
 * Stores a batch's source records as they arrive, a part of PACK_RECORDS at a time (ids in the open,
 * data gzipped), so neither the bulk load nor the worker that settles the batch holds more than one
 * part of them: the `batch` job's row carries only the reference (issue 20).
 */
export class RecordPacker {
  private ids: BatchRecord[] = [];
  private slice: Fields[] = [];
  private part = 0;
  private count = 0;

  /** `cache`: shared with the other targets' packers of the same load; `id`: the batch data's key. */
  constructor(
    private readonly store: Pick<Store, 'saveBatchPart'>,
    private readonly cache?: PackCache,
    private readonly id: string = randomUUID(),
  ) {}

  /** Records added so far. */
  get size(): number {
    return this.count;
  }

  /** Adds one record (in op order). */
  async add(r: Pick<SourceRecord, 'id' | 'updatedAt' | 'data'>): Promise<void> {
    this.ids.push({ id: r.id, ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}) });
    this.slice.push(r.data);
    this.count += 1;
    if (this.slice.length === PACK_RECORDS) await this.flush();
  }

  /** Stores what is left; the reference the batch job carries. */
  async finish(): Promise<BatchDataRef> {
    if (this.slice.length) await this.flush();
    return { id: this.id, count: this.count };
  }

  private async flush(): Promise<void> {
    const records = this.ids;
    const data = this.slice;
    this.ids = [];
    this.slice = [];
    const part: BatchPart = { records, packed: await this.pack(data) };
    await this.store.saveBatchPart(this.id, this.part++, JSON.stringify(part));
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

/** Part `k` of a batch's records: from the store, or from the payload of an older job. */
export async function readBatchPart(store: Pick<Store, 'readBatchPart'>, b: Pick<BatchCheckPayload['batch'], 'data' | 'records' | 'packed'>, k: number): Promise<BatchPart> {
  if (b.data) {
    const text = await store.readBatchPart(b.data.id, k);
    if (text === null) throw new SyncError('fatal', `batch data ${b.data.id} has no part ${k}: its source records are gone`);
    return JSON.parse(text) as BatchPart;
  }
  return { records: (b.records ?? []).slice(k * PACK_RECORDS, (k + 1) * PACK_RECORDS), packed: b.packed?.[k] };
}

/** Records in a batch. */
export function batchSize(b: Pick<BatchCheckPayload['batch'], 'data' | 'records'>): number {
  return b.data ? b.data.count : (b.records?.length ?? 0);
}

/** The records of one part at `indexes` (within the part, ascending), opening its packed data only when asked. */
export async function unpackPart(part: BatchPart, indexes: number[], entity: string): Promise<SourceRecord[]> {
  let slice: Fields[] | undefined;
  const out: SourceRecord[] = [];
  for (const i of indexes) {
    const r = part.records[i];
    let data = r.data;
    if (data === undefined) {
      if (!slice) {
        if (part.packed === undefined) throw new SyncError('fatal', `batch data has no packed data for record ${r.id}`);
        slice = JSON.parse(((await gunzipAsync(Buffer.from(part.packed, 'base64'))) as Buffer).toString('utf8')) as Fields[];
      }
      data = slice[i];
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

/** The `batch` job for a pending result, due when the connector asked to be checked. */
export async function batchCheckJob(flow: FlowRuntime, target: { name: string; connection: string; entity: string }, records: SourceRecord[], pending: PendingBatch, store: Pick<Store, 'saveBatchPart'>, checks = 0): Promise<NewJob> {
  const packer = new RecordPacker(store);
  for (const r of records) await packer.add(r);
  return packedBatchCheckJob(flow, target, await packer.finish(), pending, checks);
}

/** The `batch` job for a pending result whose records are already stored (RecordPacker). */
export function packedBatchCheckJob(flow: FlowRuntime, target: { name: string; connection: string; entity: string }, data: BatchDataRef, pending: PendingBatch, checks = 0): NewJob {
  const payload: BatchCheckPayload = {
    batch: {
      target: target.name,
      connection: target.connection,
      entity: target.entity,
      handle: pending.handle,
      data,
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
  const { written, failed, unidentified } = await settleBatch(flow, b, result, deps.store, (r) => `${r.id}@${r.updatedAt ?? 'bulk'}#${job.id}/${b.target}`);
  return {
    done: true,
    settlement: { links: [], failed: [] },
    enqueue: [],
    stats: { target: b.target, checks: b.checks + 1, written, failed, ...(unidentified ? { unidentified } : {}) },
  };
}

/** What settling a batch did: records written (unidentified ones among them), failed, and failed ones the inbox accepted as new jobs. */
export interface SettleCounts {
  written: number;
  failed: number;
  unidentified: number;
  queued: number;
}

/**
 * Links the written records and queues the failed ones, a part (SETTLE_SLICE records) per
 * transaction, reading the batch's stored records one part at a time: no transaction holds the store
 * long enough to starve lease renewals, and no more than one part of the records is held. Running it
 * again (the job claimed again after a crash) changes nothing when each retry's `deliveryId` is
 * stable (the inbox drops a delivery id it has seen), and a link is recorded once.
 */
export async function settleBatch(flow: FlowRuntime, b: Pick<BatchCheckPayload['batch'], 'connection' | 'entity' | 'data' | 'records' | 'packed'>, outcomes: BatchOutcome[], store: Pick<Store, 'readBatchPart' | 'link' | 'ingest'>, deliveryId: (r: SourceRecord) => string): Promise<SettleCounts> {
  const source = flow.def.source;
  const counts: SettleCounts = { written: 0, failed: 0, unidentified: 0, queued: 0 };
  const total = batchSize(b);
  for (let k = 0; k * PACK_RECORDS < total; k++) {
    const part = await readBatchPart(store, b, k);
    const links: XrefLink[] = [];
    const failedAt: number[] = [];
    part.records.forEach((r, j) => {
      const o = outcomes[k * PACK_RECORDS + j];
      if (o?.ok && o.id === null) {
        // Written, but the system did not say as which record: its next write upserts on the match key and links it.
        counts.written += 1;
        counts.unidentified += 1;
      } else if (o?.ok) {
        links.push({ a: { connection: source.connection, entity: source.entity, id: r.id }, b: { connection: b.connection, entity: b.entity, id: o.id } });
        counts.written += 1;
      } else failedAt.push(j);
    });
    if (links.length) await store.link(links);
    if (!failedAt.length) continue;
    counts.failed += failedAt.length;
    const events: InboxEvent[] = (await unpackPart(part, failedAt, source.entity)).map((r) => ({
      flow: flow.name,
      deliveryId: deliveryId(r),
      payload: { record: r.data, id: r.id, type: 'bulk-retry' } satisfies EventPayload as unknown as JsonValue,
      recordKey: r.id,
    }));
    counts.queued += (await store.ingest(events, { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts })).accepted;
  }
  return counts;
}
