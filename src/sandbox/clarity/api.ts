/**
 * The Admin API routes as CEF's T4-generated ServiceStack services lay them out, for every table:
 * `GET /{Area}/{Es}` (search), `POST|GET /{Area}/{Es}ForConnect`, `GET /{Area}/{E}/ID/{ID}`,
 * `GET /{Area}/{E}/Key/{Key}`, `GET /{Area}/{E}/Exists/ID|Key/...`, `POST /{Area}/{E}/Create`,
 * `POST /{Area}/{E}/Upsert` (by ID, else CustomKey), `PUT /{Area}/{E}/Update`, `PATCH
 * /{Area}/{E}/Deactivate|Reactivate/ID|Key/...`, `DELETE /{Area}/{E}/Delete/ID|Key/...` (hard delete), plus the
 * sales-order workflow routes `PATCH /Ordering/SalesOrder/{Action}/{ID}`. Mutations answer
 * `CEFActionResponse { ActionSucceeded, Messages, Result }`; validation, auth and missing routes
 * answer a ServiceStack `ResponseStatus`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClarityApiUser, ClarityAuth } from './auth.js';
import { LOCATIONS, TABLES, type Row, type TableDef } from './model.js';
import { search, searchModelFromQuery, type SearchModel } from './search.js';
import { ORDER_ACTIONS, syncProductStock, type OrderAction, type Shop } from './shop.js';
import { ActionFailure, ValidationFailure, type ShopState } from './state.js';

/** The Admin API base path. */
export const ADMIN_BASE = '/DesktopModules/ClarityEcommerce/API-Admin';

/** What the routes need. */
export interface ApiContext {
  state: ShopState;
  shop: Shop;
  auth: ClarityAuth;
}

const byPlural = new Map(TABLES.map((t) => [`${t.area}/${t.plural}`.toLowerCase(), t]));
const bySingular = new Map(TABLES.map((t) => [`${t.area}/${t.name}`.toLowerCase(), t]));

/** Handles one request under the Admin base path (`rest` is the path after it). */
export async function handleApi(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    const lower = rest.toLowerCase();
    if (lower === '/auth/identity' || lower === '/auth/identity/') {
      if (method !== 'POST') throw notFound(method, rest);
      const body = (await readJson(req)) as Row;
      const { user, ssId, ssPid } = ctx.auth.login(body.Username ?? body.UserName, body.Password);
      const opts = 'path=/; HttpOnly; SameSite=Lax';
      res.setHeader('set-cookie', [`ss-id=${ssId}; ${opts}`, `ss-pid=${ssPid}; expires=${new Date(Date.now() + 20 * 365 * 86_400_000).toUTCString()}; ${opts}`, `ss-opt=${body.RememberMe ? 'perm' : 'temp'}; ${opts}`]);
      return json(res, 200, { UserId: user.username, SessionId: ssId, UserName: user.username, DisplayName: user.username, ResponseStatus: {} });
    }
    if (lower === '/auth/logout') {
      ctx.auth.logout(req);
      res.setHeader('set-cookie', ['ss-id=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT', 'ss-pid=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT']);
      return json(res, 200, { ResponseStatus: {} });
    }
    const user = ctx.auth.authenticate(req);
    // Carts age by the shop clock; the shop's job runs before every request so a reader never sees a stale New.
    ctx.shop.sweepAbandoned();
    const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length < 2) throw notFound(method, rest);
    const areaPlural = `${parts[0]}/${parts[1]}`.toLowerCase();
    const forConnect = areaPlural.endsWith('forconnect') ? byPlural.get(areaPlural.slice(0, -'forconnect'.length)) : undefined;
    if (parts.length === 2 && (byPlural.get(areaPlural) || forConnect)) {
      const table = (byPlural.get(areaPlural) ?? forConnect)!;
      ctx.auth.require(user, `${table.permission}.View`);
      let model: SearchModel = searchModelFromQuery(query);
      if (forConnect && method === 'POST') model = { ...model, ...((await readJson(req)) as SearchModel) };
      else if (method !== 'GET') throw notFound(method, rest);
      return json(res, 200, search(ctx.state.rows(table.name), model, (r) => present(ctx.state, table, r)));
    }
    const table = bySingular.get(areaPlural);
    if (!table) throw notFound(method, rest);
    const [, , op, ...args] = parts;
    if (table.name === 'SalesOrder' && method === 'PATCH' && ORDER_ACTIONS.includes(op as OrderAction) && args.length === 1) {
      ctx.auth.require(user, `Ordering.SalesOrder.${op}`);
      const body = (await readJson(req)) as Row;
      const order = ctx.shop.orderAction(id(args[0]), op as OrderAction, { trackingNumber: str(body.TrackingNumber), carrier: str(body.ShipCarrierKey) });
      return json(res, 200, actionOk(present(ctx.state, table, order)));
    }
    return await crud(ctx, user, table, method, op, args, req, res, rest);
  } catch (err) {
    if (err instanceof ActionFailure) return json(res, 200, { ActionSucceeded: false, Messages: err.messages, Result: null });
    if (err instanceof ValidationFailure) return responseStatus(res, err.status, err.errors[0]?.ErrorCode ?? 'Error', err.message, err.errors.filter((e) => e.FieldName));
    throw err;
  }
}

