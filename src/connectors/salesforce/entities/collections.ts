/**
 * sObject Collections: up to 200 records per call with allOrNone=false, one result per record in
 * order. Results are turned into WriteOutcomes with per-record SyncErrors.
 */
import type { WriteOutcome } from '../../../core/connector.js';
import type { Fields } from '../../../core/json.js';
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { fromApiError, type SalesforceApiError } from '../errors.js';
import { soqlIdent } from '../soql.js';
import { toBody } from './records.js';

/** Largest Collections request. */
export const COLLECTION_LIMIT = 200;

/** A Collections SaveResult / UpsertResult. */
export interface ItemResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: SalesforceApiError[];
}

function toOutcome(r: ItemResult, created: boolean | undefined, recordKey: string | undefined): WriteOutcome {
  if (r.success && r.id) return { ok: true, id: r.id, created: r.created ?? created ?? false };
  const first = r.errors[0] ?? { statusCode: 'UNKNOWN', message: 'failed without an error' };
  const err = fromApiError(first, undefined, { recordKey });
  if (r.errors.length > 1) return { ok: false, error: new SyncError(err.kind, `${err.message} (+${r.errors.length - 1} more)`, err.details) };
  return { ok: false, error: err };
}

/** Converts SaveResult / UpsertResult items (from Collections, or from any caller's own request) into WriteOutcomes, in order. */
export function toWriteOutcomes(results: ItemResult[], created?: boolean): WriteOutcome[] {
  return results.map((r) => toOutcome(r, created, r.id));
}

function chunks<T>(items: T[], size = COLLECTION_LIMIT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates records; one outcome per record, in order. */
export async function collectionCreate(client: SalesforceClient, entity: string, records: Fields[]): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for (const chunk of chunks(records)) {
    const body = { allOrNone: false, records: chunk.map((r) => ({ attributes: { type: entity }, ...toBody(r) })) };
    const res = await client.json<ItemResult[]>({ method: 'POST', path: 'composite/sobjects', json: body, what: `create ${chunk.length} ${entity}`, family: 'composite' });
    res.forEach((r) => out.push(toOutcome(r, true, undefined)));
  }
  return out;
}

/** Updates records by id; one outcome per record, in order. */
export async function collectionUpdate(client: SalesforceClient, entity: string, records: { id: string; data: Fields }[]): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for (const chunk of chunks(records)) {
    const body = { allOrNone: false, records: chunk.map((r) => ({ attributes: { type: entity }, ...toBody(r.data), id: r.id })) };
    const res = await client.json<ItemResult[]>({ method: 'PATCH', path: 'composite/sobjects', json: body, what: `update ${chunk.length} ${entity}`, family: 'composite' });
    res.forEach((r, i) => out.push(toOutcome(r, false, chunk[i].id)));
  }
  return out;
}

/** Upserts records on one external-id field (API 46.0+); one outcome per record, in order. */
export async function collectionUpsert(client: SalesforceClient, entity: string, externalIdField: string, records: Fields[]): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for (const chunk of chunks(records)) {
    const body = { allOrNone: false, records: chunk.map((r) => ({ attributes: { type: entity }, ...toBody(r) })) };
    const res = await client.json<ItemResult[]>({ method: 'PATCH', path: `composite/sobjects/${soqlIdent(entity)}/${soqlIdent(externalIdField)}`, json: body, what: `upsert ${chunk.length} ${entity} on ${externalIdField}`, family: 'composite' });
    res.forEach((r, i) => out.push(toOutcome(r, undefined, String(chunk[i][externalIdField] ?? ''))));
  }
  return out;
}

/** Deletes records by id; an already deleted record counts as done. */
export async function collectionDelete(client: SalesforceClient, ids: string[]): Promise<WriteOutcome[]> {
  const out: WriteOutcome[] = [];
  for (const chunk of chunks(ids)) {
    const res = await client.json<ItemResult[]>({ method: 'DELETE', path: `composite/sobjects?allOrNone=false&ids=${chunk.map(encodeURIComponent).join(',')}`, what: `delete ${chunk.length} records`, family: 'composite' });
    res.forEach((r, i) => {
      if (!r.success && r.errors.some((e) => (e.statusCode ?? e.errorCode) === 'ENTITY_IS_DELETED')) out.push({ ok: true, id: chunk[i], created: false });
      else out.push(toOutcome({ ...r, id: r.id ?? (r.success ? chunk[i] : undefined) }, false, chunk[i]));
    });
  }
  return out;
}
