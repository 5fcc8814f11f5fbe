/** Anomaly rules on samples: windows, series, and alert texts that say what changed, by how much, against which baseline. */
import { describe, expect, it } from 'vitest';
import { anomalyFiring, errorRateSeries, fieldFiring, lagSeries, volumeSeries } from '../../../src/engine/alerts/anomalies.js';
import { bucket, windowIndex, type WindowLayout } from '../../../src/engine/alerts/windows.js';
import type { MappedSample, RunSample } from '../../../src/store/alerts/types.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const layout: WindowLayout = { ms: HOUR, history: 24, now: NOW };
/** A time `w` windows back (0: the latest window), `minute` minutes into it. */
const inWindow = (w: number, minute = 30) => new Date(NOW - (w + 1) * HOUR + minute * 60_000).toISOString();

let seq = 0;
function runs(w: number, n: number, status = 'succeeded', trigger = 'event'): RunSample[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${++seq}`, flow: 'leads', status, trigger, startedAt: inWindow(w, i % 59), errorConnection: null, errorKind: status === 'failed' ? 'retryable' : null, errorMessage: status === 'failed' ? 'boom' : null }));
}

describe('windows', () => {
  it('puts the latest hour at 0 and earlier hours after it; nothing from the future or before the oldest', () => {
    expect(windowIndex(layout, NOW - 1)).toBe(0);
    expect(windowIndex(layout, NOW - HOUR)).toBe(0);
    expect(windowIndex(layout, NOW - HOUR - 1)).toBe(1);
    expect(windowIndex(layout, NOW)).toBeNull();
    expect(windowIndex(layout, NOW - 25 * HOUR - 1)).toBeNull();
    expect(bucket(layout, [NOW - 10, NOW - 2 * HOUR - 1], (t) => t).map((w) => w.length).slice(0, 3)).toEqual([1, 0, 1]);
  });
});

describe('flow anomalies', () => {
  const history = Array.from({ length: 24 }, (_, k) => runs(k + 1, 100 + ((k * 7) % 9) - 4)).flat();

  it('counts record runs per window (not polls, not attempts to be retried) and leaves windows before the first run empty', () => {
    const s = volumeSeries(layout, [...runs(0, 3), ...runs(0, 2, 'retrying'), ...runs(0, 4, 'succeeded', 'poll'), ...runs(2, 5)]);
    expect(s.slice(0, 4)).toEqual([3, 0, 5, null]);
  });

  it('alerts on a collapse in volume, naming the value, the median, the MAD, the z-score and example runs', () => {
    const latest = runs(0, 3);
    const f = anomalyFiring({ flow: 'leads', metric: 'volume', layout, windowText: '1h', series: volumeSeries(layout, [...history, ...latest]), threshold: 3.5, direction: 'both', minChange: 5, minHistory: 6, examples: latest })!;
    expect(f).not.toBeNull();
    expect(f.subject).toBe('leads');
    expect(f.text).toMatch(/^Volume of flow "leads" in the last 1h: 3 record runs, against a median of 100 record runs per 1h over the previous 24 windows with data \(MAD 2\.5\)/);
    expect(f.text).toMatch(/Modified z-score −26\.2 /);
    expect(f.text).toMatch(/97% below the median/);
    expect(f.details).toMatchObject({ metric: 'volume', value: 3, median: 100, spread: 2.5, historyWindows: 24, statistic: 'modified z-score (median and MAD)' });
    expect(f.links.map((l) => l.path)).toEqual([...latest.map((r) => `/runs/${r.id}`), `/runs?flow=leads&since=${encodeURIComponent(inWindow(0, 0))}`]);
  });

  it('stays quiet within the usual range, with too little history, or below the minimum change', () => {
    const normal = anomalyFiring({ flow: 'leads', metric: 'volume', layout, windowText: '1h', series: volumeSeries(layout, [...history, ...runs(0, 102)]), threshold: 3.5, direction: 'both', minChange: 5, minHistory: 6, examples: [] });
    expect(normal).toBeNull();
    const young = anomalyFiring({ flow: 'leads', metric: 'volume', layout, windowText: '1h', series: volumeSeries(layout, [...runs(1, 100), ...runs(2, 100), ...runs(0, 3)]), threshold: 3.5, direction: 'both', minChange: 5, minHistory: 6, examples: [] });
    expect(young).toBeNull();
    const flat = Array.from({ length: 10 }, (_, k) => runs(k + 1, 4)).flat();
    expect(anomalyFiring({ flow: 'leads', metric: 'volume', layout, windowText: '1h', series: volumeSeries(layout, [...flat, ...runs(0, 6)]), threshold: 3.5, direction: 'both', minChange: 5, minHistory: 6, examples: [] })).toBeNull();
  });

  it('measures error rate as the failed share of attempts, and lag as the median per window', () => {
    const s = errorRateSeries(layout, [...runs(0, 3, 'failed'), ...runs(0, 1), ...runs(0, 5, 'skipped'), ...runs(1, 4)]);
    expect(s.slice(0, 3)).toEqual([0.75, 0, null]);
    const lag = lagSeries(layout, [{ at: inWindow(0, 1), lagMs: 100 }, { at: inWindow(0, 2), lagMs: 900 }, { at: inWindow(0, 3), lagMs: 300 }]);
    expect(lag.slice(0, 2)).toEqual([300, null]);
    const rising = Array.from({ length: 12 }, (_, k) => [...runs(k + 1, 1 + (k % 3), 'failed'), ...runs(k + 1, 99 - (k % 3))]).flat();
    const f = anomalyFiring({ flow: 'leads', metric: 'error_rate', layout, windowText: '1h', series: errorRateSeries(layout, [...rising, ...runs(0, 30, 'failed'), ...runs(0, 70)]), threshold: 3.5, direction: 'up', minChange: 0.05, minHistory: 6, examples: [] })!;
    expect(f.title).toMatch(/^Error rate of leads unusually high: 30% vs median 2%/);
  });
});

describe('field anomalies', () => {
  const mapped = (w: number, values: unknown[]): MappedSample[] => values.map((v, i) => ({ runId: `m${w}-${i}`, step: 'map:customer', startedAt: inWindow(w, i % 59), after: { Email: `x${i}@example.com`, Address: { Country: v } } }));
  const base = { flow: 'leads', target: 'customer', layout, windowText: '1h', threshold: 3.5, minHistory: 6 } as const;

  it('alerts when a field is suddenly empty far more often than in its history', () => {
    const history = Array.from({ length: 12 }, (_, k) => mapped(k + 1, [...Array(19).fill('US'), k % 2 ? '' : 'CA'])).flat();
    const latest = mapped(0, [...Array(10).fill(null), ...Array(10).fill('US')]);
    const f = fieldFiring({ ...base, field: 'Address.Country', check: 'empty_share', samples: [...history, ...latest], minChange: 0.1 })!;
    expect(f.subject).toBe('leads|customer.Address.Country');
    expect(f.text).toMatch(/^The field "Address\.Country" of flow "leads" \(target customer\) was empty in 50% of 20 records in the last 1h, against a median of 2\.5% over the previous 12 windows/);
    expect(f.links[0].path).toBe('/runs/m0-0');
  });

  it('names a picklist value never seen before, with how many records carried it', () => {
    const history = Array.from({ length: 8 }, (_, k) => mapped(k + 1, ['US', 'CA', 'MX'])).flat();
    const f = fieldFiring({ ...base, field: 'Address.Country', check: 'new_value', samples: [...history, ...mapped(0, ['US', 'Untied States', 'Untied States'])], minChange: 0 })!;
    expect(f.text).toContain('took 1 value in the last 1h never seen in the previous 8 windows (3 distinct values there): "Untied States" (2 records)');
    expect(fieldFiring({ ...base, field: 'Address.Country', check: 'new_value', samples: [...history, ...mapped(0, ['US', 'MX'])], minChange: 0 })).toBeNull();
  });

  it('finds a number far outside the values the field held before', () => {
    const history = Array.from({ length: 8 }, (_, k) => mapped(k + 1, [10, 12, 11, 9, 13])).flat();
    const f = fieldFiring({ ...base, field: 'Address.Country', check: 'number_outlier', samples: [...history, ...mapped(0, [11, 9999])], minChange: 0 })!;
    expect(f.details).toMatchObject({ median: 11 });
    expect(f.text).toMatch(/held 1 number in the last 1h far outside its history of 40 values \(median 11, MAD 1, 95th percentile 13\): 9999 \(z \+\d+/);
  });
});
