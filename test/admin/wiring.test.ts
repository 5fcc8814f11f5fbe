/** The admin API and the console mounted on the server shell the way the CLI starts it: buildApp + adminApi + serveConsole. */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpConnector } from '../../src/connectors/http/index.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { adminApi, serveConsole } from '../../src/server/admin/index.js';
import { buildApp } from '../../src/server/app.js';
import { ensureFirstAdmin } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import type { FastifyInstance } from 'fastify';

let store: Store;
let app: FastifyInstance;
let password: string;

beforeAll(async () => {
  store = await openStore({ url: 'sqlite::memory:', masterKey: randomBytes(32).toString('hex') });
  const hub = new SynclineHub({ store, connectors: new Map([['http', httpConnector]]), logger: pino({ level: 'silent' }) });
  const lines: string[] = [];
  await ensureFirstAdmin(store, (l) => lines.push(l));
  password = /one-time password: (\S+)/.exec(lines.join('\n'))![1];
  app = await buildApp({ hub, admin: false });
  await adminApi(app, { hub });
  await serveConsole(app, path.join(os.tmpdir(), 'syncline-no-console-here'));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('wired into the server shell', () => {
  it('keeps the shell routes and adds the API, the OpenAPI document and the console', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/openapi.json' })).json().openapi).toBe('3.1.0');
    expect((await app.inject({ url: '/api/v1/flows' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/' })).body).toContain('console not built');
    expect((await app.inject({ method: 'POST', url: '/api/v1/nope' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/nope' })).statusCode).toBe(404);
  });

  it('signs in the first admin with the printed one-time password, who must change it first', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password } });
    expect(login.statusCode).toBe(200);
    expect(login.json().user.mustChangePassword).toBe(true);
    const headers = { cookie: String(login.headers['set-cookie']).split(';')[0], 'x-csrf-token': login.json().csrfToken };
    expect((await app.inject({ url: '/api/v1/flows', headers })).statusCode).toBe(403);
    const changed = await app.inject({ method: 'POST', url: '/api/v1/auth/password', headers, payload: { currentPassword: password, newPassword: 'a-much-better-password' } });
    expect(changed.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/flows', headers })).json()).toEqual([]);
  });
});
