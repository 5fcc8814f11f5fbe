/**
 * X3's answers → the error taxonomy. SOAP: HTTP 200 with status 0 and messages of type 3 (type 2 are
 * warnings, kept, not errors); HTTP 401 (the X3 user refused) and HTTP 500 "No Web services accepted"
 * (the pool is stopped or has no free child). REST api1: the HTTP status and `$diagnoses`.
 *
 * | X3 says | kind | why |
 * | --- | --- | --- |
 * | `FIELD : <text>` (type 3) | invalid_data, field FIELD | the record is wrong; a person fixes it and replays |
 * | `... Record already exists` | conflict | resolved by reading the record (the connector does it) |
 * | `... modified by another user` (WW_MODSTAMP) | conflict | re-read and retried by the connector first |
 * | `... Record locked by ...` | retryable | someone has it open in X3; it frees up |
 * | `KEY value : Record does not exist` on read/modify/delete | not_found | |
 * | technicalInfos.busy, HTTP 500 "No Web services accepted" | retryable | pool busy, stopped or restarting |
 * | web service not published, unknown pool alias or language | fatal | the connection's settings are wrong |
 * | HTTP 401 | unauthorized | the X3 user or password was refused; retrying cannot help |
 */
import { classifyStatus } from '../shared/http.js';
import { SyncError, type ErrorKind } from '../../core/errors.js';

/** One X3 message. */
export interface X3Message {
  /** 1 information, 2 warning, 3 error. */
  type: number;
  message: string;
}

const SYSTEM = 'sagex3';
const FIELD_MESSAGE = /^\s*([A-Z][A-Z0-9_]{1,14})\s*:\s*(.+)$/;
const KEY_MISSING = /^\s*([A-Z][A-Z0-9_]{1,14})\s+(\S.*?)\s*:\s*Record does not exist/i;

/** The kind of a type-3 message, with the field it names when it names one. */
export function classifyMessage(message: string, operation: string): { kind: ErrorKind; field?: string; vendorCode: string } {
  if (/\block(ed)?\b/i.test(message)) return { kind: 'retryable', vendorCode: 'LOCKED' };
  if (/already exists/i.test(message)) return { kind: 'conflict', vendorCode: 'ALREADY_EXISTS', field: FIELD_MESSAGE.exec(message)?.[1] };
  if (/modified by another user|WW_MODSTAMP/i.test(message)) return { kind: 'conflict', vendorCode: 'MODSTAMP' };
  if (/pool (entry|busy)|timeout/i.test(message)) return { kind: 'retryable', vendorCode: 'POOL_BUSY' };
  if (/web service not published|pool alias does not exist|language code does not exist|operation not available|do not accept|only accept run|unknown key for/i.test(message)) return { kind: 'fatal', vendorCode: 'CONFIG' };
  const missing = KEY_MISSING.exec(message);
  if (missing && ['read', 'modify', 'delete', 'insertLines'].includes(operation)) return { kind: 'not_found', vendorCode: 'NOT_FOUND', field: missing[1] };
  const named = FIELD_MESSAGE.exec(message);
  if (named) return { kind: 'invalid_data', field: named[1], vendorCode: 'ERROR' };
  return { kind: 'invalid_data', vendorCode: 'ERROR' };
}

/** The error of a failed SOAP call (status 0). */
export function soapFailure(operation: string, publicName: string, messages: X3Message[], busy: boolean, recordKey?: string, values?: Record<string, unknown>): SyncError {
  const errors = messages.filter((m) => m.type === 3);
  const text = (errors.length ? errors : messages).map((m) => m.message).join('; ') || 'status 0 without a message';
  if (busy) return new SyncError('retryable', `Sage X3 ${publicName} ${operation}: the web service pool is busy (${text})`, { system: SYSTEM, vendorCode: 'POOL_BUSY', recordKey });
  const first = errors[0]?.message ?? text;
  const c = classifyMessage(first, operation);
  const value = c.field && values && c.field in values ? values[c.field] : undefined;
  return new SyncError(c.kind, `Sage X3 ${publicName} ${operation}: ${text}`, { system: SYSTEM, vendorCode: c.vendorCode, field: c.field, value, recordKey, rule: c.kind === 'invalid_data' ? first : undefined });
}

/** The error of an HTTP answer that carried no CAdxResultXml (SOAP) or a failure status (REST). */
export function httpFailure(status: number, headers: Headers, body: string, what: string, diagnoses: string[] = [], recordKey?: string): SyncError {
  const detail = diagnoses.length ? diagnoses.join('; ') : body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
  const message = `Sage X3 ${what}: HTTP ${status}${detail ? ` ${detail}` : ''}`;
  if (status === 401) return new SyncError('unauthorized', `${message}. The X3 user or password was refused: check the connection's user and password in Syracuse (Administration → Users).`, { system: SYSTEM, status, recordKey });
  if (status === 500 && /No Web services accepted/i.test(body)) {
    return new SyncError('retryable', `${message}: the web service pool is stopped or has no free child (Administration → Web services → Classic SOAP pools configuration).`, { system: SYSTEM, status, vendorCode: 'NO_WEB_SERVICES', recordKey });
  }
  const property = /Property '([^']+)' not found/i.exec(detail);
  if (status === 500 && property) return new SyncError('fatal', `${message} (the query names a property the X3 class does not have)`, { system: SYSTEM, status, field: property[1], vendorCode: 'UNKNOWN_PROPERTY', recordKey });
  if (status === 423) return new SyncError('retryable', message, { system: SYSTEM, status, vendorCode: 'LOCKED', recordKey });
  if ((status === 400 || status === 409) && diagnoses.length) {
    const c = classifyMessage(diagnoses[0], status === 409 ? 'modify' : 'save');
    return new SyncError(c.kind, message, { system: SYSTEM, status, field: c.field, vendorCode: c.vendorCode, recordKey });
  }
  const e = classifyStatus(status, headers, message, SYSTEM);
  return new SyncError(e.kind, e.message, { ...e.details, recordKey });
}

/** The messages of a REST `$diagnoses` body (top level or nested in a resource). */
export function diagnosesOf(json: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 3) return;
    const d = (v as { $diagnoses?: unknown }).$diagnoses;
    if (Array.isArray(d)) for (const x of d) if (x && typeof x === 'object' && typeof (x as { $message?: unknown }).$message === 'string') out.push((x as { $message: string }).$message);
    for (const child of Object.values(v as Record<string, unknown>)) if (child && typeof child === 'object') walk(child, depth + 1);
  };
  walk(json, 0);
  return out;
}
