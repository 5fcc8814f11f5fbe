/**
 * writeBatch: routes many WriteOps to the cheapest correct API — sObject Collections (200 per call,
 * allOrNone=false) for ordinary batches, Bulk API 2.0 above the bulk threshold — and returns one
 * outcome per op in input order. A failure of a whole call becomes the outcome of every op it carried.
 * When a group went to Bulk API 2.0 the batch is returned pending (the jobs run in Salesforce) and
 * `resumeWriteBatch` finishes it once the jobs are done.
 */
import type { BatchBuilder, BatchResult, PendingBatch, WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError, toSyncError, type SerializedError } from '../../../core/errors.js';
import type { Fields, JsonObject } from '../../../core/json.js';
import type { SalesforceClient } from '../client.js';
import { checkIngest, IngestCsv, startIngestCsv, type BulkIngestOptions, type IngestHandle } from './bulk.js';
import { collectionCreate, collectionDelete, collectionUpdate, collectionUpsert } from './collections.js';

/** Options of writeBatch. */
export interface WriteBatchOptions {
  /** Groups larger than this use Bulk API 2.0. */
  bulkThreshold: number;
  bulk: Pick<BulkIngestOptions, 'pollIntervalMs' | 'timeoutMs' | 'signal'>;
}

/** An outcome as stored in a pending handle. */
type StoredOutcome = { ok: true; id: string; created: boolean } | { ok: false; error: SerializedError };

/** What a pending writeBatch carries to its next check. */
interface WriteBatchHandle {
  total: number;
  /** Outcomes already known (Collections groups, finished Bulk jobs), by input index. */
  settled: Array<[number, StoredOutcome]>;
  /** Bulk groups still running: the input indexes they carry and their jobs. */
  running: Array<{ indices: number[]; ingest: IngestHandle }>;
  pollIntervalMs: number;
}

/** A group of ops sharing a verb (and upsert key): held as ops up to the bulk threshold, as Bulk API CSV rows beyond it. */
type Group = { key: string; indices: number[]; ops: WriteOp[] | null; csv: IngestCsv | null };

/** Runs the ops; never throws for a single record's failure. Pending while Bulk API jobs run. */
export function writeBatch(client: SalesforceClient, entity: string, ops: WriteOp[], options: WriteBatchOptions): Promise<BatchResult> {
  const batch = openWriteBatch(client, entity, options);
  for (const op of ops) batch.add(op);
  return batch.submit();
}

/**
 * writeBatch filled op by op: a group that grows past the bulk threshold turns into its Bulk API CSV
 * there and then, so a bulk load's 50,000 writes are held as upload text, not as objects.
 */
export function openWriteBatch(client: SalesforceClient, entity: string, options: WriteBatchOptions): BatchBuilder {
  const early = new Map<number, WriteOutcome>();
  const groups = new Map<string, Group>();
  let total = 0;
  return {
    add(op) {
      const i = total++;
      let key: string = op.verb;
      if (op.verb === 'upsert') {
        if (!op.match) {
          early.set(i, { ok: false, error: new SyncError('fatal', `upsert ${entity}: no external id field given`, { system: 'salesforce' }) });
          return;
        }
        key = `upsert:${op.match.field}`;
      }
      if ((op.verb === 'update' || op.verb === 'delete') && !op.id) {
        early.set(i, { ok: false, error: new SyncError('fatal', `${op.verb} ${entity}: no record id given`, { system: 'salesforce' }) });
        return;
      }
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, indices: [], ops: [], csv: null }));
      g.indices.push(i);
      if (g.csv) g.csv.add(bulkRow(op));
      else if (g.ops) {
        g.ops.push(op);
        if (g.ops.length > options.bulkThreshold) {
          g.csv = new IngestCsv();
          for (const o of g.ops) g.csv.add(bulkRow(o));
          g.ops = null;
        }
      }
    },
    submit: () => submitGroups(client, entity, total, early, [...groups.values()], options),
  };
}

