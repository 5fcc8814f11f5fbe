/**
 * Admission control (backpressure): webhooks are accepted only while the accepted-but-unfinished work
 * (the backlog) is under a bound, per flow and in all. Past it the sender is told to come back later
 * (503 + Retry-After), so the backlog, the latency and the database stop growing with the load while
 * the workers keep running at full speed. Nothing accepted is ever dropped: refusing happens before
 * the inbox commit, and a refused delivery was never acknowledged.
 *
 * The backlog is read from the store (every process's jobs, on either store) at most every
 * `refreshMs` and never on the request path once known; between reads this process adds what it
 * accepted itself, so one process cannot overshoot by more than the other processes' intake during
 * one refresh interval.
 */
import type { FlowBacklog, Store } from '../store/types.js';

/** Admission limits; every field has a default. */
export interface AdmissionLimits {
  /** Most unfinished jobs one flow may have before its webhooks are refused (0 = no bound; default 20,000). */
  maxBacklogPerFlow?: number;
  /** Most unfinished jobs of all flows together (0 = no bound; default 100,000). */
  maxBacklog?: number;
  /** Seconds a refused sender is asked to wait (Retry-After; default 1). */
  retryAfterSeconds?: number;
  /** Shortest interval between two backlog reads from the store, in ms (default 250; stretched when the read is slow). */
  refreshMs?: number;
}

/** Defaults: a few seconds of the engine's throughput, enough to keep the workers busy through a burst. */
export const DEFAULT_ADMISSION: Required<AdmissionLimits> = { maxBacklogPerFlow: 20_000, maxBacklog: 100_000, retryAfterSeconds: 1, refreshMs: 250 };

/** Why a delivery was refused, for the 503 answer. */
export interface Refusal {
  retryAfterSeconds: number;
  message: string;
}

/** A snapshot of the backlog for metrics and the admin API. */
export interface BacklogSnapshot {
  /** When the store was read (epoch ms), 0 if never. */
  readAt: number;
  pending: number;
  /** Age of the oldest due job waiting to be claimed, ms (0 when none waits). */
  ageMs: number;
  flows: Array<{ flow: string; pending: number; ageMs: number }>;
  limits: { maxBacklogPerFlow: number; maxBacklog: number };
}

/** Decides whether a webhook delivery may be accepted now. */
export class Admission {
  readonly limits: Required<AdmissionLimits>;
  #perFlow = new Map<string, FlowBacklog>();
  #total = 0;
  /** Accepted by this process since the last read, per flow. */
  #since = new Map<string, number>();
  #sinceTotal = 0;
  #readAt = 0;
  #interval: number;
  #reading: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    limits: AdmissionLimits = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_ADMISSION, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) };
    this.#interval = this.limits.refreshMs;
  }

  /** True when neither bound is set. */
  get unbounded(): boolean {
    return !this.limits.maxBacklogPerFlow && !this.limits.maxBacklog;
  }

  /** Null when `flow` may take `count` more events now, else the refusal to answer with. */
  async admit(flow: string, count = 1): Promise<Refusal | null> {
    if (this.unbounded) return null;
    const now = this.clock();
    const age = now - this.#readAt;
    // Never read, or so stale that the figure says nothing (an idle server): wait for a fresh read.
    if (age > this.#interval * 20) await this.refresh();
    else if (age > this.#interval) void this.refresh();
    const { maxBacklogPerFlow: perFlow, maxBacklog: total } = this.limits;
    const flowPending = (this.#perFlow.get(flow)?.pending ?? 0) + (this.#since.get(flow) ?? 0);
    if (perFlow && flowPending + count > perFlow) {
      return { retryAfterSeconds: this.limits.retryAfterSeconds, message: `flow "${flow}" has ${flowPending} events waiting (bound ${perFlow}); send it again later` };
    }
    const allPending = this.#total + this.#sinceTotal;
    if (total && allPending + count > total) {
      return { retryAfterSeconds: this.limits.retryAfterSeconds, message: `${allPending} events are waiting in all flows (bound ${total}); send it again later` };
    }
    return null;
  }

  /** Counts events this process just committed, until the next read includes them. */
  accepted(flow: string, count: number): void {
    if (count <= 0 || this.unbounded) return;
    this.#since.set(flow, (this.#since.get(flow) ?? 0) + count);
    this.#sinceTotal += count;
  }

  /** Reads the backlog from the store now (one read at a time; callers share it). */
  refresh(): Promise<void> {
    this.#reading ??= this.read().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  /** The backlog as last read (plus this process's acceptances since), for metrics and the admin API. */
  snapshot(): BacklogSnapshot {
    const now = this.clock();
    const ageOf = (b: FlowBacklog | undefined) => (b?.oldestDueAt ? Math.max(0, now - Date.parse(b.oldestDueAt)) : 0);
    const flows = [...new Set([...this.#perFlow.keys(), ...this.#since.keys()])].sort().map((flow) => ({ flow, pending: (this.#perFlow.get(flow)?.pending ?? 0) + (this.#since.get(flow) ?? 0), ageMs: ageOf(this.#perFlow.get(flow)) }));
    return {
      readAt: this.#readAt,
      pending: this.#total + this.#sinceTotal,
      ageMs: flows.reduce((m, f) => Math.max(m, f.ageMs), 0),
      flows,
      limits: { maxBacklogPerFlow: this.limits.maxBacklogPerFlow, maxBacklog: this.limits.maxBacklog },
    };
  }

  private async read(): Promise<void> {
    const started = this.clock();
    // Acceptances committed before the read starts are in it; later ones are counted again after.
    const since = new Map(this.#since);
    const sinceTotal = this.#sinceTotal;
    const rows = await this.store.backlog();
    this.#perFlow = new Map(rows.map((r) => [r.flow, r]));
    this.#total = rows.reduce((n, r) => n + r.pending, 0);
    for (const [flow, n] of since) {
      const left = (this.#since.get(flow) ?? 0) - n;
      if (left > 0) this.#since.set(flow, left);
      else this.#since.delete(flow);
    }
    this.#sinceTotal -= sinceTotal;
    const took = this.clock() - started;
    this.#readAt = this.clock();
    // A slow read (a large backlog on a busy machine) is not repeated more than a fifth of the time.
    this.#interval = Math.max(this.limits.refreshMs, took * 5);
  }
}
