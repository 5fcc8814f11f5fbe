/**
 * How far V8 lets a Syncline process's heap grow past its live set while it does memory-heavy batch
 * work: `syncline load` for its whole run (reads, maps and submits a bulk load), and a worker while it
 * settles a vendor job a load left (50,000 result rows each). One setting, `--heap-growth`, on both.
 * Outside batch work a server or worker keeps a looser bound, `--steady-heap-growth` (STEADY_HEAP_GROWTH):
 * bounded at 10 % for good, it cost a worker running ordinary events about a tenth more CPU (bench/RESULTS.md).
 */
import v8 from 'node:v8';

/** Default for `--heap-growth`: the heap may grow 10% past what a full GC left before the next one. */
export const HEAP_GROWTH = 10;

/** The `--heap-growth` option's help text. */
export const HEAP_GROWTH_HELP = 'how far the heap may grow past its live set before V8 collects: lower keeps memory near what the process holds, for some CPU';

/**
 * The V8 flag that bounds how far the heap grows past its live set between full collections. By
 * default V8 lets the heap of a process with plenty of memory grow to several times what is live
 * before it collects: a 100,000-customer load had about 125 MB live and 579 MiB resident, and a worker
 * settling 50,000-row vendor jobs had 40 MB live and up to 409 MiB resident (bench/RESULTS.md). A
 * growth factor, unlike a heap limit (--max-old-space-size), cannot make a process run out of heap: it
 * costs a few more collections.
 */
export function heapGrowthFlag(percent: string | number): string {
  return growingPercent(wholePercent('--heap-growth', percent, 1));
}

/** The V8 flag for a growth of `n` % (0: V8's own heuristic). */
function growingPercent(n: number): string {
  return `--heap-growing-percent=${n}`;
}

/** `percent` as a whole number from `min` to 1000, or an error that names the option. */
function wholePercent(option: string, percent: string | number, min: number): number {
  const n = String(percent).trim() === '' ? NaN : Number(percent);
  if (!Number.isInteger(n) || n < min || n > 1000) throw new Error(`${option} must be a whole percentage from ${min} to 1000 (got ${String(percent)})`);
  return n;
}

/**
 * Sets the growth factor in this running process. A collector heuristic V8 reads at each collection,
 * so setting it after start (not as a Node option) takes effect from the next collection on.
 */
export function applyHeapGrowth(percent: string | number): void {
  v8.setFlagsFromString(heapGrowthFlag(percent));
}

/**
 * Default for `--steady-heap-growth`: how far a server's or worker's heap may grow past its live set
 * while it runs events. V8's own heuristic let the old generation of a server at full speed fill to
 * about 110 MiB over a live set of about 21 before it collected (about 200 MiB resident). At 50 % it stayed
 * under 40 (126–149 MiB resident) with no throughput measurably lost; 30 % ran slower in both of two runs (bench/RESULTS.md).
 */
export const STEADY_HEAP_GROWTH = 50;

/** The `--steady-heap-growth` option's help text. */
export const STEADY_HEAP_GROWTH_HELP = 'how far the heap may grow past its live set before V8 collects while events run (0: V8 decides)';

/** The growth this process keeps outside batch work: 0 is V8's own heuristic, until a serving process sets one. */
let steadyGrowth = 0;

/**
 * Sets the growth a serving process keeps while it runs events, and returns to after batch work.
 * 0 gives the choice back to V8.
 */
export function applySteadyHeapGrowth(percent: string | number): void {
  steadyGrowth = wholePercent('--steady-heap-growth', percent, 0);
  v8.setFlagsFromString(growingPercent(steadyGrowth));
}

/**
 * Runs `fn` with the heap's growth bounded to `percent`, and restores the process's steady growth after.
 * Callers run one at a time (a worker settles one batch at a time), so no other bound is undone.
 */
export async function withHeapGrowth<T>(percent: number, fn: () => Promise<T>): Promise<T> {
  applyHeapGrowth(percent);
  try {
    return await fn();
  } finally {
    v8.setFlagsFromString(growingPercent(steadyGrowth));
  }
}