async function submitGroups(client: SalesforceClient, entity: string, total: number, early: Map<number, WriteOutcome>, groups: Group[], options: WriteBatchOptions): Promise<BatchResult> {
  const outcomes: WriteOutcome[] = new Array(total);
  for (const [i, o] of early) outcomes[i] = o;
  const running: WriteBatchHandle['running'] = [];
  let stopError: SyncError | null = null;
  for (const g of groups) {
    if (stopError) {
      for (const i of g.indices) outcomes[i] = { ok: false, error: stopError };
      continue;
    }
    try {
      const results = await runGroup(client, entity, g, options);
      if (Array.isArray(results)) g.indices.forEach((i, k) => (outcomes[i] = results[k]));
      else running.push({ indices: g.indices, ingest: results });
    } catch (err) {
      const e = toSyncError(err);
      for (const i of g.indices) outcomes[i] = { ok: false, error: e };
      // Budget, credentials and configuration failures will fail the remaining groups too.
      if (e.kind === 'rate_limited' || e.kind === 'auth_expired' || e.kind === 'fatal') stopError = e;
    }
  }
  if (running.length === 0) return outcomes;
  const handle: WriteBatchHandle = { total, settled: [], running, pollIntervalMs: options.bulk.pollIntervalMs };
  outcomes.forEach((o, i) => handle.settled.push([i, store(o)]));
  return pending(handle, `${running.length} Bulk API job group(s) submitted`);
}

/** Checks the Bulk API jobs of a pending writeBatch: every outcome once all are done, else still pending. */
export async function resumeWriteBatch(client: SalesforceClient, raw: JsonObject, signal?: AbortSignal): Promise<BatchResult> {
  const handle = raw as unknown as WriteBatchHandle;
  const stillRunning: WriteBatchHandle['running'] = [];
  const settled = [...handle.settled];
  // Groups finished in this check, kept as their outcomes: turned into stored ones only if another group still runs.
  const finished: Array<{ indices: number[]; outcomes: WriteOutcome[] }> = [];
  let status = '';
  for (const group of handle.running) {
    let check;
    try {
      check = await checkIngest(client, group.ingest, signal);
    } catch (err) {
      const e = toSyncError(err);
      // A credential or budget failure is the check's, not the jobs': check again later.
      if (e.kind === 'rate_limited' || e.kind === 'auth_expired') throw e;
      for (const i of group.indices) settled.push([i, store({ ok: false, error: e })]);
      continue;
    }
    if (!check.done) {
      stillRunning.push(group);
      status ||= check.status;
      continue;
    }
    finished.push({ indices: group.indices, outcomes: check.outcomes });
  }
  if (stillRunning.length > 0) {
    for (const f of finished) f.indices.forEach((i, k) => settled.push([i, store(f.outcomes[k])]));
    return pending({ ...handle, settled, running: stillRunning }, status);
  }
  const outcomes: WriteOutcome[] = new Array(handle.total);
  for (const [i, o] of settled) outcomes[i] = o.ok ? o : { ok: false, error: new SyncError(o.error.kind, o.error.message, o.error.details) };
  for (const f of finished) f.indices.forEach((i, k) => (outcomes[i] = f.outcomes[k]));
  return outcomes;
}

function pending(handle: WriteBatchHandle, detail: string): PendingBatch {
  return { pending: true, handle: handle as unknown as JsonObject, checkAfterMs: handle.pollIntervalMs, detail };
}

function store(o: WriteOutcome): StoredOutcome {
  return o.ok ? { ok: true, id: o.id, created: o.created } : { ok: false, error: o.error.toJSON() };
}

/** An op as its Bulk API row: the record's fields with its Id (update, delete) or upsert key. */
function bulkRow(op: WriteOp): Fields {
  if (op.verb === 'update') return { ...op.data, Id: op.id };
  if (op.verb === 'delete') return { Id: op.id };
  if (op.verb === 'upsert') return { ...op.data, [op.match!.field]: op.match!.value };
  return op.data;
}

async function runGroup(client: SalesforceClient, entity: string, g: Group, options: WriteBatchOptions): Promise<WriteOutcome[] | IngestHandle> {
  const verb = g.key.split(':')[0] as WriteOp['verb'];
  if (g.csv) {
    const operation = verb === 'create' ? 'insert' : verb;
    return startIngestCsv(client, entity, g.csv, { ...options.bulk, operation, ...(verb === 'upsert' ? { externalIdField: g.key.slice('upsert:'.length) } : {}) });
  }
  const mine = g.ops!;
  if (verb === 'create') return collectionCreate(client, entity, mine.map((o) => o.data));
  if (verb === 'update') return collectionUpdate(client, entity, mine.map((o) => ({ id: o.id!, data: o.data })));
  if (verb === 'delete') return collectionDelete(client, mine.map((o) => o.id!));
  const field = mine[0].match!.field;
  return collectionUpsert(client, entity, field, mine.map((o) => ({ ...o.data, [field]: o.match!.value })));
}
