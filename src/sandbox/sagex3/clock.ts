/**
 * The emulated X3 server's clock (UTC, as UPDDATTIM is). Tests set or advance it; every change gets a
 * strictly increasing instant, so WW_MODSTAMP differs between two changes even within a millisecond.
 */

/** Settable clock with monotonic change stamps. */
export class X3Clock {
  private offsetMs = 0;
  private lastStampMs = 0;

  constructor(private readonly realNow: () => number = Date.now) {}

  /** The current instant. */
  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  /** Moves the clock so that now() is `at`; it keeps running from there. */
  set(at: Date): void {
    this.offsetMs = at.getTime() - this.realNow();
    this.lastStampMs = 0;
  }

  /** Moves the clock by `ms`. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to real time. */
  resetToReal(): void {
    this.offsetMs = 0;
    this.lastStampMs = 0;
  }

  /** The instant of a change: now, but never the same as or before the previous change's. */
  changeInstant(): Date {
    const ms = Math.max(this.now().getTime(), this.lastStampMs + 1);
    this.lastStampMs = ms;
    return new Date(ms);
  }
}

/** X3's WW_MODSTAMP for an instant: `YYYYMMDDHHMMSS` plus milliseconds (`20240131101500123`). */
export function modStamp(at: Date): string {
  return at.toISOString().replace(/[-:TZ.]/g, '');
}

/** UPDDATTIM as X3 serves it over REST: ISO UTC to the second. */
export function isoSeconds(at: Date | string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
