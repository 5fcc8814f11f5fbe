/** A duration as written in flow and config files (`500ms`, `30s`, `5m`, `1h`, `1d`), as a JSON Schema pattern. */
export const DURATION_PATTERN = '^\\d+(?:\\.\\d+)?(ms|s|m|h|d)$';

const DURATION = new RegExp(DURATION_PATTERN);

/** Parses the durations flow files use (`500ms`, `30s`, `5m`, `1h`, `1d`) into milliseconds. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (examples: 500ms, 30s, 5m, 1h)`);
  const n = Number(m[0].slice(0, m[0].length - m[1].length));
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[1] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(n * unit);
}
