/**
 * A real Syncline server for the browser tests and the console screenshots: SQLite store, the real
 * hub with one worker, the admin API and the built console, plus a small ERP-like HTTP target that
 * refuses customer names longer than 30 characters. Seeded through the store and the engine, so
 * every page has real data: two flow versions, runs with traces, and a dead letter whose replay
 * succeeds once its name is shortened.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Page } from 'playwright-core';
import type { ConnectorDefinition } from '../../src/core/connector.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { adminApi, serveConsole, type AdminApiDeps } from '../../src/server/admin/index.js';
import { createUser } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

/** Passwords of the seeded console users. */
export const USERS = {
  admin: 'admin-password-1',
  operator: 'operator-password-1',
  viewer: 'viewer-password-1',
} as const;

/** The record whose first write fails (name too long) and whose replay succeeds once edited. */
export const LONG_NAME_LEAD = { Id: '00Q000000000004', Email: 'dana.longname@example.com', FirstName: 'Dana Alexandra', LastName: 'Featherstonehaugh-Smythe' };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The ERP-like target: POST /customers creates, names over 30 characters are refused (400). */
function startTarget(): Promise<{ server: Server; url: string; customers: Array<Record<string, unknown>> }> {
  const customers: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers.authorization !== 'Bearer erp-secret-token') return reply(401, { message: 'bad credentials' });
      if (req.method === 'GET' && req.url === '/health') return reply(200, { ok: true });
      const found = req.method === 'GET' ? /^\/customers\?Email=([^&]*)$/.exec(req.url ?? '') : null;
      if (found) {
        // The flow matches customers by email before it creates one (exactly-once).
        const email = decodeURIComponent(found[1]).toLowerCase();
        return reply(200, customers.filter((c) => String(c.Email).toLowerCase() === email));
      }
      if (req.method === 'POST' && req.url === '/customers') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        if (typeof body.Name === 'string' && body.Name.length > 30) return reply(400, { message: `Name is longer than 30 characters`, field: 'Name', code: 'too_long' });
        const row = { id: `C-${1000 + customers.length}`, ...body };
        customers.push(row);
        return reply(201, row);
      }
      return reply(404, { message: 'not found' });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, customers })));
}

const flowV1 = `name: leads-to-erp
description: New Salesforce leads become ERP customers
trigger:
  type: webhook
  unsigned: true
source:
  connection: crm
  entity: Lead
targets:
  - name: customer
    connection: erp
    entity: Customer
    write:
      verb: create
    mapping:
      Email: Email
      Name:
        expr: FirstName & " " & LastName
        note: full name, at most 30 characters in the ERP
    match:
      keys: [Email]
`;
const flowV2 = flowV1.replace('      Email: Email\n', '      Email: Email\n      Source:\n        value: salesforce\n') + 'errorPolicy:\n  maxAttempts: 2\n';

/** A second flow for the runs page: a filter with its reason in words, and a phone the mapping may not understand. */
const contactsFlow = `name: contacts-to-erp
description: Web contacts become ERP customers with a phone the ERP can dial
trigger:
  type: webhook
  unsigned: true
source:
  connection: crm
  entity: Lead
filter: '$not(Status = "Spam")'
filterReason: '"the contact was marked as spam"'
targets:
  - name: customer
    connection: erp
    entity: Customer
    write:
      verb: create
    mapping:
      Email: Email
      Name:
        expr: FirstName & " " & LastName
      Phone:
        expr: '$phoneE164(Phone, "US")'
    match:
      keys: [Email]
`;

/** The contacts the runs-page seed sends: one whose phone cannot be read, one the filter skips. */
export const CONTACTS = {
  badPhone: { Id: '00Q000000000011', Email: 'eve.stone@example.com', FirstName: 'Eve', LastName: 'Stone', Company: 'Contoso', Phone: 'call me maybe' },
  spam: { Id: '00Q000000000012', Email: 'spam.bot@example.com', FirstName: 'Spam', LastName: 'Bot', Company: 'Spamco', Status: 'Spam' },
} as const;

/** A running console server. */
export interface ConsoleServer {
  url: string;
  store: Store;
  hub: SynclineHub;
  /** The HTTP server answering now (a new one after `listenAgain`). */
  app: FastifyInstance;
  customers: Array<Record<string, unknown>>;
  /** Stops answering HTTP (the store and workers keep running), as when the server process is stopped. */
  stopListening(): Promise<void>;
  /** Answers again on the same address, as when the server is started again. */
  listenAgain(): Promise<void>;
  close(): Promise<void>;
}

