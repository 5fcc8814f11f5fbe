/**
 * Clarity (CEF on ServiceStack) failures → the error taxonomy. Two shapes exist: a mutation or
 * workflow route answers HTTP 200 with `CEFActionResponse { ActionSucceeded: false, Messages }` for a
 * business failure, and validation, auth and routing failures answer a ServiceStack
 * `{ ResponseStatus: { ErrorCode, Message, Errors: [{ ErrorCode, FieldName, Message }] } }`.
 */
import { SyncError } from '../../core/errors.js';
import { classifyStatus, type HttpResponse } from '../shared/http.js';

const SYSTEM = 'clarity';

/** ServiceStack's error body. */
export interface ResponseStatus {
  ErrorCode?: string;
  Message?: string;
  Errors?: Array<{ ErrorCode?: string; FieldName?: string; Message?: string }>;
}

/** CEF's answer to a mutation or workflow call. */
export interface CefActionResponse<T = unknown> {
  ActionSucceeded: boolean;
  Messages?: string[];
  Result?: T;
}

/** What a failure is about, for the message and the dead letter. */
export interface FailureContext {
  /** `POST Accounts/Account/Upsert`. */
  operation: string;
  /** The record's key (CustomKey, ID, email), when known. */
  recordKey?: string;
  /** Field names of the entity, so a message that names one is attributed to it. */
  fields?: readonly string[];
}

/** True for a CEFActionResponse body. */
export function isActionResponse(v: unknown): v is CefActionResponse {
  return v !== null && typeof v === 'object' && typeof (v as CefActionResponse).ActionSucceeded === 'boolean';
}

/**
 * `ActionSucceeded: false` on HTTP 200: a refused business rule, never a success. Its Messages become
 * the error; a message naming a field of the entity names the field. "already exists" is a conflict,
 * "not found" a missing record; anything else is invalid data (dead-lettered for a person to fix).
 */
export function actionFailure(body: CefActionResponse, ctx: FailureContext): SyncError {
  const messages = (body.Messages ?? []).filter((m) => typeof m === 'string' && m.trim());
  const text = messages.join('; ') || 'the action did not succeed and gave no message';
  const message = `Clarity refused ${ctx.operation}${ctx.recordKey ? ` for ${ctx.recordKey}` : ''}: ${text}`;
  const field = fieldNamed(text, ctx.fields);
  const details = { system: SYSTEM, vendorCode: 'ActionSucceeded=false', recordKey: ctx.recordKey, ...(field ? { field } : {}) };
  if (/already exists/i.test(text)) return new SyncError('conflict', message, details);
  if (/not found|does not exist/i.test(text)) return new SyncError('not_found', message, details);
  return new SyncError('invalid_data', message, details);
}

/** An HTTP failure (status ≥ 400) classified by its ResponseStatus. */
export function httpFailure(res: HttpResponse, ctx: FailureContext & { afterRelogin?: boolean; basic?: boolean }): SyncError {
  const rs = (res.json as { ResponseStatus?: ResponseStatus } | undefined)?.ResponseStatus;
  const fieldErrors = (rs?.Errors ?? []).filter((e) => e.FieldName);
  const detail = fieldErrors.length ? fieldErrors.map((e) => `${e.FieldName}: ${e.Message ?? e.ErrorCode}`).join('; ') : (rs?.Message ?? (res.text.slice(0, 200) || `HTTP ${res.status}`));
  const message = `Clarity ${ctx.operation} answered ${res.status}${ctx.recordKey ? ` for ${ctx.recordKey}` : ''}: ${detail}`;
  const base = { system: SYSTEM, status: res.status, vendorCode: rs?.ErrorCode, recordKey: ctx.recordKey };
  if (res.status === 401) {
    // A session expires and is renewed once; a refusal after a fresh login, or of Basic credentials, is the credential itself.
    if (ctx.afterRelogin || ctx.basic) return new SyncError('unauthorized', `${message}. Check the API user and password in the connection settings.`, base);
    return new SyncError('auth_expired', message, base);
  }
  if (res.status === 403) return new SyncError('unauthorized', `${message}. Grant the API user's role this permission in the Clarity admin (Users → Roles).`, base);
  if (res.status === 400 || res.status === 422) {
    const field = fieldErrors[0]?.FieldName ?? fieldNamed(detail, ctx.fields);
    return new SyncError('invalid_data', message, { ...base, ...(field ? { field } : {}), rule: fieldErrors[0]?.ErrorCode });
  }
  return classifyStatus(res.status, res.headers, message, SYSTEM);
}

/** The first entity field named as a word in `text` (longest names first, so `PriceBase` beats `Price`). */
export function fieldNamed(text: string, fields: readonly string[] = []): string | undefined {
  const sorted = [...fields].sort((a, b) => b.length - a.length);
  return sorted.find((f) => new RegExp(`(^|[^A-Za-z0-9_])'?${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'?([^A-Za-z0-9_]|$)`).test(text));
}
