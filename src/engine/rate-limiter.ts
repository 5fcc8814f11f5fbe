/**
 * The one rate limiter of the engine: a connection's calls in flight (concurrency), calls per second
 * and daily budget, enforced for every outbound call (the shared HTTP, SOAP and ODBC clients acquire it
 * through the connector's call gate). The limits are held by the store, so every process on one store
 * shares one budget: on PostgreSQL through the database (advisory-lock slots, a reservation clock, a
 * usage table), on SQLite in the one process. Only a declared limit costs anything: a connection with
 * no concurrency or per-second limit never asks the store for a slot or a reservation.
 * See docs/decisions/0007-shared-rate-limits.md.
 */
import type { Logger, RateLimits, UsageReport } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { CallSlot, Store } from '../store/types.js';
import { DailyBudget } from './daily-budget.js';

/** What the engine asks of a connection's limiter. */
export interface Limiter {
  /** Waits for a slot under the concurrency and per-second limits, counts the call against the daily budget, and returns the release. Throws SyncError('rate_limited') when the day's budget is spent. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Adopts the vendor's usage figures. */
  report(usage: UsageReport): void;
  /** Sends calls counted in this process to the store. */
  flush(): Promise<void>;
  /** Calls of this connection in flight in this process. */
  readonly inFlight: number;
}

/** Shortest and longest pause between tries for a slot another process holds. */
const SLOT_RETRY_MIN_MS = 2;
const SLOT_RETRY_MAX_MS = 50;

/** A connection's limiter over the store's shared primitives. */
export class RateLimiter implements Limiter {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  /** Wakes tries waiting on another process's slot when one of ours frees. */
  private readonly slotWaiters = new Set<() => void>();
  private readonly daily: DailyBudget;
  private readonly key: string;

  constructor(
    readonly name: string,
    private readonly limits: RateLimits,
    private readonly store: Store,
    logger?: Logger,
    clock: () => number = Date.now,
  ) {
    this.key = name;
    this.daily = new DailyBudget(name, limits.perDay, store, logger, clock);
  }

  get inFlight(): number {
    return this.active;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    const spending = this.daily.spend();
    if (spending) await spending;
    const concurrent = this.limits.concurrent;
    let slot: CallSlot | null = null;
    if (concurrent !== undefined) {
      // This process never asks the store for more slots than the limit: its own callers queue here.
      while (this.active >= concurrent) await this.waitTurn(signal);
      this.active += 1;
      try {
        slot = await this.takeSlot(concurrent, signal);
      } catch (err) {
        this.leave();
        throw err;
      }
    } else {
      this.active += 1;
    }
    try {
      if (this.limits.perSecond) {
        const wait = await this.store.reserveCallRate(this.key, this.limits.perSecond);
        if (wait > 0) await pause(wait, signal);
      }
    } catch (err) {
      slot?.release();
      this.leave();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slot?.release();
      this.leave();
    };
  }

  report(usage: UsageReport): void {
    this.daily.report(usage);
  }

  flush(): Promise<void> {
    return this.daily.flush();
  }

  private async takeSlot(concurrent: number, signal?: AbortSignal): Promise<CallSlot> {
    let delay = SLOT_RETRY_MIN_MS;
    for (;;) {
      const slot = await this.store.tryAcquireCallSlot(this.key, concurrent);
      if (slot) return slot;
      // Another process holds every slot. No server-side wake-up exists for advisory locks, so retry
      // with a growing, jittered pause (and at once when a call of ours ends).
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(t);
          this.slotWaiters.delete(done);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          done();
          reject(aborted());
        };
        const t = setTimeout(done, delay * (0.5 + Math.random()));
        this.slotWaiters.add(done);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      delay = Math.min(SLOT_RETRY_MAX_MS, delay * 2);
    }
  }

  private waitTurn(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(aborted());
    return new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(turn);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(aborted());
      };
      this.waiters.push(turn);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private leave(): void {
    this.active -= 1;
    this.waiters.shift()?.();
    for (const wake of [...this.slotWaiters]) wake();
  }
}

function aborted(): SyncError {
  return new SyncError('retryable', 'call aborted while waiting for a rate-limit slot');
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
