/** Writing: create, update, upsert (by key path, or find-then-write), delete, and batches. */
import { SyncError, toSyncError } from '../../core/errors.js';
import type { WriteOp, WriteOutcome } from '../../core/connector.js';
import type { Fields } from '../../core/json.js';
import type { HttpApiClient } from './client.js';
import { classifyHttpError } from './errors.js';
import { dataHeaderValue } from '../shared/http.js';
import { fillPath, getPath } from './paths.js';
import { recordOf } from './records.js';
import { findRecords } from './read.js';
import type { EntitySettings } from './settings.js';

/** A successful write. */
export type WriteSuccess = WriteOutcome & { ok: true };

const DEFAULT_BATCH_SIZE = 100;

function need<T>(value: T | undefined, what: string, entity: EntitySettings): T {
  if (value === undefined || value === null) throw new SyncError('fatal', `${entity.name}: ${what}`, { system: 'http' });
  return value;
}

function idFromLocation(location: string | null): string | undefined {
  if (!location) return undefined;
  const last = new URL(location, 'http://x').pathname.split('/').filter(Boolean).pop();
  return last ? decodeURIComponent(last) : undefined;
}

function outcome(entity: EntitySettings, body: unknown, fallbackId: string | undefined, created: boolean, location: string | null = null): WriteSuccess {
  const rec = recordOf(entity, body);
  const raw = rec?.[entity.idField];
  const id = raw !== undefined && raw !== null && raw !== '' ? String(raw) : (fallbackId ?? idFromLocation(location));
  if (id === undefined) throw new SyncError('fatal', `${entity.name}: the write answer carries no "${entity.idField}" and no Location`, { system: 'http' });
  return rec ? { ok: true, id, created, data: rec } : { ok: true, id, created };
}

/** One write; throws SyncError on failure. A delete of a record already gone succeeds (retries must be harmless). */
export async function writeRecord(client: HttpApiClient, entity: EntitySettings, op: WriteOp): Promise<WriteSuccess> {
  const paths = entity.paths;
  switch (op.verb) {
    case 'create': {
      const path = need(paths.create, 'no create path configured', entity);
      const headers: Record<string, string> = op.idempotencyKey ? { 'idempotency-key': dataHeaderValue(op.idempotencyKey) } : {};
      const res = await client.send({ method: 'POST', path: fillPath(path, {}), json: op.data, headers, operation: 'create' });
      return outcome(entity, res.json, undefined, true, res.headers.get('location'));
    }
    case 'update': {
      const id = need(op.id, 'update needs the target id', entity);
      const path = need(paths.update, 'no update path configured', entity);
      const res = await client.send({ method: entity.methods?.update ?? 'PATCH', path: fillPath(path, { id }), json: op.data, operation: 'update' });
      return outcome(entity, res.json, id, false);
    }
    case 'upsert': {
      const match = need(op.match, 'upsert needs a match field and value', entity);
      if (!paths.upsert) return upsertByFind(client, entity, op, match);
      const body: Fields = { ...op.data, [match.field]: match.value };
      const res = await client.send({
        method: entity.methods?.upsert ?? 'PUT',
        path: fillPath(paths.upsert, { key: match.value, value: match.value, field: match.field }),
        json: body,
        operation: 'upsert',
      });
      return outcome(entity, res.json, match.field === entity.idField ? String(match.value) : undefined, res.status === 201, res.headers.get('location'));
    }
    case 'delete': {
      const id = need(op.id, 'delete needs the target id', entity);
      const path = need(paths.delete, 'no delete path configured', entity);
      await client.send({ method: 'DELETE', path: fillPath(path, { id }), operation: 'delete', accept: [404] });
      return { ok: true, id, created: false };
    }
    default:
      throw new SyncError('fatal', `unknown write verb ${String((op as { verb: unknown }).verb)}`, { system: 'http' });
  }
}

