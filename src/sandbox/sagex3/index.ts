/**
 * Sage X3 emulator: the classic SOAP web service CAdxWebServiceXmlCC (WSDL at `?wsdl`, save/modify/
 * read/query/delete/run, XML or JSON per adxwss.optreturn) and the Syracuse REST api1 over one
 * in-memory folder, both behind HTTP Basic auth. Control API: `/__sandbox/faults` (shared),
 * `GET /__sandbox/calls`, `POST /__sandbox/reset`, `GET|POST /__sandbox/clock`, `POST /__sandbox/pool`
 * (`started` | `stopped` | `busy`), `POST /__sandbox/lock`, and the business events a test stages:
 * `POST /__sandbox/events/{ship-order|post-invoice|pay-invoice|receive-stock|credit|edit-customer|edit-item|
 * release-order|add-site}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyTransportFault, FaultInjector, handleFaultControl } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import { Business } from './business.js';
import { X3Clock } from './clock.js';
import { X3Error, type Row } from './model.js';
import { defaultPublications, type Publication } from './publications.js';
import { handleRest, stringifyExact } from './rest.js';
import { handleGraphql, type ConnectedApp, type GqlRelease } from './graphql/index.js';
import { DEFAULT_X3_SEED, seedFolder, type X3SeedSize } from './seed.js';
import { parseSoapRequest, renderSoapFault, renderSoapResult, type CAdxResult } from './soap-envelope.js';
import { runSoap } from './soap-service.js';
import { Tables } from './tables.js';
import { buildWsdl, SOAP_PATH, WSDL_PATH } from './wsdl.js';

export type { X3SeedSize } from './seed.js';
export type { Publication } from './publications.js';
export { Business } from './business.js';
export { Tables } from './tables.js';
export type { ConnectedApp, GqlRelease } from './graphql/index.js';

/** The connected application the emulator knows by default (its JWT secret signs GraphQL tokens). */
export const DEFAULT_CONNECTED_APP: ConnectedApp = { clientId: 'syncline-graphql', secret: 'x3-connected-app-secret-0123456789', users: ['SYNCLINE'] };

/** An X3 user allowed to call the web services. */
export interface X3User {
  user: string;
  password: string;
}

/** Start options of the X3 emulator. */
export interface SageX3EmulatorOptions extends EmulatorOptions {
  /** The X3 endpoint (folder) name in REST URLs (default `SEED`). */
  endpoint?: string;
  /** The web service pool alias SOAP calls must name (default `SEED`). */
  poolAlias?: string;
  /** Users (default one: `SYNCLINE` / `x3-sandbox`). */
  users?: X3User[];
  /** Size of the seeded folder. */
  seedSize?: Partial<X3SeedSize>;
  /** Start the clock at this instant (after seeding). */
  now?: Date;
  /** Connected applications allowed on the GraphQL API (default one: DEFAULT_CONNECTED_APP). */
  connectedApps?: ConnectedApp[];
  /** Which release's GraphQL node names to serve (default 2023: `x3MasterData`; 2021: `xtremX3MasterData`). */
  graphqlRelease?: GqlRelease;
}

/** One call as the emulator received it. */
export interface SageX3Call {
  api: 'soap' | 'rest' | 'graphql';
  /** SOAP operation or HTTP method. */
  operation: string;
  /** SOAP public name or REST path. */
  target: string;
  at: string;
  status: number;
  /** SOAP: CAdxResultXml status. */
  x3Status?: number;
}

/** The state of the web service pool. */
export type PoolState = 'started' | 'stopped' | 'busy';

