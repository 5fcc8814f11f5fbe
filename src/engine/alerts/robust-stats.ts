/**
 * The anomaly statistic (decision 0016): a value is compared with its own recent history by the
 * modified z-score of Iglewicz and Hoaglin, z = 0.6745 · (x − median) / MAD, where MAD is the median
 * absolute deviation of the history from its median. Median and MAD are not dragged by the outliers
 * they are meant to find (one bad hour in the baseline does not hide the next), and 0.6745 scales MAD
 * to a standard deviation for normal data, so |z| > 3.5 (their recommended cut) means "about as rare
 * as 3.5 standard deviations". When more than half the history is one value, MAD is 0; the mean
 * absolute deviation (× 1.2533, the same scaling for it) stands in, and when that is 0 too (a flat
 * history) any difference counts as infinitely unusual and the rule's minimum change decides.
 */

/** The median of values (null when there are none). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The median absolute deviation from the median (null when there are no values). */
export function mad(values: readonly number[]): number | null {
  const m = median(values);
  if (m === null) return null;
  return median(values.map((v) => Math.abs(v - m)));
}

/** The q-quantile (0..1) by the nearest-rank rule, or null when there are none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** A value compared with its history. */
export interface RobustComparison {
  value: number;
  median: number;
  /** The spread used, on the MAD scale: MAD, or 0.8453 × the mean absolute deviation when MAD is 0 (see `spreadFrom`). */
  spread: number;
  spreadFrom: 'mad' | 'meanAbsoluteDeviation' | 'none';
  /** The modified z-score; ±Infinity when the history is flat and the value differs. */
  z: number;
  /** How many history values the baseline holds. */
  n: number;
}

const SCALE = 0.6745;
/**
 * The mean absolute deviation on the MAD scale: for normal data σ ≈ 1.2533 × meanAD and σ ≈ MAD / 0.6745,
 * so a spread of 0.6745 × 1.2533 × meanAD gives z = (x − median) / (1.2533 × meanAD), the usual fallback.
 */
const MEAN_AD_TO_MAD = SCALE * 1.253314;

/** Compares `value` with `history` by the modified z-score; null when the history is empty. */
export function robustZ(value: number, history: readonly number[]): RobustComparison | null {
  const m = median(history);
  if (m === null) return null;
  let spread = mad(history) ?? 0;
  let spreadFrom: RobustComparison['spreadFrom'] = 'mad';
  if (spread === 0) {
    const meanAd = history.reduce((s, v) => s + Math.abs(v - m), 0) / history.length;
    // Expressed on the MAD scale so the same 0.6745 applies.
    spread = meanAd * MEAN_AD_TO_MAD;
    spreadFrom = spread === 0 ? 'none' : 'meanAbsoluteDeviation';
  }
  const diff = value - m;
  const z = spread === 0 ? (diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity) : (SCALE * diff) / spread;
  return { value, median: m, spread, spreadFrom, z, n: history.length };
}

/** Which way a change must go to count. */
export type Direction = 'up' | 'down' | 'both';

/** True when the comparison is an anomaly: |z| at least `threshold` in the watched direction, and the value moved at least `minChange` from the median. */
export function isAnomalous(c: RobustComparison, threshold: number, minChange: number, direction: Direction = 'both'): boolean {
  const diff = c.value - c.median;
  if (Math.abs(diff) < minChange || diff === 0) return false;
  if (direction === 'up' && diff < 0) return false;
  if (direction === 'down' && diff > 0) return false;
  return Math.abs(c.z) >= threshold;
}

/** A z-score as text (`+4.2`, `−∞`). */
export function formatZ(z: number): string {
  if (!Number.isFinite(z)) return z > 0 ? '+∞' : '−∞';
  return `${z >= 0 ? '+' : '−'}${Math.abs(z).toFixed(1)}`;
}
