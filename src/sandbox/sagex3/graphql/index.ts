/**
 * The X3 GraphQL API (`POST /xtrem/api`) over the emulator's folder, for reads: a connected
 * application's HS256 JWT (iss = client id, sub = X3 user) as the Bearer token, the folder in
 * `x-xtrem-endpoint`, `{ query, variables }` bodies. Nodes answer `query(filter, orderBy, first, after)`
 * with edges/cursor/pageInfo/totalCount and `read(_id)`. Errors are GraphQL's: HTTP 200 with
 * `errors[]` and `data: null`; a bad or expired token is HTTP 401.
 */
import { decodeJwt, jwtVerify } from 'jose';
import { isoSeconds } from '../clock.js';
import type { Business } from '../business.js';
import type { Line, Row } from '../model.js';
import { compileFilter, compileOrder, FilterSyntaxError, parseDoc, UnknownFilterProperty } from './filter.js';
import { GqlSyntaxError, parseQuery, type GqlField, type GqlValue } from './parse.js';
import { GQL_RELEASES, type GqlCollection, type GqlNode, type GqlRelease } from './schema.js';

export { GQL_RELEASES, type GqlRelease } from './schema.js';

/** A connected application (Administration > Settings > Authentication > Connected applications). */
export interface ConnectedApp {
  clientId: string;
  secret: string;
  /** The X3 users the application may act as (the JWT's `sub`). */
  users: string[];
}

/** What the handler needs from the emulator. */
export interface GraphqlContext {
  business: Business;
  endpoint: string;
  apps: ConnectedApp[];
  release: GqlRelease;
}

/** An answer. */
export interface GraphqlAnswer {
  status: number;
  body: unknown;
}

class GqlError extends Error {
  constructor(
    message: string,
    readonly path: string[] = [],
  ) {
    super(message);
  }
}

const DEFAULT_PAGE = 20;

/** Node values of a row: columns read, menu-1 yes/no as booleans, stamps ISO to the second. */
function valuesOf(props: Record<string, string>, booleans: readonly string[] | undefined, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [prop, col] of Object.entries(props)) {
    const v = row[col];
    if (booleans?.includes(prop)) out[prop] = v === undefined || v === '' ? null : String(v) === '2';
    else if (col === 'UPDDATTIM' || col === 'CREDATTIM') out[prop] = typeof v === 'string' && v ? isoSeconds(v) : null;
    else out[prop] = v === undefined ? null : v;
  }
  return out;
}

function project(node: GqlNode | GqlCollection, values: Record<string, unknown>, row: Record<string, unknown>, selections: GqlField[], path: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const typeName = 'typeName' in node ? node.typeName : 'Line';
  for (const s of selections) {
    if (s.name === '__typename') out[s.key] = typeName;
    else if (Object.hasOwn(node.properties, s.name)) out[s.key] = values[s.name];
    else if ('collections' in node && node.collections && Object.hasOwn(node.collections, s.name)) {
      const coll = node.collections[s.name];
      if (!s.selections) throw new GqlError(`Field "${s.name}" of type "[${coll.child}]" must have a selection of subfields.`, [...path, s.key]);
      out[s.key] = ((row[coll.child] as Line[] | undefined) ?? []).map((l) => project(coll, valuesOf(coll.properties, coll.booleans, l), l, s.selections!, [...path, s.key]));
    } else throw new GqlError(`Cannot query field "${s.name}" on type "${typeName}".`, [...path, s.key]);
  }
  return out;
}

const cursorOf = (index: number) => Buffer.from(JSON.stringify([index])).toString('base64url');
function indexOf(cursor: GqlValue): number {
  try {
    const [i] = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as [number];
    if (Number.isInteger(i) && i >= 0) return i;
  } catch {
    /* fall through */
  }
  throw new GqlError(`Invalid cursor: ${String(cursor)}`);
}