/** Signs `page` in to the console at `url` as one of the seeded users and waits for the overview. */
export async function signIn(page: Page, url: string, username: keyof typeof USERS = 'admin'): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(USERS[username]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/**
 * Seeds what the runs page explains: the contacts flow's runs (a phone turned into null, a record
 * skipped by the filter's reason) and `emptyPolls` poll runs of it that found nothing.
 */
async function seedRunsPage(store: Store, hub: SynclineHub, emptyPolls: number): Promise<void> {
  const { version } = await hub.deployFlow(contactsFlow, 'admin');
  // Polls that read nothing, recorded as the worker records a read job (no record of their own, 0 records read).
  const polls = await store.enqueue(Array.from({ length: emptyPolls }, () => ({ flow: 'contacts-to-erp', flowVersion: version.version, kind: 'poll' as const, payload: { read: 'changes', reason: 'poll' }, maxAttempts: 1 })));
  const claimed = await store.claimJobs({ workerId: 'seed', limit: emptyPolls, leaseMs: 60_000, flows: ['contacts-to-erp'] });
  if (claimed.length !== polls.length) throw new Error('the seeded polls were not all claimed');
  for (const jobId of polls) {
    const at = new Date().toISOString();
    await store.completeJob({
      jobId,
      workerId: 'seed',
      run: { jobId, flow: 'contacts-to-erp', flowVersion: version.version, trigger: 'poll', status: 'succeeded', recordKey: null, startedAt: at, finishedAt: at, stats: { attempt: 1, pages: 1, records: 0, queuedJobIds: [] } },
      traces: [{ step: 'read', status: 'ok', connection: 'crm', entity: 'Lead', after: { records: 0, pages: 1, watermark: null } }],
    });
  }
  await store.ingest(
    Object.values(CONTACTS).map((c) => ({ flow: 'contacts-to-erp', deliveryId: `d-${c.Id}`, payload: { record: c, id: c.Id }, recordKey: c.Id })),
    { flowVersion: version.version, maxAttempts: 2 },
  );
}

async function drained(store: Store, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const q = await store.queueStats();
    if (q.queued === 0 && q.running === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('jobs did not finish in time');
}

/** Starts the server with seeded data; `distDir` defaults to web/dist. */
export async function startConsoleServer(
  options: { distDir?: string; extraConnectors?: ConnectorDefinition[]; alerts?: AdminApiDeps['alerts']; /** Also seed the runs page's examples with this many empty polls. */ runsPage?: { emptyPolls: number } } = {},
): Promise<ConsoleServer> {
  const target = await startTarget();
  const store = await openStore({ url: 'sqlite::memory:', masterKey: randomBytes(32).toString('hex') });
  const logger = pino({ level: 'silent' });
  const connectors = new Map<string, ConnectorDefinition>([['http', httpConnector], ...(options.extraConnectors ?? []).map((c) => [c.type, c] as [string, ConnectorDefinition])]);
  const hub = new SynclineHub({ store, connectors, logger });

  await saveConnection(store, connectors, { name: 'crm', type: 'http', settings: { baseUrl: target.url, healthPath: '/health', auth: { type: 'bearer', token: 'erp-secret-token' }, entities: [{ name: 'Lead', idField: 'Id', paths: { get: '/leads/{id}' } }] } }, 'seed');
  await saveConnection(store, connectors, { name: 'erp', type: 'http', settings: { baseUrl: target.url, healthPath: '/health', auth: { type: 'bearer', token: 'erp-secret-token' }, entities: [{ name: 'Customer', idField: 'id', paths: { create: '/customers', find: '/customers?{field}={value}' } }] } }, 'seed');
  await hub.deployFlow(flowV1, 'admin');
  const v2 = await hub.deployFlow(flowV2, 'admin');

  const leads = [
    { Id: '00Q000000000001', Email: 'ann.lee@example.com', FirstName: 'Ann', LastName: 'Lee' },
    { Id: '00Q000000000002', Email: 'bob.ray@example.com', FirstName: 'Bob', LastName: 'Ray' },
    { Id: '00Q000000000003', Email: 'cy.ito@example.com', FirstName: 'Cy', LastName: 'Ito' },
    LONG_NAME_LEAD,
  ];
  await store.ingest(
    leads.map((l) => ({ flow: 'leads-to-erp', deliveryId: `d-${l.Id}`, payload: { record: l, id: l.Id }, recordKey: l.Id })),
    { flowVersion: v2.version.version, maxAttempts: 2 },
  );
  if (options.runsPage) await seedRunsPage(store, hub, options.runsPage.emptyPolls);
  await hub.startWorkers(1, { idlePollMs: 50, concurrency: 4 }, false);
  await drained(store);

  for (const [username, password] of Object.entries(USERS)) await createUser(store, { username, role: username as keyof typeof USERS, password });

  const serve = async (port: number) => {
    // forceCloseConnections: a stopped server also drops the browser's keep-alive connections.
    const app = Fastify({ logger: false, forceCloseConnections: true });
    await adminApi(app, { hub, logger: { error: (o: object) => console.error('admin API error', o) }, alerts: options.alerts });
    await serveConsole(app, options.distDir ?? path.join(ROOT, 'web/dist'));
    const url = await app.listen({ host: '127.0.0.1', port });
    return { app, url };
  };
  const first = await serve(0);
  const port = Number(new URL(first.url).port);
  let listening = true;
  const server: ConsoleServer = {
    url: first.url,
    store,
    hub,
    app: first.app,
    customers: target.customers,
    async stopListening() {
      await server.app.close();
      listening = false;
    },
    async listenAgain() {
      server.app = (await serve(port)).app;
      listening = true;
    },
    async close() {
      if (listening) await server.app.close();
      await hub.stop();
      await store.close();
      await new Promise((r) => target.server.close(r));
    },
  };
  return server;
}

// `npx tsx test/browser/console-server.ts` serves the seeded console for a look by hand.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const s = await startConsoleServer();
  console.log(`console at ${s.url} (admin / ${USERS.admin})`);
}
