/**
 * Dates and times between the vendors' formats. Everything is parsed to an instant (epoch ms, UTC) and
 * formatted from it, so any input form works with any output function:
 * - Salesforce `2024-09-10T13:57:45.000+0000`
 * - Pardot ISO 8601 with offset `2024-09-10T09:57:45-04:00`
 * - Sage 100 `YYYYMMDD` dates plus `TimeUpdated` decimal hours (`"15.5"` = 15:30:00)
 * - Sage X3 `YYYYMMDD`, where the sentinels 1753-01-01 and 1599-12-31 mean "no date".
 * Date-only and offset-less values are taken as UTC. Missing input gives undefined; empty, sentinel or invalid
 * input gives null.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/;
const MS_PER_DAY = 86_400_000;

/** True for the placeholder dates SQL Server-backed Sage products store for "empty". */
function isSentinel(y: number, m: number, d: number): boolean {
  return (y === 1753 && m === 1 && d === 1) || (y === 1599 && m === 12 && d === 31);
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): number | null {
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.getTime() - offsetMin * 60_000;
}

function parseOffset(text: string | undefined): number | null {
  if (!text || text === 'Z' || text === 'z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 23 || m > 59) return null;
  return sign * (h * 60 + m);
}

/** Any supported date input → epoch ms; null for empty, sentinel or invalid; undefined for missing. */
export function parseInstant(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= 8.64e15 ? value : null;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (s === '') return null;
  let m = COMPACT.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (isSentinel(y, mo, d)) return null;
    return build(y, mo, d, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0, 0);
  }
  m = ISO.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (isSentinel(y, mo, d)) return null;
  const offset = parseOffset(m[8]);
  if (offset === null) return null;
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(3, '0').slice(0, 3))) : 0;
  return build(y, mo, d, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms, offset);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function fourDigitYear(ms: number): boolean {
  const y = new Date(ms).getUTCFullYear();
  return y >= 1 && y <= 9999;
}

function withInstant<T>(value: unknown, format: (ms: number, d: Date) => T): T | null | undefined {
  const ms = parseInstant(value);
  if (ms === undefined || ms === null) return ms;
  if (!fourDigitYear(ms)) return null;
  return format(ms, new Date(ms));
}

/** `YYYY-MM-DD` of the UTC day. */
function ymd(d: Date, sep: string): string {
  return pad(d.getUTCFullYear(), 4) + sep + pad(d.getUTCMonth() + 1) + sep + pad(d.getUTCDate());
}

function hms(d: Date): string {
  return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
}

/** Salesforce dateTime text, UTC: `$sfDateTime("20240910")` → `"2024-09-10T00:00:00.000+0000"`. */
export function sfDateTime(value: unknown): string | null | undefined {
  return withInstant(value, (_ms, d) => `${ymd(d, '-')}T${hms(d)}.${pad(d.getUTCMilliseconds(), 3)}+0000`);
}

/** Pardot ISO 8601 with offset, UTC, whole seconds: `$pardotDateTime("2024-09-10T13:57:45.000+0000")` → `"2024-09-10T13:57:45+00:00"`. */
export function pardotDateTime(value: unknown): string | null | undefined {
  return withInstant(value, (_ms, d) => `${ymd(d, '-')}T${hms(d)}+00:00`);
}

/** ISO 8601 instant (`toISOString`): `$isoDateTime("20240131")` → `"2024-01-31T00:00:00.000Z"`. */
export function isoDateTime(value: unknown): string | null | undefined {
  return withInstant(value, (_ms, d) => d.toISOString());
}

/** Calendar date `YYYY-MM-DD` (UTC): `$isoDate("2024-09-10T13:57:45.000+0000")` → `"2024-09-10"`. */
export function isoDate(value: unknown): string | null | undefined {
  return withInstant(value, (_ms, d) => ymd(d, '-'));
}

/** Sage 100 (and Sage X3 SOAP) date `YYYYMMDD` (UTC day): `$sage100Date("2024-01-31T10:00:00Z")` → `"20240131"`. */
export function sage100Date(value: unknown): string | null | undefined {
  return withInstant(value, (_ms, d) => ymd(d, ''));
}

/** Sage 100 time of day as decimal hours, at most 5 decimals: `$sage100Time("2024-01-31T15:30:00Z")` → `"15.5"`. */
export function sage100Time(value: unknown): string | null | undefined {
  return withInstant(value, (ms) => {
    const secondsOfDay = (((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / 1000;
    const hours = Math.round((secondsOfDay / 3600) * 1e5) / 1e5;
    return String(Number(hours.toFixed(5)));
  });
}

/**
 * A Sage 100 date plus its decimal-hour time as one ISO instant, rounded to the second (Sage keeps about that
 * precision): `$fromSage100("20240131", "15.5")` → `"2024-01-31T15:30:00.000Z"`. An empty time counts as midnight.
 */
export function fromSage100(date: unknown, decimalHours?: unknown): string | null | undefined {
  const day = parseInstant(date);
  if (day === undefined || day === null) return day;
  let hours = 0;
  if (typeof decimalHours === 'number') hours = decimalHours;
  else if (typeof decimalHours === 'string' && decimalHours.trim() !== '') hours = Number(decimalHours.trim());
  if (!Number.isFinite(hours) || hours < 0 || hours >= 24) return null;
  const midnight = day - (((day % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
  // Rounding must not carry 23:59:59.6 into the next day.
  const ms = midnight + Math.min(86_399, Math.round(hours * 3600)) * 1000;
  return fourDigitYear(ms) ? new Date(ms).toISOString() : null;
}

/** A Sage X3 date (`YYYYMMDD` or ISO) as `YYYY-MM-DD`, with the sentinels 1753-01-01 and 1599-12-31 as null: `$sageX3Date("17530101")` → null. */
export function sageX3Date(value: unknown): string | null | undefined {
  return isoDate(value);
}
