/** Figures in words for alert texts: durations, shares, counts. */

/** `7m 12s`, `1h 5m`, `850 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}

/** A share 0..1 as a percentage with one decimal when small (`0.4%`, `45%`). */
export function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct < 10 && pct !== Math.round(pct) ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** `1 record`, `3 records`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** How far `value` is from `baseline`, in words (`97% lower`, `3.2× higher`). */
export function relativeChange(value: number, baseline: number): string {
  if (baseline === 0) return value === 0 ? 'unchanged' : 'up from zero';
  const ratio = value / baseline;
  if (ratio >= 2) return `${ratio.toFixed(1)}× the median`;
  const pct = Math.round(Math.abs(ratio - 1) * 100);
  return `${pct}% ${ratio >= 1 ? 'above' : 'below'} the median`;
}

/** A message cut to `max` characters for a headline. */
export function headline(text: string, max = 90): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
