/**
 * writeBatch: routes many WriteOps to the cheapest correct API — sObject Collections (200 per call,
 * allOrNone=false) for ordinary batches, Bulk API 2.0 above the bulk threshold — and returns one
 * outcome per op in input order. A failure of a whole call becomes the outcome of every op it carried.
 */
import type { WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError, toSyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { bulkIngest, type BulkIngestOptions } from './bulk.js';
import { collectionCreate, collectionDelete, collectionUpdate, collectionUpsert } from './collections.js';

/** Options of writeBatch. */
export interface WriteBatchOptions {
  /** Groups larger than this use Bulk API 2.0. */
  bulkThreshold: number;
  bulk: Pick<BulkIngestOptions, 'pollIntervalMs' | 'timeoutMs' | 'onProgress' | 'signal'>;
}

type Group = { key: string; indices: number[] };

/** Runs the ops; never throws for a single record's failure. */
export async function writeBatch(client: SalesforceClient, entity: string, ops: WriteOp[], options: WriteBatchOptions): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = new Array(ops.length);
  const groups = new Map<string, Group>();
  ops.forEach((op, i) => {
    let key: string = op.verb;
    if (op.verb === 'upsert') {
      if (!op.match) {
        outcomes[i] = { ok: false, error: new SyncError('fatal', `upsert ${entity}: no external id field given`, { system: 'salesforce' }) };
        return;
      }
      key = `upsert:${op.match.field}`;
    }
    if ((op.verb === 'update' || op.verb === 'delete') && !op.id) {
      outcomes[i] = { ok: false, error: new SyncError('fatal', `${op.verb} ${entity}: no record id given`, { system: 'salesforce' }) };
      return;
    }
    const g = groups.get(key) ?? { key, indices: [] };
    g.indices.push(i);
    groups.set(key, g);
  });
  let stopError: SyncError | null = null;
  for (const g of groups.values()) {
    if (stopError) {
      for (const i of g.indices) outcomes[i] = { ok: false, error: stopError };
      continue;
    }
    try {
      const results = await runGroup(client, entity, g, ops, options);
      g.indices.forEach((i, k) => (outcomes[i] = results[k]));
    } catch (err) {
      const e = toSyncError(err);
      for (const i of g.indices) outcomes[i] = { ok: false, error: e };
      // Budget, credentials and configuration failures will fail the remaining groups too.
      if (e.kind === 'rate_limited' || e.kind === 'auth_expired' || e.kind === 'fatal') stopError = e;
    }
  }
  return outcomes;
}

async function runGroup(client: SalesforceClient, entity: string, g: Group, ops: WriteOp[], options: WriteBatchOptions): Promise<WriteOutcome[]> {
  const mine = g.indices.map((i) => ops[i]);
  const bulk = mine.length > options.bulkThreshold;
  const verb = mine[0].verb;
  if (verb === 'create') {
    const records = mine.map((o) => o.data);
    return bulk ? bulkIngest(client, entity, records, { ...options.bulk, operation: 'insert' }) : collectionCreate(client, entity, records);
  }
  if (verb === 'update') {
    if (bulk) return bulkIngest(client, entity, mine.map((o) => ({ ...o.data, Id: o.id })), { ...options.bulk, operation: 'update' });
    return collectionUpdate(client, entity, mine.map((o) => ({ id: o.id!, data: o.data })));
  }
  if (verb === 'delete') {
    return bulk ? bulkIngest(client, entity, mine.map((o) => ({ Id: o.id })), { ...options.bulk, operation: 'delete' }) : collectionDelete(client, mine.map((o) => o.id!));
  }
  const field = mine[0].match!.field;
  const records = mine.map((o) => ({ ...o.data, [field]: o.match!.value }));
  return bulk ? bulkIngest(client, entity, records, { ...options.bulk, operation: 'upsert', externalIdField: field }) : collectionUpsert(client, entity, field, records);
}
