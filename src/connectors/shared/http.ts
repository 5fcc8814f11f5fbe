/**
 * The one HTTP client every REST connector uses: timeouts, JSON bodies, and the generic mapping of
 * transport failures and status codes to the error taxonomy. Vendor-specific error bodies are
 * classified by each connector's errors.ts on top of this.
 */
import { request, type Dispatcher } from 'undici';
import type { CallGate } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  /** A JSON-serialisable body (sent as application/json) or a string/Buffer sent as is. */
  json?: unknown;
  body?: string | Buffer;
  /** Abort after this many ms (default 30 s); a timeout is retryable. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

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

/** Sends one request, ungated: only for the gate's own users (`gatedRequest`) and emulator-side tools. Throws SyncError('retryable') on network failure or timeout; never throws for an HTTP status. */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | Buffer | undefined = req.body;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] ??= 'application/json';
  }
  const timeoutMs = req.timeoutMs ?? 30_000;
  let res: Dispatcher.ResponseData;
  try {
    // undici's request, not fetch: the same client without the WHATWG stream layers, a visible share
    // of the hot path; its header and body timeouts replace a timer per request.
    res = await request(req.url, { method: req.method, headers, body, signal: req.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    throw new SyncError('retryable', `${req.method} ${redactUrl(req.url)} failed: ${failureReason(err)}`, {}, { cause: err });
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

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
    else if (v !== undefined) h.set(k, v);
  }
  return h;
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
