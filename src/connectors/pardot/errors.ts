/**
 * Pardot v5 error codes → the error taxonomy. The meaning is in the body's `code`; the HTTP status
 * is coarse (and undocumented for 66 and 122), so classification keys on the code first and falls
 * back to the shared status mapping.
 */
import { SyncError, type SyncErrorDetails } from '../../core/errors.js';
import { classifyStatus } from '../shared/http.js';

const SYSTEM = 'pardot';

/** Wait after code 66 (more than 5 requests in flight): the others finish within seconds. */
export const CONCURRENCY_RETRY_MS = 2_000;
/** Wait after code 202 (minute rate limit). */
export const MINUTE_LIMIT_RETRY_MS = 60_000;

/** A Pardot v5 error body. */
export interface PardotErrorBody {
  code: number;
  message: string;
}

/** True when a parsed body is the v5 error envelope. */
export function isPardotError(body: unknown): body is PardotErrorBody {
  const b = body as PardotErrorBody | null;
  return !!b && typeof b === 'object' && typeof b.code === 'number' && typeof b.message === 'string';
}

/** What classification needs besides the answer. */
export interface ClassifyContext {
  /** The account's IANA time zone, for the daily-limit reset. */
  timeZone: string;
  now: number;
  /** What was being done, for the message (`GET /objects/prospects`). */
  operation: string;
  /** The record's key, when one record is at stake. */
  recordKey?: string;
}

/** Classifies a non-2xx answer. */
export function classifyPardotError(status: number, body: unknown, headers: Headers, ctx: ClassifyContext): SyncError {
  if (!isPardotError(body)) {
    return classifyStatus(status, headers, `Pardot ${ctx.operation} answered HTTP ${status}`, SYSTEM);
  }
  const { code, message } = body;
  const base: SyncErrorDetails = { system: SYSTEM, vendorCode: String(code), status, recordKey: ctx.recordKey };
  const msg = (hint?: string) => `Pardot ${ctx.operation}: ${message} (code ${code})${hint ? `: ${hint}` : ''}`;
  switch (code) {
    case 66:
      return new SyncError('rate_limited', msg('more than 5 requests were in flight for this business unit'), { ...base, retryAfterMs: CONCURRENCY_RETRY_MS });
    case 122: {
      const resetAt = nextMidnight(ctx.now, ctx.timeZone);
      return new SyncError('rate_limited', msg(`the daily API budget is spent; work resumes after midnight ${ctx.timeZone}`), { ...base, resetAt, retryAfterMs: resetAt - ctx.now });
    }
    case 202:
      return new SyncError('rate_limited', msg(), { ...base, retryAfterMs: MINUTE_LIMIT_RETRY_MS });
    case 164: {
      const resetAt = nextMidnight(ctx.now, ctx.timeZone);
      return new SyncError('rate_limited', msg('the daily import batch limit is reached'), { ...base, resetAt, retryAfterMs: resetAt - ctx.now });
    }
    case 184:
      return new SyncError('auth_expired', msg('the Salesforce access token was refused; check the connected app has the pardot_api scope and the user is synced to Account Engagement'), base);
    case 181:
    case 182:
      return new SyncError('fatal', msg('check the businessUnitId setting'), base);
    case 201:
      return new SyncError('fatal', msg('check businessUnitId and that environment matches the business unit (demo, developer and sandbox units use pi.demo.pardot.com)'), base);
    case 109:
    case 192:
      return new SyncError('not_found', msg(), base);
    case 58:
      return new SyncError('conflict', msg(), base);
    case 9:
      // A business unit without AMPSEA refuses a second prospect with the same email.
      return new SyncError('conflict', msg('a prospect with this email exists and the business unit does not allow several per email: upsert on email instead'), { ...base, field: 'email' });
    case 183:
    case 214:
    case 210:
      return new SyncError('retryable', msg(), base);
    case 13:
    case 60:
    case 209:
    case 211:
      return new SyncError('fatal', msg('the request was malformed; this is a connector bug, please report it'), base);
    case 155:
    case 156:
    case 160:
    case 161:
      return new SyncError('fatal', msg(), base);
  }
  if (code === 224 && ctx.operation.startsWith('GET ')) {
    return new SyncError('fatal', msg("a requested field or parameter does not exist in Pardot: check the flow's field list and the custom fields"), base);
  }
  if (code === 224 && /request type: /.test(message) && !/parameter/.test(message)) {
    const field = message.split('request type: ')[1]?.split(/[ ,]/)[0];
    return new SyncError('invalid_data', msg('the field does not exist in Pardot (create the custom field or fix the mapping)'), { ...base, field, rule: 'known field' });
  }
  if ([130, 150, 151, 152, 153, 154, 159, 180, 219, 224].includes(code)) {
    return new SyncError('invalid_data', msg(), { ...base, field: fieldOf(message), rule: ruleOf(message) });
  }
  const generic = classifyStatus(status, headers, msg(), SYSTEM);
  return new SyncError(generic.kind, generic.message, { ...generic.details, ...base });
}

/** The property named in messages such as `Invalid property value: email (...)` or `... missing: email`. */
function fieldOf(message: string): string | undefined {
  const m = /(?:property value|property is missing|is missing|not writable[^"]*|field)\W*[: "]\s*"?([A-Za-z_][A-Za-z0-9_]*)/i.exec(message);
  return m?.[1];
}

function ruleOf(message: string): string | undefined {
  const m = /\(([^)]+)\)\s*$/.exec(message);
  return m?.[1];
}

/**
 * Epoch ms of the next midnight in `timeZone`. Assumption (undocumented by Salesforce): the daily
 * API budget resets at the start of the account's day, in the time zone set in the account.
 */
export function nextMidnight(now: number, timeZone: string): number {
  const parts = localParts(now, timeZone);
  // Midnight of the next local day, first guessed as UTC, then corrected by the zone's offset then.
  let guess = Date.UTC(parts.year, parts.month - 1, parts.day + 1);
  for (let i = 0; i < 2; i++) guess = Date.UTC(parts.year, parts.month - 1, parts.day + 1) - offsetMs(guess, timeZone);
  return guess;
}

function localParts(t: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute, second: +p.second };
}

/** The zone's offset from UTC at instant `t`, in ms. */
function offsetMs(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}
