/**
 * Counts and times every statement this process sends to PostgreSQL (the engine benchmark's profile:
 * pg_stat_statements is not preloaded on the bench machine). Patches pg.Client.prototype.query, so it
 * sees the pool, the LISTEN connection and the call-slot connection alike. Statements are grouped by
 * their text with literals and parameter lists folded, and written as JSON when the process ends.
 */
import { writeFileSync } from 'node:fs';
import pg from 'pg';

/** One statement shape's totals. */
export interface StatementProfile {
  statement: string;
  calls: number;
  totalMs: number;
}

const byText = new Map<string, { calls: number; totalMs: number }>();

/** Folds a statement to its shape: whitespace, parameter lists of multi-row inserts and literals. */
function shape(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\(\$\d+(, \$\d+)*\)(, \(\$\d+(, \$\d+)*\))+/g, '(…rows)')
    .replace(/\$\d+(, \$\d+)+/g, '$…')
    .replace(/'[^']*'/g, "'…'")
    .slice(0, 160);
}

function record(text: string, started: number): void {
  const key = shape(text);
  const entry = byText.get(key) ?? { calls: 0, totalMs: 0 };
  entry.calls += 1;
  entry.totalMs += performance.now() - started;
  byText.set(key, entry);
}

/** Starts counting; the profile is written to `file` when the process exits. */
export function profilePostgres(file: string): void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function patched(this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?');
    const started = performance.now();
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => record(text, started),
        () => record(text, started),
      );
    } else record(text, started);
    return result;
  };
  process.on('exit', () => writeFileSync(file, JSON.stringify(profileSnapshot())));
}

/** The statements counted so far, most time first. */
export function profileSnapshot(): StatementProfile[] {
  return [...byText.entries()].map(([statement, v]) => ({ statement, calls: v.calls, totalMs: Math.round(v.totalMs) })).sort((a, b) => b.totalMs - a.totalMs);
}

/** Forgets what was counted (after the warm-up). */
export function resetProfile(): void {
  byText.clear();
}
