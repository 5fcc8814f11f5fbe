/**
 * Adaptive polling: a read that finds changes sets the shortest interval, empty reads double it up to
 * `every`, a nearly spent API budget holds it at `every`; the read stores the pace and every
 * scheduler enqueues the next poll at the stored time, once.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangePage, Connector, Watermark } from '../../src/core/connector.js';
import { paceAfterRead, paceFromMark, paceKey, paceToMark } from '../../src/engine/adaptive-poll.js';
import type { ConnectionPool } from '../../src/engine/connections.js';
import type { FlowRuntime } from '../../src/engine/flow-cache.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { readSource } from '../../src/engine/source-reader.js';
import type { Store } from '../../src/store/types.js';
import { engineFixture, type EngineFixture } from '../support/engine.js';
import { flowYaml } from '../support/flows.js';

const bounds = { minMs: 5_000, maxMs: 60_000 };

describe('adaptive polling', () => {
  it('polls fast while changes arrive, backs off when idle, and slows to `every` near the budget', () => {
    const t = 1_000_000;
    let p = paceAfterRead(null, 3, bounds, t);
    expect(p).toEqual({ nextAt: t + 5_000, intervalMs: 5_000 });
    const idle = [1, 2, 3, 4, 5].map(() => (p = paceAfterRead(p, 0, bounds, t)).intervalMs);
    expect(idle).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(paceAfterRead(p, 1, bounds, t).intervalMs).toBe(5_000);
    expect(paceAfterRead(p, 1, bounds, t, { used: 8_500, limit: 10_000 }).intervalMs).toBe(60_000);
    expect(paceAfterRead(p, 1, bounds, t, { used: 10, limit: null }).intervalMs).toBe(5_000);
    expect(paceFromMark(paceToMark(p))).toEqual(p);
  });

  it('a read stores the pace from what it found and the connection budget', async () => {
    const marks = new Map<string, Watermark | null>();
    const pages: ChangePage[] = [{ records: [{ id: '1', entity: 'customer', updatedAt: '2026-01-01T00:00:00.000Z', data: { id: 1 } }], next: { at: '2026-01-01T00:00:00.000Z', key: '1' }, hasMore: false }, { records: [], next: { at: '2026-01-01T00:00:00.000Z', key: '1' }, hasMore: false }];
    const store = {
      getWatermark: async (_f: string, key: string) => marks.get(key) ?? null,
      commitPoll: async (input: { watermarkKey: string; watermark: Watermark | null }) => {
        marks.set(input.watermarkKey, input.watermark);
        return [];
      },
    } as unknown as Store;
    const connector = { readChanges: async () => pages.shift()! } as unknown as Connector;
    const pool = { get: async () => ({ connector }), budgets: async () => [{ connection: 'shop', used: 1, limit: 100, resetAt: null }] } as unknown as ConnectionPool;
    const flow = { name: 'f', version: 1, def: { trigger: { type: 'poll', every: '1m', minEvery: '5s' }, source: { connection: 'shop', entity: 'customer' } }, policy: { maxAttempts: 3 } } as unknown as FlowRuntime;
    await readSource(flow, 'changes', { store, pool });
    expect(paceFromMark(marks.get(paceKey('shop/customer'))!)?.intervalMs).toBe(5_000);
    await readSource(flow, 'changes', { store, pool });
    expect(paceFromMark(marks.get(paceKey('shop/customer'))!)?.intervalMs).toBe(10_000);
  });

  describe('scheduler', () => {
    let f: EngineFixture | null = null;
    afterEach(async () => {
      await f?.close();
      f = null;
    });

    it('enqueues the next poll at the stored pace, once across schedulers', async () => {
      f = await engineFixture('sqlite');
      // The source must be an entity the http connection discovers (deploy checks names).
      const yaml = flowYaml('adaptive').replace('trigger:\n  type: webhook\n  unsigned: true', 'trigger:\n  type: poll\n  every: 1m\n  minEvery: 5s').replace('entity: customer', 'entity: contacts');
      await f.hub.deployFlow(yaml, 'test');
      const a = new Scheduler(f.store, f.hub.flows, pino({ level: 'silent' }));
      const b = new Scheduler(f.store, f.hub.flows, pino({ level: 'silent' }));
      const t = Date.UTC(2026, 10, 23, 10, 0, 30);
      // A new flow polls at once.
      expect(await a.tick(t)).toBe(1);
      // The read left a pace: the next poll in 20 s.
      await f.store.commitPoll({ flow: 'adaptive', watermarkKey: paceKey('shop/contacts'), watermark: paceToMark({ nextAt: t + 20_000, intervalMs: 20_000 }), jobs: [] });
      expect(await a.tick(t + 5_000)).toBe(0);
      expect(await b.tick(t + 19_000)).toBe(0);
      expect(await a.tick(t + 20_000)).toBe(1);
      expect(await b.tick(t + 21_000)).toBe(0);
      expect((await f.store.queueStats()).queued).toBe(2);
    });
  });
});
