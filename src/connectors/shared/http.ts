/**
 * The one HTTP client every REST connector uses: timeouts, JSON bodies, and the generic mapping of
 * transport failures and status codes to the error taxonomy. Vendor-specific error bodies are
 * classified by each connector's errors.ts on top of this.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { CallGate } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  /** A JSON-serialisable body (sent as application/json). */
  json?: unknown;
  /** A body sent as is; text parts are sent one after another, never joined into one copy. */
  body?: RequestBody;
  /** Abort after this many ms (default 30 s); a timeout is retryable. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A request body. Text parts (the header and 50,000 lines of a bulk upload CSV) are sent in order as
 * they are: joining them first would hold the upload twice more while it is sent, once as one string
 * and once as its bytes (issue 20).
 */
export type RequestBody = string | Buffer | readonly string[];

/** Characters (about bytes, for CSV text) per write when a body is sent from parts: enough lines per write that the writes stay few. */
const PART_CHUNK_BYTES = 64 * 1024;

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

/**
 * Sends one request through the connection's gate: every request acquires a slot of the connection's
 * limiter (concurrency, per second, daily budget) for exactly as long as it is in flight. This is how
 * every connector's calls are limited; a connector never throttles or counts by itself.
 */
export async function gatedRequest(gate: CallGate, operation: string, req: HttpRequest): Promise<HttpResponse> {
  const release = await gate.acquire(operation, req.signal);
  try {
    return await httpRequest(req);
  } finally {
    release();
  }
}

/** Longest URL sent: servers refuse longer request lines (414/431), so a longer one could never succeed. */
export const MAX_URL_LENGTH = 8192;
/** Longest header value sent (servers cap all headers together at 8–16 KB). */
export const MAX_HEADER_VALUE_LENGTH = 4096;
/** A header value every server reads the same way: printable ASCII, spaces and tabs. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** A URL the HTTP client can put on the request line (no spaces or controls; the rest percent-encoded by the caller). */
const URL_TEXT = /^[\x21-\x7e\x80-\xff]*$/;

/**
 * A header value built from record data (an idempotency key holding a source id), made safe to
 * send: kept when it is short printable ASCII, else replaced by `sha256:<hex>` of its UTF-8, which is
 * stable, so a retry sends the same value and the target still recognises it.
 */
