/** The anomaly statistic: median, MAD and the modified z-score, with the fallbacks for a MAD of 0. */
import { describe, expect, it } from 'vitest';
import { formatZ, isAnomalous, mad, median, quantile, robustZ } from '../../../src/engine/alerts/robust-stats.js';

describe('median and MAD', () => {
  it('are the middle value and the middle absolute deviation from it', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // deviations from 3: 2, 1, 0, 1, 97 → median 1
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
    expect(quantile([10, 20, 30, 40], 0.95)).toBe(40);
    expect(quantile([10, 20, 30, 40], 0.5)).toBe(20);
  });
});

describe('robustZ', () => {
  it('is 0.6745 · (x − median) / MAD, unmoved by an outlier already in the history', () => {
    const history = [100, 104, 96, 102, 98, 1000];
    // median 101, deviations 1,3,5,1,3,899 → MAD 3
    const c = robustZ(80, history)!;
    expect(c).toMatchObject({ median: 101, spread: 3, spreadFrom: 'mad', n: 6 });
    expect(c.z).toBeCloseTo((0.6745 * (80 - 101)) / 3, 10);
    expect(isAnomalous(c, 3.5, 0)).toBe(true);
    // A value inside the usual spread is not an anomaly.
    expect(isAnomalous(robustZ(103, history)!, 3.5, 0)).toBe(false);
  });

  it('falls back to the mean absolute deviation when more than half the history is one value', () => {
    const history = [10, 10, 10, 10, 10, 30];
    expect(mad(history)).toBe(0);
    const c = robustZ(50, history)!;
    // mean |x − 10| = 20/6; z = (50 − 10) / (1.253314 · 20/6)
    expect(c.spreadFrom).toBe('meanAbsoluteDeviation');
    expect(c.z).toBeCloseTo(40 / (1.253314 * (20 / 6)), 6);
  });

  it('calls any change from a flat history infinitely unusual, leaving the minimum change to decide', () => {
    const c = robustZ(12, [10, 10, 10, 10])!;
    expect(c).toMatchObject({ spreadFrom: 'none', z: Infinity });
    expect(isAnomalous(c, 3.5, 5)).toBe(false);
    expect(isAnomalous(c, 3.5, 2)).toBe(true);
    expect(robustZ(10, [10, 10, 10])!.z).toBe(0);
    expect(robustZ(1, [])).toBeNull();
    expect(formatZ(-Infinity)).toBe('−∞');
    expect(formatZ(4.26)).toBe('+4.3');
  });

  it('watches only the direction asked for', () => {
    const history = [100, 101, 99, 100, 102, 98];
    const drop = robustZ(10, history)!;
    const rise = robustZ(300, history)!;
    expect(isAnomalous(drop, 3.5, 0, 'up')).toBe(false);
    expect(isAnomalous(drop, 3.5, 0, 'down')).toBe(true);
    expect(isAnomalous(rise, 3.5, 0, 'down')).toBe(false);
    expect(isAnomalous(rise, 3.5, 0, 'both')).toBe(true);
  });
});
