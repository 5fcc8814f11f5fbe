/**
 * Sage 100 emulator: an eBusiness Web Services SOAP endpoint (`/MasBasicService.svc`, WSDL at
 * `?wsdl`) over a SQLite company file with Sage 100's table layouts, which the connector reads through
 * the real SQLite ODBC driver (unixODBC) as it would read SOTAMAS90 on a Sage host. Control API:
 * `/__sandbox/faults` (shared), `GET /__sandbox/calls`, `POST /__sandbox/reset`, `GET|POST
 * /__sandbox/clock`, and `POST /__sandbox/activity/{order-status|post-invoice|credit-memo|payment|credit-limit|customer|new-customer|
 * delete-customer|contact|sales-order|item|item-update|receive-stock|adjust-stock|purchase-order|warehouse}`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyTransportFault, FaultInjector, handleFaultControl } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import {
  addCustomer, addWarehouse, adjustStock, createItem, editCustomer, orderStock, postCreditMemo, postInvoice, receivePayment, receiveStock, setCreditLimit, setOrderStatus, updateItem,
} from './activity.js';
import { Company, MasFault } from './business.js';
import { SageClock } from './clock.js';
import { CompanyDb } from './db.js';
import { registerSandboxDsn } from './odbc-dsn.js';
import { DEFAULT_SEED, seedCompany, type SeedSize } from './seed.js';
import { runOperation, type Sage100User } from './service.js';
import { parseEnvelope, renderFault } from './soap.js';
import { buildWsdl, SERVICE_PATH } from './wsdl.js';

export type { Sage100User } from './service.js';
export type { SeedSize } from './seed.js';

/** Start options of the Sage 100 emulator. */
export interface Sage100EmulatorOptions extends EmulatorOptions {
  /** Company file path; default a new file in the temp directory (deleted on close). An existing file keeps its data. */
  dbPath?: string;
  /** The 3-character company code requests must carry (default `ABC`). */
  companyCode?: string;
  /** Users allowed to log on (default one user `syncline` / `sage100`). */
  users?: Sage100User[];
  /** IANA time zone of the emulated Sage server; stamps are local wall time there (default UTC). */
  timeZone?: string;
  /** Start the clock at this instant instead of now. */
  now?: Date;
  /** Size of the seeded company (default: DEFAULT_SEED). */
  seedSize?: Partial<SeedSize>;
}

/** One eBWS request as the emulator received it. */
export interface Sage100Call {
  operation: string;
  at: string;
  username?: string;
  companyCode?: string;
  /** The fault code answered, if any. */
  fault?: string;
  /** HTTP status answered. */
  status: number;
}

