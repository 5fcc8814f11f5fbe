/**
 * Slows down password guessing. Every sign-in attempt is counted before its password is checked,
 * under two keys: the account, and the client address. After a few attempts each key is locked for
 * a window that doubles with every further attempt (capped), and an attempt while either key is
 * locked is refused without looking at the password. Counting first is what makes it hold under
 * concurrency: 40 attempts sent at once are numbered one by one, and only the first few are checked.
 * The counters live in the store (one transaction per attempt, rows locked on PostgreSQL), so every
 * process on one database shares them; a correct password clears the account's count.
 */
import type { LoginCounter, Store } from '../../store/types.js';

/** Tuning for the sign-in throttle. */
export interface ThrottleOptions {
  /** Attempts per account before any lockout (default 3). */
  freeAttempts?: number;
  /** Attempts per client address before any lockout, across accounts (default 20: offices share an address). */
  freeAttemptsPerAddress?: number;
  /** First lockout after the free attempts (default 1 s). */
  baseDelayMs?: number;
  /** Longest lockout (default 15 min). */
  maxDelayMs?: number;
  /** Forget a key this long after its last attempt (default 1 h). */
  forgetAfterMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Counts sign-in attempts per account and per client address, in the store. */
export class LoginThrottle {
  private readonly freeAttempts: number;
  private readonly freePerAddress: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    options: ThrottleOptions = {},
  ) {
    this.freeAttempts = options.freeAttempts ?? 3;
    this.freePerAddress = options.freeAttemptsPerAddress ?? 20;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The counter key of an account. */
  static accountKey(username: string): string {
    return `account:${username.trim().toLowerCase()}`;
  }

  /** The counter key of a client address. */
  static addressKey(ip: string): string {
    return `address:${ip}`;
  }

  /**
   * Counts one attempt before its password is checked. Returns 0 when the password may be checked
   * (the attempt stays counted as a failure unless `succeed` follows), else the milliseconds to wait
   * (the attempt was refused and not counted).
   */
  async take(username: string, ip: string): Promise<number> {
    const keys: Array<[string, number]> = [
      [LoginThrottle.accountKey(username), this.freeAttempts],
      [LoginThrottle.addressKey(ip), this.freePerAddress],
    ];
    return this.store.updateLoginCounters(
      keys.map(([k]) => k),
      (current) => {
        const now = this.now();
        const live = new Map<string, LoginCounter | null>();
        for (const [key] of keys) {
          const c = current.get(key) ?? null;
          live.set(key, c && now - c.lastFailure <= this.forgetAfterMs ? c : null);
        }
        const wait = Math.max(0, ...[...live.values()].map((c) => (c ? c.lockedUntil - now : 0)));
        if (wait > 0) return { counters: live, result: wait };
        for (const [key, free] of keys) {
          const failures = (live.get(key)?.failures ?? 0) + 1;
          const over = failures - free;
          live.set(key, { failures, lastFailure: now, lockedUntil: over > 0 ? now + Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (over - 1)) : 0 });
        }
        return { counters: live, result: 0 };
      },
    );
  }

  /** The password was right: the account's count is cleared, and this attempt no longer counts against the address. */
  async succeed(username: string, ip: string): Promise<void> {
    const account = LoginThrottle.accountKey(username);
    const address = LoginThrottle.addressKey(ip);
    await this.store.updateLoginCounters([account, address], (current) => {
      const a = current.get(address) ?? null;
      const counters = new Map<string, LoginCounter | null>([
        [account, null],
        [address, a && a.failures > 1 ? { ...a, failures: a.failures - 1 } : null],
      ]);
      return { counters, result: undefined };
    });
  }
}
