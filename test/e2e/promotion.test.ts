/**
 * Promotion between two running Syncline instances, each on its own SQLite file with its own
 * systems: a flow built on "dev" is exported as a bundle through dev's admin API, imported into "prod"
 * by the CLI with --map-connections (the diff shown first), and then runs on prod's connections: the
 * records prod reads come from prod's source and land in prod's target, none in dev's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncline } from '../support/cli.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { adminApi } from '../../src/server/admin/index.js';
import { createUser } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from '../support/engine.js';

const KEY = 'e'.repeat(64);
const PASSWORD = 'admin-password-1';

/** Source leads and target customers, both collections of one sink (each instance has its own). */
function settings(url: string, entity: 'leads' | 'customers') {
  return {
    baseUrl: url,
    rateLimits: { perSecond: 1000, concurrent: 8 },
    entities: [
      entity === 'leads'
        ? { name: 'leads', idField: 'id', updatedField: 'updatedAt', recordsPath: 'data', fields: [{ name: 'id', type: 'id' }, { name: 'email', type: 'email' }, { name: 'name', type: 'string' }, { name: 'updatedAt', type: 'datetime' }], paths: { list: '/leads', get: '/leads/{id}' }, list: { paging: { style: 'cursor', param: 'cursor', responsePath: 'nextCursor' } } }
        : { name: 'customers', idField: 'id', recordsPath: 'data', fields: [{ name: 'id', type: 'id', readOnly: true }, { name: 'email', type: 'email' }, { name: 'fullName', type: 'string', maxLength: 40 }, { name: 'meta', type: 'object' }], paths: { create: '/customers', update: '/customers/{id}', get: '/customers/{id}', find: '/customers?{field}={value}' } },
    ],
  };
}

const FLOW = `# Leads become customers; built on dev, promoted to prod.
name: leads-to-customers
trigger:
  type: poll
  every: 1h   # runs on demand in this test
source:
  connection: crm-dev
  entity: leads
targets:
  - name: customer
    connection: erp-dev
    entity: customers
    mapping:
      email: email
      fullName: name
      meta.origin: { value: promoted }
    match:
      keys: [email]
`;

interface Instance {
  name: string;
  dir: string;
  db: string;
  store: Store;
  hub: SynclineHub;
  app: FastifyInstance;
  sink: RunningHttpSink;
  headers: Record<string, string>;
  close(): Promise<void>;
}

