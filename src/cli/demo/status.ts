/** The demo's periodic status line, read from the store (the same numbers the console's Overview shows). */
import type { Store } from '../../store/types.js';

/** Totals since the demo started. */
export interface DemoStatus {
  runs: number;
  succeeded: number;
  failed: number;
  queued: number;
  running: number;
  deadLetters: number;
}

/** Reads run totals since `since` (ISO) and the queue from the store. */
export async function readStatus(store: Store, since: string): Promise<DemoStatus> {
  const [flows, queue] = await Promise.all([store.flowStats(since), store.queueStats()]);
  const sum = (k: 'runs' | 'succeeded' | 'failed' | 'dead') => flows.reduce((s, f) => s + f[k], 0);
  return { runs: sum('runs'), succeeded: sum('succeeded'), failed: sum('failed') + sum('dead'), queued: queue.queued, running: queue.running, deadLetters: queue.deadLetters };
}

/** One readable line. */
export function formatStatus(s: DemoStatus, at = new Date()): string {
  return `${clock(at)}  ── status: runs ${s.succeeded} succeeded, ${s.failed} failed · queue ${s.queued} waiting, ${s.running} running · dead letters ${s.deadLetters}`;
}

/** `HH:MM:SS` in local time. */
export function clock(at: Date): string {
  return at.toTimeString().slice(0, 8);
}