/** A running Sage 100 emulator with its test and demo helpers. */
export interface RunningSage100Emulator extends RunningEmulator {
  /** The company file (SQLite). */
  dbPath: string;
  /** A driver connection string to the company file through unixODBC's SQLite3 driver: read-only, with the ODBC scalar functions; usable from any process. */
  odbcConnectionString: string;
  /** The DSN registered for this company (as SOTAMAS90 on a Sage host): `DSN=<odbcDsn>;UID=…;PWD=…;Company=…` opens it in this process. */
  odbcDsn: string;
  /** The odbc.ini holding the DSN (set `ODBCINI` to it to use the DSN from another process). */
  odbcIni: string;
  /** The eBWS endpoint (`<url>/MasBasicService.svc`); the WSDL is at `?wsdl`. */
  endpointUrl: string;
  companyCode: string;
  users: Sage100User[];
  clock: SageClock;
  db: CompanyDb;
  /** Every eBWS request received since the last reset. */
  calls: Sage100Call[];
  /** Empties and reseeds the company, clears calls and fault rules. */
  reset(): void;
  /** Sets the server clock (it keeps running from there). */
  setClock(at: Date | string): void;
  /** Moves the server clock by `ms`. */
  advanceClock(ms: number): void;
  /** Sets an open order's status (N/O/H/C), or advances it one step (N→O→C, H→O) without `status`; stamps it and returns the new status. */
  setOrderStatus(salesOrderNo: string, status?: string): string;
  /** Posts an order's invoice (order moves to invoice history). Returns the invoice number. */
  postInvoice(salesOrderNo: string): string;
  /** Posts an A/R credit memo of `amount` for a customer (`01-ABF`); returns its number. */
  postCreditMemo(customerId: string, amount: string, comment?: string): string;
  /** Posts a cash receipt applied to the customer's open invoices (the named one first, then the oldest). */
  receivePayment(customerId: string, amount: string, options?: { checkNo?: string; invoiceNo?: string; paymentType?: string }): { depositNo: string; applied: Array<{ invoiceNo: string; amount: string }> };
  /** Changes a customer's credit limit (and hold flag). */
  setCreditLimit(customerId: string, creditLimit: string, creditHold?: 'Y' | 'N'): void;
  /** Edits customer columns directly, as Customer Maintenance would. */
  editCustomer(customerId: string, values: Record<string, string>): void;
  /** Adds a customer (AR_Customer columns) as Customer Maintenance would; returns `01-ABF`. */
  addCustomer(values: Record<string, string>): string;
  /** Creates an item (CI_Item columns) with an empty stock row in its default warehouse, as Item Maintenance would. */
  createItem(values: Record<string, string>): void;
  /** Changes an item's columns (price, description…). */
  updateItem(itemCode: string, values: Record<string, string>): void;
  /** Receives stock into a warehouse (default: the item's); returns the new quantity on hand there. */
  receiveStock(itemCode: string, quantity: string, warehouseCode?: string): string;
  /** Adjusts stock in a warehouse by a signed quantity (an inventory adjustment); returns the new quantity on hand there. */
  adjustStock(itemCode: string, quantity: string, warehouseCode?: string): string;
  /** Enters a purchase order line (on purchase order grows); returns the new quantity on order there. */
  orderStock(itemCode: string, quantity: string, warehouseCode?: string): string;
  /** Adds a warehouse (IM_Warehouse columns) as Warehouse Code Maintenance would; returns its code. */
  addWarehouse(values: Record<string, string>): string;
  /** Adds a contact to a customer (`01-ABF`; AR_CustomerContact columns) as Customer Maintenance would, with the eBWS contact rules. */
  addContact(customerId: string, values: Record<string, string>): void;
  /** Deletes a customer as Customer Maintenance would (refused with open orders); its history stays. */
  deleteCustomer(customerId: string): void;
  /** Enters a sales order (Sales Order Entry) with the next order number and the eBWS rules (defaults, prices, stock on sales order); returns its number. */
  enterSalesOrder(header: Record<string, string>, lines: Record<string, string>[]): string;
  /** Stops listening (clients get "connection refused"), as when IIS is down; the data stays. */
  stopService(): Promise<void>;
  /** Listens again on the same port. */
  startService(): Promise<void>;
}

