/** Shared by the benchmarks: machine description, percentiles, and writing a section of bench/RESULTS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** One line naming the machine and runtime the figures come from. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `Machine: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`;
}

/** The q-quantile (0..1) of values, rounded to `step` (0.1 unless given: CPU ms per event need 0.01). */
export function percentile(values: number[], q: number, step = 0.1): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  const scale = Math.round(1 / step);
  return Math.round(sorted[idx] * scale) / scale;
}

/** Renders rows as a Markdown table, with the first row's columns (a cell a row lacks is left empty). */
export function markdownTable(rows: Array<Record<string, unknown>>): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  return [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cols.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(' | ')} |`)].join('\n');
}

/**
 * Writes a benchmark's latest figures into the section `## <title>` of bench/RESULTS.md, inside a marked
 * block of its own: notes written by hand in the section (earlier runs, what changed, what is left) stay,
 * and a rerun replaces only the block. A section without a block gets it at its end.
 */
export function writeSection(title: string, intro: string, rows: Array<Record<string, unknown>>, file = 'bench/RESULTS.md'): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nEach section holds notes by hand and, in a marked block, its benchmark\'s latest run.\n';
  writeFileSync(file, withLatestRun(text, title, intro, markdownTable(rows)));
}

const BEGIN = '<!-- latest run: written by the benchmark; notes outside this block are kept -->';
const END = '<!-- end of latest run -->';

/** The text of RESULTS.md with section `title`'s marked block set to a run's intro and table (pure, for tests). */
export function withLatestRun(text: string, title: string, intro: string, table: string): string {
  const block = `${BEGIN}\n${intro}${table ? `\n\n${table}` : ''}\n${END}`;
  const heading = `## ${title}\n`;
  const start = text.indexOf(heading);
  if (start < 0) return `${text.trimEnd()}\n\n${heading}\n${block}\n`;
  const next = text.indexOf('\n## ', start + heading.length);
  const end = next < 0 ? text.length : next;
  const section = text.slice(start, end);
  const from = section.indexOf(BEGIN);
  const to = section.indexOf(END);
  const updated = from >= 0 && to > from ? section.slice(0, from) + block + section.slice(to + END.length) : `${section.trimEnd()}\n\n${block}\n`;
  return text.slice(0, start) + updated + text.slice(end);
}

/** CPU seconds (user + system) used so far and resident memory (now and peak) of a process on this machine, from /proc. */
export function procStats(pid: number): { cpuSeconds: number; rssMiB: number; peakRssMiB: number } {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMiB: Math.round(kib('VmRSS') / 1024), peakRssMiB: Math.round(kib('VmHWM') / 1024) };
}

/** The load average now, as `cat /proc/loadavg` prints its first three fields. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
