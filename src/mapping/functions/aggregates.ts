/** Aggregates over a related collection (order lines, orders): exact sums, counts, latest dates. */
import { Decimal, sumDecimal } from './money.js';
import { isoDateTime, parseInstant } from './dates.js';

function items(collection: unknown): unknown[] {
  if (collection === undefined || collection === null) return [];
  return Array.isArray(collection) ? collection : [collection];
}

function pick(item: unknown, field: unknown): unknown {
  if (typeof field !== 'string' || field === '') return item;
  return item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[field] : undefined;
}

/**
 * Exact decimal sum of `field` over a collection, as text with `scale` decimals (default 2); "0.00" for an
 * empty collection. `$sumOf(Orders, "Total")` → `"1234.50"`.
 */
export function sumOf(collection: unknown, field?: unknown, scale?: unknown): string {
  const total = sumDecimal(items(collection).map((i) => pick(i, field))) ?? new Decimal(0);
  const dp = typeof scale === 'number' && Number.isInteger(scale) && scale >= 0 && scale <= 20 ? scale : 2;
  return total.toFixed(dp, Decimal.ROUND_HALF_UP);
}

/** Number of items in a collection (a single object counts 1; missing counts 0), or of items whose `field` is not empty. `$countOf(Orders)` → 3. */
export function countOf(collection: unknown, field?: unknown): number {
  let n = 0;
  for (const i of items(collection)) {
    const v = pick(i, field);
    if (v !== undefined && v !== null && v !== '') n++;
  }
  return n;
}

/** The latest date of `field` over a collection, as an ISO instant; null when none parses. `$maxDate(Orders, "OrderDate")` → `"2024-03-02T00:00:00.000Z"`. */
export function maxDate(collection: unknown, field?: unknown): string | null {
  let best: number | null = null;
  for (const i of items(collection)) {
    const ms = parseInstant(pick(i, field));
    if (typeof ms === 'number' && (best === null || ms > best)) best = ms;
  }
  return best === null ? null : (isoDateTime(best) ?? null);
}