export function dataHeaderValue(value: string): string {
  if (value.length <= 200 && HEADER_VALUE.test(value)) return value;
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

/**
 * Refuses a request that can never be sent (a header holding NUL, CR/LF, U+FFFD or any non-ASCII,
 * an oversized header or URL): it is the record's data at fault, so it is invalid_data, dead-lettered
 * at once with the reason, instead of failing locally and being retried as if the network had.
 */
function assertSendable(method: string, url: string, headers: Record<string, string>): void {
  const refuse = (field: string, rule: string, value: string) =>
    new SyncError('invalid_data', `${method} ${redactUrl(url.slice(0, 200))}: ${field} ${rule}; the request can never be sent`, { field, rule, value: value.length > 80 ? `${value.slice(0, 80)}…` : value });
  if (url.length > MAX_URL_LENGTH) throw refuse('url', `is ${url.length} characters (at most ${MAX_URL_LENGTH})`, url);
  if (!URL_TEXT.test(url)) throw refuse('url', 'holds spaces, control characters or unencoded characters beyond U+00FF', url);
  for (const [name, value] of Object.entries(headers)) {
    if (value.length > MAX_HEADER_VALUE_LENGTH) throw refuse(`header ${name}`, `is ${value.length} characters (at most ${MAX_HEADER_VALUE_LENGTH})`, value);
    if (!HEADER_VALUE.test(value)) throw refuse(`header ${name}`, 'holds characters a header cannot carry (only printable ASCII)', value);
  }
}

/** Sends one request, ungated: only for the gate's own users (`gatedRequest`), long polls that spend no API budget (CometD /meta/connect, decision 0010) and emulator-side tools. Throws SyncError('retryable') on network failure or timeout, SyncError('invalid_data') for a request that can never be sent; never throws for an HTTP status. */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  assertSendable(req.method, req.url, headers);
  let body: string | Buffer | undefined;
  let parts: readonly string[] | undefined;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] ??= 'application/json';
  } else if (req.body === undefined || typeof req.body === 'string' || Buffer.isBuffer(req.body)) {
    body = req.body;
  } else {
    parts = req.body;
    // Sent with its length, not chunked: every server (and every vendor's proxy) takes that.
    headers['content-length'] = String(parts.reduce((n, p) => n + Buffer.byteLength(p), 0));
  }
  const timeoutMs = req.timeoutMs ?? 30_000;
  let res: Dispatcher.ResponseData;
  for (let attempt = 0; ; attempt++) {
    try {
      // undici's request, not fetch: the same client without the WHATWG stream layers, a visible share
      // of the hot path; its header and body timeouts replace a timer per request.
      res = await request(req.url, { method: req.method, headers, body: parts ? Readable.from(partChunks(parts), { objectMode: false }) : body, signal: req.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      break;
    } catch (err) {
      // A kept-alive connection the server closed while idle fails the next request on it before any
      // answer. A read is sent again once on a new connection; a write is not (it may have landed).
      if (attempt === 0 && (req.method === 'GET' || req.method === 'HEAD') && staleConnection(err) && !req.signal?.aborted) continue;
      throw new SyncError('retryable', `${req.method} ${redactUrl(req.url)} failed: ${failureReason(err)}`, {}, { cause: err });
    }
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw new SyncError('retryable', `${req.method} ${redactUrl(req.url)}: connection dropped while reading the body (${failureReason(err)})`, { status: res.statusCode }, { cause: err });
  }
  let json: unknown;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.statusCode, headers: toHeaders(res.headers), text, json };
}

/** The parts as buffers of about PART_CHUNK_BYTES each (consecutive parts joined, a long one alone). */
function* partChunks(parts: readonly string[]): Generator<Buffer> {
  let group: string[] = [];
  let length = 0;
  for (const part of parts) {
    group.push(part);
    length += part.length;
    if (length >= PART_CHUNK_BYTES) {
      yield Buffer.from(group.join(''));
      group = [];
      length = 0;
    }
  }
  if (group.length) yield Buffer.from(group.join(''));
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
    else if (v !== undefined) h.set(k, v);
  }
  return h;
}

/** A request that failed because its connection was closed or reset under it (no answer came). */
function staleConnection(err: unknown): boolean {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

function failureReason(err: unknown): string {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.name === 'TimeoutError') return 'timed out';
  if (e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED') return 'aborted';
  return e.code ?? e.cause?.code ?? e.message;
}

/** Milliseconds to wait from a Retry-After header (seconds or HTTP date), or undefined. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const v = headers.get('retry-after');
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The generic class of an HTTP status when the vendor's body says nothing more specific. */
export function classifyStatus(status: number, headers: Headers, message: string, system: string): SyncError {
  if (status === 429) return new SyncError('rate_limited', message, { status, system, retryAfterMs: retryAfterMs(headers) ?? 60_000 });
  if (status === 401) return new SyncError('auth_expired', message, { status, system });
  if (status === 404) return new SyncError('not_found', message, { status, system });
  if (status === 409 || status === 412) return new SyncError('conflict', message, { status, system });
  if (status === 400 || status === 413 || status === 422) return new SyncError('invalid_data', message, { status, system });
  if (status === 403) return new SyncError('fatal', message, { status, system });
  return new SyncError('retryable', message, { status, system, retryAfterMs: retryAfterMs(headers) });
}

/** Hides query-string secrets (tokens, passwords) before a URL reaches a log or an error. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_token|token|password|client_secret|api_key)=)[^&]*/gi, '$1***');
}
