/**
 * The only file that speaks HTTP to Pardot v5. Every call carries `Authorization: Bearer` and
 * `Pardot-Business-Unit-Id`; reads always send `fields`; paging follows `nextPageToken` (sent alone
 * with `fields`, as the API requires). A 184 (token invalid or expired) refreshes the token once
 * and retries; everything else is classified by errors.ts and thrown. Concurrency (5 per business
 * unit) and the daily budget are declared in rateLimits and enforced by the engine, not here.
 */
import { SyncError } from '../../core/errors.js';
import type { CallGate, UsageReport } from '../../core/connector.js';
import { gatedRequest, type HttpResponse, type RequestBody } from '../shared/http.js';
import type { AccessTokenProvider } from './auth.js';
import { classifyPardotError, isPardotError } from './errors.js';

/** Query-string values; undefined entries are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One call to the API. */
export interface PardotCall {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the origin, e.g. `/api/v5/objects/prospects`. */
  path: string;
  query?: Query;
  /** JSON body. */
  json?: unknown;
  /** Raw body with its content type (multipart imports, as text parts). */
  body?: { data: RequestBody; contentType: string };
  /** The record at stake, for error details. */
  recordKey?: string;
  signal?: AbortSignal;
}

/** A page of a collection query. */
export interface PardotPage<T> {
  values: T[];
  nextPageToken: string | null;
}

/** What the client is given. */
export interface PardotClientDeps {
  tokens: AccessTokenProvider;
  /** The connection's limiter, acquired for every call (operation names like `GET prospects`). */
  gate: CallGate;
  /** Receives the daily usage Pardot reports in `x-api-usage` (asked for with `X-Return-Api-Usage`). */
  reportUsage?: (usage: UsageReport) => void;
  now?: () => number;
}

/** Connection facts the client needs. */
export interface PardotClientOptions {
  /** API origin (pi.pardot.com, pi.demo.pardot.com or the emulator). */
  baseUrl: string;
  businessUnitId: string;
  /** For the daily-limit reset time. */
  timeZone: string;
  /** Per-call timeout in ms (default 60 s). */
  timeoutMs?: number;
}

/** A thin Pardot v5 client over the shared HTTP client. */
export class PardotClient {
  private readonly now: () => number;

  constructor(
    private readonly opts: PardotClientOptions,
    private readonly deps: PardotClientDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Sends one call, refreshing the token once on 184. Returns the 2xx answer; throws SyncError otherwise. */
  async call(c: PardotCall): Promise<HttpResponse> {
    const first = await this.deps.tokens.get();
    let res = await this.send(c, first.accessToken);
    if (res.status === 401 && isPardotError(res.json) && res.json.code === 184) {
      // Another call may already have refreshed; only mint a new token if ours is still current.
      const current = await this.deps.tokens.get();
      const token = current.accessToken === first.accessToken ? (await this.deps.tokens.refresh()).accessToken : current.accessToken;
      res = await this.send(c, token);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw classifyPardotError(res.status, res.json, res.headers, {
      timeZone: this.opts.timeZone,
      now: this.now(),
      operation: `${c.method} ${c.path}`,
      recordKey: c.recordKey,
    });
  }

  /** GET of one record or resource with the required `fields`; null on not found. */
  async read<T>(path: string, fields: readonly string[], query: Query = {}): Promise<T | null> {
    try {
      const res = await this.call({ method: 'GET', path, query: { ...query, fields: fields.join(',') } });
      return res.json as T;
    } catch (err) {
      if (err instanceof SyncError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  /** One page of a collection query: the first (with `query`) or the next (with only the token and `fields`). */
  async page<T>(path: string, fields: readonly string[], queryOrToken: Query | { nextPageToken: string }, signal?: AbortSignal): Promise<PardotPage<T>> {
    const query = 'nextPageToken' in queryOrToken && typeof queryOrToken.nextPageToken === 'string' ? { nextPageToken: queryOrToken.nextPageToken } : (queryOrToken as Query);
    const res = await this.call({ method: 'GET', path, query: { fields: fields.join(','), ...query }, signal });
    const body = res.json as { values?: T[]; nextPageToken?: string | null } | undefined;
    if (!body || !Array.isArray(body.values)) throw new SyncError('retryable', `Pardot GET ${path}: the answer had no values array`, { system: 'pardot', status: res.status });
    return { values: body.values, nextPageToken: body.nextPageToken ?? null };
  }

  /** Every record of a query, following nextPageToken until it is null. */
  async *all<T>(path: string, fields: readonly string[], query: Query, signal?: AbortSignal): AsyncGenerator<T> {
    let page = await this.page<T>(path, fields, query, signal);
    for (;;) {
      yield* page.values;
      if (!page.nextPageToken) return;
      page = await this.page<T>(path, fields, { nextPageToken: page.nextPageToken }, signal);
    }
  }

  private async send(c: PardotCall, accessToken: string): Promise<HttpResponse> {
    const url = new URL(c.path, `${this.opts.baseUrl}/`);
    for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      authorization: `Bearer ${accessToken}`,
      'pardot-business-unit-id': this.opts.businessUnitId,
      'x-return-api-usage': 'true',
    };
    if (c.body) headers['content-type'] = c.body.contentType;
    const res = await gatedRequest(this.deps.gate, `${c.method} ${familyOf(c.path)}`, {
      method: c.method,
      url: url.toString(),
      headers,
      json: c.json,
      body: c.body?.data,
      timeoutMs: this.opts.timeoutMs ?? 60_000,
      signal: c.signal,
    });
    // The header's format is not documented; "used/limit" (today's calls against the daily maximum) is assumed.
    const usage = /(\d+)\s*\/\s*(\d+)/.exec(res.headers.get('x-api-usage') ?? '');
    if (usage) this.deps.reportUsage?.({ used: Number(usage[1]), limit: Number(usage[2]) });
    return res;
  }
}

function familyOf(path: string): string {
  return /^\/api\/v5\/(?:objects\/)?([^/?]+)/.exec(path)?.[1] ?? path;
}
