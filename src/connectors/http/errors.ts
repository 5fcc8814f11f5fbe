/**
 * Error answers of an arbitrary JSON API → the taxonomy. The status decides the class (classifyStatus);
 * the body's common fields (`message`, `error`, `code`, `field`, `errors[].field`) name the message,
 * vendor code and field at fault.
 */
import { SyncError } from '../../core/errors.js';
import { classifyStatus, type HttpResponse } from '../shared/http.js';

/** What common error bodies say, as far as they say it. */
export interface ErrorBodyFacts {
  message?: string;
  field?: string;
  code?: string;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Reads message, field and code from the usual error body shapes (`{message}`, `{error}`, `{error:{…}}`, `{errors:[{field,message}]}`). */
export function readErrorBody(body: unknown): ErrorBodyFacts {
  const b = obj(body);
  if (!b) return {};
  const nested = obj(b.error);
  const list = Array.isArray(b.errors) ? b.errors : Array.isArray(nested?.errors) ? (nested.errors as unknown[]) : [];
  const first = obj(list[0]);
  const errorText = text(b.error);
  const message = text(b.message) ?? text(nested?.message) ?? text(first?.message) ?? text(b.detail) ?? text(b.title) ?? errorText;
  const field = text(b.field) ?? text(nested?.field) ?? text(first?.field) ?? text(first?.path) ?? text(first?.param);
  // A bare `error: "validation_failed"` is a code (and the only message when nothing else is said); prose is not.
  const code = text(b.code) ?? text(nested?.code) ?? text(first?.code) ?? (errorText && /^[A-Za-z0-9_.:-]+$/.test(errorText) ? errorText : undefined);
  return { message, field, code };
}

/** Classifies a non-2xx answer; `what` names the call for the message (`POST /customers`). */
export function classifyHttpError(res: HttpResponse, what: string): SyncError {
  const facts = readErrorBody(res.json);
  const detail = facts.message ?? (res.text ? res.text.slice(0, 200) : '');
  const message = `${what} → ${res.status}${detail ? `: ${detail}` : ''}`;
  // This connector's credentials are static (bearer, header, basic): a 401 is the credential refused,
  // which no retry or refresh can fix.
  const base = res.status === 401 ? new SyncError('unauthorized', message, { status: 401, system: 'http' }) : classifyStatus(res.status, res.headers, message, 'http');
  const details = { ...base.details };
  if (facts.field) details.field = facts.field;
  if (facts.code) details.vendorCode = facts.code;
  return new SyncError(base.kind, message, details);
}
