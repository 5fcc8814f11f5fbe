/**
 * The connection limiter over the store's shared primitives: daily budget (batched, exact near the
 * limit), vendor reports, concurrency and per-second limits, on SQLite (one process) and on
 * PostgreSQL, where two store instances stand for two processes sharing one budget.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/engine/rate-limiter.js';
import { SyncError } from '../../src/core/errors.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { TEST_MASTER_KEY } from '../support/engine.js';

const kinds = ['sqlite', 'postgres'] as const;

describe.each(kinds)('rate limiter on %s', (kind) => {
  let run = true;
  const stores: Store[] = [];
  let url = '';
  let drop: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('rate limiter on postgres');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await drop?.();
    drop = null;
  });

  async function open(): Promise<Store> {
    if (!url || kind === 'sqlite') {
      if (kind === 'sqlite') url = 'sqlite::memory:';
      else {
        const db = await createTestDatabase('syncline_limits');
        url = db.url;
        drop = async () => {
          await db.drop();
          url = '';
        };
      }
    }
    const s = await openStore({ url, masterKey: TEST_MASTER_KEY, poolSize: 4 });
    stores.push(s);
    return s;
  }

  it('refuses calls past the daily budget with a rate_limited error carrying the reset time', async () => {
    if (!run) return;
    const store = await open();
    let now = Date.UTC(2026, 0, 1, 12);
    const l = new RateLimiter('pardot', { perDay: 2 }, store, undefined, () => now);
    for (let i = 0; i < 2; i++) (await l.acquire())();
    const err = await l.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('rate_limited');
    expect((err as SyncError).details.resetAt).toBe(Date.UTC(2026, 0, 2));
    now = Date.UTC(2026, 0, 2, 0, 0, 1);
    (await l.acquire())();
    expect((await store.listApiUsage('2026-01-01'))[0]).toMatchObject({ connection: 'pardot', used: 2, limit: 2 });
  });

  it('adopts the vendor usage report', async () => {
    if (!run) return;
    const store = await open();
    const l = new RateLimiter('sf', {}, store);
    l.report({ used: 990, limit: 1000, resetAt: Date.now() + 60_000 });
    await l.flush();
    expect((await store.listApiUsage(new Date().toISOString().slice(0, 10)))[0]).toMatchObject({ connection: 'sf', used: 990, limit: 1000 });
    l.report({ used: 1000, limit: 1000 });
    await expect(l.acquire()).rejects.toMatchObject({ kind: 'rate_limited' });
  });

  it('counts calls far from a limit in batches, and every call near it', async () => {
    if (!run) return;
    const store = await open();
    const day = new Date().toISOString().slice(0, 10);
    const far = new RateLimiter('far', { perDay: 1_000_000 }, store);
    for (let i = 0; i < 10; i++) (await far.acquire())();
    // Counted locally (no round trip per call) until the flush.
    expect((await store.listApiUsage(day)).find((r) => r.connection === 'far')?.used ?? 0).toBeLessThan(10);
    await far.flush();
    expect((await store.listApiUsage(day)).find((r) => r.connection === 'far')?.used).toBe(10);
    const near = new RateLimiter('near', { perDay: 50 }, store);
    for (let i = 0; i < 3; i++) (await near.acquire())();
    expect((await store.listApiUsage(day)).find((r) => r.connection === 'near')?.used).toBe(3);
  });

  it('holds calls beyond the concurrency limit until one finishes', async () => {
    if (!run) return;
    const store = await open();
    const l = new RateLimiter('pardot', { concurrent: 2 }, store);
    const r1 = await l.acquire();
    const r2 = await l.acquire();
    let third = false;
    const p = l.acquire().then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(third).toBe(false);
    r1();
    (await p)();
    expect(third).toBe(true);
    r2();
    expect(l.inFlight).toBe(0);
  });

  it('spaces calls beyond the per-second burst', async () => {
    if (!run) return;
    const store = await open();
    const l = new RateLimiter('rated', { perSecond: 10 }, store);
    const started = Date.now();
    for (let i = 0; i < 12; i++) (await l.acquire())();
    // Ten in the first burst, then one every 100 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('shares one concurrency limit and one daily budget between processes on PostgreSQL', async () => {
    if (!run || kind !== 'postgres') return;
    const a = await open();
    const b = await open();
    const la = new RateLimiter('pardot', { concurrent: 3, perDay: 8 }, a);
    const lb = new RateLimiter('pardot', { concurrent: 3, perDay: 8 }, b);
    let inFlight = 0;
    let peak = 0;
    const call = async (l: RateLimiter) => {
      const release = await l.acquire();
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight -= 1;
      release();
    };
    const results = await Promise.allSettled([...Array.from({ length: 6 }, () => call(la)), ...Array.from({ length: 6 }, () => call(lb))]);
    expect(peak).toBe(3);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(8);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.kind === 'rate_limited')).toBe(true);
  });
});
