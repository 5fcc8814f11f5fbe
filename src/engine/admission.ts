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
 * one refresh interval. The totals cost a few index-only counts; the per-flow breakdown reads every
 * unfinished job, so it is read only while the total is past the per-flow bound (below it no flow
 * can be past it), and never more than a fifth of the time.
 */
import type { FlowBacklog, Store } from '../store/types.js';
import { Type, type Static } from '../core/settings-spec.js';

/** Defaults: a few seconds of the engine's throughput, enough to keep the workers busy through a burst. */
export const DEFAULT_ADMISSION = { maxBacklogPerFlow: 20_000, maxBacklog: 100_000, retryAfterSeconds: 1, refreshMs: 250 } as const;

/** Admission limits (`backpressure:` in the config file); every field has a default. */
export const admissionLimitsSchema = Type.Object(
  {
    maxBacklogPerFlow: Type.Optional(
      Type.Integer({ minimum: 0, default: DEFAULT_ADMISSION.maxBacklogPerFlow, 'x-env': 'SYNCLINE_MAX_BACKLOG_PER_FLOW', description: 'Most unfinished jobs one flow may have before its webhooks are refused (0: no bound).' }),
    ),
    maxBacklog: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_ADMISSION.maxBacklog, 'x-env': 'SYNCLINE_MAX_BACKLOG', description: 'Most unfinished jobs of all flows together (0: no bound).' })),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_ADMISSION.retryAfterSeconds, description: 'Seconds a refused sender is asked to wait (the Retry-After header).' })),
    refreshMs: Type.Optional(
      Type.Integer({ minimum: 1, default: DEFAULT_ADMISSION.refreshMs, description: 'Shortest interval between two reads of the backlog from the store, in ms (stretched when a read is slow).' }),
    ),
  },
  { additionalProperties: false, description: 'Backlog bounds past which webhooks are answered 503 with Retry-After and nothing is stored; senders retry.' },
);

