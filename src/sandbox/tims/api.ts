/**
 * The bridge contract's operations over the books: routing, query parameters, paging by
 * (modifiedAt, key) with an opaque cursor, and the one error shape. Transport (auth, faults, the
 * calls log) is index.ts's.
 */
import type { TimsBooks } from './state.js';
import { BridgeError, type CustomerRow } from './types.js';
import { addLocation, createCustomer, createOrder, updateCustomer, type NewCustomer, type NewOrder } from './business.js';
import { checked, contactInputCheck, customerCreateCheck, customerUpdateCheck, locationInputCheck, orderCreateCheck } from './checks.js';
import { availabilityView, customerView, cylinderView } from './views.js';

/** The contract version this emulator serves. */
export const CONTRACT_VERSION = '1.0.0';
/** The path prefix of every contract operation. */
export const API_PREFIX = '/api/v1';

/** One parsed API request. */
export interface ApiRequest {
  method: string;
  /** Path below the prefix, split (`['customers', 'C1001', 'locations']`). */
  segments: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A reply in the contract's shapes. */
export interface ApiReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ok = (body: unknown, status = 200): ApiReply => ({ status, body });
const notFound = (what: string): BridgeError => new BridgeError(404, 'not_found', `no ${what}`);

/** Answers one contract operation; throws BridgeError for the error answers. */
export function route(books: TimsBooks, req: ApiRequest): ApiReply {
  const [resource, id, sub, ...rest] = req.segments;
  const m = req.method;
  if (rest.length) throw notFound(`route /${req.segments.join('/')}`);
  switch (resource) {
    case 'info':
      if (m === 'GET' && !id) return ok({ contractVersion: CONTRACT_VERSION, companyName: books.companyName, timsVersion: 'V8 R21 (emulated)' });
      break;
    case 'warehouses':
      if (m === 'GET' && !id) return ok({ data: books.warehouses });
      break;
    case 'customers':
      return customers(books, req, id, sub);
    case 'cylinder-balances':
      if (m === 'GET' && !id) return list(req, [...books.cylinders.values()], (c) => c.balanceId, cylinderView, ['customerCode']);
      break;
    case 'items':
      if (m === 'GET' && !id) return list(req, [...books.items.values()], (i) => i.itemCode, (i) => i, []);
      if (m === 'GET' && id && !sub) return ok(books.items.get(id) ?? throwIt(notFound(`item ${id}`)));
      break;
    case 'availability':
      if (m === 'GET' && !id) return list(req, [...books.availability.values()], (a) => `${a.itemCode}/${a.warehouseId}`, availabilityView, ['itemCode', 'warehouseId']);
      break;
    case 'orders':
      if (m === 'GET' && !id) return list(req, [...books.orders.values()], (o) => o.orderNo, (o) => o, ['customerCode', 'externalId', 'type']);
      if (m === 'POST' && !id) return idempotent(books, req, 'order', () => createOrder(books, checked<NewOrder>(orderCreateCheck, req.body)).orderNo);
      if (m === 'GET' && id && !sub) return ok(books.orders.get(id) ?? throwIt(notFound(`order ${id}`)));
      break;
    case 'invoices':
      if (m === 'GET' && !id) return list(req, [...books.invoices.values()], (i) => i.invoiceNo, (i) => i, ['customerCode']);
      if (m === 'GET' && id && !sub) return ok(books.invoices.get(id) ?? throwIt(notFound(`invoice ${id}`)));
      break;
    case 'payments':
      if (m === 'GET' && !id) return list(req, [...books.payments.values()], (p) => p.paymentId, (p) => p, ['customerCode']);
      break;
    case 'statements':
      if (m === 'GET' && !id) return list(req, [...books.statements.values()], (s) => s.statementId, (s) => s, ['customerCode']);
      break;
  }
  throw notFound(`route ${m} /${req.segments.join('/')}`);
}

function customers(books: TimsBooks, req: ApiRequest, code: string | undefined, sub: string | undefined): ApiReply {
  const m = req.method;
  const view = (c: CustomerRow) => customerView(books, c);
  if (!code) {
    if (m === 'GET') {
      const email = req.query.get('email')?.trim().toLowerCase();
      const externalId = req.query.get('externalId');
      const rows = [...books.customers.values()].filter((c) => (email === undefined || c.email?.toLowerCase() === email) && (externalId === null || c.externalId === externalId));
      return list(req, rows, (c) => c.customerCode, view, [], ['email', 'externalId']);
    }
    if (m === 'POST') return idempotent(books, req, 'customer', () => createCustomer(books, checked<NewCustomer>(customerCreateCheck, req.body)).customerCode);
    throw notFound(`route ${m} /customers`);
  }
  const customer = books.customers.get(code);
  if (!customer) throw notFound(`customer ${code}`);
  switch (sub) {
    case undefined:
      if (m === 'GET') return ok(view(customer));
      if (m === 'PATCH') return ok(view(updateCustomer(books, code, checked<Partial<CustomerRow>>(customerUpdateCheck, req.body))));
      break;
    case 'locations':
      if (m === 'GET') return ok({ data: books.locationsOf(code) });
      if (m === 'POST') {
        const location = addLocation(books, code, checked(locationInputCheck, req.body));
        books.touchCustomer(code);
        return ok(location, 201);
      }
      break;
    case 'contacts':
      if (m === 'GET') return ok({ data: [...books.contacts.values()].filter((c) => c.customerCode === code) });
      if (m === 'POST') {
        const input = checked<{ firstName?: string | null; lastName: string; email?: string | null; phone?: string | null; title?: string | null }>(contactInputCheck, req.body);
        const n = [...books.contacts.values()].filter((c) => c.customerCode === code).length + 1;
        const contact = { contactId: `${code}-K${n}`, customerCode: code, firstName: input.firstName ?? null, lastName: input.lastName, email: input.email ?? null, phone: input.phone ?? null, title: input.title ?? null, modifiedAt: books.clock.stamp() };
        books.contacts.set(contact.contactId, contact);
        return ok(contact, 201);
      }
      break;
    case 'cylinder-balances':
      if (m === 'GET') return ok({ data: [...books.cylinders.values()].filter((c) => c.customerCode === code).map(cylinderView) });
      break;
    case 'statements':
      if (m === 'GET') return ok({ data: [...books.statements.values()].filter((s) => s.customerCode === code).sort((a, b) => a.statementDate.localeCompare(b.statementDate)) });
      break;
  }
  throw notFound(`route ${m} /customers/${code}/${sub ?? ''}`);
}

/** A create made safe to retry: a repeated Idempotency-Key answers what the first request created. */
function idempotent(books: TimsBooks, req: ApiRequest, kind: 'customer' | 'order', create: () => string): ApiReply {
  const raw = req.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  const slot = key ? `${kind}:${key}` : undefined;
  const known = slot ? books.idempotency.get(slot) : undefined;
  const id = known ?? create();
  if (slot && !known) books.idempotency.set(slot, id);
  return ok(kind === 'customer' ? customerView(books, books.customers.get(id)!) : books.orders.get(id), 201);
}

interface Position {
  /** modifiedAt (epoch ms) of the last record served. */
  m: number;
  /** Its key. */
  k: string;
  /** The filters the cursor was issued for. */
  f: string;
}

/**
 * One page of `rows` changed at or after `modifiedSince`, filtered by the named query parameters,
 * ordered by (modifiedAt, key), after the cursor's position.
 */
function list<T extends { modifiedAt: string }>(req: ApiRequest, rows: T[], key: (r: T) => string, view: (r: T) => unknown, filters: string[], handledFilters: string[] = []): ApiReply {
  const q = req.query;
  const since = q.get('modifiedSince');
  let sinceMs = -Infinity;
  if (since !== null) {
    sinceMs = Date.parse(since);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(since) || Number.isNaN(sinceMs)) throw new BridgeError(400, 'bad_request', `modifiedSince must be an RFC 3339 date-time, got ${since}`, 'modifiedSince');
  }
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? 100 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BridgeError(400, 'bad_request', 'limit must be a whole number from 1 to 500', 'limit');
  const signature = JSON.stringify([since, ...[...filters, ...handledFilters].map((f) => q.get(f))]);
  let after: Position | null = null;
  const cursor = q.get('cursor');
  if (cursor !== null) {
    try {
      after = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position;
    } catch {
      after = null;
    }
    if (!after || typeof after.m !== 'number' || typeof after.k !== 'string' || after.f !== signature) throw new BridgeError(400, 'bad_request', 'cursor is not one this bridge issued for these filters', 'cursor');
  }
  const sorted = rows
    .filter((r) => filters.every((f) => q.get(f) === null || String((r as Record<string, unknown>)[f]) === q.get(f)))
    .map((r) => ({ r, m: Date.parse(r.modifiedAt), k: key(r) }))
    .filter((x) => x.m >= sinceMs)
    .filter((x) => !after || x.m > after.m || (x.m === after.m && x.k > after.k))
    .sort((a, b) => a.m - b.m || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = sorted.length > limit && last ? Buffer.from(JSON.stringify({ m: last.m, k: last.k, f: signature } satisfies Position)).toString('base64url') : null;
  return ok({ data: page.map((x) => view(x.r)), nextCursor });
}

function throwIt(err: Error): never {
  throw err;
}