/** A running X3 emulator with its test and demo helpers. */
export interface RunningSageX3Emulator extends RunningEmulator {
  /** The SOAP endpoint (`<url>/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC`). */
  soapUrl: string;
  /** The WSDL address. */
  wsdlUrl: string;
  /** The REST api1 base (`<url>/api1/x3/erp/<endpoint>`). */
  restUrl: string;
  /** The GraphQL endpoint (`<url>/xtrem/api`). */
  graphqlUrl: string;
  connectedApps: ConnectedApp[];
  endpoint: string;
  poolAlias: string;
  users: X3User[];
  clock: X3Clock;
  tables: Tables;
  business: Business;
  publications: Map<string, Publication>;
  calls: SageX3Call[];
  /** The raw SOAP request bodies received (newest last, at most 200), for tests of escaping. */
  soapBodies: string[];
  /** Sets the pool: `stopped` answers HTTP 500 "No Web services accepted"; `busy` answers status 0 with technicalInfos.busy. */
  setPool(state: PoolState): void;
  /** Locks or unlocks a record as another X3 user would. */
  setLock(cls: string, key: string, locked: boolean): void;
  /** Empties and reseeds the folder, clears calls, faults, locks and the pool state. */
  reset(): void;
}

/** Starts the emulator; resolves once it listens. */
export async function startSageX3Emulator(options: SageX3EmulatorOptions = {}): Promise<RunningSageX3Emulator> {
  const endpoint = options.endpoint ?? 'SEED';
  const poolAlias = options.poolAlias ?? 'SEED';
  const users = options.users ?? [{ user: 'SYNCLINE', password: 'x3-sandbox' }];
  const clock = new X3Clock();
  const tables = new Tables(clock);
  const business = new Business(tables);
  const publications = defaultPublications();
  const faults = new FaultInjector();
  const calls: SageX3Call[] = [];
  const soapBodies: string[] = [];
  const seedSize: X3SeedSize = options.seed === false ? { customers: 0, items: 0, orders: 0 } : { ...DEFAULT_X3_SEED, ...options.seedSize };
  let pool: PoolState = 'started';
  const connectedApps = options.connectedApps ?? [DEFAULT_CONNECTED_APP];
  const graphqlRelease = options.graphqlRelease ?? '2023';

  const seed = () => {
    seedFolder(business, seedSize);
    if (options.now) clock.set(options.now);
  };
  seed();

  const reset = () => {
    tables.wipe();
    business.resetCounters();
    clock.resetToReal();
    seed();
    calls.length = 0;
    soapBodies.length = 0;
    faults.clear();
    pool = 'started';
  };

  const authUser = (req: IncomingMessage): string | null => {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m) return null;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    const password = rest.join(':');
    return users.some((u) => u.user.toUpperCase() === user.toUpperCase() && u.password === password) ? user.toUpperCase() : null;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await handleFaultControl(faults, req, res)) return;
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const origin = `http://${req.headers.host}`;
    if (url.pathname.startsWith('/__sandbox/')) return control(url, req, res);
    const isSoap = url.pathname === SOAP_PATH || url.pathname === WSDL_PATH;
    if (isSoap && req.method === 'GET' && url.searchParams.has('wsdl')) return send(res, 200, 'text/xml; charset=utf-8', buildWsdl(`${origin}${SOAP_PATH}`));
    const isGraphql = url.pathname === '/xtrem/api';
    if (!isSoap && !isGraphql && !url.pathname.startsWith('/api1/')) return send(res, 404, 'text/plain', 'Not found');
    const fault = faults.pick(req.method ?? 'GET', `${url.pathname}${url.search}`);
    if (fault) {
      if (await applyTransportFault(fault, req, res)) return;
      if (fault.vendorError) return injected(fault.vendorError, isSoap, res);
    }
    if (isGraphql) return graphql(req, res);
    const user = authUser(req);
    if (!user) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="Syracuse"' });
      res.end('Unauthorized');
      return;
    }
    const body = await readBody(req);
    if (isSoap) return soap(body, user, res);
    return rest(url, req.method ?? 'GET', body, user, origin, res);
  }

  function soap(body: string, user: string, res: ServerResponse): void {
    soapBodies.push(body);
    if (soapBodies.length > 200) soapBodies.shift();
    const call: SageX3Call = { api: 'soap', operation: '?', target: '', at: new Date().toISOString(), status: 200 };
    calls.push(call);
    let parsed;
    try {
      parsed = parseSoapRequest(body);
    } catch (err) {
      call.status = 500;
      return send(res, 500, 'text/xml; charset=utf-8', renderSoapFault('soapenv:Client', `Bad SOAP request: ${(err as Error).message}`));
    }
    call.operation = parsed.operation;
    call.target = parsed.publicName;
    if (pool === 'stopped') {
      call.status = 500;
      return send(res, 500, 'text/plain; charset=utf-8', 'No Web services accepted');
    }
    let result: CAdxResult;
    const started = Date.now();
    if (pool === 'busy') result = { status: 0, busy: true, messages: [{ type: 3, message: 'Timeout: no web service pool entry available (pool busy)' }], resultXml: null };
    else if (parsed.callContext.poolAlias !== poolAlias) result = { status: 0, messages: [{ type: 3, message: `${parsed.callContext.poolAlias || '(empty)'} : Pool alias does not exist` }], resultXml: null };
    else if (parsed.callContext.codeLang && !['ENG', 'FRA', 'POR', 'SPA', 'GER', 'BRI'].includes(parsed.callContext.codeLang)) result = { status: 0, messages: [{ type: 3, message: `${parsed.callContext.codeLang} : Language code does not exist` }], resultXml: null };
    else result = runSoap(parsed, business, publications, user);
    result.durationMs = Date.now() - started;
    call.x3Status = result.status;
    send(res, 200, 'text/xml; charset=utf-8', renderSoapResult(parsed.operation, result));
  }

  function rest(url: URL, method: string, body: string, user: string, origin: string, res: ServerResponse): void {
    let json: unknown;
    if (body) {
      try {
        json = JSON.parse(body);
      } catch {
        calls.push({ api: 'rest', operation: method, target: url.pathname, at: new Date().toISOString(), status: 400 });
        return send(res, 400, 'application/json', JSON.stringify({ $diagnoses: [{ $severity: 'error', $message: 'Invalid JSON body' }] }));
      }
    }
    const answer = handleRest(business, endpoint, method, url, json, user, origin);
    calls.push({ api: 'rest', operation: method, target: `${url.pathname}${url.search}`, at: new Date().toISOString(), status: answer.status });
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
    res.end(stringifyExact(answer.body));
  }

  async function graphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, 'application/json', JSON.stringify({ errors: [{ message: 'GraphQL requests are POSTed' }] }));
    const answer = await handleGraphql({ business, endpoint, apps: connectedApps, release: graphqlRelease }, req.headers, await readBody(req));
    calls.push({ api: 'graphql', operation: 'POST', target: '/xtrem/api', at: new Date().toISOString(), status: answer.status });
    send(res, answer.status, 'application/json; charset=utf-8', JSON.stringify(answer.body));
  }

  function injected(code: string, isSoap: boolean, res: ServerResponse): void {
    if (code === 'NO_WEB_SERVICES' || code === 'POOL_STOPPED') return send(res, 500, 'text/plain; charset=utf-8', 'No Web services accepted');
    if (code === 'UNAUTHORIZED') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="Syracuse"' });
      res.end('Unauthorized');
      return;
    }
    if (isSoap) {
      const messages: Record<string, string> = { LOCKED: 'Record locked by another user (JSMITH)', BUSY: 'Timeout: no web service pool entry available (pool busy)' };
      return send(res, 200, 'text/xml; charset=utf-8', renderSoapResult('save', { status: 0, busy: code === 'BUSY', messages: [{ type: 3, message: messages[code] ?? `Injected error ${code}` }], resultXml: null }));
    }
    return send(res, 500, 'application/json', JSON.stringify({ $diagnoses: [{ $severity: 'error', $message: `Injected error ${code}` }] }));
  }

  async function control(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = url.pathname;
    const json = (v: unknown, status = 200) => send(res, status, 'application/json', JSON.stringify(v));
    try {
      const b = req.method === 'POST' ? (JSON.parse((await readBody(req)) || '{}') as Record<string, string>) : {};
      if (path === '/__sandbox/calls' && req.method === 'GET') return json({ calls });
      if (path === '/__sandbox/reset' && req.method === 'POST') {
        reset();
        return json({ ok: true });
      }
      if (path === '/__sandbox/clock') {
        if (req.method === 'POST') {
          const c = b as unknown as { at?: string; advanceMs?: number; real?: boolean };
          if (c.real) clock.resetToReal();
          if (c.at) clock.set(new Date(c.at));
          if (c.advanceMs) clock.advance(Number(c.advanceMs));
        }
        return json({ now: clock.now().toISOString() });
      }
      if (path === '/__sandbox/pool' && req.method === 'POST') {
        if (!['started', 'stopped', 'busy'].includes(b.state)) return json({ error: 'state must be started, stopped or busy' }, 400);
        pool = b.state as PoolState;
        return json({ pool });
      }
      if (path === '/__sandbox/lock' && req.method === 'POST') {
        helpers.setLock(b.class, b.key, String(b.locked) !== 'false');
        return json({ ok: true });
      }
      const ev = /^\/__sandbox\/events\/([a-z-]+)$/.exec(path);
      if (ev && req.method === 'POST') {
        const out = event(ev[1], b);
        if (out === undefined) return json({ error: `unknown event ${ev[1]}` }, 404);
        return json({ ok: true, record: out });
      }
      return json({ error: `unknown control endpoint ${req.method} ${path}` }, 404);
    } catch (err) {
      if (err instanceof X3Error) return json({ error: err.message }, err.httpStatus);
      return json({ error: (err as Error).message }, 400);
    }
  }

  function event(name: string, b: Record<string, string>): Row | undefined {
    switch (name) {
      case 'ship-order':
        return business.shipOrder(b.SOHNUM, { carrier: b.BPTNUM, tracking: b.TRKNUM });
      case 'post-invoice':
        return business.postInvoice(b.SOHNUM);
      case 'pay-invoice':
        return business.payInvoice(b.NUM, b.amount);
      case 'receive-stock':
        return business.receiveStock(b.ITMREF, b.STOFCY, b.QTY, b.LOT, b.LOC);
      case 'credit':
        return business.setCredit(b.BPCNUM, b.OSTAUZ, b.OSTCTL);
      case 'edit-customer': {
        const { BPCNUM, ...fields } = b;
        return business.editCustomer(BPCNUM, fields);
      }
      case 'edit-item': {
        const { ITMREF, ...fields } = b;
        return business.editItem(ITMREF, fields);
      }
      case 'release-order':
        return business.releaseOrder(b.SOHNUM);
      case 'add-site':
        return business.addSite(b);
      default:
        return undefined;
    }
  }

  const helpers = {
    setPool: (state: PoolState) => {
      pool = state;
    },
    setLock: (cls: string, key: string, locked: boolean) => {
      const set = tables.locks.get(cls) ?? new Set<string>();
      if (locked) set.add(key);
      else set.delete(key);
      tables.locks.set(cls, set);
    },
  };

  // Syracuse sits behind servers that keep idle connections far longer than Node's 5 s default; with
  // 5 s, a client whose event loop was busy past that reuses a socket the server just closed
  // ("other side closed"), which is what a bulk load of 100,000 customers ran into.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    system: 'sagex3',
    url,
    faults,
    soapUrl: `${url}${SOAP_PATH}`,
    wsdlUrl: `${url}${WSDL_PATH}?wsdl`,
    restUrl: `${url}/api1/x3/erp/${endpoint}`,
    graphqlUrl: `${url}/xtrem/api`,
    connectedApps,
    endpoint,
    poolAlias,
    users,
    clock,
    tables,
    business,
    publications,
    calls,
    soapBodies,
    connectInfo: () => [
      ['SOAP endpoint', `${url}${SOAP_PATH}`],
      ['WSDL', `${url}${WSDL_PATH}?wsdl`],
      ['REST api1 base', `${url}/api1/x3/erp/${endpoint}`],
      ['GraphQL (release ' + graphqlRelease + ')', `${url}/xtrem/api, connected app ${connectedApps.map((a) => `${a.clientId} / ${a.secret}`).join(', ')}`],
      ['folder / pool alias', `${endpoint} / ${poolAlias} (codeLang ENG)`],
      ['users (Basic auth)', users.map((u) => `${u.user} / ${u.password}`).join(', ')],
      ['published web services', [...publications.values()].map((p) => `${p.publicName} (${p.kind})`).join(', ')],
      ['control API', `${url}/__sandbox/ (docs/sandbox.md)`],
    ],
    ...helpers,
    reset,
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

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