async function crud(ctx: ApiContext, user: ClarityApiUser, table: TableDef, method: string, op: string | undefined, args: string[], req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
  const state = ctx.state;
  const find = (kind: string | undefined, value: string | undefined): Row | undefined => {
    if (kind === 'ID' && value !== undefined) return state.get(table.name, id(value));
    if (kind === 'Key' && value !== undefined) return state.byKey(table.name, value);
    throw notFound(method, rest);
  };
  const mustFind = (kind: string | undefined, value: string | undefined): Row => {
    const row = find(kind, value);
    if (!row) throw new ValidationFailure([{ ErrorCode: 'NotFound', FieldName: '', Message: `${table.name} ${kind === 'Key' ? `with Key '${value}'` : value} not found` }], 404);
    return row;
  };
  if (method === 'GET' && (op === 'ID' || op === 'Key') && args.length >= 1) {
    ctx.auth.require(user, `${table.permission}.View`);
    return json(res, 200, present(state, table, mustFind(op, args.join('/'))));
  }
  if (method === 'GET' && op === 'Exists' && args.length >= 2) {
    ctx.auth.require(user, `${table.permission}.View`);
    const row = find(args[0], args.slice(1).join('/'));
    return row ? json(res, 200, row.ID) : sendEmpty(res);
  }
  if (table.readOnly) throw notFound(method, rest);
  if (method === 'POST' && (op === 'Create' || op === 'Upsert') && args.length === 0) {
    const body = (await readJson(req)) as Row;
    const existing = op === 'Upsert' ? (body.ID ? state.get(table.name, id(String(body.ID))) : typeof body.CustomKey === 'string' && body.CustomKey ? state.byKey(table.name, body.CustomKey) : undefined) : undefined;
    if (existing) {
      ctx.auth.require(user, `${table.permission}.Update`);
      checkValues(table, body);
      return json(res, 200, actionOk(afterWrite(state, table, state.update(table.name, Number(existing.ID), related(state, table, body)))));
    }
    ctx.auth.require(user, `${table.permission}.Create`);
    checkRequired(table, body);
    checkValues(table, body);
    if (typeof body.CustomKey === 'string' && body.CustomKey && state.byKey(table.name, body.CustomKey)) {
      throw new ActionFailure([`A ${table.name} with CustomKey '${body.CustomKey}' already exists`]);
    }
    return json(res, 200, actionOk(afterWrite(state, table, state.insert(table.name, related(state, table, body)))));
  }
  if (method === 'PUT' && op === 'Update' && args.length === 0) {
    ctx.auth.require(user, `${table.permission}.Update`);
    const body = (await readJson(req)) as Row;
    if (body.ID === undefined || body.ID === null) throw new ValidationFailure([{ ErrorCode: 'NotEmpty', FieldName: 'ID', Message: "'ID' must not be empty." }]);
    mustFind('ID', String(body.ID));
    checkValues(table, body);
    return json(res, 200, actionOk(afterWrite(state, table, state.update(table.name, id(String(body.ID)), related(state, table, body)))));
  }
  if (method === 'PATCH' && (op === 'Deactivate' || op === 'Reactivate') && args.length >= 2) {
    ctx.auth.require(user, `${table.permission}.${op}`);
    const row = mustFind(args[0], args.slice(1).join('/'));
    state.update(table.name, Number(row.ID), { Active: op === 'Reactivate' });
    return json(res, 200, actionOk(true));
  }
  if (method === 'DELETE' && op === 'Delete' && args.length >= 2) {
    ctx.auth.require(user, `${table.permission}.Delete`);
    const row = mustFind(args[0], args.slice(1).join('/'));
    state.remove(table.name, Number(row.ID));
    return json(res, 200, actionOk(true));
  }
  throw notFound(method, rest);
}

