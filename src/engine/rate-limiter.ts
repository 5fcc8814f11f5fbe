/**
 * One rate limiter for every connector: steady calls per second (token bucket), calls in flight at
 * once (semaphore) and a daily budget. Connectors only declare their limits; the engine enforces them.
 */
import { SyncError } from '../core/errors.js';
import type { RateLimits, UsageReport } from '../core/connector.js';

/** Per-connection limiter state. */
export class RateLimiter {
  private tokens: number;
  private lastRefill: number;
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private dayStart: number;
  /** Calls counted today (ours, or the vendor's figure when it reports one). */
  usedToday = 0;
  /** Daily limit, from the declaration or the vendor's report. */
  dailyLimit: number | null;
  /** When the vendor's daily window resets, if it told us. */
  resetAt: number | null = null;

  constructor(
    readonly name: string,
    private readonly limits: RateLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.tokens = limits.perSecond ?? Infinity;
    this.lastRefill = clock();
    this.dayStart = startOfUtcDay(clock());
    this.dailyLimit = limits.perDay ?? null;
  }

  /** Waits for a slot; throws SyncError('rate_limited') when the daily budget is spent (the job parks until reset). */
  async acquire(): Promise<() => void> {
    this.rollDay();
    if (this.dailyLimit !== null && this.usedToday >= this.dailyLimit) {
      const resetAt = this.resetAt ?? this.dayStart + 86_400_000;
      throw new SyncError('rate_limited', `daily API budget of ${this.dailyLimit} calls for "${this.name}" is spent; work resumes after the reset`, {
        resetAt,
        retryAfterMs: Math.max(0, resetAt - this.clock()),
        system: this.name,
      });
    }
    const concurrent = this.limits.concurrent ?? Infinity;
    while (this.inFlight >= concurrent) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight += 1;
    try {
      await this.takeToken();
    } catch (err) {
      this.release();
      throw err;
    }
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.release();
      }
    };
  }

  /** Records one outbound call. */
  count(): void {
    this.rollDay();
    this.usedToday += 1;
  }

  /** Adopts the vendor's own usage figures, which include calls made by other tools on the same credential. */
  report(usage: UsageReport): void {
    this.rollDay();
    this.usedToday = Math.max(this.usedToday, usage.used);
    this.dailyLimit = usage.limit;
    if (usage.resetAt) this.resetAt = usage.resetAt;
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }

  private async takeToken(): Promise<void> {
    const perSecond = this.limits.perSecond;
    if (!perSecond) return;
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(perSecond, this.tokens + ((now - this.lastRefill) / 1000) * perSecond);
      this.lastRefill = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / perSecond) * 1000)));
    }
  }

  private rollDay(): void {
    const now = this.clock();
    if (this.resetAt !== null && now >= this.resetAt) {
      this.resetAt = null;
      this.usedToday = 0;
      this.dayStart = startOfUtcDay(now);
    } else if (this.resetAt === null && now - this.dayStart >= 86_400_000) {
      this.usedToday = 0;
      this.dayStart = startOfUtcDay(now);
    }
  }
}

function startOfUtcDay(t: number): number {
  return t - (t % 86_400_000);
}
