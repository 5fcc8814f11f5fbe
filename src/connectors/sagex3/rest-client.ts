/**
 * The Syracuse REST api1 client (reads and change polling): `$query` pages followed through
 * `$links.$next`, `$details` of one record (composite keys joined with `~`), every request through
 * the shared HTTP client and the connection's gate. Bodies are read with exact decimals. `where`
 * clauses are built here from allow-listed field names and typed literals, never glued from input.
 */
import type { CallGate } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { gatedRequest } from '../shared/http.js';
import { basicAuthorization } from './auth.js';
import { diagnosesOf, httpFailure } from './errors.js';
import { parseExactJson } from './exact-json.js';

/** A resource as api1 returns it (numbers as exact strings). */
export type Resource = Record<string, unknown>;

/** Connection facts for api1. */
export interface RestClientOptions {
  baseUrl: string;
  endpoint: string;
  user: string;
  password: string;
  pageSize: number;
  timeoutMs: number;
  gate: CallGate;
}

/** A typed literal of a where clause. */
export type WhereValue = string | number | Date;

/** A field name checked against the class's known fields (X3 answers 500 on an unknown one; we refuse first). */
export function whereField(field: string, known: readonly string[]): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(field) || !known.includes(field)) throw new SyncError('fatal', `Sage X3: "${field}" is not a field this connector can query (known: ${known.join(', ')})`, { system: 'sagex3', field });
  return field;
}

/** A literal: 'text' with quotes doubled, a number, or @datetime@ (UTC, seconds). */
export function whereLiteral(v: WhereValue): string {
  if (v instanceof Date) return `@${v.toISOString().replace(/\.\d{3}Z$/, 'Z')}@`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SyncError('fatal', `Sage X3: ${v} is not a number a query can carry`, { system: 'sagex3' });
    return String(v);
  }
  return `'${v.replace(/'/g, "''")}'`;
}

/** How entity code reads X3, whichever API answers (api1, or GraphQL for the classes it maps). */
export interface X3Reader {
  /** Every resource of a class matching `where` (api1 syntax), in `orderBy` order. */
  query(cls: string, params: { where?: string; orderBy?: string; count?: number; signal?: AbortSignal }): AsyncGenerator<Resource>;
  /** One resource by key (values joined with `~`), or null. */
  details(cls: string, key: string, signal?: AbortSignal): Promise<Resource | null>;
}

/** api1 reads. */
export class X3RestClient implements X3Reader {
  constructor(private readonly o: RestClientOptions) {}

  /** The URL of a class (`.../api1/x3/erp/SEED/BPCUSTOMER`). */
  classUrl(cls: string): string {
    return `${this.o.baseUrl}/api1/x3/erp/${encodeURIComponent(this.o.endpoint)}/${cls}`;
  }

  private async get(url: string, operation: string, signal?: AbortSignal): Promise<{ status: number; json: unknown }> {
    const res = await gatedRequest(this.o.gate, operation, { method: 'GET', url, headers: { authorization: basicAuthorization(this.o.user, this.o.password) }, timeoutMs: this.o.timeoutMs, signal });
    const json = res.text ? parseExactJsonSafe(res.text) : undefined;
    if (res.status >= 300 && res.status !== 404) throw httpFailure(res.status, res.headers, res.text, operation, diagnosesOf(json));
    return { status: res.status, json };
  }

  /** Every resource of `$query` with `where`/`orderBy`, page after page through `$links.$next`. */
  async *query(cls: string, params: { where?: string; orderBy?: string; count?: number; signal?: AbortSignal }): AsyncGenerator<Resource> {
    const q = new URLSearchParams({ representation: `${cls}.$query`, count: String(params.count ?? this.o.pageSize) });
    if (params.where) q.set('where', params.where);
    if (params.orderBy) q.set('orderBy', params.orderBy);
    let url: string | undefined = `${this.classUrl(cls)}?${q.toString()}`;
    while (url) {
      params.signal?.throwIfAborted();
      const { status, json } = await this.get(url, `GET ${cls} $query`, params.signal);
      if (status === 404) throw new SyncError('fatal', `Sage X3: class ${cls} or endpoint ${this.o.endpoint} not found`, { system: 'sagex3', status });
      const body = (json ?? {}) as { $resources?: Resource[]; $links?: { $next?: { $url?: string } } };
      for (const r of body.$resources ?? []) yield r;
      const next: string | undefined = body.$links?.$next?.$url;
      url = next && next !== url ? next : undefined;
    }
  }

  /** One resource (`$details`), or null when X3 answers 404. `key` is the key values joined with `~`. */
  async details(cls: string, key: string, signal?: AbortSignal): Promise<Resource | null> {
    const url = `${this.classUrl(cls)}('${encodeURIComponent(key.replace(/'/g, "''"))}')?representation=${cls}.$details`;
    const { status, json } = await this.get(url, `GET ${cls} $details`, signal);
    if (status === 404) return null;
    return (json ?? null) as Resource | null;
  }
}

function parseExactJsonSafe(text: string): unknown {
  try {
    return parseExactJson(text);
  } catch {
    return undefined;
  }
}