/** The API model of a row: attributes parsed; a user with its contact and account names (CEF's related-object fields). */
export function present(state: ShopState, table: TableDef, row: Row): Row {
  const out = state.view(table.name, row);
  if (table.name === 'User') {
    const contact = row.ContactID ? state.get('Contact', Number(row.ContactID)) : undefined;
    const account = row.AccountID ? state.get('Account', Number(row.AccountID)) : undefined;
    out.Contact = contact ? state.view('Contact', contact) : null;
    out.AccountKey = account?.CustomKey ?? null;
    out.AccountName = account?.Name ?? null;
  }
  return out;
}

/**
 * A stock row names its product and location section by ID; the framework fills their keys and names
 * (read-only in the model) and refuses an ID that does not exist.
 */
function related(state: ShopState, table: TableDef, body: Row): Row {
  if (table.name !== 'ProductInventoryLocationSection') return body;
  const out: Row = { ...body };
  if (body.MasterID !== undefined) {
    const product = state.get('Product', Number(body.MasterID));
    if (!product) throw new ValidationFailure([{ ErrorCode: 'InvalidID', FieldName: 'MasterID', Message: `'MasterID' ${String(body.MasterID)} is not a Product.` }]);
    // ServiceStack binds the JSON value to the model's int, whether it came as a number or a string.
    Object.assign(out, { MasterID: Number(body.MasterID), MasterKey: product.CustomKey });
  }
  if (body.SlaveID !== undefined) {
    const location = LOCATIONS.find((l) => l.ID === Number(body.SlaveID));
    if (!location) throw new ValidationFailure([{ ErrorCode: 'InvalidID', FieldName: 'SlaveID', Message: `'SlaveID' ${String(body.SlaveID)} is not a location section.` }]);
    Object.assign(out, { SlaveID: location.ID, SlaveKey: location.Key, SlaveName: location.Name });
  }
  return out;
}

/** After a write: a product's StockQuantity follows its locations. Answers the row's ID. */
function afterWrite(state: ShopState, table: TableDef, row: Row): number {
  if (table.name === 'ProductInventoryLocationSection') syncProductStock(state, Number(row.MasterID));
  return Number(row.ID);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkRequired(table: TableDef, body: Row): void {
  const missing = table.required.filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
  if (missing.length) throw new ValidationFailure(missing.map((f) => ({ ErrorCode: 'NotEmpty', FieldName: f, Message: `'${f}' must not be empty.` })));
}

/** The checks CEF's validators and business rules make on the fields the journeys write. */
function checkValues(table: TableDef, body: Row): void {
  if (table.name === 'User' && body.Email !== undefined && !EMAIL.test(String(body.Email))) {
    throw new ValidationFailure([{ ErrorCode: 'Email', FieldName: 'Email', Message: "'Email' is not a valid email address." }]);
  }
  if (typeof body.CustomKey === 'string' && body.CustomKey.length > 128) {
    throw new ValidationFailure([{ ErrorCode: 'MaximumLength', FieldName: 'CustomKey', Message: `'CustomKey' must be 128 characters or fewer. You entered ${body.CustomKey.length} characters.` }]);
  }
  for (const f of ['PriceBase', 'PriceSale', 'PriceMsrp', 'Quantity']) {
    if (body[f] !== undefined && body[f] !== null && !(Number(body[f]) >= 0)) throw new ActionFailure([`${f} cannot be negative or empty (got ${JSON.stringify(body[f])})`]);
  }
}

function actionOk(result: unknown): Row {
  return { ActionSucceeded: true, Messages: [], Result: result };
}

function notFound(method: string, path: string): ValidationFailure {
  return new ValidationFailure([{ ErrorCode: 'NotImplementedException', FieldName: '', Message: `Could not find a route for ${method} ${path}` }], 404);
}

function id(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ValidationFailure([{ ErrorCode: 'SerializationException', FieldName: 'ID', Message: `Unable to bind to request 'ID': '${v}' is not an integer` }]);
  return n;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationFailure([{ ErrorCode: 'SerializationException', FieldName: '', Message: 'Unable to bind request: the body is not valid JSON' }]);
  }
}

function responseStatus(res: ServerResponse, status: number, code: string, message: string, errors: Array<{ ErrorCode: string; FieldName: string; Message: string }>): void {
  json(res, status, { ResponseStatus: { ErrorCode: code, Message: message, Errors: errors } });
}

function sendEmpty(res: ServerResponse): void {
  res.writeHead(204).end();
}

/** Writes a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