/** Admission limits; every field has a default. */
export type AdmissionLimits = Static<typeof admissionLimitsSchema>;

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
  /** Totals as last read, and what this process accepted since. */
  #total = 0;
  #oldestDueAt: string | null = null;
  #sinceTotal = 0;
  #readAt = 0;
  #interval: number;
  #reading: Promise<void> | null = null;
  /** Per flow as last read (only read while the total is past the per-flow bound), and accepted since. */
  #perFlow = new Map<string, FlowBacklog>();
  #sinceFlow = new Map<string, number>();
  #flowsReadAt = 0;
  #flowsInterval: number;

  constructor(
    private readonly store: Store,
    limits: AdmissionLimits = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_ADMISSION, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) };
    this.#interval = this.limits.refreshMs;
    this.#flowsInterval = this.limits.refreshMs;
  }

  /** True when neither bound is set. */
  get unbounded(): boolean {
    return !this.limits.maxBacklogPerFlow && !this.limits.maxBacklog;
  }

  /** Null when `flow` may take `count` more events now, else the refusal to answer with. */
  async admit(flow: string, count = 1): Promise<Refusal | null> {
    if (this.unbounded) return null;
    const age = this.clock() - this.#readAt;
    // Never read, or so stale that the figure says nothing (an idle server): wait for a fresh read.
    if (age > this.#interval * 20) await this.refresh();
    // A background read that fails (the database went away a moment) keeps the last figure; the
    // next admission tries again. Left unhandled, its rejection would end the process.
    else if (age > this.#interval) this.refresh().catch(() => undefined);
    const { maxBacklogPerFlow: perFlow, maxBacklog: total } = this.limits;
    const allPending = this.#total + this.#sinceTotal;
    if (total && allPending + count > total) {
      return { retryAfterSeconds: this.limits.retryAfterSeconds, message: `${allPending} events are waiting in all flows (bound ${total}); send it again later` };
    }
    // Below the per-flow bound in all, no flow can be past it.
    if (perFlow && allPending + count > perFlow) {
      // Just crossed (or long unread): the breakdown decides, so wait for it once.
      if (this.clock() - this.#flowsReadAt > this.#flowsInterval * 20) await this.refresh(true);
      const flowPending = (this.#perFlow.get(flow)?.pending ?? 0) + (this.#sinceFlow.get(flow) ?? 0);
      if (flowPending + count > perFlow) {
        return { retryAfterSeconds: this.limits.retryAfterSeconds, message: `flow "${flow}" has ${flowPending} events waiting (bound ${perFlow}); send it again later` };
      }
    }
    return null;
  }

  /** Counts events this process just committed, until the next read includes them. */
  accepted(flow: string, count: number): void {
    if (count <= 0 || this.unbounded) return;
    this.#sinceTotal += count;
    if (this.limits.maxBacklogPerFlow) this.#sinceFlow.set(flow, (this.#sinceFlow.get(flow) ?? 0) + count);
  }

  /** Reads the backlog from the store now (one read at a time; callers share it); `perFlow` adds the per-flow breakdown. */
  refresh(perFlow = false): Promise<void> {
    if (!perFlow) {
      this.#reading ??= this.read(false).finally(() => (this.#reading = null));
      return this.#reading;
    }
    return (async () => {
      while (this.#reading) await this.#reading;
      this.#reading = this.read(true).finally(() => (this.#reading = null));
      await this.#reading;
    })();
  }

  /** The backlog as last read (plus this process's acceptances since), for metrics and the admin API. */
  snapshot(): BacklogSnapshot {
    const now = this.clock();
    const ageOf = (at: string | null | undefined) => (at ? Math.max(0, now - Date.parse(at)) : 0);
    const flows = [...new Set([...this.#perFlow.keys(), ...this.#sinceFlow.keys()])].sort().map((flow) => ({ flow, pending: (this.#perFlow.get(flow)?.pending ?? 0) + (this.#sinceFlow.get(flow) ?? 0), ageMs: ageOf(this.#perFlow.get(flow)?.oldestDueAt) }));
    return {
      readAt: this.#readAt,
      pending: this.#total + this.#sinceTotal,
      ageMs: ageOf(this.#oldestDueAt),
      flows,
      limits: { maxBacklogPerFlow: this.limits.maxBacklogPerFlow, maxBacklog: this.limits.maxBacklog },
    };
  }

  private async read(forceFlows: boolean): Promise<void> {
    const started = this.clock();
    const perFlowBound = this.limits.maxBacklogPerFlow;
    // Acceptances committed before a read starts are in it; later ones are counted again after it.
    const sinceTotal = this.#sinceTotal;
    const totals = await this.store.backlog(false);
    this.#total = totals.pending;
    this.#oldestDueAt = totals.oldestDueAt;
    this.#sinceTotal -= sinceTotal;
    const tookTotals = this.clock() - started;
    this.#readAt = this.clock();
    this.#interval = Math.max(this.limits.refreshMs, tookTotals * 5);
    const wantFlows = forceFlows || (perFlowBound > 0 && this.#total + this.#sinceTotal > perFlowBound && this.clock() - this.#flowsReadAt > this.#flowsInterval);
    if (!wantFlows) return;
    const flowsStarted = this.clock();
    const sinceFlow = new Map(this.#sinceFlow);
    const read = await this.store.backlog(true);
    this.#perFlow = new Map((read.flows ?? []).map((r) => [r.flow, r]));
    for (const [flow, n] of sinceFlow) {
      const left = (this.#sinceFlow.get(flow) ?? 0) - n;
      if (left > 0) this.#sinceFlow.set(flow, left);
      else this.#sinceFlow.delete(flow);
    }
    this.#flowsReadAt = this.clock();
    // The grouped count reads every unfinished job: never more than a fifth of the time.
    this.#flowsInterval = Math.max(this.limits.refreshMs, (this.#flowsReadAt - flowsStarted) * 5);
  }
}
