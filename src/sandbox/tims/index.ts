/**
 * TIMS bridge emulator: serves Syncline's TIMS bridge contract (docs/connectors/tims-contract.yaml)
 * under `/api/v1` over one industrial-gas distributor's books, with a bearer API key, the shared
 * fault rules, a settable clock and control endpoints for the business events a test stages.
 * Control API (not part of the contract): `/__sandbox/faults`, `GET|DELETE /__sandbox/calls`,
 * `POST /__sandbox/reset`, `GET|POST /__sandbox/clock`, `POST /__sandbox/events/{event}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyTransportFault, FaultInjector, handleFaultControl } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import { API_PREFIX, CONTRACT_VERSION, route } from './api.js';
import { ageInvoices, moveCylinders, moveStock, pickUp, postInvoice, postRentalInvoice, receivePayment, ship, stageWillCall, updateCustomer } from './business.js';
import { addStatement, seedBooks } from './seed.js';
import { TimsBooks, TimsClock } from './state.js';
import { BridgeError, type CustomerRow, type PaymentRow } from './types.js';
import { availabilityView, customerView, cylinderView } from './views.js';

export { TimsBooks, TimsClock } from './state.js';
export { customerView } from './views.js';

/** The API key the sandbox accepts by default. */
export const TIMS_SANDBOX_API_KEY = 'tims-sandbox-key';

/** Start options of the TIMS emulator. */
export interface TimsEmulatorOptions extends EmulatorOptions {
  /** API keys accepted (default: `tims-sandbox-key`). */
  apiKeys?: string[];
  /** Start the clock at this instant instead of now. */
  now?: Date;
  /** Seconds a 429 asks the client to wait (default 2). */
  retryAfterSeconds?: number;
}

/** One API request as the emulator received and answered it (for contract checks in tests). */
export interface TimsCall {
  method: string;
  /** Path with the `/api/v1` prefix, without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The parsed JSON body, if any. */
  body: unknown;
  status: number;
  /** The JSON answered. */
  response: unknown;
  responseHeaders: Record<string, string>;
  /** A fault rule answered instead of the bridge (its answer may be off-contract on purpose). */
  injected?: boolean;
}

/** A running TIMS emulator with its test and demo helpers. */
export interface RunningTimsEmulator extends RunningEmulator {
  /** The contract's base URL (`<url>/api/v1`): the connector's `baseUrl`. */
  baseUrl: string;
  apiKey: string;
  books: TimsBooks;
  clock: TimsClock;
  /** Every API request since the last reset or `calls.length = 0`. */
  calls: TimsCall[];
  reset(): void;
  /** A customer as the API answers it. */
  customer(code: string): Record<string, unknown> | undefined;
  /** Cylinders delivered to a customer's location (default its default ship-to). */
  deliverCylinders(input: { customerCode: string; locationId?: string; gasType: string; size: string; count: number }): Record<string, unknown>;
  /** Cylinders returned by a customer. */
  returnCylinders(input: { customerCode: string; locationId?: string; gasType: string; size: string; count: number }): Record<string, unknown>;
  /** A will-call order staged at its branch. */
  stageWillCall(orderNo: string): void;
  /** A will-call order collected at its branch. */
  pickUp(orderNo: string): void;
  /** A ship order leaves on the truck. */
  ship(orderNo: string): void;
  /** Posts the invoice of a shipped or picked-up order; returns the invoice number. */
  postInvoice(orderNo: string): string;
  /** Bills a customer's monthly cylinder rental; returns the invoice number. */
  postRentalInvoice(customerCode: string): string;
  /** Receives a payment (applied to `invoiceNo`, else the oldest open invoices); returns the payment id. */
  receivePayment(input: { customerCode: string; amount: string; method?: PaymentRow['method']; reference?: string; invoiceNo?: string }): string;
  /** The nightly aging; returns the invoices that became overdue. */
  ageInvoices(): string[];
  /** Sets a warehouse's stock figures. */
  setAvailability(input: { itemCode: string; warehouseId: string; onHand?: number; committed?: number; onOrder?: number }): Record<string, unknown>;
  /** Changes a customer's credit limit or status, as credit control would. */
  setCredit(input: { customerCode: string; creditLimit?: string; status?: CustomerRow['status'] }): void;
  /** Runs month-end statements for every customer. */
  runStatements(): void;
}

