/**
 * Awaiting a manual run: the handle is the read job's id; the run is complete when that job is
 * finished and so is every record job it queued (listed in its run's stats as `queuedJobIds`).
 * Reads only the store, so any process on the same database can wait for a run another one does.
 */
import type { JobStatus, Store } from '../store/types.js';

/** Where a run stands. */
export interface RunProgress {
  /** The handle (the read job's id). */
  handle: string;
  flow: string;
  /** `queued`/`running` until the read and all its records are finished; then `done`, or `failed` when the read itself was dead-lettered. */
  status: 'queued' | 'running' | 'done' | 'failed';
  /** Records the read queued. */
  queued: number;
  /** Of those, finished (written, skipped or unchanged). */
  done: number;
  /** Of those, in the dead-letter queue. */
  deadLettered: number;
  /** Of those, still queued or running (retries included). */
  pending: number;
}

/** The progress of a run now; null when the handle is unknown. */
export async function runProgress(store: Store, handle: string): Promise<RunProgress | null> {
  const job = await store.getJob(handle);
  if (!job) return null;
  const base = { handle, flow: job.flow, queued: 0, done: 0, deadLettered: 0, pending: 0 };
  if (job.status === 'queued' || job.status === 'running') return { ...base, status: job.status };
  if (job.status === 'dead') return { ...base, status: 'failed' };
  const [run] = await store.listRuns({ jobId: handle, status: 'succeeded', limit: 1 });
  const ids = Array.isArray(run?.stats?.queuedJobIds) ? (run.stats.queuedJobIds as string[]) : [];
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, dead: 0 };
  for (const id of ids) {
    const j = await store.getJob(id);
    // A job the retention sweep already removed was finished.
    counts[j?.status ?? 'done'] += 1;
  }
  const pending = counts.queued + counts.running;
  return { ...base, status: pending > 0 ? 'running' : 'done', queued: ids.length, done: counts.done, deadLettered: counts.dead, pending };
}

/** Waits until the run is complete (or `timeoutMs` passes), checking every `pollMs`; returns the last progress. */
export async function awaitRun(store: Store, handle: string, options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal }): Promise<RunProgress | null> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const p = await runProgress(store, handle);
    if (!p || p.status === 'done' || p.status === 'failed' || Date.now() >= deadline || options.signal?.aborted) return p;
    await new Promise((r) => setTimeout(r, Math.min(options.pollMs ?? 200, Math.max(0, deadline - Date.now()))));
  }
}
