/**
 * Sage 100 change stamps: `DateUpdated` (a local date) plus `TimeUpdated` (a string of decimal hours,
 * `"15.5"` = 15:30) in the Sage server's local time. These helpers turn them into UTC instants using
 * the configured IANA time zone, and an instant back into the local day used in the ODBC filter.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local wall clock of an instant in a zone, as if it were UTC (ms), from Intl. */
function exactWallMs(instantMs: number, timeZone: string): number {
  const p = Object.fromEntries(formatter(timeZone).formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
  const ms = ((instantMs % 1000) + 1000) % 1000;
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second), ms);
}

const DAY_MS = 86_400_000;
/** Days kept per zone before the cache starts again (about 270 years of stamps). */
const MAX_CACHED_DAYS = 100_000;
/** Per zone: a UTC day's offset (epoch day → ms) when it is the same all day, null on a day with a transition. */
const dayOffsets = new Map<string, Map<number, number | null>>();

/**
 * The local wall clock of an instant in a zone, as if it were UTC (ms). Intl is asked twice per UTC
 * day (its offset at the day's start and end), not twice per stamp: a table read turns every row's
 * stamp into an instant, and formatToParts made most of a 100,000-customer read's CPU time. A day
 * with an offset change is computed exactly, stamp by stamp.
 */
function wallMs(instantMs: number, timeZone: string): number {
  const day = Math.floor(instantMs / DAY_MS);
  let days = dayOffsets.get(timeZone);
  if (!days) dayOffsets.set(timeZone, (days = new Map()));
  let offset = days.get(day);
  if (offset === undefined) {
    const start = day * DAY_MS;
    const atStart = exactWallMs(start, timeZone) - start;
    offset = exactWallMs(start + DAY_MS, timeZone) - (start + DAY_MS) === atStart ? atStart : null;
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(day, offset);
  }
  return offset === null ? exactWallMs(instantMs, timeZone) : instantMs + offset;
}

/** The UTC instant of a local wall-clock time in a zone (DST gaps resolve forward, overlaps to the first). */
export function localToUtcMs(localMs: number, timeZone: string): number {
  const first = localMs - (wallMs(localMs, timeZone) - localMs);
  return localMs - (wallMs(first, timeZone) - first);
}

/** True when the zone name is one Intl knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since local midnight of a decimal-hours string; NaN when it is not a number. */
export function decimalHoursToMs(time: string): number {
  const t = time.trim();
  if (t === '') return 0;
  const hours = Number(t);
  return Number.isFinite(hours) ? Math.round(hours * 3_600_000) : NaN;
}

/** A date value from ODBC (`YYYY-MM-DD` string or Date) as `YYYY-MM-DD`, or null when empty. */
export function odbcDate(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  const s = String(value).trim();
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** The UTC instant (ms) of a Sage date + decimal-hours time in the server's zone, or null without a date. */
export function sageStampToMs(date: unknown, time: unknown, timeZone: string): number | null {
  const day = odbcDate(date);
  if (!day) return null;
  const [y, m, d] = day.split('-').map(Number);
  const ofDay = decimalHoursToMs(String(time ?? ''));
  if (Number.isNaN(ofDay)) return null;
  return localToUtcMs(Date.UTC(y, m - 1, d) + ofDay, timeZone);
}

/** The Sage server's local day (`YYYY-MM-DD`) of a UTC instant. */
export function localDay(instantMs: number, timeZone: string): string {
  return new Date(wallMs(instantMs, timeZone)).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` as an ODBC date literal `{d'YYYY-MM-DD'}` (digits checked, so safe to inline). */
export function odbcDateLiteral(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a date: ${day}`);
  return `{d'${day}'}`;
}
