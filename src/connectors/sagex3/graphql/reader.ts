/**
 * Reads through the X3 GraphQL API (`POST /xtrem/api`, connected-app JWT, `x-xtrem-endpoint`) for the
 * classes nodes.ts maps, with the same calls as the api1 client (`query` with where/orderBy, `details`
 * by key), so entity code does not change with the read path. Pages follow `pageInfo.endCursor` while
 * `hasNextPage`. Node properties come back as X3 columns; classes without a node go to api1.
 */
import type { CallGate } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import { gatedRequest } from '../../shared/http.js';
import { httpFailure } from '../errors.js';
import { parseExactJson } from '../exact-json.js';
import type { Resource, X3Reader } from '../rest-client.js';
import { filterOf, orderOf } from './filter.js';
import type { CollectionMap, GraphqlRelease, NodeMap } from './nodes.js';
import type { ConnectedAppToken } from './token.js';

/** Connection facts for the GraphQL reader. */
export interface GraphqlReaderOptions {
  /** `https://host:8124/xtrem/api`. */
  url: string;
  /** The X3 endpoint (folder), sent as `x-xtrem-endpoint`. */
  endpoint: string;
  /** The release's naming (for the error that names the setting). */
  release: GraphqlRelease;
  /** Class → node, renames applied (nodes.ts graphqlNodes). */
  nodes: Record<string, NodeMap>;
  token: ConnectedAppToken;
  pageSize: number;
  timeoutMs: number;
  gate: CallGate;
  /** Where classes without a node are read (the api1 client). */
  fallback: X3Reader;
}

interface Page {
  edges?: Array<{ node?: Record<string, unknown> }>;
  pageInfo?: { endCursor?: string | null; hasNextPage?: boolean };
}

function selection(node: NodeMap): string {
  const scalar = Object.values(node.columns);
  const colls = Object.values(node.collections ?? {}).map((c) => `${c.property} { ${Object.values(c.columns).join(' ')} }`);
  return [...new Set(scalar), ...colls].join(' ');
}

/** Node values → an api1-shaped resource (columns, yes/no as "1"/"2"). */
function toColumns(map: { columns: Record<string, string>; yesNo?: readonly string[] }, values: Record<string, unknown>): Resource {
  const out: Resource = {};
  for (const [column, prop] of Object.entries(map.columns)) {
    const v = values[prop];
    if (v === undefined) continue;
    out[column] = map.yesNo?.includes(column) && typeof v === 'boolean' ? (v ? '2' : '1') : v;
  }
  return out;
}

function resourceOf(node: NodeMap, values: Record<string, unknown>): Resource {
  const out = toColumns(node, values);
  for (const [child, c] of Object.entries(node.collections ?? {}) as Array<[string, { property: string } & CollectionMap]>) {
    const lines = values[c.property];
    if (Array.isArray(lines)) out[child] = lines.map((l) => toColumns(c, (l ?? {}) as Record<string, unknown>));
  }
  return out;
}

/** The GraphQL read path. */
export class X3GraphqlReader implements X3Reader {
  constructor(private readonly o: GraphqlReaderOptions) {}

  private nodeOf(cls: string): NodeMap | undefined {
    return Object.hasOwn(this.o.nodes, cls) ? this.o.nodes[cls] : undefined;
  }

  private async post(what: string, query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const res = await gatedRequest(this.o.gate, `POST graphql ${what}`, {
        method: 'POST',
        url: this.o.url,
        headers: { authorization: `Bearer ${await this.o.token.get()}`, 'x-xtrem-endpoint': this.o.endpoint, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        timeoutMs: this.o.timeoutMs,
        signal,
      });
      // A token the server no longer takes (clock skew, a restarted server) is signed again once.
      if (res.status === 401 && attempt === 0) {
        this.o.token.reset();
        continue;
      }
      let body: { data?: Record<string, unknown> | null; errors?: Array<{ message?: string }> } = {};
      try {
        body = (res.text ? parseExactJson(res.text) : {}) as typeof body;
      } catch {
        /* not JSON: the status says what happened */
      }
      const messages = (body.errors ?? []).map((e) => String(e.message ?? ''));
      if (res.status === 401) throw new SyncError('unauthorized', `Sage X3 GraphQL ${what}: HTTP 401 ${messages.join('; ')}. Check the connected application (client id, secret, allowed user) in Administration → Settings → Authentication → Connected applications.`, { system: 'sagex3', status: 401 });
      if (res.status >= 300) throw httpFailure(res.status, res.headers, res.text, `GraphQL ${what}`, messages);
      if (messages.length || !body.data) {
        const schema = messages.some((m) => /Cannot query field/.test(m));
        throw new SyncError('fatal', `Sage X3 GraphQL ${what}: ${messages.join('; ') || 'no data'}${schema ? ` (node names differ by release: check the graphqlRelease setting, now ${this.o.release}, or rename with graphqlNames)` : ''}`, { system: 'sagex3', vendorCode: schema ? 'SCHEMA' : 'GRAPHQL' });
      }
      return body.data;
    }
  }

  async *query(cls: string, params: { where?: string; orderBy?: string; count?: number; signal?: AbortSignal }): AsyncGenerator<Resource> {
    const node = this.nodeOf(cls);
    if (!node) {
      yield* this.o.fallback.query(cls, params);
      return;
    }
    const q = `query ($filter: String, $orderBy: String, $first: Int, $after: String) { ${node.pkg} { ${node.node} { query(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { edges { node { ${selection(node)} } } pageInfo { endCursor hasNextPage } } } } }`;
    const variables: Record<string, unknown> = { first: params.count ?? this.o.pageSize, after: null, filter: params.where ? filterOf(node, params.where) : null, orderBy: params.orderBy ? orderOf(node, params.orderBy) : null };
    for (;;) {
      params.signal?.throwIfAborted();
      const data = await this.post(`${node.node} query`, q, variables, params.signal);
      const page = (((data[node.pkg] as Record<string, unknown> | undefined)?.[node.node] as Record<string, unknown> | undefined)?.query ?? {}) as Page;
      for (const e of page.edges ?? []) if (e.node) yield resourceOf(node, e.node);
      const next = page.pageInfo?.endCursor;
      if (!page.pageInfo?.hasNextPage || !next || next === variables.after) return;
      variables.after = next;
    }
  }

  async details(cls: string, key: string, signal?: AbortSignal): Promise<Resource | null> {
    const node = this.nodeOf(cls);
    if (!node) return this.o.fallback.details(cls, key, signal);
    // The key goes in as a literal: Sage's examples show `read(_id: "AE003")`, not the argument's type
    // name a variable would have to declare. JSON string escapes are valid GraphQL string escapes.
    const q = `query { ${node.pkg} { ${node.node} { read(_id: ${JSON.stringify(key)}) { ${selection(node)} } } } }`;
    const data = await this.post(`${node.node} read`, q, {}, signal);
    const values = ((data[node.pkg] as Record<string, unknown> | undefined)?.[node.node] as Record<string, unknown> | undefined)?.read;
    return values && typeof values === 'object' ? resourceOf(node, values as Record<string, unknown>) : null;
  }
}
