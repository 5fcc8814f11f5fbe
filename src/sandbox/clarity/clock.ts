/**
 * The emulated shop server's clock: settable and advanceable so a test can let a cart sit idle for
 * hours in a moment (carts age from New to Abandoned by it).
 */

/** A settable wall clock that keeps running from where it was set. */
export class ShopClock {
  private offsetMs = 0;

  constructor(private readonly realNow: () => number = Date.now) {}

  /** The current instant of the emulated server, epoch ms. */
  nowMs(): number {
    return this.realNow() + this.offsetMs;
  }

  /** The current instant as ISO 8601 (ServiceStack's `DateHandler = ISO8601`). */
  iso(): string {
    return new Date(this.nowMs()).toISOString();
  }

  /** Moves the clock so that now is `at`. */
  set(at: Date): void {
    this.offsetMs = at.getTime() - this.realNow();
  }

  /** Moves the clock by `ms`. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to real time. */
  resetToReal(): void {
    this.offsetMs = 0;
  }
}
