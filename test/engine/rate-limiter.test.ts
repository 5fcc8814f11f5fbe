import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/engine/rate-limiter.js';
import { SyncError } from '../../src/core/errors.js';

describe('rate limiter', () => {
  it('refuses calls past the daily budget with a rate_limited error carrying the reset time', async () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const l = new RateLimiter('pardot', { perDay: 2 }, () => now);
    for (let i = 0; i < 2; i++) {
      const release = await l.acquire();
      l.count();
      release();
    }
    const err = await l.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('rate_limited');
    expect((err as SyncError).details.resetAt).toBe(Date.UTC(2026, 0, 2));
    now = Date.UTC(2026, 0, 2, 0, 0, 1);
    const release = await l.acquire();
    release();
  });

  it('adopts the vendor usage report', async () => {
    const l = new RateLimiter('sf', {});
    l.report({ used: 990, limit: 1000, resetAt: Date.now() + 60_000 });
    expect(l.usedToday).toBe(990);
    expect(l.dailyLimit).toBe(1000);
    l.report({ used: 1000, limit: 1000 });
    await expect(l.acquire()).rejects.toMatchObject({ kind: 'rate_limited' });
  });

  it('holds calls beyond the concurrency limit until one finishes', async () => {
    const l = new RateLimiter('pardot', { concurrent: 2 });
    const r1 = await l.acquire();
    const r2 = await l.acquire();
    let third = false;
    const p = l.acquire().then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(third).toBe(false);
    r1();
    (await p)();
    expect(third).toBe(true);
    r2();
  });
});
