/**
 * Anomaly rules: the latest window of a flow's volume, error rate or lag, or of a field's mapped
 * values, against the flow's own earlier windows by the modified z-score (robust-stats.ts). Each
 * finding says what changed, by how much, against which baseline, and links example runs. The
 * functions here are pure: the evaluator reads the samples and hands them in.
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { AlertFiring, AlertLink, MappedSample, RunSample } from '../../store/alerts/types.js';
import type { LagSample } from '../../store/types.js';
import { formatMs, formatShare, plural, relativeChange } from './explain.js';
import { formatZ, isAnomalous, median, quantile, robustZ, type Direction, type RobustComparison } from './robust-stats.js';
import { bucket, windowStartIso, type WindowLayout } from './windows.js';

/** A series per window: `[latest, ...history]`, null where a window has no data to measure. */
export type Series = Array<number | null>;

const ERROR_STATUSES = new Set(['failed', 'retrying', 'dead']);
/** A record's final outcome (an attempt that will be retried is not one). */
const isRecordOutcome = (r: RunSample) => r.trigger !== 'poll' && r.status !== 'retrying';
const at = (iso: string) => Date.parse(iso);

/** Record runs per window; windows before the flow's first run in the layout are null (the flow did not run yet). */
export function volumeSeries(l: WindowLayout, runs: readonly RunSample[]): Series {
  const byWindow = bucket(l, runs.filter(isRecordOutcome), (r) => at(r.startedAt)).map((w) => w.length);
  const oldestWithData = byWindow.reduce((last, n, i) => (n > 0 ? i : last), -1);
  return byWindow.map((n, i) => (i <= Math.max(oldestWithData, 0) ? n : null));
}

/** Failed share of attempts per window (null where a window had none). */
export function errorRateSeries(l: WindowLayout, runs: readonly RunSample[]): Series {
  return bucket(l, runs.filter((r) => r.status !== 'skipped'), (r) => at(r.startedAt)).map((w) => (w.length ? w.filter((r) => ERROR_STATUSES.has(r.status)).length / w.length : null));
}

/** Median lag (ms) per window (null where no record finished). */
export function lagSeries(l: WindowLayout, samples: readonly LagSample[]): Series {
  return bucket(l, samples, (s) => at(s.at)).map((w) => median(w.map((s) => s.lagMs)));
}

/** The metric an anomaly rule watches. */
export type AnomalyMetric = 'volume' | 'error_rate' | 'lag';

/** What an anomaly rule says about one flow. */
export interface AnomalyInput {
  flow: string;
  metric: AnomalyMetric;
  layout: WindowLayout;
  /** The window's length as written in the rule (`1h`). */
  windowText: string;
  series: Series;
  threshold: number;
  direction: Direction;
  /** In the metric's unit (runs, share 0..1, ms). */
  minChange: number;
  minHistory: number;
  /** Runs of the latest window to link as examples (failed ones first for error rate). */
  examples: RunSample[];
}

/** The default smallest change per metric: 5 runs, 5 percentage points, 30 s. */
export function defaultMinChange(metric: AnomalyMetric): number {
  return metric === 'volume' ? 5 : metric === 'error_rate' ? 0.05 : 30_000;
}

const METRIC_WORDS: Record<AnomalyMetric, { name: string; show: (v: number) => string }> = {
  volume: { name: 'Volume', show: (v) => plural(Math.round(v * 10) / 10, 'record run') },
  error_rate: { name: 'Error rate', show: (v) => formatShare(v) },
  lag: { name: 'Median lag', show: (v) => formatMs(v) },
};

/** The comparison of the latest window with the history, or null when there is too little data. */
export function compareLatest(series: Series, minHistory: number): RobustComparison | null {
  const [latest, ...history] = series;
  const known = history.filter((v): v is number => v !== null);
  if (latest === null || latest === undefined || known.length < minHistory) return null;
  return robustZ(latest, known);
}