/** Upsert for APIs without an upsert endpoint: find by the match field, then update the one match or create. */
async function upsertByFind(client: HttpApiClient, entity: EntitySettings, op: WriteOp, match: { field: string; value: unknown }): Promise<WriteSuccess> {
  if (!entity.paths.find || !entity.paths.create || !entity.paths.update) {
    throw new SyncError('fatal', `${entity.name}: upsert needs paths.upsert, or paths.find + create + update`, { system: 'http' });
  }
  const found = await findRecords(client, entity, match.field, match.value);
  if (found.length > 1) {
    throw new SyncError('conflict', `${entity.name}: ${found.length} records match ${match.field}=${JSON.stringify(match.value)}`, { system: 'http', field: match.field, recordKey: String(match.value) });
  }
  const data = { ...op.data, [match.field]: match.value };
  if (found.length === 1) return writeRecord(client, entity, { verb: 'update', id: found[0].id, data });
  return writeRecord(client, entity, { verb: 'create', data, idempotencyKey: op.idempotencyKey });
}

/** True when the op can travel in a batch body (the batch endpoint creates, or replaces by id). */
function batchable(entity: EntitySettings, op: WriteOp): boolean {
  return op.verb === 'create' || (op.verb === 'update' && op.id !== undefined) || (op.verb === 'upsert' && op.match?.field === entity.idField);
}

function batchBody(entity: EntitySettings, op: WriteOp): Fields {
  if (op.verb === 'update') return { ...op.data, [entity.idField]: op.id };
  if (op.verb === 'upsert' && op.match) return { ...op.data, [entity.idField]: op.match.value };
  return op.data;
}

function batchItemOutcome(entity: EntitySettings, op: WriteOp, item: unknown): WriteOutcome {
  const it = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
  const status = typeof it.status === 'number' ? it.status : undefined;
  if (it.ok === false || it.error !== undefined || it.errors !== undefined || (status !== undefined && status >= 400)) {
    const res = { status: status !== undefined && status >= 400 ? status : 400, headers: new Headers(), text: JSON.stringify(it), json: it };
    return { ok: false, error: classifyHttpError(res, `${entity.name} batch item`) };
  }
  const rec = (getPath(it, 'record') ?? recordOf(entity, it)) as Fields | undefined;
  const raw = rec?.[entity.idField] ?? it.id ?? op.id;
  if (raw === undefined || raw === null) return { ok: false, error: new SyncError('fatal', `${entity.name}: batch result carries no id`, { system: 'http' }) };
  const created = typeof it.created === 'boolean' ? it.created : status !== undefined ? status === 201 : op.verb === 'create';
  return rec ? { ok: true, id: String(raw), created, data: rec } : { ok: true, id: String(raw), created };
}

/** Many writes: runs of batchable ops go to the batch path in chunks, others one by one, keeping the ops' order. One outcome per op. */
export async function writeBatch(client: HttpApiClient, entity: EntitySettings, ops: WriteOp[]): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = new Array(ops.length);
  const size = entity.maxBatchSize ?? DEFAULT_BATCH_SIZE;
  let chunk: number[] = [];
  const flush = async () => {
    if (chunk.length > 0) await sendChunk(client, entity, ops, chunk, outcomes);
    chunk = [];
  };
  for (let i = 0; i < ops.length; i++) {
    if (entity.paths.batch && batchable(entity, ops[i])) {
      chunk.push(i);
      if (chunk.length >= size) await flush();
      continue;
    }
    // Later ops may touch the same record, so what is queued goes first.
    await flush();
    try {
      outcomes[i] = await writeRecord(client, entity, ops[i]);
    } catch (err) {
      outcomes[i] = { ok: false, error: toSyncError(err) };
    }
  }
  await flush();
  return outcomes;
}

async function sendChunk(client: HttpApiClient, entity: EntitySettings, ops: WriteOp[], chunk: number[], outcomes: WriteOutcome[]): Promise<void> {
  // A failure of the whole call (network, 429, 5xx, bad request) throws: the engine retries or splits the batch.
  const res = await client.send({ method: 'POST', path: fillPath(entity.paths.batch ?? '', {}), json: chunk.map((i) => batchBody(entity, ops[i])), operation: 'batch' });
  const results = entity.batchResultsPath ? getPath(res.json, entity.batchResultsPath) : Array.isArray(res.json) ? res.json : getPath(res.json, 'results');
  if (!Array.isArray(results) || results.length !== chunk.length) {
    throw new SyncError('fatal', `${entity.name}: batch answer must hold ${chunk.length} results (batchResultsPath "${entity.batchResultsPath ?? ''}")`, { system: 'http' });
  }
  chunk.forEach((opIndex, k) => {
    outcomes[opIndex] = batchItemOutcome(entity, ops[opIndex], results[k]);
  });
}
