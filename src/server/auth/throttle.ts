/**
 * Slows down password guessing: per (username, client address), after a few failures each further
 * attempt is refused until a lockout window passes, and the window doubles with every failure
 * (capped). In memory on purpose: it resets on restart, which only helps a guesser by one small
 * window, and it needs no store writes on the sign-in hot path.
 */

/** Tuning for the sign-in throttle. */
export interface ThrottleOptions {
  /** Failures allowed before any lockout (default 3). */
  freeAttempts?: number;
  /** First lockout after the free attempts (default 1 s). */
  baseDelayMs?: number;
  /** Longest lockout (default 15 min). */
  maxDelayMs?: number;
  /** Forget a key this long after its last failure (default 1 h). */
  forgetAfterMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

/** Tracks failed sign-ins and says how long a key must wait. */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly freeAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.freeAttempts = options.freeAttempts ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The key for one username from one client address. */
  static key(username: string, ip: string): string {
    return `${username.trim().toLowerCase()}\u0000${ip}`;
  }

  /** Milliseconds the key must still wait before another attempt (0: may try now). */
  waitMs(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const now = this.now();
    if (now - entry.lastFailure > this.forgetAfterMs) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, entry.lockedUntil - now);
  }

  /** Records a failed attempt; returns the lockout it caused (0 while within the free attempts). */
  fail(key: string): number {
    const now = this.now();
    this.prune(now);
    const entry = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, lastFailure: now };
    entry.failures += 1;
    entry.lastFailure = now;
    const over = entry.failures - this.freeAttempts;
    const delay = over > 0 ? Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (over - 1)) : 0;
    entry.lockedUntil = now + delay;
    this.entries.set(key, entry);
    return delay;
  }

  /** Clears the key after a successful sign-in. */
  succeed(key: string): void {
    this.entries.delete(key);
  }

  // Bounded memory under a spray of usernames: drop entries that are past their forget time.
  private prune(now: number): void {
    if (this.entries.size < 10_000) return;
    for (const [k, e] of this.entries) if (now - e.lastFailure > this.forgetAfterMs) this.entries.delete(k);
  }
}
