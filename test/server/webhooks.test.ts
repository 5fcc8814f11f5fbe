/** The webhook route over HTTP: bad input gets a clear 4xx, never a crash; good input is acknowledged after the commit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { signWebhook } from '../../src/engine/intake.js';
import { flowYaml } from '../support/flows.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { sinkConnection } from '../support/engine.js';

describe('webhook route', () => {
  let f: EngineFixture;
  let app: FastifyInstance;

  beforeAll(async () => {
    f = await engineFixture('sqlite');
    process.env.HOOK_TEST_SECRET = 'topsecret';
    await f.hub.deployFlow(flowYaml('signed-hook').replace('type: webhook', 'type: webhook\n  secret: env:HOOK_TEST_SECRET\n  maxBodyBytes: 2048'), 'test');
    app = await buildApp({ hub: f.hub, admin: false });
  });
  afterAll(async () => {
    await app.close();
    await f.close();
  });

  const hook = (flow: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/hooks/${flow}`, payload, headers: { 'content-type': 'application/json', ...headers } });

  it('accepts a record and stores it in the inbox before answering 202', async () => {
    const res = await hook('contacts-to-sink', JSON.stringify({ id: 'w1', email: 'a@b.co', name: 'A' }), { 'x-delivery-id': 'w-1' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect((await f.store.queueStats()).queued).toBeGreaterThanOrEqual(1);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await hook('contacts-to-sink', '{"id": 1,');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_json' });
  });

  it('answers 400 when the body is not a record', async () => {
    const res = await hook('contacts-to-sink', '[1, 2]');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/record 0 is not a JSON object/);
  });

  it('answers 413 above the flow limit and above the route limit', async () => {
    const big = JSON.stringify({ id: 'x', email: 'a@b.co', name: 'x'.repeat(5000) });
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await hook('signed-hook', big, { 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('topsecret', ts, big) });
    expect(res.statusCode).toBe(413);
    const huge = await hook('contacts-to-sink', Buffer.alloc(11 * 1024 * 1024, 0x20));
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 401 for a missing or wrong signature', async () => {
    const body = JSON.stringify({ id: 's', email: 's@b.co', name: 'S' });
    expect((await hook('signed-hook', body)).statusCode).toBe(401);
    const ts = String(Math.floor(Date.now() / 1000));
    const wrong = await hook('signed-hook', body, { 'x-syncline-timestamp': ts, 'x-syncline-signature': 'sha256=' + '0'.repeat(64) });
    expect(wrong.statusCode).toBe(401);
    const ok = await hook('signed-hook', body, { 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('topsecret', ts, body) });
    expect(ok.statusCode).toBe(202);
  });

  it('signs the delivery id with the body: a captured delivery replayed under a new delivery id is refused, under its own it is a duplicate', async () => {
    const body = JSON.stringify({ id: 'r', email: 'r@b.co', name: 'R' });
    const ts = String(Math.floor(Date.now() / 1000));
    const signed = { 'x-delivery-id': 'r-1', 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('topsecret', ts, body, 'r-1') };
    expect((await hook('signed-hook', body, signed)).json()).toEqual({ accepted: 1, duplicates: 0 });
    expect((await hook('signed-hook', body, signed)).json()).toEqual({ accepted: 0, duplicates: 1 });
    const replayed = await hook('signed-hook', body, { ...signed, 'x-delivery-id': 'r-2' });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json()).toMatchObject({ error: 'invalid_signature' });
    // Without a timestamp there is no replay protection: refused.
    expect((await hook('signed-hook', body, { 'x-delivery-id': 'r-1', 'x-syncline-signature': signed['x-syncline-signature'] })).statusCode).toBe(401);
  });

  it('refuses every delivery to a webhook flow deployed before signing was required, unless it says unsigned: true', async () => {
    // A definition stored without secret and without unsigned (deploy refuses it now; older versions may exist).
    const def = { name: 'legacy-hook', trigger: { type: 'webhook' }, source: { connection: 'shop', entity: 'customer' }, targets: [{ name: 'contact', connection: 'sink', entity: 'contacts', mapping: { email: 'email' }, match: { keys: ['email'] } }] };
    await f.store.deployFlow({ flow: 'legacy-hook', source: 'legacy', definition: def, hash: 'legacy', deployedBy: 'test' });
    f.hub.flows.invalidate();
    const res = await hook('legacy-hook', JSON.stringify({ id: 'l', email: 'l@b.co' }), { 'x-delivery-id': 'l-1' });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/unsigned: true/);
  });

  it('refuses a connector-verified hook whose connection has no webhook secret (unless the flow says unsigned: true); 401 when the connector refuses', async () => {
    await f.hub.deployFlow(flowYaml('shop-hook').replace('  unsigned: true\n', '  useConnectorParser: true\n'), 'test');
    const body = JSON.stringify({ id: 'c1', email: 'c@b.co', name: 'C' });
    const unsignedShop = await hook('shop-hook', body, { 'x-delivery-id': 'c-1' });
    expect(unsignedShop.statusCode).toBe(401);
    expect(unsignedShop.json().message).toMatch(/no webhook signing secret/);
    await saveConnection(f.store, f.hub.connectors, { name: 'shop', type: 'http', settings: { ...sinkConnection(f.sink.url), webhook: { secret: 'shop-secret' } } }, 'test');
    expect((await hook('shop-hook', body, { 'x-delivery-id': 'c-1' })).statusCode).toBe(401);
    const ts = String(Math.floor(Date.now() / 1000));
    const ok = await hook('shop-hook', body, { 'x-delivery-id': 'c-1', 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('shop-secret', ts, body, 'c-1') });
    expect(ok.statusCode).toBe(202);
  });

  it('answers 404 for an unknown flow', async () => {
    const res = await hook('nope', '{}');
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toMatch(/no flow named "nope"/);
  });

  it('keeps prototype-pollution keys as plain data', async () => {
    const res = await hook('contacts-to-sink', '{"id":"pp","email":"p@b.co","name":"P","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}', { 'x-delivery-id': 'pp' });
    expect(res.statusCode).toBe(202);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('serves health, readiness and metrics', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/readyz')).json()).toMatchObject({ status: 'ready', store: 'sqlite' });
    const metrics = await app.inject('/metrics');
    expect(metrics.body).toContain('syncline_events_in_total');
    expect(metrics.body).toContain('syncline_queue_depth');
    expect(metrics.body).toMatch(/syncline_store_table_rows\{table="runs"\} \d+/);
    expect(metrics.body).toMatch(/syncline_store_database_bytes [1-9]\d*/);
  });
});
