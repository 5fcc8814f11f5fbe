/**
 * Connection changes reach every worker: a secret rotated while a flow runs is used by the very next
 * call, in the process that wrote it (SQLite) and in two other worker processes (PostgreSQL), because
 * every write goes through one engine function and the store tells every process to drop its cached
 * client. The sink refuses the old token from the moment of rotation, so a worker still holding the
 * old client would get a 401 and retry; none does.
 */
import { killProcess, startWorkerProcess } from '../support/worker-process.js';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeSecret } from '../../src/engine/connection-settings.js';
import { engineFixture, queueDrained, sinkConnection, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';

const kinds = ['sqlite', 'postgres'] as const;

describe.each(kinds)('connection changes on %s', (kind) => {
  let run = true;
  let f: EngineFixture | null = null;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('connection changes on postgres');
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map(killProcess));
    await f?.close();
    f = null;
  });

  async function post(fx: EngineFixture, n: number, prefix: string): Promise<void> {
    for (let i = 0; i < n; i++) {
      const raw = Buffer.from(JSON.stringify({ id: `${prefix}${i}`, email: `${prefix}${i}@example.com`, name: `${prefix} ${i}` }));
      await fx.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': `${prefix}-${i}` }, rawBody: raw });
    }
  }

  it('uses a rotated secret from the next call, in every worker', async () => {
    if (!run) return;
    // The sink checks the token on every request; the object is the sink's live configuration.
    const required = { authorization: 'Bearer old-token' };
    f = await engineFixture(kind, { requireHeaders: required });
    const fx = f;
    const settings = sinkConnection(fx.sink.url);
    await fx.hub.writeConnection({ name: 'sink', type: 'http', settings, secrets: { auth: encodeSecret({ type: 'bearer', token: 'old-token' }) } }, 'test');
    if (kind === 'sqlite') await fx.hub.startWorkers(1, { idlePollMs: 20 }, false);
    else workers.push(...(await Promise.all([startWorkerProcess(fx.url, { WORKER_CONCURRENCY: '4', LEASE_MS: '10000' }), startWorkerProcess(fx.url, { WORKER_CONCURRENCY: '4', LEASE_MS: '10000' })])));

    await post(fx, 8, 'before');
    await waitFor(async () => fx.sink.records('contacts').length === 8 && (await queueDrained(fx.store)), 'the first records');

    // Rotate: the vendor accepts only the new token from now on; the admin API writes it through the hub.
    required.authorization = 'Bearer new-token';
    await fx.hub.writeConnection({ name: 'sink', type: 'http', settings, secrets: { auth: encodeSecret({ type: 'bearer', token: 'new-token' }) } }, 'alice');
    // Other processes hear of it through the store within a second.
    if (kind === 'postgres') await new Promise((r) => setTimeout(r, 1000));

    await post(fx, 8, 'after');
    await waitFor(async () => fx.sink.records('contacts').length === 16 && (await queueDrained(fx.store)), 'the records after the rotation');
    const runs = await fx.store.listRuns({ flow: 'contacts-to-sink', limit: 100 });
    // Every job succeeded on its first attempt: no call went out with the old token.
    expect(runs.filter((r) => r.status !== 'succeeded').map((r) => r.error?.message)).toEqual([]);
    expect(runs).toHaveLength(16);
  });

  it('closes the cached client when a connection is deleted or edited', async () => {
    if (!run || kind !== 'sqlite') return;
    f = await engineFixture(kind);
    const before = await f.hub.pool.get('sink');
    expect(await f.hub.pool.get('sink')).toBe(before);
    await f.hub.writeConnection({ name: 'sink', type: 'http', settings: { ...sinkConnection(f.sink.url), timeoutMs: 5000 }, secrets: {} }, 'alice');
    const after = await f.hub.pool.get('sink');
    expect(after).not.toBe(before);
    // A connection a flow uses is not deleted; the refusal names the flow.
    await expect(f.hub.deleteConnection('sink', 'alice')).rejects.toThrow(/used by flow contacts-to-sink \(target/);
    await f.hub.writeConnection({ name: 'spare', type: 'http', settings: sinkConnection(f.sink.url), secrets: {} }, 'alice');
    await f.hub.pool.get('spare');
    expect(await f.hub.deleteConnection('spare', 'alice')).toBe(true);
    await expect(f.hub.pool.get('spare')).rejects.toThrow(/no connection named "spare"/);
  });
});
