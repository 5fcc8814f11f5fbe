/**
 * Adaptive polling: a read that finds changes sets the shortest interval, empty reads double it up to
 * `every`, a nearly spent API budget (or one spent faster than the day goes by) holds it at `every`;
 * the read stores the pace and every scheduler enqueues the next poll at the stored time, once. Fast
 * polls never spend past the connection's daily budget.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangePage, Connector, Watermark } from '../../src/core/connector.js';
import { budgetTight, paceAfterRead, paceFromMark, paceKey, paceToMark } from '../../src/engine/adaptive-poll.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { utcDay } from '../../src/engine/daily-budget.js';
import { SyncError } from '../../src/core/errors.js';
import type { ConnectionPool } from '../../src/engine/connections.js';
import type { FlowRuntime } from '../../src/engine/flow-cache.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { readSource } from '../../src/engine/source-reader.js';
import type { Store } from '../../src/store/types.js';
import { engineFixture, sinkConnection, type EngineFixture } from '../support/engine.js';
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

  it('keeps within the daily budget: `every` past 80 % of it, or while spending runs ahead of the day', () => {
    const day = Date.UTC(2026, 11, 6);
    const quarter = day + 6 * 3600_000; // a quarter of the UTC day gone
    expect(budgetTight({ used: 340, limit: 1000 }, quarter)).toBe(false);
    expect(budgetTight({ used: 360, limit: 1000 }, quarter)).toBe(true);
    const late = day + 23 * 3600_000;
    expect(budgetTight({ used: 790, limit: 1000 }, late)).toBe(false);
    expect(budgetTight({ used: 800, limit: 1000 }, late)).toBe(true);
    // The vendor's budget day ends in 12 hours: half of it is gone.
    const resetAt = quarter + 12 * 3600_000;
    expect(budgetTight({ used: 590, limit: 1000, resetAt }, quarter)).toBe(false);
    expect(budgetTight({ used: 610, limit: 1000, resetAt }, quarter)).toBe(true);
    expect(budgetTight({ used: 10_000, limit: null }, quarter)).toBe(false);
    expect(budgetTight(null, quarter)).toBe(false);
    expect(paceAfterRead(null, 5, bounds, quarter, { used: 340, limit: 1000 }).intervalMs).toBe(5_000);
    expect(paceAfterRead(null, 5, bounds, quarter, { used: 360, limit: 1000 }).intervalMs).toBe(60_000);
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

    it('never spends past the daily budget: reads that find changes poll at `every` once 80 % is used, and the limit refuses the rest', async () => {
      f = await engineFixture('sqlite');
      const limit = 20;
      // The same sink behind a connection metered at 20 calls a day.
      await saveConnection(f.store, f.hub.connectors, { name: 'metered', type: 'http', settings: { ...sinkConnection(f.sink.url), rateLimits: { perSecond: 10_000, concurrent: 64, perDay: limit } } }, 'test');
      const yaml = flowYaml('adaptive').replace('trigger:\n  type: webhook\n  unsigned: true', 'trigger:\n  type: poll\n  every: 1m\n  minEvery: 5s').replace('connection: shop\n  entity: customer', 'connection: metered\n  entity: contacts');
      await f.hub.deployFlow(yaml, 'test');
      const flow = await f.hub.flows.get('adaptive');
      const used = async () => (await f!.store.listApiUsage(utcDay(Date.now()))).find((r) => r.connection === 'metered')?.used ?? 0;
      let refused = 0;
      for (let i = 0; i < limit + 10; i++) {
        // A change arrives before every read, so every read that runs finds one.
        const res = await fetch(`${f.sink.url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `c${i}@budget.example` }) });
        expect(res.status).toBe(201);
        const before = await used();
        try {
          const out = await readSource(flow, 'changes', { store: f.store, pool: f.hub.pool });
          expect(out.records).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(SyncError);
          expect((err as SyncError).kind).toBe('rate_limited');
          refused += 1;
          continue;
        }
        const pace = paceFromMark(await f.store.getWatermark('adaptive', paceKey('metered/contacts')));
        // Past 80 % of the budget the pace is the idle interval, however many changes the read found.
        if ((await used()) >= limit * 0.8) expect(pace?.intervalMs, `read ${i} (${before} calls used before it)`).toBe(60_000);
      }
      expect(await used()).toBeLessThanOrEqual(limit);
      expect(refused).toBeGreaterThan(0);
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
