/**
 * The only file of this connector that speaks HTTP, through the shared client: it adds auth and
 * default headers, counts calls, and turns error answers into SyncErrors.
 */
import { SyncError } from '../../core/errors.js';
import type { CallGate } from '../../core/connector.js';
import { gatedRequest, type HttpRequest, type HttpResponse } from '../shared/http.js';
import { authHeaders } from './auth.js';
import { classifyHttpError } from './errors.js';
import { buildUrl } from './paths.js';
import type { HttpSettings } from './settings.js';

/** One call as the connector describes it. */
export interface ApiCall {
  method: HttpRequest['method'];
  /** A path below the base URL (already filled) or an absolute URL on the same origin (next links). */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Operation name for call counting (`list`, `create`). */
  operation: string;
  /** Error statuses the caller handles itself (404 on get or delete). */
  accept?: readonly number[];
}

/** Talks to one configured API. */
export class HttpApiClient {
  private readonly headers: Record<string, string>;
  private readonly origin: string;

  constructor(
    private readonly settings: HttpSettings,
    private readonly gate: CallGate,
  ) {
    this.headers = { ...lowerKeys(settings.headers ?? {}), ...authHeaders(settings.auth) };
    this.origin = new URL(settings.baseUrl).origin;
  }

  /** The absolute URL of a call; absolute URLs must stay on the configured origin so credentials never leave it. */
  url(path: string, query?: ApiCall['query']): string {
    if (/^https?:\/\//i.test(path)) {
      const url = new URL(path);
      if (url.origin !== this.origin) {
        throw new SyncError('fatal', `refusing to follow ${url.origin}: not the configured origin ${this.origin}`, { system: 'http' });
      }
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      return url.toString();
    }
    return buildUrl(this.settings.baseUrl, path, query);
  }

  /** Sends a call and returns the answer whatever its status (transport failures still throw). */
  async raw(call: ApiCall): Promise<HttpResponse & { url: string }> {
    const url = this.url(call.path, call.query);
    const res = await gatedRequest(this.gate, call.operation, {
      method: call.method,
      url,
      headers: { ...this.headers, ...call.headers },
      json: call.json,
      timeoutMs: this.settings.timeoutMs,
      signal: call.signal,
    });
    return { ...res, url };
  }

  /** Sends a call; throws a classified SyncError for any status of 400 or above not in `accept`. */
  async send(call: ApiCall): Promise<HttpResponse & { url: string }> {
    const res = await this.raw(call);
    if (res.status >= 400 && !call.accept?.includes(res.status)) throw classifyHttpError(res, `${call.method} ${new URL(res.url).pathname}`);
    return res;
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
