/**
 * How a worker claims. It keeps `concurrency` jobs running while jobs are due: a job whose run is over and whose
 * outcome is being committed (on PostgreSQL a grouped commit that may wait for the group before it)
 * gives its place to the next job. It still holds its lease and its record's lock until the commit
 * is acknowledged, and at most as many jobs again may be committing. And a claim costs the store
 * one statement: the flows it may take come from the cached flow list, not a flow read each. While
 * jobs run, a claim waits for an eighth of the places to be free instead of claiming one job per ended
 * job (slow targets end them one at a time).
 */
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/engine/worker.js';
import type { Store } from '../../src/store/types.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';

/** The store as the worker sees it, with every completeJob held until `release()`. */
function heldCommits(store: Store): { store: Store; held: () => number; release: () => void } {
  const waiting: Array<() => void> = [];
  let open = false;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'completeJob') {
        return async (...args: unknown[]) => {
          if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
          return (target.completeJob as (...a: unknown[]) => Promise<boolean>).apply(target, args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: proxy,
    held: () => waiting.length,
    release: () => {
      open = true;
      for (const w of waiting.splice(0)) w();
    },
  };
}

/** The store as the worker sees it, telling `seen` of every method called, with its arguments. */
function observedStore(store: Store, seen: (method: string | symbol, args: unknown[]) => void): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        seen(prop, args);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Queues `n` contact webhooks (ids `<prefix>0`…) for the sink flow. */
async function queueContacts(fx: EngineFixture, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await fx.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': `${prefix}-${i}` }, rawBody: Buffer.from(JSON.stringify({ id: `${prefix}${i}`, email: `${prefix}${i}@example.com`, name: `${prefix.toUpperCase()} ${i}` })) });
  }
}

/** Runs one worker on `store` until the sink holds `records` contacts and the queue is empty. */
async function runUntilDrained(fx: EngineFixture, store: Store, concurrency: number, records: number): Promise<void> {
  const worker = new Worker({ store, pool: fx.hub.pool, flows: fx.hub.flows, logger: pino({ level: 'silent' }) }, { concurrency, idlePollMs: 10 });
  await worker.start();
  try {
    await waitFor(async () => fx.sink.records('contacts').length === records && (await queueDrained(fx.store)), 'every record');
  } finally {
    await worker.stop();
  }
}

