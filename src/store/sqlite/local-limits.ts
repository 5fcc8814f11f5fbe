/**
 * The shared-limit primitives for a store one process owns (SQLite): concurrency slots and the
 * per-second reservation clock kept in this process's memory, no I/O. The same semantics as the
 * PostgreSQL primitives, so the engine's limiter is one implementation over either.
 */
import type { CallSlot } from '../types.js';

/** Concurrency slots and GCRA reservations by key, in memory. */
export class LocalCallLimits {
  readonly #inUse = new Map<string, number>();
  /** GCRA theoretical arrival time per key (epoch ms). */
  readonly #tat = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** One of `slots` slots for `key`, or null when all are taken. */
  tryAcquire(key: string, slots: number): CallSlot | null {
    const used = this.#inUse.get(key) ?? 0;
    if (used >= slots) return null;
    this.#inUse.set(key, used + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const n = (this.#inUse.get(key) ?? 1) - 1;
        if (n <= 0) this.#inUse.delete(key);
        else this.#inUse.set(key, n);
      },
    };
  }

  /** Reserves the next start under `perSecond` (burst of one second's worth); ms to wait. */
  reserve(key: string, perSecond: number): number {
    const now = this.clock();
    const interval = 1000 / perSecond;
    const tat = Math.max(this.#tat.get(key) ?? now, now) + interval;
    this.#tat.set(key, tat);
    return Math.max(0, tat - 1000 - now);
  }
}