async function instance(name: string, suffix: string): Promise<Instance> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `syncline-${name}-`));
  const db = `sqlite:${path.join(dir, `${name}.db`)}`;
  const store = await openStore({ url: db, masterKey: KEY });
  const connectors = new Map([['http', httpConnector]]);
  const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
  const sink = await startHttpSink();
  await saveConnection(store, connectors, { name: `crm-${suffix}`, type: 'http', settings: settings(sink.url, 'leads') }, 'test');
  await saveConnection(store, connectors, { name: `erp-${suffix}`, type: 'http', settings: settings(sink.url, 'customers') }, 'test');
  await createUser(store, { username: 'admin', role: 'admin', password: PASSWORD });
  await hub.startWorkers(1, { idlePollMs: 50 }, false);
  const app = Fastify({ logger: false });
  await adminApi(app, { hub });
  await app.ready();
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
  const cookie = String([login.headers['set-cookie']].flat().find((c) => String(c).startsWith('syncline_session='))).split(';')[0];
  const headers = { cookie, 'x-csrf-token': login.json().csrfToken as string };
  return {
    name,
    dir,
    db,
    store,
    hub,
    app,
    sink,
    headers,
    async close() {
      await app.close();
      await hub.stop();
      await store.close();
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function seedLeads(sink: RunningHttpSink, leads: Array<{ email: string; name: string }>) {
  for (const l of leads) {
    const res = await fetch(`${sink.url}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(l) });
    expect(res.status).toBe(201);
  }
}

const cli = (db: string, ...args: string[]) => runSyncline(args, { SYNCLINE_DATABASE_URL: db, SYNCLINE_MASTER_KEY: KEY, SYNCLINE_LOG_LEVEL: 'error' });

describe('promoting flows between two running instances', () => {
  let dev: Instance;
  let prod: Instance;

  beforeAll(async () => {
    [dev, prod] = await Promise.all([instance('dev', 'dev'), instance('prod', 'prod')]);
  }, 60_000);
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
  });

  it('exports from dev, imports into prod on prod\'s connections, and the flow runs there', async () => {
    // Built on dev: deployed through the admin API and run once on dev's systems.
    expect((await dev.app.inject({ method: 'POST', url: '/api/v1/flows', headers: dev.headers, payload: { source: FLOW } })).statusCode).toBe(200);
    await seedLeads(dev.sink, [{ email: 'dev.only@example.com', name: 'Dev Only' }]);
    const devRun = await dev.app.inject({ method: 'POST', url: '/api/v1/flows/leads-to-customers/run', headers: dev.headers });
    expect(devRun.statusCode).toBe(202);
    await waitFor(() => dev.sink.records('customers').length === 1, 'the dev run');

    // The bundle: flow and versions, connection names and types, no settings or secrets.
    const exported = await dev.app.inject({ method: 'GET', url: '/api/v1/flows/export', headers: dev.headers });
    expect(exported.statusCode).toBe(200);
    const bundle = exported.json();
    expect(bundle.connections).toEqual([{ name: 'crm-dev', type: 'http' }, { name: 'erp-dev', type: 'http' }]);
    expect(JSON.stringify(bundle)).not.toContain(dev.sink.url);
    const file = path.join(prod.dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));

    // Without the map, prod says which connections it lacks and imports nothing.
    const unmapped = cli(prod.db, 'flow', 'import', file, '--yes');
    expect(unmapped.code).toBe(1);
    expect(unmapped.out).toContain('connection "crm-dev" does not exist here');
    expect(await prod.store.getFlow('leads-to-customers')).toBeNull();

    // The admin API shows the same plan as the CLI: a new flow, its diff, nothing applied.
    const planned = await prod.app.inject({ method: 'POST', url: '/api/v1/flows/import', headers: prod.headers, payload: { bundle, mapConnections: { 'crm-dev': 'crm-prod', 'erp-dev': 'erp-prod' } } });
    expect(planned.statusCode).toBe(200);
    expect(planned.json()).toMatchObject({ applied: false, problems: [], items: [{ flow: 'leads-to-customers', action: 'create', liveVersion: null, issues: [] }] });
    expect(planned.json().items[0].lines.filter((l: { op: string }) => l.op === 'add').map((l: { text: string }) => l.text)).toContain('  connection: crm-prod');

    const imported = cli(prod.db, 'flow', 'import', file, '--map-connections', 'crm-dev=crm-prod,erp-dev=erp-prod', '--yes');
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.out).toContain('leads-to-customers: create');
    expect(imported.out).toContain('+    connection: erp-prod');
    expect(imported.out).toContain('leads-to-customers: version 1 deployed');
    const live = await prod.app.inject({ method: 'GET', url: '/api/v1/flows/leads-to-customers', headers: prod.headers });
    // Comments stay through the substitution.
    expect(live.json().version.source).toContain('# Leads become customers; built on dev, promoted to prod.');
    expect(live.json().definition.source.connection).toBe('crm-prod');

    // Prod runs it on its own systems.
    await seedLeads(prod.sink, [
      { email: 'ann@example.com', name: 'Ann Lee' },
      { email: 'bob@example.com', name: 'Bob Ray' },
    ]);
    expect((await prod.app.inject({ method: 'POST', url: '/api/v1/flows/leads-to-customers/run', headers: prod.headers })).statusCode).toBe(202);
    await waitFor(() => prod.sink.records('customers').length === 2, 'the prod run');
    expect(prod.sink.records('customers').map((c) => [c.email, c.fullName, c.meta]).sort()).toEqual([
      ['ann@example.com', 'Ann Lee', { origin: 'promoted' }],
      ['bob@example.com', 'Bob Ray', { origin: 'promoted' }],
    ]);
    expect(dev.sink.records('customers').map((c) => c.email)).toEqual(['dev.only@example.com']);

    // Importing the same bundle again changes nothing.
    const again = cli(prod.db, 'flow', 'import', file, '--map-connections', 'crm-dev=crm-prod,erp-dev=erp-prod', '--yes');
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to import');
    expect(JSON.parse(readFileSync(file, 'utf8')).flows[0].versions).toHaveLength(1);
  }, 180_000);
});
