/**
 * Exact decimal money with decimal.js: no binary floating point drift in sums (0.1 + 0.2 is 0.30).
 * Results are strings with a fixed number of decimals, because a JSON number cannot keep `12.50` and a
 * float cannot hold every cent of a large total; targets' decimal fields accept the text.
 */
import { Decimal as BaseDecimal } from 'decimal.js';

/** decimal.js rounds every operation to 20 significant digits by default; money needs all of them. */
export const Decimal = BaseDecimal.clone({ precision: 1000, rounding: BaseDecimal.ROUND_HALF_UP });
/** A decimal value of the money precision. */
export type Decimal = BaseDecimal;

/** One parsed amount, or null when the value is empty or not a number. Accepts numbers, numeric text, `$1,234.50`. */
export function toDecimal(value: unknown): Decimal | null {
  if (typeof value === 'number') return Number.isFinite(value) ? new Decimal(value) : null;
  if (typeof value === 'string') {
    const s = value.trim().replace(/[$€£,\s]/gu, '');
    if (s === '' || !/^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/iu.test(s)) return null;
    return new Decimal(s);
  }
  if (value instanceof BaseDecimal) return new Decimal(value);
  return null;
}

function flatten(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else out.push(value);
}

/** Sums amounts exactly; null when none of them is a number. */
export function sumDecimal(values: unknown[]): Decimal | null {
  let total: Decimal | null = null;
  for (const v of values) {
    const d = toDecimal(v);
    if (d) total = total ? total.plus(d) : d;
  }
  return total;
}

/**
 * An amount, or the exact sum of a list of amounts, as text with `scale` decimals (default 2, rounded half
 * up, away from zero): `$money([0.1, 0.2])` → `"0.30"`; `$money("1,234.5")` → `"1234.50"`. Empty → null.
 */
export function money(value: unknown, scale?: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  const items: unknown[] = [];
  flatten(value, items);
  const total = sumDecimal(items);
  if (!total) return null;
  const dp = typeof scale === 'number' && Number.isInteger(scale) && scale >= 0 && scale <= 20 ? scale : 2;
  return total.toFixed(dp, BaseDecimal.ROUND_HALF_UP);
}
