/**
 * Composite API for dependent writes: up to 25 subrequests in one call (one API call against the
 * budget), later ones referring to earlier results with `@{referenceId.id}`, all-or-none by default.
 */
import type { WriteOp } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { fromApiError, type SalesforceApiError } from '../errors.js';
import { soqlIdent } from '../soql.js';
import { toBody } from './records.js';

/** Most subrequests in one Composite call. */
export const COMPOSITE_LIMIT = 25;

/** One subrequest. */
export interface CompositeSubrequest {
  /** Letters, digits and `_`, starting with a letter or digit. */
  referenceId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the REST base (`sobjects/Account`) or absolute (`/services/data/v62.0/...`). */
  url: string;
  body?: unknown;
}

/** The result of one subrequest. */
export interface CompositeResult {
  referenceId: string;
  status: number;
  body: unknown;
  /** The record id for sObject writes. */
  id?: string;
  /** True for an upsert/create that made a new record. */
  created?: boolean;
  /** Set when the subrequest failed (PROCESSING_HALTED siblings are `retryable`). */
  error?: SyncError;
}

/** `@{ref.field}`: a reference to an earlier subrequest's result. */
export function ref(referenceId: string, path = 'id'): string {
  return `@{${referenceId}.${path}}`;
}

/** A subrequest for one sObject write (create / update / upsert / delete). */
export function sobjectSubrequest(referenceId: string, entity: string, op: WriteOp): CompositeSubrequest {
  const base = `sobjects/${soqlIdent(entity)}`;
  switch (op.verb) {
    case 'create':
      return { referenceId, method: 'POST', url: base, body: toBody(op.data) };
    case 'update':
      return { referenceId, method: 'PATCH', url: `${base}/${encodeURIComponent(op.id ?? '')}`, body: toBody(op.data) };
    case 'upsert':
      if (!op.match) throw new SyncError('fatal', `upsert ${entity}: no external id field given`, { system: 'salesforce' });
      return { referenceId, method: 'PATCH', url: `${base}/${soqlIdent(op.match.field)}/${encodeURIComponent(String(op.match.value))}`, body: toBody(op.data, [op.match.field]) };
    case 'delete':
      return { referenceId, method: 'DELETE', url: `${base}/${encodeURIComponent(op.id ?? '')}` };
  }
}

/** Runs the subrequests in one Composite call; one result per subrequest, in order. */
export async function composite(client: SalesforceClient, requests: CompositeSubrequest[], options: { allOrNone?: boolean } = {}): Promise<CompositeResult[]> {
  if (requests.length === 0) return [];
  if (requests.length > COMPOSITE_LIMIT) throw new SyncError('fatal', `a Composite request takes at most ${COMPOSITE_LIMIT} subrequests (got ${requests.length})`, { system: 'salesforce' });
  const body = {
    allOrNone: options.allOrNone ?? true,
    compositeRequest: requests.map((r) => ({ method: r.method, url: r.url.startsWith('/') ? r.url : `${client.basePath}/${r.url}`, referenceId: r.referenceId, ...(r.body !== undefined ? { body: r.body } : {}) })),
  };
  const res = await client.json<{ compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string; httpHeaders?: Record<string, string> }[] }>({ method: 'POST', path: 'composite', json: body, what: 'composite', family: 'composite' });
  return res.compositeResponse.map((r, i) => {
    const out: CompositeResult = { referenceId: r.referenceId, status: r.httpStatusCode, body: r.body };
    if (r.httpStatusCode >= 300) {
      if (r.httpStatusCode === 300) {
        out.error = new SyncError('conflict', `composite ${r.referenceId}: several records match the external id`, { system: 'salesforce', status: 300, vendorCode: 'MULTIPLE_CHOICES' });
      } else {
        const errs = Array.isArray(r.body) ? (r.body as SalesforceApiError[]) : [{ errorCode: 'UNKNOWN', message: JSON.stringify(r.body) }];
        out.error = fromApiError(errs[0], r.httpStatusCode);
      }
      return out;
    }
    const b = r.body as { id?: string; created?: boolean } | null;
    if (b && typeof b.id === 'string') out.id = b.id;
    else if (requests[i].method === 'PATCH' || requests[i].method === 'DELETE') out.id = requests[i].url.split('/').pop();
    out.created = b?.created ?? r.httpStatusCode === 201;
    return out;
  });
}