/** HTTP status of each error code a fault may name as `vendorError`. */
const ERROR_STATUS: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  duplicate_external_id: 409,
  duplicate_email: 409,
  validation_failed: 422,
  unknown_reference: 422,
  rate_limited: 429,
  internal_error: 500,
};

/** Starts the emulator; resolves once it listens. */
export async function startTimsEmulator(options: TimsEmulatorOptions = {}): Promise<RunningTimsEmulator> {
  const clock = new TimsClock();
  if (options.now) clock.set(options.now);
  const books = new TimsBooks(clock);
  const seed = options.seed ?? true;
  const load = () => {
    books.wipe();
    if (seed) seedBooks(books);
    else books.warehouses = [{ warehouseId: 'BIL', name: 'Billings branch', willCall: true }];
  };
  load();
  const apiKeys = new Set(options.apiKeys ?? [TIMS_SANDBOX_API_KEY]);
  const retryAfter = String(options.retryAfterSeconds ?? 2);
  const faults = new FaultInjector();
  const calls: TimsCall[] = [];

  const helpers = {
    reset(): void {
      load();
      calls.length = 0;
      faults.clear();
    },
    customer: (code: string) => {
      const c = books.customers.get(code);
      return c ? customerView(books, c) : undefined;
    },
    deliverCylinders: (i: { customerCode: string; locationId?: string; gasType: string; size: string; count: number }) => cylinderView(moveCylinders(books, { ...i, count: Math.abs(i.count) })),
    returnCylinders: (i: { customerCode: string; locationId?: string; gasType: string; size: string; count: number }) => cylinderView(moveCylinders(books, { ...i, count: -Math.abs(i.count) })),
    stageWillCall: (no: string) => void stageWillCall(books, no),
    pickUp: (no: string) => void pickUp(books, no),
    ship: (no: string) => void ship(books, no),
    postInvoice: (no: string) => postInvoice(books, no).invoiceNo,
    postRentalInvoice: (code: string) => postRentalInvoice(books, code).invoiceNo,
    receivePayment: (i: { customerCode: string; amount: string; method?: PaymentRow['method']; reference?: string; invoiceNo?: string }) => receivePayment(books, i).paymentId,
    ageInvoices: () => ageInvoices(books),
    setAvailability: (i: { itemCode: string; warehouseId: string; onHand?: number; committed?: number; onOrder?: number }) => {
      if (!books.items.has(i.itemCode)) throw new BridgeError(404, 'not_found', `no item ${i.itemCode}`);
      const current = books.availability.get(`${i.itemCode}/${i.warehouseId}`);
      moveStock(books, i.itemCode, i.warehouseId, {
        onHand: i.onHand === undefined ? 0 : i.onHand - (current?.onHand ?? 0),
        committed: i.committed === undefined ? 0 : i.committed - (current?.committed ?? 0),
        onOrder: i.onOrder === undefined ? 0 : i.onOrder - (current?.onOrder ?? 0),
      });
      return availabilityView(books.availability.get(`${i.itemCode}/${i.warehouseId}`)!);
    },
    setCredit: (i: { customerCode: string; creditLimit?: string; status?: CustomerRow['status'] }) => {
      const changes: Partial<CustomerRow> = {};
      if (i.creditLimit !== undefined) changes.creditLimit = i.creditLimit;
      if (i.status !== undefined) changes.status = i.status;
      updateCustomer(books, i.customerCode, changes);
    },
    runStatements: () => {
      for (const code of books.customers.keys()) addStatement(books, code);
    },
  };

  /** Business events by control path, each taking the JSON body. */
  const events: Record<string, (b: Record<string, unknown>) => unknown> = {
    'deliver-cylinders': (b) => helpers.deliverCylinders(b as never),
    'return-cylinders': (b) => helpers.returnCylinders(b as never),
    'stage-will-call': (b) => helpers.stageWillCall(String(b.orderNo)),
    'pick-up': (b) => helpers.pickUp(String(b.orderNo)),
    ship: (b) => helpers.ship(String(b.orderNo)),
    'post-invoice': (b) => ({ invoiceNo: b.orderNo ? helpers.postInvoice(String(b.orderNo)) : helpers.postRentalInvoice(String(b.customerCode)) }),
    'receive-payment': (b) => ({ paymentId: helpers.receivePayment(b as never) }),
    'age-invoices': () => ({ overdue: helpers.ageInvoices() }),
    'set-availability': (b) => helpers.setAvailability(b as never),
    'set-credit': (b) => helpers.setCredit(b as never),
    'run-statements': () => helpers.runStatements(),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'internal_error', message: String(err), field: null }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await handleFaultControl(faults, req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/__sandbox/')) return control(url, req, res);
    const text = await readBody(req);
    const call: TimsCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
      body: undefined,
      status: 0,
      response: undefined,
      responseHeaders: {},
    };
    calls.push(call);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      call.response = body;
      call.responseHeaders = headers;
      sendJson(res, status, body, headers);
    };
    const error = (e: BridgeError) => answer(e.status, { code: e.code, message: e.message, field: e.field }, e.headers);
    if (text.length > 0) {
      try {
        call.body = JSON.parse(text);
      } catch {
        call.body = text;
      }
    }
    const fault = faults.pick(call.method, `${url.pathname}${url.search}`);
    if (fault) {
      call.injected = true;
      if (await applyTransportFault(fault, req, res)) {
        call.status = fault.status ?? 0;
        return;
      }
      if (fault.vendorError) {
        const status = ERROR_STATUS[fault.vendorError] ?? 500;
        const headers = status === 429 ? { 'retry-after': retryAfter, ...fault.headers } : { ...fault.headers };
        return error(new BridgeError(status, fault.vendorError, `injected ${fault.vendorError}`, null, headers));
      }
    }
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) return error(new BridgeError(404, 'not_found', `no route ${url.pathname}: the contract lives under ${API_PREFIX}`));
    const auth = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!auth || !apiKeys.has(auth[1].trim())) return error(new BridgeError(401, 'unauthorized', auth ? 'the API key is not known to this bridge' : 'send the API key as Authorization: Bearer <key>'));
    if (typeof call.body === 'string') {
      return error(new BridgeError(400, 'bad_request', 'the body is not JSON'));
    } else if (call.body === undefined && (req.method === 'POST' || req.method === 'PATCH')) {
      return error(new BridgeError(400, 'bad_request', 'a JSON body is required'));
    }
    try {
      const segments = url.pathname.slice(API_PREFIX.length + 1).split('/').filter(Boolean).map(decodeURIComponent);
      const reply = route(books, { method: call.method, segments, query: url.searchParams, headers: req.headers, body: call.body });
      answer(reply.status, reply.body, reply.headers);
    } catch (err) {
      if (err instanceof BridgeError) return error(err);
      throw err;
    }
  }

  async function control(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    try {
      if (path === '/__sandbox/calls') {
        if (req.method === 'DELETE') calls.length = 0;
        return sendJson(res, 200, { calls });
      }
      if (path === '/__sandbox/reset' && req.method === 'POST') {
        helpers.reset();
        return sendJson(res, 200, { ok: true });
      }
      if (path === '/__sandbox/clock') {
        if (req.method === 'POST') {
          const b = JSON.parse((await readBody(req)) || '{}') as { at?: string; advanceMs?: number; real?: boolean };
          if (b.real) clock.resetToReal();
          if (b.at) clock.set(new Date(b.at));
          if (b.advanceMs) clock.advance(b.advanceMs);
        }
        return sendJson(res, 200, { now: clock.stamp() });
      }
      const event = path.startsWith('/__sandbox/events/') && req.method === 'POST' ? events[path.slice('/__sandbox/events/'.length)] : undefined;
      if (event) return sendJson(res, 200, { ok: true, result: event(JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>) ?? null });
      return sendJson(res, 404, { code: 'not_found', message: `unknown control endpoint ${req.method} ${path} (events: ${Object.keys(events).join(', ')})`, field: null });
    } catch (err) {
      if (err instanceof BridgeError) return sendJson(res, err.status, { code: err.code, message: err.message, field: err.field });
      return sendJson(res, 400, { code: 'bad_request', message: (err as Error).message, field: null });
    }
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    system: 'tims',
    url,
    baseUrl: `${url}${API_PREFIX}`,
    apiKey: [...apiKeys][0],
    faults,
    books,
    clock,
    calls,
    connectInfo: () => [
      ['bridge base URL', `${url}${API_PREFIX}`],
      ['API key', [...apiKeys].map((k) => `Authorization: Bearer ${k}`).join(', ')],
      ['contract', `docs/connectors/tims-contract.yaml (version ${CONTRACT_VERSION})`],
      ['company', books.companyName],
      ['429 Retry-After', `${retryAfter} s`],
      ['control API', `${url}/__sandbox/ (docs/sandbox.md)`],
    ],
    ...helpers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
