/**
 * Connection writes through the admin API reach the engine: creating, editing, rotating and deleting a
 * connection go through the hub's one write path, which drops the cached client, so the next call
 * opens the connection with what was written (here: the token the upstream now requires).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpConnector } from '../../src/connectors/http/index.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let hub: SynclineHub;
let upstream: Server;
let upstreamUrl: string;
/** The token the upstream accepts now. */
let accepted = 'first-token';

beforeAll(async () => {
  h = await startHarness({
    hub: (store) => (hub = new SynclineHub({ store, connectors: new Map([[httpConnector.type, httpConnector]]), logger: pino({ level: 'silent' }) })),
  });
  upstream = createServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${accepted}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { ok: true } : { error: 'bad token' }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await hub.stop();
  await h.close();
  await new Promise((r) => upstream.close(r));
});

const admin = () => h.clients.admin.session;
const settings = () => ({ baseUrl: upstreamUrl, healthPath: '/health', entities: [{ name: 'customers', idField: 'id', paths: { get: '/customers/{id}' } }] });

describe('connection writes through the admin API', () => {
  it('drop the cached client on rotate, edit and delete, so the next call uses what was written', async () => {
    expect((await h.call('POST', '/api/v1/connections', admin(), { name: 'erp', type: 'http', settings: settings(), secrets: { auth: { type: 'bearer', token: 'first-token' } } })).statusCode).toBe(201);
    const first = await hub.pool.get('erp');
    expect(await first.connector.check()).toMatchObject({ ok: true });

    // The vendor rotates the credential; the admin stores the new one.
    accepted = 'second-token';
    expect((await h.call('POST', '/api/v1/connections/erp/secrets', admin(), { secrets: { auth: { type: 'bearer', token: 'second-token' } } })).statusCode).toBe(200);
    const second = await hub.pool.get('erp');
    expect(second).not.toBe(first);
    expect(await second.connector.check()).toMatchObject({ ok: true });

    expect((await h.call('PUT', '/api/v1/connections/erp', admin(), { settings: { ...settings(), timeoutMs: 5000 } })).statusCode).toBe(200);
    const third = await hub.pool.get('erp');
    expect(third).not.toBe(second);
    expect(await third.connector.check()).toMatchObject({ ok: true });

    expect((await h.call('DELETE', '/api/v1/connections/erp', admin())).statusCode).toBe(200);
    await expect(hub.pool.get('erp')).rejects.toThrow(/no connection named "erp"/);
  });
});