/** Starts the emulator; resolves once it listens. */
export async function startSage100Emulator(options: Sage100EmulatorOptions = {}): Promise<RunningSage100Emulator> {
  const ownsFile = options.dbPath === undefined;
  const dbPath = options.dbPath ?? join(tmpdir(), `syncline-sage100-${randomUUID()}.db`);
  const companyCode = options.companyCode ?? 'ABC';
  const users = options.users ?? [{ username: 'syncline', password: 'sage100' }];
  const clock = new SageClock(options.timeZone ?? 'UTC');
  if (options.now) clock.set(options.now);
  const db = new CompanyDb(dbPath, clock);
  const company = new Company(db);
  const faults = new FaultInjector();
  const calls: Sage100Call[] = [];
  const seedSize: SeedSize = options.seed === false ? { customers: 0, items: 0, orders: 0, invoices: 0 } : { ...DEFAULT_SEED, ...options.seedSize };
  if (db.ensureSchema()) seedCompany(db, clock.now(), seedSize);
  const dsn = registerSandboxDsn(dbPath, companyCode);

  const helpers = {
    reset(): void {
      db.wipe();
      seedCompany(db, clock.now(), seedSize);
      calls.length = 0;
      faults.clear();
    },
    setClock: (at: Date | string) => clock.set(typeof at === 'string' ? new Date(at) : at),
    advanceClock: (ms: number) => clock.advance(ms),
    setOrderStatus: (no: string, status?: string) => setOrderStatus(db, no, status),
    postInvoice: (no: string) => postInvoice(db, no),
    postCreditMemo: (id: string, amount: string, comment?: string) => postCreditMemo(db, id, amount, comment),
    receivePayment: (id: string, amount: string, options?: { checkNo?: string; invoiceNo?: string; paymentType?: string }) => receivePayment(db, id, amount, options),
    setCreditLimit: (id: string, limit: string, hold?: 'Y' | 'N') => setCreditLimit(db, id, limit, hold),
    editCustomer: (id: string, values: Record<string, string>) => editCustomer(db, id, values),
    addCustomer: (values: Record<string, string>) => addCustomer(db, values),
    createItem: (values: Record<string, string>) => createItem(db, values),
    updateItem: (itemCode: string, values: Record<string, string>) => updateItem(db, itemCode, values),
    adjustStock: (itemCode: string, quantity: string, warehouseCode?: string) => adjustStock(db, itemCode, quantity, warehouseCode),
    orderStock: (itemCode: string, quantity: string, warehouseCode?: string) => orderStock(db, itemCode, quantity, warehouseCode),
    addWarehouse: (values: Record<string, string>) => addWarehouse(db, values),
    addContact(customerId: string, values: Record<string, string>): void {
      const [ARDivisionNo, ...rest] = customerId.split('-');
      company.createCustomerContact({ ...values, ARDivisionNo, CustomerNo: rest.join('-') });
    },
    deleteCustomer(customerId: string): void {
      const [division, ...rest] = customerId.split('-');
      company.deleteCustomer(division, rest.join('-'));
    },
    enterSalesOrder(header: Record<string, string>, lines: Record<string, string>[]): string {
      return db.tx(() => {
        const SalesOrderNo = company.nextSalesOrderNo();
        company.createSalesOrder({ header: { ...header, SalesOrderNo }, lines: lines.map((l) => ({ ...l })) });
        return SalesOrderNo;
      });
    },
    receiveStock: (itemCode: string, quantity: string, warehouseCode?: string) => receiveStock(db, itemCode, quantity, warehouseCode),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await handleFaultControl(faults, req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/__sandbox/')) return control(url, req, res);
    if (url.pathname.toLowerCase() !== SERVICE_PATH.toLowerCase()) return sendText(res, 404, 'text/plain', 'Not found');
    if (req.method === 'GET' && (url.searchParams.has('wsdl') || url.searchParams.has('singleWsdl'))) {
      return sendText(res, 200, 'text/xml; charset=utf-8', buildWsdl(`http://${req.headers.host}${SERVICE_PATH}`));
    }
    if (req.method !== 'POST') return sendText(res, 405, 'text/plain', 'Method not allowed');
    const body = await readBody(req);
    let call;
    try {
      call = parseEnvelope(body);
    } catch (err) {
      return sendText(res, 400, 'text/plain', `Bad SOAP request: ${(err as Error).message}`);
    }
    const logon = (call.args.logon ?? {}) as Record<string, unknown>;
    const record: Sage100Call = { operation: call.operation, at: new Date().toISOString(), username: logon.Username as string | undefined, companyCode: call.args.companyCode as string | undefined, status: 200 };
    calls.push(record);
    const fault = faults.pick('POST', `${SERVICE_PATH}/${call.operation}`);
    if (fault) {
      if (await applyTransportFault(fault, req, res)) {
        record.status = fault.status ?? 0;
        return;
      }
      if (fault.vendorError) {
        record.status = 500;
        record.fault = fault.vendorError;
        return sendText(res, 500, 'text/xml; charset=utf-8', renderFault(fault.vendorError, injectedMessage(fault.vendorError)));
      }
    }
    try {
      sendText(res, 200, 'text/xml; charset=utf-8', runOperation(call, company, companyCode, users));
    } catch (err) {
      if (!(err instanceof MasFault)) throw err;
      record.status = 500;
      record.fault = err.code;
      sendText(res, 500, 'text/xml; charset=utf-8', renderFault(err.code, err.message));
    }
  }

  async function control(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    try {
      if (path === '/__sandbox/calls' && req.method === 'GET') return sendJson(res, 200, { calls });
      if (path === '/__sandbox/reset' && req.method === 'POST') {
        helpers.reset();
        return sendJson(res, 200, { ok: true });
      }
      if (path === '/__sandbox/clock') {
        if (req.method === 'POST') {
          const b = JSON.parse((await readBody(req)) || '{}') as { at?: string; advanceMs?: number; real?: boolean };
          if (b.real) clock.resetToReal();
          if (b.at) helpers.setClock(b.at);
          if (b.advanceMs) helpers.advanceClock(b.advanceMs);
        }
        return sendJson(res, 200, { now: clock.now().toISOString(), timeZone: clock.timeZone, stamp: clock.stamp() });
      }
      if (path.startsWith('/__sandbox/activity/') && req.method === 'POST') {
        const b = JSON.parse((await readBody(req)) || '{}') as Record<string, string>;
        switch (path.slice('/__sandbox/activity/'.length)) {
          case 'order-status':
            return sendJson(res, 200, { ok: true, status: helpers.setOrderStatus(b.salesOrderNo, b.status || undefined) });
          case 'post-invoice':
            return sendJson(res, 200, { ok: true, invoiceNo: helpers.postInvoice(b.salesOrderNo) });
          case 'credit-memo':
            return sendJson(res, 200, { ok: true, invoiceNo: helpers.postCreditMemo(b.customerId, String(b.amount), b.comment || undefined) });
          case 'payment':
            return sendJson(res, 200, { ok: true, ...helpers.receivePayment(b.customerId, String(b.amount), { checkNo: b.checkNo || undefined, invoiceNo: b.invoiceNo || undefined, paymentType: b.paymentType || undefined }) });
          case 'credit-limit':
            helpers.setCreditLimit(b.customerId, b.creditLimit, b.creditHold as 'Y' | 'N' | undefined);
            return sendJson(res, 200, { ok: true });
          case 'customer': {
            const { customerId, ...values } = b;
            helpers.editCustomer(customerId, values);
            return sendJson(res, 200, { ok: true });
          }
          case 'new-customer':
            return sendJson(res, 201, { ok: true, customerId: helpers.addCustomer(b) });
          case 'item':
            helpers.createItem(b);
            return sendJson(res, 201, { ok: true, itemCode: b.ItemCode.toUpperCase() });
          case 'item-update': {
            const { itemCode, ...values } = b;
            helpers.updateItem(itemCode, values);
            return sendJson(res, 200, { ok: true });
          }
          case 'receive-stock':
            return sendJson(res, 200, { ok: true, quantityOnHand: helpers.receiveStock(b.itemCode, String(b.quantity), b.warehouseCode || undefined) });
          case 'adjust-stock':
            return sendJson(res, 200, { ok: true, quantityOnHand: helpers.adjustStock(b.itemCode, String(b.quantity), b.warehouseCode || undefined) });
          case 'purchase-order':
            return sendJson(res, 200, { ok: true, quantityOnPurchaseOrder: helpers.orderStock(b.itemCode, String(b.quantity), b.warehouseCode || undefined) });
          case 'warehouse':
            return sendJson(res, 201, { ok: true, warehouseCode: helpers.addWarehouse(b) });
          case 'contact': {
            const { customerId, ...values } = b;
            helpers.addContact(customerId, values);
            return sendJson(res, 201, { ok: true });
          }
          case 'delete-customer':
            helpers.deleteCustomer(b.customerId);
            return sendJson(res, 200, { ok: true });
          case 'sales-order': {
            const { Lines, ...header } = b as unknown as Record<string, string> & { Lines?: Record<string, string>[] };
            return sendJson(res, 201, { ok: true, salesOrderNo: helpers.enterSalesOrder(header, Array.isArray(Lines) ? Lines : []) });
          }
        }
      }
      return sendJson(res, 404, { error: `unknown control endpoint ${req.method} ${path}` });
    } catch (err) {
      const e = err as Error & { code?: string };
      const status = !(err instanceof MasFault) ? 400 : err.code === 'CI_NoKey' ? 404 : err.code === 'WS_AlreadyExists' ? 409 : 400;
      return sendJson(res, status, { error: e.message, code: e.code });
    }
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  let listening = true;
  const stopService = async () => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const startService = async () => {
    if (listening) return;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    listening = true;
  };
  return {
    system: 'sage100',
    url,
    faults,
    connectInfo: () => [
      ['eBWS endpoint', `${url}${SERVICE_PATH}`],
      ['WSDL', `${url}${SERVICE_PATH}?wsdl`],
      ['logon', users.map((u) => `${u.username} / ${u.password}`).join(', ')],
      ['company code', companyCode],
      ['ODBC DSN', `${dsn.name} (in ${dsn.odbcIni}: export ODBCINI=${dsn.odbcIni})`],
      ['ODBC connection string (DSN)', `DSN=${dsn.name};UID=${users[0]?.username ?? ''};PWD=${users[0]?.password ?? ''};Company=${companyCode}`],
      ['ODBC connection string (file)', dsn.fileConnectionString],
      ['company file', dbPath],
      ['server time zone', clock.timeZone],
      ['control API', `${url}/__sandbox/ (docs/sandbox.md)`],
    ],
    dbPath,
    odbcConnectionString: dsn.fileConnectionString,
    odbcDsn: dsn.name,
    odbcIni: dsn.odbcIni,
    endpointUrl: `${url}${SERVICE_PATH}`,
    companyCode,
    users,
    clock,
    db,
    calls,
    ...helpers,
    stopService,
    startService,
    async close() {
      await stopService();
      dsn.remove();
      db.close();
      if (ownsFile) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
    },
  };
}

/** Message of an injected vendor fault, worded like the real one. */
function injectedMessage(code: string): string {
  const known: Record<string, string> = {
    CI_NoKey: 'The record does not exist.',
    CI_NOF: 'Could not set AR_Customer_bus column ZipCode: record not found.',
    CI_CharLength: 'The CustomerName is greater than 30 character(s).',
    WS_AlreadyExists: 'The record already exists.',
    SY_InvalidLogon: 'Invalid username or password.',
    SY_NoAccess: 'No Access - you are not authorized to perform this action.',
  };
  return known[code] ?? `Injected fault ${code}.`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, 'application/json', JSON.stringify(body));
}
