/**
 * The only file that speaks HTTP to a TIMS bridge: bearer API key, JSON, the contract's cursor
 * paging, every request through the connection's gate (gatedRequest). Errors are classified by
 * errors.ts; nothing here retries, sleeps or counts.
 */
import type { CallGate } from '../../core/connector.js';
import { gatedRequest, type HttpRequest } from '../shared/http.js';
import { classifyBridgeError } from './errors.js';
import type { TimsSettings } from './settings.js';

/** A contract record (the bridge's JSON). */
export type BridgeRecord = Record<string, unknown>;

/** Options of one request. */
export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Sent as Idempotency-Key on creates. */
  idempotencyKey?: string;
  /** The record the call is about, named in errors. */
  recordKey?: string;
  signal?: AbortSignal;
}

/** A client of one bridge. */
export class TimsClient {
  private readonly base: string;

  constructor(
    private readonly settings: TimsSettings,
    private readonly gate: CallGate,
  ) {
    this.base = settings.baseUrl.replace(/\/+$/, '');
  }

  /** One call; the parsed JSON of a 2xx answer, else a classified SyncError. */
  async call<T = BridgeRecord>(method: HttpRequest['method'], path: string, options: CallOptions = {}): Promise<T> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.apiKey}` };
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey.slice(0, 200);
    // Metrics name the operation, not the record: /customers/C1001/locations → /customers/{id}/locations.
    const operation = `${method} ${path.split('/').map((s, i) => (i > 0 && i % 2 === 0 ? '{id}' : s)).join('/')}`;
    const res = await gatedRequest(this.gate, operation, { method, url: url.toString(), headers, json: options.body, timeoutMs: this.settings.timeoutMs, signal: options.signal });
    if (res.status < 200 || res.status >= 300) throw classifyBridgeError(res, `${method} ${path}`, options.recordKey);
    return res.json as T;
  }

  /** A GET that answers null for 404. */
  async find<T = BridgeRecord>(path: string, options: CallOptions = {}): Promise<T | null> {
    try {
      return await this.call<T>('GET', path, options);
    } catch (err) {
      if ((err as { kind?: string }).kind === 'not_found') return null;
      throw err;
    }
  }

  /** Every record of a list, page after page (cursor passed back unchanged with the same filters). */
  async *list(path: string, query: Record<string, string | number | undefined> = {}, signal?: AbortSignal): AsyncGenerator<BridgeRecord> {
    let cursor: string | undefined;
    do {
      const page = await this.call<{ data: BridgeRecord[]; nextCursor: string | null }>('GET', path, { query: { ...query, limit: this.settings.pageSize, cursor }, signal });
      yield* page.data;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Every record of an unpaged list (`{data: [...]}`). */
  async all(path: string): Promise<BridgeRecord[]> {
    return (await this.call<{ data: BridgeRecord[] }>('GET', path)).data;
  }
}
