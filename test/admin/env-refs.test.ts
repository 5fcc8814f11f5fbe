/**
 * `env:` references through the admin API: an admin who can edit connections must not be able to make
 * the server read SYNCLINE_MASTER_KEY, a database URL or any other variable and send it to a base URL
 * of their choosing. Only allowed names resolve (SYNCLINE_CONN_*, SYNCLINE_ENV_ALLOW, or what the
 * config file wrote for that connection).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpConnector } from '../../src/connectors/http/index.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { envPolicy } from '../../src/engine/settings.js';
import { startHarness, type Harness } from './harness.js';

const MASTER = 'master-key-value-that-must-never-leave-the-server';
const DB_URL = 'postgres://syncline:db-password-never-sent@db.internal/syncline';
const OTHER = 'some-other-process-variable';
const ALLOWED = 'allowed-connection-token';

describe('env: references set through the admin API', () => {
  let h: Harness;
  let server: Server;
  let url: string;
  const received: IncomingHttpHeaders[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [k, v] of Object.entries({ SYNCLINE_MASTER_KEY: MASTER, SYNCLINE_DATABASE_URL: DB_URL, HOME_GROWN_SECRET: OTHER, SYNCLINE_CONN_ERP_TOKEN: ALLOWED, SYNCLINE_CONFIGURED_TOKEN: 'from-config' })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    server = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The config file declared `configured` with env:SYNCLINE_CONFIGURED_TOKEN: that reference is the operator's.
    const policy = envPolicy({ configured: { settings: { auth: { type: 'bearer', token: 'env:SYNCLINE_CONFIGURED_TOKEN' } } } });
    h = await startHarness({ hub: (store) => new SynclineHub({ store, connectors: new Map([['http', httpConnector]]), logger: pino({ level: 'silent' }), envPolicy: policy }) });
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((r) => server.close(r));
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const admin = () => h.clients.admin.session;
  const create = (name: string, token: string, headers: Record<string, string> = {}) =>
    h.call('POST', '/api/v1/connections', admin(), {
      name,
      type: 'http',
      settings: { baseUrl: url, healthPath: '/health', headers, entities: [{ name: 'Customer', idField: 'id', paths: { create: '/customers' } }] },
      secrets: { auth: { type: 'bearer', token } },
    });
  const test = (name: string) => h.call('POST', `/api/v1/connections/${name}/test`, admin());

  it('never resolves the server\'s own variables or unlisted ones, so nothing reaches the caller\'s base URL', async () => {
    for (const [name, ref] of [
      ['leak-master', 'env:SYNCLINE_MASTER_KEY'],
      ['leak-db', 'env:SYNCLINE_DATABASE_URL'],
      ['leak-other', 'env:HOME_GROWN_SECRET'],
      ['leak-config-of-another', 'env:SYNCLINE_CONFIGURED_TOKEN'],
    ] as const) {
      expect((await create(name, ref, { 'x-copy': ref })).statusCode).toBe(201);
      const res = await test(name);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ok: false, message: expect.stringMatching(/may not be read here/) });
    }
    const everything = JSON.stringify(received);
    for (const secret of [MASTER, DB_URL, OTHER, 'from-config']) expect(everything).not.toContain(secret);
    expect(received).toHaveLength(0);
  });

  it('resolves allow-listed names and the config file\'s own references for that connection', async () => {
    expect((await create('erp', 'env:SYNCLINE_CONN_ERP_TOKEN')).statusCode).toBe(201);
    expect((await test('erp')).json()).toMatchObject({ ok: true });
    expect(received.at(-1)!.authorization).toBe(`Bearer ${ALLOWED}`);
    expect((await create('configured', 'env:SYNCLINE_CONFIGURED_TOKEN')).statusCode).toBe(201);
    expect((await test('configured')).json()).toMatchObject({ ok: true });
    expect(received.at(-1)!.authorization).toBe('Bearer from-config');
  });
});