function runQuery(ctx: GraphqlContext, node: GqlNode, f: GqlField, path: string[]): unknown {
  const known = Object.keys(node.properties);
  const rows = ctx.business.tables.list(node.cls);
  let listed = rows.map((row) => ({ row, values: valuesOf(node.properties, node.booleans, row) }));
  try {
    if (f.args.filter !== undefined && f.args.filter !== null) {
      const pred = compileFilter(typeof f.args.filter === 'string' ? parseDoc(f.args.filter) : (f.args.filter as never), known);
      listed = listed.filter((x) => pred(x.values));
    }
    if (f.args.orderBy !== undefined && f.args.orderBy !== null) {
      const order = compileOrder(typeof f.args.orderBy === 'string' ? parseDoc(f.args.orderBy) : (f.args.orderBy as never), known);
      listed.sort((a, b) => order(a.values, b.values));
    }
  } catch (err) {
    if (err instanceof UnknownFilterProperty) throw new GqlError(`${node.typeName}: unknown property '${err.message}' in filter or orderBy`, path);
    if (err instanceof FilterSyntaxError) throw new GqlError(`${node.typeName}: invalid filter: ${err.message}`, path);
    throw err;
  }
  const first = f.args.first === undefined || f.args.first === null ? DEFAULT_PAGE : Number(f.args.first);
  if (!Number.isInteger(first) || first < 0) throw new GqlError(`Argument "first" must be a non-negative integer`, path);
  const start = f.args.after === undefined || f.args.after === null ? 0 : indexOf(f.args.after) + 1;
  const page = listed.slice(start, start + first);
  const out: Record<string, unknown> = {};
  for (const s of f.selections ?? []) {
    if (s.name === 'totalCount') out[s.key] = listed.length;
    else if (s.name === 'edges') {
      out[s.key] = page.map((x, i) => {
        const edge: Record<string, unknown> = {};
        for (const e of s.selections ?? []) {
          if (e.name === 'cursor') edge[e.key] = cursorOf(start + i);
          else if (e.name === 'node') edge[e.key] = project(node, x.values, x.row, e.selections ?? [], [...path, s.key, String(i), e.key]);
          else throw new GqlError(`Cannot query field "${e.name}" on type "${node.typeName}Edge".`, [...path, s.key]);
        }
        return edge;
      });
    } else if (s.name === 'pageInfo') {
      const info: Record<string, unknown> = { endCursor: page.length ? cursorOf(start + page.length - 1) : null, startCursor: page.length ? cursorOf(start) : null, hasNextPage: start + page.length < listed.length, hasPreviousPage: start > 0 };
      out[s.key] = Object.fromEntries((s.selections ?? []).map((p) => [p.key, info[p.name]]));
    } else throw new GqlError(`Cannot query field "${s.name}" on type "${node.typeName}Connection".`, [...path, s.key]);
  }
  return out;
}

function execute(ctx: GraphqlContext, root: GqlField[]): Record<string, unknown> {
  const nodes = GQL_RELEASES[ctx.release];
  const data: Record<string, unknown> = {};
  for (const pkgField of root) {
    const pkgNodes = nodes.filter((n) => n.pkg === pkgField.name);
    if (!pkgNodes.length) throw new GqlError(`Cannot query field "${pkgField.name}" on type "Query".`, [pkgField.key]);
    const pkg: Record<string, unknown> = {};
    for (const nodeField of pkgField.selections ?? []) {
      const node = pkgNodes.find((n) => n.node === nodeField.name);
      if (!node) throw new GqlError(`Cannot query field "${nodeField.name}" on type "${pkgField.name}".`, [pkgField.key, nodeField.key]);
      const ops: Record<string, unknown> = {};
      for (const op of nodeField.selections ?? []) {
        const path = [pkgField.key, nodeField.key, op.key];
        if (op.name === 'query') ops[op.key] = runQuery(ctx, node, op, path);
        else if (op.name === 'read') {
          const id = op.args._id;
          if (typeof id !== 'string') throw new GqlError('Argument "_id" of type "Id!" is required', path);
          const row = ctx.business.tables.get(node.cls, id) as Row | undefined;
          ops[op.key] = row ? project(node, valuesOf(node.properties, node.booleans, row), row, op.selections ?? [], path) : null;
        } else throw new GqlError(`Cannot query field "${op.name}" on type "${node.typeName}_Operations".`, path);
      }
      pkg[nodeField.key] = ops;
    }
    data[pkgField.key] = pkg;
  }
  return data;
}

/** Handles one `POST /xtrem/api`. */
export async function handleGraphql(ctx: GraphqlContext, headers: Record<string, string | string[] | undefined>, body: string): Promise<GraphqlAnswer> {
  const unauthorized = (message: string): GraphqlAnswer => ({ status: 401, body: { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] } });
  const auth = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''));
  if (!auth) return unauthorized('Missing bearer token');
  let claims: { iss?: string; sub?: string };
  try {
    claims = decodeJwt(auth[1]);
  } catch {
    return unauthorized('Invalid token');
  }
  const app = ctx.apps.find((a) => a.clientId === claims.iss);
  if (!app) return unauthorized(`Unknown connected application ${String(claims.iss)}`);
  try {
    await jwtVerify(auth[1], new TextEncoder().encode(app.secret), { algorithms: ['HS256'], requiredClaims: ['iat', 'exp', 'sub'] });
  } catch (err) {
    return unauthorized(`Invalid token: ${(err as Error).message}`);
  }
  if (!app.users.some((u) => u.toUpperCase() === String(claims.sub).toUpperCase())) return unauthorized(`User ${String(claims.sub)} is not allowed for application ${app.clientId}`);
  const endpoint = String(headers['x-xtrem-endpoint'] ?? '');
  if (endpoint !== ctx.endpoint) return { status: 200, body: { data: null, errors: [{ message: `Endpoint ${endpoint || '(missing x-xtrem-endpoint)'} not found` }] } };
  let request: { query?: unknown; variables?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return { status: 400, body: { errors: [{ message: 'POST body must be JSON' }] } };
  }
  if (typeof request.query !== 'string') return { status: 400, body: { errors: [{ message: 'Must provide query string.' }] } };
  try {
    const root = parseQuery(request.query, (request.variables ?? {}) as Record<string, GqlValue>);
    return { status: 200, body: { data: execute(ctx, root) } };
  } catch (err) {
    if (err instanceof GqlError) return { status: 200, body: { data: null, errors: [{ message: err.message, path: err.path }] } };
    if (err instanceof GqlSyntaxError) return { status: 200, body: { data: null, errors: [{ message: err.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] } };
    throw err;
  }
}
