/**
 * A job that fails because the store lost its connection (a failover, a terminated backend) is run
 * again without counting the attempt: the database going away is not the record failing. Under chaos
 * on PostgreSQL, records were dead-lettered as "gave up after 12 attempts" with nothing wrong with
 * them but the database-connection kills around them.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from '../../src/engine/worker.js';
import type { Store } from '../../src/store/types.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';

/** The store as the worker sees it: its first `failures` reads of a record's context fail with an outage the store recognises. */
function flakyStore(store: Store, failures: number): Store {
  const outage = new Error('Connection terminated unexpectedly');
  let left = failures;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'isOutage') return (err: unknown) => err === outage || target.isOutage(err);
      if (prop === 'readRecordContext') {
        return (...args: unknown[]) => (left-- > 0 ? Promise.reject(outage) : (target.readRecordContext as (...a: unknown[]) => unknown).apply(target, args));
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('jobs failing on a store outage', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('run again uncounted, past the flow\'s maximum attempts, and deliver once', async () => {
    f = await engineFixture('sqlite');
    const fx = f;
    // The test flow allows 4 attempts; the outage outlasts them.
    const worker = new Worker({ store: flakyStore(fx.store, 7), pool: fx.hub.pool, flows: fx.hub.flows, logger: pino({ level: 'silent' }) }, { outageRetryMs: 5, idlePollMs: 10 });
    await worker.start();
    try {
      await fx.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': 'o-1' }, rawBody: Buffer.from(JSON.stringify({ id: 'c1', email: 'Ada@Example.com', name: 'Ada' })) });
      await waitFor(async () => fx.sink.records('contacts').length === 1 && (await queueDrained(fx.store)), 'the record after the outage');
    } finally {
      await worker.stop();
    }
    expect(await fx.store.listDeadLetters({})).toEqual([]);
    expect(fx.sink.records('contacts')).toHaveLength(1);
    const runs = await fx.store.listRuns({ flow: 'contacts-to-sink', limit: 50 });
    expect(runs.filter((r) => r.status === 'retrying').length).toBeGreaterThanOrEqual(7);
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(1);
  });
});
