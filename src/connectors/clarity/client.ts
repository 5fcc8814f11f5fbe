/**
 * The only file of the Clarity connector that speaks HTTP: every call goes through the connection's
 * gate (`gatedRequest`), carries the auth of auth.ts (logging in again once on a 401), checks
 * CEFActionResponse bodies, and classifies failures by errors.ts. Searches page through
 * `PagedResults` with `Paging { Size, StartIndex }` until CurrentCount/TotalPages say the last page.
 */
import type { CallGate } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { gatedRequest, type HttpRequest, type HttpResponse } from '../shared/http.js';
import type { ClarityAuth } from './auth.js';
import { actionFailure, httpFailure, isActionResponse, type FailureContext } from './errors.js';
import type { ClaritySettings } from './settings.js';

/** One row as CEF serialises it (PascalCase). */
export type CefRow = Record<string, unknown>;

/** CEF's PagedResults. */
interface PagedResults {
  Results?: CefRow[];
  TotalPages?: number;
  CurrentPage?: number;
  TotalCount?: number;
  CurrentCount?: number;
}

/** One API call. */
export interface ClarityCall {
  method: HttpRequest['method'];
  /** Path under the API base (`/Accounts/Account/Upsert`). */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  /** For messages and dead letters. */
  recordKey?: string;
  /** The entity's field names, so refusals naming one name the field. */
  fields?: readonly string[];
  signal?: AbortSignal;
}

/** Talks to one Clarity site. */
export class ClarityClient {
  private loginInFlight: Promise<void> | null = null;

  constructor(
    private readonly settings: ClaritySettings,
    private readonly auth: ClarityAuth,
    private readonly gate: CallGate,
  ) {}

  /** Sends one call; returns the response of a success (2xx), throws a classified SyncError otherwise. */
  async send(call: ClarityCall): Promise<HttpResponse> {
    const operation = `${call.method} ${call.path.replace(/^\//, '').replace(/\/(ID|Key)\/.*$/, '/$1')}`;
    const ctx: FailureContext = { operation, recordKey: call.recordKey, fields: call.fields };
    if (await this.auth.needsLogin()) await this.login();
    let res = await this.request(call, operation);
    let relogged = false;
    if (res.status === 401 && this.auth.renewable) {
      await this.auth.drop();
      await this.login();
      relogged = true;
      res = await this.request(call, operation);
    }
    if (res.status >= 400) throw httpFailure(res, { ...ctx, afterRelogin: relogged, basic: !this.auth.renewable });
    return res;
  }

  /** A mutation or workflow call: its CEFActionResponse must say ActionSucceeded; returns its Result. */
  async action<T = unknown>(call: ClarityCall): Promise<T> {
    const res = await this.send(call);
    const body = res.json;
    if (!isActionResponse(body)) throw new SyncError('retryable', `Clarity ${call.method} ${call.path} answered ${res.status} without a CEFActionResponse: ${res.text.slice(0, 200)}`, { system: 'clarity', status: res.status });
    if (!body.ActionSucceeded) throw actionFailure(body, { operation: `${call.method} ${call.path.replace(/^\//, '')}`, recordKey: call.recordKey, fields: call.fields });
    return body.Result as T;
  }

  /** A GET that may find nothing: null on 404 or an empty/null body (CEF answers either for a missing record). */
  async getOrNull(call: Omit<ClarityCall, 'method'>): Promise<CefRow | null> {
    try {
      const res = await this.send({ ...call, method: 'GET' });
      return res.json !== null && typeof res.json === 'object' ? (res.json as CefRow) : null;
    } catch (err) {
      if (err instanceof SyncError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  /** Every row of a search, page by page (`/{Area}/{Entities}` with the search model). */
  async *search(plural: string, model: Record<string, string>, signal?: AbortSignal): AsyncGenerator<CefRow> {
    const size = this.settings.pageSize;
    const base = this.settings.noCache ? { ...model, noCache: 'true' } : model;
    for (let page = this.settings.firstPageIndex, pages = 0; ; page++, pages++) {
      const res = await this.send(this.searchCall(plural, base, size, page, signal));
      const body = res.json as PagedResults | undefined;
      const rows = Array.isArray(body?.Results) ? body.Results : [];
      yield* rows;
      const current = typeof body?.CurrentCount === 'number' ? body.CurrentCount : rows.length;
      const lastByPages = typeof body?.TotalPages === 'number' && pages + 1 >= body.TotalPages;
      if (current < size || current === 0 || lastByPages) return;
      if (pages > 100_000) throw new SyncError('fatal', `Clarity search ${plural} did not end after 100000 pages`, { system: 'clarity' });
    }
  }

  private searchCall(plural: string, model: Record<string, string>, size: number, page: number, signal?: AbortSignal): ClarityCall {
    if (this.settings.pagingStyle === 'forConnect') return { method: 'POST', path: `${plural}ForConnect`, json: { ...model, Paging: { Size: size, StartIndex: page } }, signal };
    if (this.settings.pagingStyle === 'dotted') return { method: 'GET', path: plural, query: { ...model, 'Paging.Size': String(size), 'Paging.StartIndex': String(page) }, signal };
    return { method: 'GET', path: plural, query: { ...model, Paging: `{Size:${size},StartIndex:${page}}` }, signal };
  }

  private async login(): Promise<void> {
    // One login for all calls waiting on it.
    this.loginInFlight ??= (async () => {
      try {
        const res = await gatedRequest(this.gate, 'POST auth/identity', { method: 'POST', url: this.url('/auth/identity'), json: this.auth.loginBody(), timeoutMs: this.settings.requestTimeoutMs });
        await this.auth.acceptLogin(res);
      } finally {
        this.loginInFlight = null;
      }
    })();
    await this.loginInFlight;
  }

  private request(call: ClarityCall, operation: string): Promise<HttpResponse> {
    return gatedRequest(this.gate, operation, {
      method: call.method,
      url: this.url(call.path, call.query),
      headers: this.auth.headers(),
      json: call.json,
      timeoutMs: this.settings.requestTimeoutMs,
      signal: call.signal,
    });
  }

  private url(path: string, query?: Record<string, string>): string {
    const base = this.settings.siteUrl.replace(/\/+$/, '') + '/' + this.settings.apiPath.replace(/^\/+|\/+$/g, '');
    const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query).toString()}` : '';
    return `${base}${path.startsWith('/') ? path : `/${path}`}${qs}`;
  }
}
