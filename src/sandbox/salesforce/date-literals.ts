/**
 * SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_QUARTER, …) as the ranges of whole days the SOQL
 * reference defines, computed in the org's time zone. A literal is a half-open range of local
 * calendar days [start, end); the evaluator turns it into instants for datetime fields (local
 * midnight in the zone) and compares date fields by calendar day. Weeks start on Sunday (the en_US
 * locale); the fiscal year is the calendar year (the default fiscal-year setting).
 */

/** A calendar day, `YYYY-MM-DD`, as epoch ms of its UTC midnight (calendar arithmetic only). */
type Day = number;

/** A date literal resolved to local calendar days: start inclusive, end exclusive. */
export interface DayRange {
  /** First day in the range (`YYYY-MM-DD`). */
  start: string;
  /** First day after the range (`YYYY-MM-DD`). */
  end: string;
}

const DAY = 86_400_000;

function ymd(d: Day): string {
  return new Date(d).toISOString().slice(0, 10);
}

/** The calendar day `ms` falls on in `timeZone`. */
export function localDay(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms. */
export function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(ms));
  const n = (t: string): number => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant local midnight of `day` occurs in `timeZone` (DST-safe: the offset is re-checked once). */
export function localMidnight(day: string, timeZone: string): number {
  const guess = Date.parse(`${day}T00:00:00Z`);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

const UNIT_RANGES: Record<string, (today: Day) => [Day, Day]> = {
  TODAY: (t) => [t, t + DAY],
  YESTERDAY: (t) => [t - DAY, t],
  TOMORROW: (t) => [t + DAY, t + 2 * DAY],
  THIS_WEEK: (t) => week(t, 0, 1),
  LAST_WEEK: (t) => week(t, -1, 1),
  NEXT_WEEK: (t) => week(t, 1, 1),
  THIS_MONTH: (t) => months(t, 0, 1, 1),
  LAST_MONTH: (t) => months(t, -1, 1, 1),
  NEXT_MONTH: (t) => months(t, 1, 1, 1),
  LAST_90_DAYS: (t) => [t - 90 * DAY, t + DAY],
  NEXT_90_DAYS: (t) => [t + DAY, t + 91 * DAY],
  THIS_QUARTER: (t) => months(t, 0, 1, 3),
  LAST_QUARTER: (t) => months(t, -1, 1, 3),
  NEXT_QUARTER: (t) => months(t, 1, 1, 3),
  THIS_YEAR: (t) => months(t, 0, 1, 12),
  LAST_YEAR: (t) => months(t, -1, 1, 12),
  NEXT_YEAR: (t) => months(t, 1, 1, 12),
  THIS_FISCAL_QUARTER: (t) => months(t, 0, 1, 3),
  LAST_FISCAL_QUARTER: (t) => months(t, -1, 1, 3),
  NEXT_FISCAL_QUARTER: (t) => months(t, 1, 1, 3),
  THIS_FISCAL_YEAR: (t) => months(t, 0, 1, 12),
  LAST_FISCAL_YEAR: (t) => months(t, -1, 1, 12),
  NEXT_FISCAL_YEAR: (t) => months(t, 1, 1, 12),
};

/** Weeks: `from` weeks after this one, `count` weeks long (Sunday first). */
function week(t: Day, from: number, count: number): [Day, Day] {
  const start = t - new Date(t).getUTCDay() * DAY + from * 7 * DAY;
  return [start, start + count * 7 * DAY];
}

/** Periods of `size` months (1, 3 or 12) aligned to the calendar: `from` periods after this one, `count` long. */
function months(t: Day, from: number, count: number, size: number): [Day, Day] {
  const d = new Date(t);
  const monthIndex = d.getUTCFullYear() * 12 + d.getUTCMonth();
  const aligned = monthIndex - (monthIndex % size);
  const at = (mi: number): Day => Date.UTC(Math.floor(mi / 12), mi % 12, 1);
  return [at(aligned + from * size), at(aligned + (from + count) * size)];
}

const N_RANGES: Record<string, (today: Day, n: number) => [Day, Day]> = {
  // "starts with the current day and continues for the past n days" (today is included).
  LAST_N_DAYS: (t, n) => [t - n * DAY, t + DAY],
  // "starts 00:00:00 of the next day and continues for the next n days".
  NEXT_N_DAYS: (t, n) => [t + DAY, t + (n + 1) * DAY],
  N_DAYS_AGO: (t, n) => [t - n * DAY, t - (n - 1) * DAY],
  NEXT_N_WEEKS: (t, n) => week(t, 1, n),
  LAST_N_WEEKS: (t, n) => week(t, -n, n),
  N_WEEKS_AGO: (t, n) => week(t, -n, 1),
  NEXT_N_MONTHS: (t, n) => months(t, 1, n, 1),
  LAST_N_MONTHS: (t, n) => months(t, -n, n, 1),
  N_MONTHS_AGO: (t, n) => months(t, -n, 1, 1),
  NEXT_N_QUARTERS: (t, n) => months(t, 1, n, 3),
  LAST_N_QUARTERS: (t, n) => months(t, -n, n, 3),
  N_QUARTERS_AGO: (t, n) => months(t, -n, 1, 3),
  NEXT_N_YEARS: (t, n) => months(t, 1, n, 12),
  LAST_N_YEARS: (t, n) => months(t, -n, n, 12),
  N_YEARS_AGO: (t, n) => months(t, -n, 1, 12),
  NEXT_N_FISCAL_QUARTERS: (t, n) => months(t, 1, n, 3),
  LAST_N_FISCAL_QUARTERS: (t, n) => months(t, -n, n, 3),
  N_FISCAL_QUARTERS_AGO: (t, n) => months(t, -n, 1, 3),
  NEXT_N_FISCAL_YEARS: (t, n) => months(t, 1, n, 12),
  LAST_N_FISCAL_YEARS: (t, n) => months(t, -n, n, 12),
  N_FISCAL_YEARS_AGO: (t, n) => months(t, -n, 1, 12),
};

/** Whether an identifier (upper-cased, with any `:n`) is a date literal's name. */
export function isDateLiteral(text: string): boolean {
  const [name, n] = text.toUpperCase().split(':');
  return n === undefined ? name in UNIT_RANGES : name in N_RANGES && /^\d+$/.test(n);
}

/** Resolves a date literal against today's local day; null when the name is not a date literal. */
export function dateLiteralRange(text: string, today: string): DayRange | null {
  const [name, nText] = text.toUpperCase().split(':');
  const t = Date.parse(`${today}T00:00:00Z`);
  let r: [Day, Day] | undefined;
  if (nText === undefined) r = UNIT_RANGES[name]?.(t);
  else if (/^\d+$/.test(nText)) r = N_RANGES[name]?.(t, Number(nText));
  return r ? { start: ymd(r[0]), end: ymd(r[1]) } : null;
}