describe('worker concurrency and claims', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('runs the next jobs while earlier outcomes are still committing, up to as many again', async () => {
    f = await engineFixture('sqlite');
    const fx = f;
    const commits = heldCommits(fx.store);
    const worker = new Worker({ store: commits.store, pool: fx.hub.pool, flows: fx.hub.flows, logger: pino({ level: 'silent' }) }, { concurrency: 2, idlePollMs: 10 });
    for (let i = 0; i < 6; i++) {
      await fx.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': `c-${i}` }, rawBody: Buffer.from(JSON.stringify({ id: `c${i}`, email: `c${i}@example.com`, name: `C ${i}` })) });
    }
    await worker.start();
    try {
      // Two running at a time, and two more may run while the first two commit: four runs, no more.
      await waitFor(() => commits.held() === 4, 'four runs finished with their commits held');
      await new Promise((r) => setTimeout(r, 100));
      expect(commits.held()).toBe(4);
      expect(fx.sink.records('contacts')).toHaveLength(4);
      expect(worker.busy).toBe(4);
      commits.release();
      await waitFor(async () => fx.sink.records('contacts').length === 6 && (await queueDrained(fx.store)), 'every record');
    } finally {
      commits.release();
      await worker.stop();
    }
    expect(await fx.store.listDeadLetters({})).toEqual([]);
  });

  it('read no flow row from the store: the flow list the worker caches names each flow\'s version', async () => {
    f = await engineFixture('sqlite');
    const fx = f;
    let flowReads = 0;
    let claims = 0;
    // The hub's flow cache reads through the fixture's store: count on it.
    const getFlow = fx.store.getFlow.bind(fx.store);
    fx.store.getFlow = (name) => {
      flowReads += 1;
      return getFlow(name);
    };
    const store = observedStore(fx.store, (method) => {
      if (method === 'claimJobs') claims += 1;
    });
    await queueContacts(fx, 'r', 4);
    flowReads = 0;
    await runUntilDrained(fx, store, 2, 4);
    expect(claims).toBeGreaterThan(1);
    expect(flowReads).toBe(0);
  });
  it('look again when jobs were queued while a claim was in flight, instead of waiting for the idle poll', async () => {
    f = await engineFixture('sqlite');
    const fx = f;
    let holdFirst: (() => void) | null = null;
    const firstClaimHeld = new Promise<void>((resolve) => (holdFirst = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const store = new Proxy(fx.store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop === 'claimJobs') {
          return async (...args: unknown[]) => {
            const rows = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            if (first) {
              // The first claim found nothing; it answers only after an event was queued.
              first = false;
              holdFirst?.();
              await gate;
            }
            return rows;
          };
        }
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    // An idle poll far longer than the test: only the notification can make the worker look again.
    const worker = new Worker({ store, pool: fx.hub.pool, flows: fx.hub.flows, logger: pino({ level: 'silent' }) }, { concurrency: 2, idlePollMs: 600_000 });
    await worker.start();
    try {
      await firstClaimHeld;
      await fx.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': 'n-1' }, rawBody: Buffer.from(JSON.stringify({ id: 'n1', email: 'n1@example.com', name: 'N 1' })) });
      await new Promise((r) => setTimeout(r, 50));
      release();
      await waitFor(() => fx.sink.records('contacts').length === 1, 'the record queued during the claim', 5000);
    } finally {
      release();
      await worker.stop();
    }
  });

  it('claims at least an eighth of its places while jobs run, however the jobs end', async () => {
    f = await engineFixture('sqlite');
    const fx = f;
    // Calls answered after different delays, so the jobs end one at a time, as with a slow vendor.
    fx.sink.faults.set([
      { probability: 0.25, fault: { latencyMs: 60 } },
      { probability: 0.33, fault: { latencyMs: 40 } },
      { probability: 0.5, fault: { latencyMs: 20 } },
      { fault: { latencyMs: 5 } },
    ]);
    const limits: number[] = [];
    const store = observedStore(fx.store, (method, args) => {
      if (method === 'claimJobs') limits.push((args[0] as { limit: number }).limit);
    });
    await queueContacts(fx, 's', 80);
    await runUntilDrained(fx, store, 16, 80);
    expect(limits.length).toBeGreaterThan(2);
    expect(Math.min(...limits)).toBeGreaterThanOrEqual(2);
  });
});

describe.each(['sqlite', 'postgres'] as const)('worker claims at a steady rate on %s', (kind) => {
  let run = true;
  let f: EngineFixture | null = null;
  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('worker claims on postgres');
  });
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  /** A worker whose idle poll is far longer than the test: only notifications (and full claims) make it claim. */
  function notifiedOnly(fx: EngineFixture, store: Store): Worker {
    return new Worker({ store, pool: fx.hub.pool, flows: fx.hub.flows, logger: pino({ level: 'silent' }) }, { concurrency: 4, idlePollMs: 600_000 });
  }

  it('claims once per notification, not again after every job it ends', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    const fx = f;
    let claims = 0;
    const store = observedStore(fx.store, (method) => {
      if (method === 'claimJobs') claims += 1;
    });
    const worker = notifiedOnly(fx, store);
    await worker.start();
    try {
      await waitFor(() => claims === 1, 'the first claim');
      // Events one at a time, each run to its end before the next: a steady low rate. A claim after
      // each ended job found nothing and cost a statement (two, with the worker's two wake-ups).
      for (let i = 0; i < 5; i++) {
        await queueContacts(fx, `s${i}-`, 1);
        await waitFor(async () => fx.sink.records('contacts').length === i + 1 && (await queueDrained(fx.store)), `record ${i}`, 10_000);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.stop();
    }
    expect(claims).toBe(6);
  });

  it('runs a job held back behind its record\'s earlier job as soon as that job ends, without the idle poll', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    const fx = f;
    // Two changes of one record, queued together: the second may start only once the first ends.
    for (const [delivery, name] of [['k-1', 'First'], ['k-2', 'Second']]) {
      await fx.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': delivery }, rawBody: Buffer.from(JSON.stringify({ id: 'k1', email: 'k1@example.com', name })) });
    }
    const worker = notifiedOnly(fx, fx.store);
    await worker.start();
    try {
      await waitFor(async () => (await queueDrained(fx.store)) && fx.sink.records('contacts')[0]?.name === 'Second', 'both changes of the record, in order', 10_000);
    } finally {
      await worker.stop();
    }
    expect(fx.sink.records('contacts')).toHaveLength(1);
  });
});