function runLinks(flow: string, l: WindowLayout, examples: readonly { id: string }[] | readonly { runId: string }[]): AlertLink[] {
  const ids = [...new Set(examples.map((e) => ('id' in e ? e.id : e.runId)))].slice(0, 3);
  return [
    ...ids.map((id, i) => ({ label: `Example run ${i + 1}`, path: `/runs/${encodeURIComponent(id)}` })),
    { label: `Runs of ${flow} in the window`, path: `/runs?flow=${encodeURIComponent(flow)}&since=${encodeURIComponent(windowStartIso(l, 0))}` },
  ];
}

/** The alert for an anomalous latest window, or null when it is within the flow's usual range. */
export function anomalyFiring(input: AnomalyInput): AlertFiring | null {
  const c = compareLatest(input.series, input.minHistory);
  if (!c || !isAnomalous(c, input.threshold, input.minChange, input.direction)) return null;
  const words = METRIC_WORDS[input.metric];
  const spreadText = c.spreadFrom === 'none' ? 'the history is flat (every window the same)' : `${c.spreadFrom === 'mad' ? 'MAD' : 'mean absolute deviation, as MAD was 0,'} ${words.show(c.spread).replace(/ record runs?$/, '')}`;
  const text =
    `${words.name} of flow "${input.flow}" in the last ${input.windowText}: ${words.show(c.value)}, against a median of ${words.show(c.median)} per ${input.windowText} ` +
    `over the previous ${plural(c.n, 'window')} with data (${spreadText}). Modified z-score ${formatZ(c.z)} (0.6745 · (value − median) / MAD; alerts at |z| ≥ ${input.threshold}): ` +
    `${relativeChange(c.value, c.median)}.`;
  const details: JsonObject = {
    flow: input.flow,
    metric: input.metric,
    value: c.value,
    median: c.median,
    spread: c.spread,
    spreadFrom: c.spreadFrom,
    z: Number.isFinite(c.z) ? Math.round(c.z * 100) / 100 : c.z > 0 ? 'Infinity' : '-Infinity',
    threshold: input.threshold,
    historyWindows: c.n,
    window: input.windowText,
    statistic: 'modified z-score (median and MAD)',
  };
  const direction = c.value > c.median ? 'up' : 'down';
  return {
    subject: input.flow,
    severity: 'warning',
    title: `${words.name} of ${input.flow} ${direction === 'up' ? 'unusually high' : 'unusually low'}: ${words.show(c.value)} vs median ${words.show(c.median)}`,
    text,
    details,
    links: runLinks(input.flow, input.layout, input.examples),
  };
}

