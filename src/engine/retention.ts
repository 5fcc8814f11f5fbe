/**
 * Keeps the store from filling up: every few minutes, history older than the retention settings is
 * purged in small batches (store.purgeHistory), yielding between batches so queue traffic goes first.
 * Runs in the server process; running it in more than one process is harmless (deletes are idempotent).
 */
import type { Logger } from '../core/connector.js';
import type { PurgeResult, RetentionCutoffs, Store } from '../store/types.js';
import { parseDuration } from './durations.js';

/** Retention as configured (durations like `14d`); every field optional. */
export interface RetentionSettings {
  /** Keep finished jobs this long (default 2d). */
  jobs?: string;
  /** Remember delivery ids this long, for dropping repeats (default 30d: longer than any sender retries). */
  inbox?: string;
  /** Keep runs and their traces this long (default 14d). */
  runs?: string;
  /** Keep at most this many runs per flow (default 1,000,000). */
  maxRunsPerFlow?: number;
  /** Per-flow run retention overriding `runs` (`{ lead-to-customer: 90d }`). */
  flows?: Record<string, string>;
  /** How often to purge (default 5m). */
  every?: string;
  /** Rows per transaction (default 500). */
  batchSize?: number;
}

/** Retention in milliseconds, defaults applied. */
export interface RetentionPolicy {
  jobsMs: number;
  inboxMs: number;
  runsMs: number;
  flowRunsMs: Record<string, number>;
  maxRunsPerFlow: number;
  everyMs: number;
  batchSize: number;
}

/** Applies the defaults and parses the durations; throws naming the setting that is not a duration. */
export function retentionPolicy(s: RetentionSettings = {}): RetentionPolicy {
  const dur = (v: string | undefined, d: string, name: string): number => {
    try {
      return parseDuration(v ?? d);
    } catch (err) {
      throw new Error(`retention.${name}: ${(err as Error).message}`, { cause: err });
    }
  };
  return {
    jobsMs: dur(s.jobs, '2d', 'jobs'),
    inboxMs: dur(s.inbox, '30d', 'inbox'),
    runsMs: dur(s.runs, '14d', 'runs'),
    flowRunsMs: Object.fromEntries(Object.entries(s.flows ?? {}).map(([f, v]) => [f, dur(v, '14d', `flows.${f}`)])),
    maxRunsPerFlow: s.maxRunsPerFlow ?? 1_000_000,
    everyMs: dur(s.every, '5m', 'every'),
    batchSize: s.batchSize ?? 500,
  };
}

/** The store cutoffs a policy gives at `now`. */
export function cutoffsAt(p: RetentionPolicy, now: number): RetentionCutoffs {
  const iso = (ms: number) => new Date(now - ms).toISOString();
  return {
    jobsBefore: iso(p.jobsMs),
    inboxBefore: iso(p.inboxMs),
    runsBefore: iso(p.runsMs),
    flowRunsBefore: Object.fromEntries(Object.entries(p.flowRunsMs).map(([f, ms]) => [f, iso(ms)])),
    maxRunsPerFlow: p.maxRunsPerFlow,
    batchSize: p.batchSize,
    maxBatches: 20,
  };
}

/** Purges on a timer. */
export class RetentionRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PurgeResult> | null = null;

  constructor(
    private readonly store: Store,
    private readonly policy: RetentionPolicy,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts purging every `policy.everyMs` (the first pass after one interval, not at boot). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce().catch((err: unknown) => this.logger.warn({ err }, 'retention purge failed; will try again')), this.policy.everyMs);
    this.timer.unref();
  }

  /** Purges until nothing past the cutoffs is left, yielding to other work between batches of transactions. */
  runOnce(): Promise<PurgeResult> {
    this.running ??= (async () => {
      const total: PurgeResult = { jobs: 0, inbox: 0, runs: 0, traces: 0, loginCounters: 0, reconciliations: 0, reconcileDiffs: 0, complete: false };
      const cutoffs = cutoffsAt(this.policy, this.clock());
      for (let round = 0; round < 1000 && !total.complete; round++) {
        const r = await this.store.purgeHistory(cutoffs);
        total.jobs += r.jobs;
        total.inbox += r.inbox;
        total.runs += r.runs;
        total.traces += r.traces;
        total.loginCounters += r.loginCounters;
        total.reconciliations += r.reconciliations;
        total.reconcileDiffs += r.reconcileDiffs;
        total.complete = r.complete;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (total.jobs + total.inbox + total.runs + total.loginCounters + total.reconciliations > 0) this.logger.info({ purged: total }, 'retention: history purged');
      return total;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
