/**
 * The only file of the Salesforce connector that speaks HTTP (through the shared client): adds the
 * Bearer token, builds REST URLs on the configured API version, reports `Sforce-Limit-Info` usage,
 * counts calls, refreshes the token once on 401 INVALID_SESSION_ID and retries once, and turns
 * error answers into SyncErrors.
 */
import type { ConnectorContext } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { gatedRequest, httpRequest, type HttpResponse } from '../shared/http.js';
import type { SalesforceToken } from '../shared/salesforce-oauth.js';
import { classifyResponse } from './errors.js';

/** API families, used as the gate's operation names. */
export type SalesforceApiFamily = 'rest' | 'query' | 'composite' | 'bulk';

/** Gets and refreshes access tokens. */
export interface TokenProvider {
  get(): Promise<SalesforceToken>;
  refresh(): Promise<SalesforceToken>;
}

/** One request to the Salesforce API. */
export interface SalesforceRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to `/services/data/vXX.X/` (`sobjects/Account`), or absolute from the instance root (`/services/oauth2/userinfo`). */
  path: string;
  /** JSON body. */
  json?: unknown;
  /** Raw body (CSV for Bulk uploads, as its header and lines). */
  body?: string | readonly string[];
  headers?: Record<string, string>;
  /** Statuses that are not errors besides 2xx (e.g. 300 for upsert). */
  accept?: number[];
  /** Names the call in error messages (`upsert Account`). */
  what: string;
  family: SalesforceApiFamily;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Dependencies of the client. */
export interface SalesforceClientDeps {
  tokens: TokenProvider;
  ctx: Pick<ConnectorContext, 'reportUsage' | 'gate'>;
  apiVersion: string;
  /** Overrides the instance URL from the token. */
  instanceUrl?: string;
}

const LIMIT_INFO = /api-usage=(\d+)\/(\d+)/;

/** A REST/Bulk client bound to one connection. */
export class SalesforceClient {
  constructor(private readonly deps: SalesforceClientDeps) {}

  /** The API version in use. */
  get apiVersion(): string {
    return this.deps.apiVersion;
  }

  /** The REST base path, `/services/data/v62.0`. */
  get basePath(): string {
    return `/services/data/v${this.deps.apiVersion}`;
  }

  /** Sends a request; returns the response for 2xx and `accept` statuses, throws a classified SyncError otherwise. */
  async request(req: SalesforceRequest): Promise<HttpResponse> {
    let token = await this.deps.tokens.get();
    let res = await this.send(req, token);
    if (needsRefresh(res)) {
      token = await this.deps.tokens.refresh();
      res = await this.send(req, token);
    }
    if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) return res;
    throw classifyResponse(res.status, res.headers, res.json, res.text, req.what);
  }

  /** Sends a request and returns its parsed JSON body. */
  async json<T>(req: SalesforceRequest): Promise<T> {
    const res = await this.request(req);
    return res.json as T;
  }

  /** The absolute URL of a path. */
  url(instanceUrl: string, path: string): string {
    if (path.startsWith('/')) return `${instanceUrl}${path}`;
    return `${instanceUrl}${this.basePath}/${path}`;
  }

  /**
   * Posts one Bayeux batch to the Streaming API (`/cometd/<version>`) and returns the reply messages.
   * `gated: false` is for /meta/connect only: the long poll spends no REST API budget (streaming has its
   * own allocation) and must not hold one of the connection's concurrency slots while it waits
   * (docs/decisions/0010-real-time-salesforce.md). Refreshes the token once when it was refused.
   */
  async cometd(messages: Record<string, unknown>[], options: { gated: boolean; signal?: AbortSignal; timeoutMs?: number }): Promise<Record<string, unknown>[]> {
    let token = await this.deps.tokens.get();
    let res = await this.sendCometd(messages, token, options);
    if (res.status === 401 || cometdAuthRefused(res.json)) {
      token = await this.deps.tokens.refresh();
      res = await this.sendCometd(messages, token, options);
    }
    if (res.status !== 200 || !Array.isArray(res.json)) throw classifyResponse(res.status, res.headers, res.json, res.text, 'streaming (CometD)');
    return res.json as Record<string, unknown>[];
  }

  private sendCometd(messages: Record<string, unknown>[], token: SalesforceToken, options: { gated: boolean; signal?: AbortSignal; timeoutMs?: number }): Promise<HttpResponse> {
    const instance = this.deps.instanceUrl ?? token.instanceUrl;
    const req = { method: 'POST' as const, url: `${instance}/cometd/${this.deps.apiVersion}`, headers: { authorization: `OAuth ${token.accessToken}` }, json: messages, signal: options.signal, timeoutMs: options.timeoutMs };
    return options.gated ? gatedRequest(this.deps.ctx.gate, 'streaming', req) : httpRequest(req);
  }

  private async send(req: SalesforceRequest, token: SalesforceToken): Promise<HttpResponse> {
    const instance = this.deps.instanceUrl ?? token.instanceUrl;
    const headers: Record<string, string> = { authorization: `Bearer ${token.accessToken}`, 'sforce-call-options': 'client=syncline', ...req.headers };
    const res = await gatedRequest(this.deps.ctx.gate, req.family, { method: req.method, url: this.url(instance, req.path), headers, json: req.json, body: req.body, signal: req.signal, timeoutMs: req.timeoutMs });
    const info = res.headers.get('sforce-limit-info');
    const m = info ? LIMIT_INFO.exec(info) : null;
    if (m) this.deps.ctx.reportUsage({ used: Number(m[1]), limit: Number(m[2]) });
    return res;
  }
}

/** 401 INVALID_SESSION_ID on REST; the identity endpoints answer an expired token with 403 `Bad_OAuth_Token`. */
function needsRefresh(res: HttpResponse): boolean {
  if (res.status === 403) return res.text.includes('Bad_OAuth_Token');
  if (res.status !== 401) return false;
  // jsforce's rule too: a session that is valid but not for the REST API must not trigger a refresh loop.
  return !res.text.includes('This session is not valid for use with the REST API');
}

/** A handshake or connect refused for its token (`403::Handshake denied` with `401::Authentication invalid`). */
function cometdAuthRefused(body: unknown): boolean {
  if (!Array.isArray(body)) return false;
  return body.some((m: { successful?: boolean; error?: string; ext?: { sfdc?: { failureReason?: string } } }) => m.successful === false && (String(m.ext?.sfdc?.failureReason ?? '').startsWith('401') || String(m.error ?? '').startsWith('401')));
}

/** Throws when a response that should carry JSON does not. */
export function expectJson<T>(res: HttpResponse, what: string): T {
  if (res.json === undefined) throw new SyncError('retryable', `Salesforce ${what}: expected JSON, got ${res.text.slice(0, 120)}`, { system: 'salesforce', status: res.status });
  return res.json as T;
}
