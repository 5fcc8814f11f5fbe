/**
 * The bridge contract's one error shape `{code, message, field}` and its statuses → the taxonomy.
 * 401 is the API key refused (unauthorized: no retry, a person must act), never an expired token:
 * the contract has no tokens to refresh. 429 waits Retry-After without spending an attempt.
 */
import { SyncError, type ErrorKind } from '../../core/errors.js';
import { retryAfterMs, type HttpResponse } from '../shared/http.js';

/** The system name on every error. */
export const SYSTEM = 'tims';

/** The contract's error body, as far as the bridge sent it. */
export interface BridgeErrorBody {
  code?: string;
  message?: string;
  field?: string | null;
}

/** Taxonomy class of each contract status. */
const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid_data',
  401: 'unauthorized',
  403: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  422: 'invalid_data',
  429: 'rate_limited',
};

/** Reads the contract's error body; anything else yields an empty one. */
export function readBridgeError(json: unknown): BridgeErrorBody {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return {};
  const b = json as Record<string, unknown>;
  return {
    code: typeof b.code === 'string' ? b.code : undefined,
    message: typeof b.message === 'string' ? b.message : undefined,
    field: typeof b.field === 'string' ? b.field : null,
  };
}

/** Classifies a non-2xx answer of the bridge; `what` names the call (`POST /customers`), `recordKey` the record at fault. */
export function classifyBridgeError(res: HttpResponse, what: string, recordKey?: string): SyncError {
  const body = readBridgeError(res.json);
  const kind: ErrorKind = KIND_BY_STATUS[res.status] ?? 'retryable';
  const detail = body.message ?? res.text.slice(0, 200);
  const hint = kind === 'unauthorized' ? ': check the API key of the TIMS connection' : '';
  const message = `TIMS bridge ${what} → ${res.status}${body.code ? ` ${body.code}` : ''}${detail ? `: ${detail}` : ''}${hint}`;
  const details = {
    system: SYSTEM,
    status: res.status,
    vendorCode: body.code,
    field: body.field ?? undefined,
    recordKey,
    retryAfterMs: res.status === 429 ? (retryAfterMs(res.headers) ?? 60_000) : res.status >= 500 ? retryAfterMs(res.headers) : undefined,
  };
  return new SyncError(kind, message, Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)));
}
