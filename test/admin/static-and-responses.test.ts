/** Serving the console (built or not) beside the server shell's own routes, and responses checked against their schemas. */
import Fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveConsole } from '../../src/server/admin/static.js';
import { flowYaml, startHarness, testHub } from './harness.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function appWith(distDir: string) {
  const app = Fastify();
  // Like the server shell: its own not-found handler and routes.
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'shell_not_found' }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  await serveConsole(app, distDir);
  await app.ready();
  return app;
}

describe('serveConsole', () => {
  it('serves the built console with SPA fallback, real files, and JSON 404s for API paths and missing files', async () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
    dirs.push(dist);
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
    writeFileSync(path.join(dist, 'assets', 'app-123.js'), 'console.log(1)');
    const app = await appWith(dist);
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<div id="root">');
    const deep = await app.inject({ url: '/flows/leads-to-erp?x=1' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<div id="root">');
    expect(deep.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/assets/app-123.js' });
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/nothing' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'POST', url: '/flows' })).json()).toEqual({ error: 'shell_not_found' });
    await app.close();
  });

  it('explains how to build the console when web/dist is missing', async () => {
    const app = await appWith(path.join(os.tmpdir(), 'no-such-console-dist'));
    for (const url of ['/', '/flows']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build -w web');
    }
    await app.close();
  });
});

describe('response validation', () => {
  it('refuses to send a field its schema does not declare (500, logged) instead of leaking it', async () => {
    const errors: unknown[] = [];
    const h = await startHarness({
      hub: (store) => {
        const hub = testHub(store);
        return {
          ...hub,
          async previewMapping(flow, sample) {
            const p = await hub.previewMapping(flow, sample);
            return { ...p, targets: p.targets.map((t) => ({ ...t, apiKey: 'sk-live-leaked' })) };
          },
        };
      },
      deps: { logger: { error: (o: object) => errors.push(o) } },
    });
    try {
      await h.call('POST', '/api/v1/flows', h.clients.admin.token, { source: flowYaml() });
      const res = await h.call('POST', '/api/v1/flows/leads-to-erp/preview', h.clients.viewer.token, { sample: { Email: 'a@b.co' } });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('sk-live-leaked');
      expect(String((errors[0] as { err: Error }).err.message)).toContain('does not match its schema');
    } finally {
      await h.close();
    }
  });

  it('rejects requests that do not match their schema with 400 and a message', async () => {
    const h = await startHarness();
    try {
      const res = await h.call('POST', '/api/v1/users', h.clients.admin.token, { username: 'has space', role: 'viewer' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
      expect((await h.call('POST', '/api/v1/users', h.clients.admin.token, { username: 'ok', role: 'root' })).statusCode).toBe(400);
    } finally {
      await h.close();
    }
  });
});
