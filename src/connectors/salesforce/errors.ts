/**
 * Salesforce error codes → the error taxonomy. One table serves REST error arrays, Collections
 * per-item errors (`statusCode`), Composite subresponses and Bulk result rows (`CODE:message --`).
 */
import { SyncError, type ErrorKind } from '../../core/errors.js';
import { classifyStatus, retryAfterMs } from '../shared/http.js';

/** One Salesforce error as the REST API or a Collections item reports it. */
export interface SalesforceApiError {
  message: string;
  /** REST form. */
  errorCode?: string;
  /** Collections item form. */
  statusCode?: string;
  fields?: string[];
}

const KIND_BY_CODE: Record<string, ErrorKind> = {
  REQUEST_LIMIT_EXCEEDED: 'rate_limited',
  TXN_SECURITY_METERING_ERROR: 'rate_limited',
  INVALID_SESSION_ID: 'auth_expired',
  REQUIRED_FIELD_MISSING: 'invalid_data',
  STRING_TOO_LONG: 'invalid_data',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'invalid_data',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'invalid_data',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'invalid_data',
  MALFORMED_ID: 'invalid_data',
  INVALID_EMAIL_ADDRESS: 'invalid_data',
  INVALID_CROSS_REFERENCE_KEY: 'invalid_data',
  FIELD_INTEGRITY_EXCEPTION: 'invalid_data',
  JSON_PARSER_ERROR: 'invalid_data',
  NUMBER_OUTSIDE_VALID_RANGE: 'invalid_data',
  INVALID_TYPE_ON_FIELD_IN_RECORD: 'invalid_data',
  MISSING_ARGUMENT: 'invalid_data',
  CANNOT_UPDATE_CONVERTED_LEAD: 'invalid_data',
  INVALID_FIELD: 'fatal',
  INVALID_TYPE: 'fatal',
  MALFORMED_QUERY: 'fatal',
  INVALID_QUERY_FILTER_OPERATOR: 'fatal',
  INSUFFICIENT_ACCESS_OR_READONLY: 'fatal',
  INSUFFICIENT_ACCESS: 'fatal',
  API_DISABLED_FOR_ORG: 'fatal',
  NOT_FOUND: 'not_found',
  ENTITY_IS_DELETED: 'not_found',
  DUPLICATE_VALUE: 'conflict',
  DUPLICATE_EXTERNAL_ID: 'conflict',
  DUPLICATES_DETECTED: 'conflict',
  MULTIPLE_CHOICES: 'conflict',
  UNABLE_TO_LOCK_ROW: 'retryable',
  SERVER_UNAVAILABLE: 'retryable',
  ALL_OR_NONE_OPERATION_ROLLED_BACK: 'retryable',
  PROCESSING_HALTED: 'retryable',
  INVALID_QUERY_LOCATOR: 'retryable',
  UNKNOWN_EXCEPTION: 'retryable',
};

/** What the user should do, by code, appended to the message so a dead letter explains itself. */
const ADVICE: Record<string, string> = {
  REQUEST_LIMIT_EXCEEDED: 'the org has used its API allocation; work resumes when the rolling 24-hour budget frees up',
  INVALID_FIELD: 'a field name in the flow does not exist on this object or is not visible to the integration user',
  INVALID_TYPE: 'the object does not exist or is not visible to the integration user',
  INSUFFICIENT_ACCESS_OR_READONLY: "give the integration user's profile or permission set access to this object and field",
  DUPLICATE_VALUE: 'another record already holds this unique value',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'a validation rule in the org refused the record',
};

const RETRY_DAILY_LIMIT_MS = 15 * 60_000;

/** The kind for a Salesforce error code, or undefined when the code is unknown. */
export function kindOfCode(code: string | undefined): ErrorKind | undefined {
  return code ? KIND_BY_CODE[code] : undefined;
}

/** Builds the SyncError for one Salesforce error (REST, Collections item, Composite subresponse). */
export function fromApiError(err: SalesforceApiError, status: number | undefined, context: { recordKey?: string; headers?: Headers } = {}): SyncError {
  const code = err.errorCode ?? err.statusCode ?? 'UNKNOWN';
  let kind = kindOfCode(code) ?? (status !== undefined && status >= 500 ? 'retryable' : status === 400 ? 'invalid_data' : 'retryable');
  if (code === 'NOT_FOUND' && /external ID field does not exist/i.test(err.message)) kind = 'fatal';
  const field = err.fields && err.fields.length > 0 ? err.fields[0] : undefined;
  const advice = ADVICE[code];
  const message = `Salesforce ${code}: ${err.message.trim()}${advice ? ` (${advice})` : ''}`;
  const details: ConstructorParameters<typeof SyncError>[2] = { system: 'salesforce', vendorCode: code, status, field, recordKey: context.recordKey };
  if (kind === 'rate_limited') {
    // Concurrent-request limits clear in seconds; the daily allocation needs minutes to free up.
    details.retryAfterMs = (context.headers && retryAfterMs(context.headers)) ?? (/ConcurrentPerOrg/i.test(err.message) ? 5_000 : RETRY_DAILY_LIMIT_MS);
  }
  return new SyncError(kind, message, details);
}

/** Classifies a non-success HTTP answer from the REST or Bulk API. */
export function classifyResponse(status: number, headers: Headers, body: unknown, text: string, what: string): SyncError {
  if (Array.isArray(body) && body.length > 0 && typeof body[0] === 'object' && body[0] !== null && ('errorCode' in body[0] || 'statusCode' in body[0])) {
    const first = body[0] as SalesforceApiError;
    const err = fromApiError(first, status, { headers });
    if (body.length > 1) return new SyncError(err.kind, `${err.message} (and ${body.length - 1} more: ${(body as SalesforceApiError[]).slice(1).map((e) => e.errorCode ?? e.statusCode).join(', ')})`, err.details);
    return err;
  }
  if (status === 300) return new SyncError('conflict', `Salesforce ${what}: several records match the external id (${Array.isArray(body) ? body.length : '?'} matches)`, { system: 'salesforce', status, vendorCode: 'MULTIPLE_CHOICES' });
  return classifyStatus(status, headers, `Salesforce ${what} answered ${status}: ${text.slice(0, 300)}`, 'salesforce');
}

/** Parses a Bulk result row's `sf__Error` (`CODE:message --` or `CODE:message:Field --`). */
export function fromBulkError(raw: string, recordKey?: string): SyncError {
  const trimmed = raw.replace(/\s*--\s*$/, '');
  const m = /^([A-Z_]+):(.*)$/s.exec(trimmed);
  if (!m) return new SyncError('invalid_data', `Salesforce Bulk: ${trimmed}`, { system: 'salesforce', recordKey });
  const code = m[1];
  let message = m[2];
  let fields: string[] = [];
  const tail = /:([A-Za-z0-9_,]+)$/.exec(message);
  if (tail && !/\s/.test(tail[1])) {
    fields = tail[1].split(',');
    message = message.slice(0, -tail[0].length);
  }
  if (code === 'INVALID_FIELD' && /Failed to deserialize field/.test(message)) {
    const f = /:([A-Za-z0-9_]+)$/.exec(trimmed)?.[1];
    return new SyncError('invalid_data', `Salesforce INVALID_FIELD: ${message}`, { system: 'salesforce', vendorCode: code, field: f ?? fields[0], recordKey });
  }
  return fromApiError({ errorCode: code, message, fields }, undefined, { recordKey });
}
