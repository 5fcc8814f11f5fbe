/**
 * A connection's daily API budget, counted in the store by every process. Far from the limit, calls
 * are counted locally and flushed in small batches (every FLUSH_CALLS calls or FLUSH_MS, whichever
 * comes first; without a limit every FLUSH_MS only), so a call costs no round trip; near the limit every call is counted with one atomic,
 * capped add, so the processes together never spend more than the limit. The store keeps our count
 * and the vendor's reported figure apart and shows the larger, so a call is never counted twice.
 */
import type { UsageReport } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { Logger } from '../core/connector.js';
import type { Store } from '../store/types.js';

/** Calls counted locally before a flush. */
export const FLUSH_CALLS = 25;
/** Longest a counted call waits to reach the store. */
export const FLUSH_MS = 500;

/** The UTC day of an instant, `YYYY-MM-DD` (the key of a day's usage). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Remaining calls below which every call is counted exactly: room for several processes' unflushed batches. */
export function exactMargin(limit: number): number {
  return Math.max(4 * FLUSH_CALLS, Math.ceil(limit / 100));
}

/** One connection's daily budget in this process. */
export class DailyBudget {
  /** The day's usage by every process, as of the last round trip. */
  private known = 0;
  /** Calls made here and not yet added to the store. */
  private pending = 0;
  private loaded = false;
  private day: string;
  private reported: UsageReport | null = null;
  private limit: number | null;
  private resetAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    declaredLimit: number | undefined,
    private readonly store: Store,
    private readonly logger?: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.limit = declaredLimit ?? null;
    this.day = utcDay(clock());
  }

  /**
   * Counts one call about to be made, or rejects with SyncError('rate_limited') when the day's budget
   * is spent. Far from any limit it counts synchronously and returns undefined (no promise on the hot path).
   */
  spend(): Promise<void> | undefined {
    this.rollDay();
    const limit = this.limit;
    if (limit === null || (this.loaded && limit - (this.known + this.pending) > exactMargin(limit))) {
      this.count();
      return undefined;
    }
    return this.spendNear(limit);
  }

  private async spendNear(limit: number): Promise<void> {
    if (!this.loaded) await this.flush();
    if (limit - (this.known + this.pending) <= exactMargin(limit)) {
      // Near the limit: one atomic capped add per call, shared by every process.
      if (this.pending > 0 || this.reported) await this.flush();
      const row = await this.store.addApiUsage({ connection: this.name, day: this.day, add: 1, cap: limit, limit });
      this.known = row.used;
      if (!row.granted) throw this.spent(limit);
      return;
    }
    this.count();
  }

  /** Adopts the vendor's own figures (they include calls other tools made on the same credential). */
  report(usage: UsageReport): void {
    this.rollDay();
    this.reported = usage;
    this.limit = usage.limit;
    if (usage.resetAt) this.resetAt = usage.resetAt;
    this.known = Math.max(this.known, usage.used);
    this.schedule();
  }

  /** Sends the calls counted here to the store and learns every process's total. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pending > 0 || this.reported ? this.flush() : undefined));
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const add = this.pending;
    const reported = this.reported;
    this.pending = 0;
    this.reported = null;
    const day = this.day;
    this.flushing = this.store
      .addApiUsage({ connection: this.name, day, add, limit: this.limit, reportedUsed: reported?.used, resetAt: reported?.resetAt ?? null })
      .then(
        (row) => {
          if (day !== this.day) return;
          this.known = row.used;
          this.loaded = true;
        },
        (err: unknown) => {
          // Counted again with the next flush: a store hiccup loses no calls.
          if (day === this.day) this.pending += add;
          this.reported ??= reported;
          try {
            this.logger?.warn({ err: (err as Error).message, connection: this.name }, 'could not record API usage; will retry');
          } catch {
            // The logger's stream is closed (the process is shutting down): the retry below is what matters.
          }
          this.schedule();
        },
      )
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private count(): void {
    this.pending += 1;
    // Without a limit the count only feeds the Overview: one write per FLUSH_MS is enough however busy.
    if (this.limit !== null && this.pending >= FLUSH_CALLS) this.flushInBackground();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushInBackground();
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** A flush nobody awaits: its failure is handled (the calls are counted again later), so nothing may escape as an unhandled rejection. */
  private flushInBackground(): void {
    this.flush().catch(() => undefined);
  }

  private spent(limit: number): SyncError {
    const resetAt = this.resetAt ?? Date.parse(`${this.day}T00:00:00Z`) + 86_400_000;
    return new SyncError('rate_limited', `daily API budget of ${limit} calls for "${this.name}" is spent; work resumes after the reset`, {
      resetAt,
      retryAfterMs: Math.max(0, resetAt - this.clock()),
      system: this.name,
    });
  }

  private rollDay(): void {
    const now = this.clock();
    const day = utcDay(now);
    if (day === this.day && !(this.resetAt !== null && now >= this.resetAt)) return;
    // Calls of the old day still pending are flushed under their day by the timer's flush; a new day starts clean.
    if (this.pending > 0) this.flushInBackground();
    this.day = day;
    this.known = 0;
    this.loaded = false;
    this.resetAt = null;
  }
}
