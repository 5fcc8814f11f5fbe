/**
 * The emulated Sage 100 server's clock. Sage stamps DateUpdated/TimeUpdated with the server's local
 * wall time, so the clock knows its time zone; tests can set it (e.g. to 23:59 for the midnight case)
 * and it keeps running from there.
 */

/** A Sage date + decimal-hours time stamp. */
export interface SageStamp {
  /** `YYYY-MM-DD` (ODBC DATE). */
  date: string;
  /** Decimal hours, at most 5 digits after the point (`"15.5"`, `"9.25125"`). */
  time: string;
}

/** Settable wall clock in a given IANA time zone. */
export class SageClock {
  private offsetMs = 0;
  private readonly parts: Intl.DateTimeFormat;

  constructor(
    /** IANA zone of the emulated Sage server (default UTC). */
    readonly timeZone = 'UTC',
    private readonly realNow: () => number = Date.now,
  ) {
    this.parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The current instant of the emulated server. */
  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  /** Moves the clock so that now() is `at`; it keeps running from there. */
  set(at: Date): void {
    this.offsetMs = at.getTime() - this.realNow();
  }

  /** Moves the clock forward (or back) by `ms`. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to real time. */
  resetToReal(): void {
    this.offsetMs = 0;
  }

  /** The Sage stamp (local date + decimal hours) of an instant, now by default. */
  stamp(at: Date = this.now()): SageStamp {
    const p = Object.fromEntries(this.parts.formatToParts(at).map((x) => [x.type, x.value]));
    const seconds = Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second) + at.getUTCMilliseconds() / 1000;
    return { date: `${p.year}-${p.month}-${p.day}`, time: decimalHours(seconds) };
  }
}

/** Seconds since local midnight as Sage's decimal-hours string, truncated (never rounded up to "24"). */
export function decimalHours(secondsOfDay: number): string {
  const hours = Math.floor((secondsOfDay / 3600) * 1e5) / 1e5;
  return hours.toFixed(5).replace(/\.?0+$/, '') || '0';
}