/** The value at a dotted path of a mapped record. */
export function valueAt(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** What a field rule checks. */
export type FieldCheck = 'empty_share' | 'new_value' | 'number_outlier';

/** What a field rule says about one field of one flow's target. */
export interface FieldInput {
  flow: string;
  /** The target whose mapped record is read. */
  target: string;
  field: string;
  check: FieldCheck;
  layout: WindowLayout;
  windowText: string;
  samples: MappedSample[];
  threshold: number;
  minChange: number;
  minHistory: number;
}

/** The alert for a field whose latest values stand out from its history, or null. */
export function fieldFiring(input: FieldInput): AlertFiring | null {
  const windows = bucket(input.layout, input.samples, (s) => at(s.startedAt));
  const [latest, ...history] = windows;
  const withData = history.filter((w) => w.length > 0);
  if (latest.length === 0 || withData.length < input.minHistory) return null;
  const subject = `${input.flow}|${input.target}.${input.field}`;
  const where = `field "${input.field}" of flow "${input.flow}" (target ${input.target})`;
  const base = { flow: input.flow, target: input.target, field: input.field, check: input.check, window: input.windowText, historyWindows: withData.length };

  if (input.check === 'empty_share') {
    const share = (w: MappedSample[]) => w.filter((s) => isEmpty(valueAt(s.after, input.field))).length / w.length;
    const c = robustZ(share(latest), withData.map(share));
    if (!c || !isAnomalous(c, input.threshold, input.minChange)) return null;
    const empties = latest.filter((s) => isEmpty(valueAt(s.after, input.field)));
    return {
      subject,
      severity: 'warning',
      title: `${input.field} of ${input.flow} empty in ${formatShare(c.value)} of records (usually ${formatShare(c.median)})`,
      text:
        `The ${where} was empty in ${formatShare(c.value)} of ${plural(latest.length, 'record')} in the last ${input.windowText}, against a median of ${formatShare(c.median)} ` +
        `over the previous ${plural(c.n, 'window')} with data (modified z-score ${formatZ(c.z)} by median and MAD; alerts at |z| ≥ ${input.threshold} and a change of at least ${formatShare(input.minChange)}).`,
      details: { ...base, value: c.value, median: c.median, spread: c.spread, z: Number.isFinite(c.z) ? Math.round(c.z * 100) / 100 : String(c.z), records: latest.length },
      links: runLinks(input.flow, input.layout, empties.length ? empties : latest),
    };
  }

  if (input.check === 'new_value') {
    const seen = new Set(withData.flat().map((s) => valueAt(s.after, input.field)).filter((v) => !isEmpty(v)).map((v) => JSON.stringify(v)));
    const fresh = new Map<string, MappedSample[]>();
    for (const s of latest) {
      const v = valueAt(s.after, input.field);
      if (isEmpty(v)) continue;
      const k = JSON.stringify(v);
      if (!seen.has(k)) fresh.set(k, [...(fresh.get(k) ?? []), s]);
    }
    if (fresh.size === 0) return null;
    const listed = [...fresh].sort((a, b) => b[1].length - a[1].length).slice(0, 5);
    return {
      subject,
      severity: 'warning',
      title: `New value${fresh.size > 1 ? 's' : ''} in ${input.field} of ${input.flow}: ${listed.map(([v]) => v).join(', ')}`,
      text:
        `The ${where} took ${plural(fresh.size, 'value')} in the last ${input.windowText} never seen in the previous ${plural(withData.length, 'window')} ` +
        `(${seen.size} distinct values there): ${listed.map(([v, runs]) => `${v} (${plural(runs.length, 'record')})`).join(', ')}${fresh.size > listed.length ? ', …' : ''}.`,
      details: { ...base, newValues: listed.map(([v, runs]) => ({ value: JSON.parse(v) as JsonValue, records: runs.length })), knownValues: seen.size },
      links: runLinks(input.flow, input.layout, listed.flatMap(([, runs]) => runs)),
    };
  }

  // number_outlier: each latest value against every number the field held in the history.
  const numbers = (w: MappedSample[]) => w.map((s) => ({ s, v: Number(valueAt(s.after, input.field)) })).filter((x) => typeof valueAt(x.s.after, input.field) !== 'boolean' && !isEmpty(valueAt(x.s.after, input.field)) && Number.isFinite(x.v));
  const past = numbers(withData.flat()).map((x) => x.v);
  if (past.length < input.minHistory) return null;
  const outliers = numbers(latest)
    .map((x) => ({ ...x, c: robustZ(x.v, past)! }))
    .filter((x) => isAnomalous(x.c, input.threshold, input.minChange))
    .sort((a, b) => Math.abs(b.c.z) - Math.abs(a.c.z));
  if (outliers.length === 0) return null;
  const m = outliers[0].c.median;
  const spread = outliers[0].c.spread;
  return {
    subject,
    severity: 'warning',
    title: `${plural(outliers.length, 'value')} of ${input.field} in ${input.flow} far outside its history (e.g. ${outliers[0].v}, median ${m})`,
    text:
      `The ${where} held ${plural(outliers.length, 'number')} in the last ${input.windowText} far outside its history of ${plural(past.length, 'value')} ` +
      `(median ${m}, MAD ${spread}, 95th percentile ${quantile(past, 0.95)}): ${outliers.slice(0, 5).map((o) => `${o.v} (z ${formatZ(o.c.z)})`).join(', ')}; alerts at |z| ≥ ${input.threshold}.`,
    details: { ...base, median: m, spread, outliers: outliers.slice(0, 5).map((o) => ({ value: o.v, z: Number.isFinite(o.c.z) ? Math.round(o.c.z * 100) / 100 : String(o.c.z), run: o.s.runId })) },
    links: runLinks(input.flow, input.layout, outliers.map((o) => o.s)),
  };
}
