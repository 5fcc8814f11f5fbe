/**
 * Keeps the store from filling up: every few minutes, history older than the retention settings is
 * purged in small batches (store.purgeHistory), yielding between batches so queue traffic goes first.
 * Runs in the server process; running it in more than one process is harmless (deletes are idempotent).
 */
import type { Logger } from '../core/connector.js';
import type { PurgeResult, RetentionCutoffs, Store } from '../store/types.js';
import { Type, type Static } from '../core/settings-spec.js';
import { DURATION_PATTERN, parseDuration } from './durations.js';

/** Defaults, stated once: the schema documents them and retentionPolicy applies them. */
export const RETENTION_DEFAULTS = { jobs: '2d', inbox: '30d', runs: '14d', maxRunsPerFlow: 1_000_000, every: '5m', batchSize: 500 } as const;

/** A duration setting (`14d`), checked by the same pattern parseDuration reads. */
const duration = (description: string, defaultValue?: string) =>
  Type.String({ pattern: DURATION_PATTERN, description, 'x-type': 'duration', ...(defaultValue === undefined ? {} : { default: defaultValue }) });

/** Retention as configured (`retention:` in the config file); every field optional. */
export const retentionSettingsSchema = Type.Object(
  {
    jobs: Type.Optional(duration('Keep finished jobs this long (queued, running and dead-lettered jobs are never purged).', RETENTION_DEFAULTS.jobs)),
    inbox: Type.Optional(duration('Remember delivery ids this long, to drop repeats; keep it longer than any sender retries (a forgotten id is accepted again).', RETENTION_DEFAULTS.inbox)),
    runs: Type.Optional(duration('Keep runs and their per-step traces this long (the runs of an open dead letter stay until it is handled); handled dead letters are kept as long.', RETENTION_DEFAULTS.runs)),
    maxRunsPerFlow: Type.Optional(Type.Integer({ minimum: 0, description: 'Keep at most this many runs per flow (the newest), whatever their age (0: no count limit).', default: RETENTION_DEFAULTS.maxRunsPerFlow })),
    flows: Type.Optional(Type.Record(Type.String(), duration('Run retention for this flow, overriding `runs` (`lead-to-customer: 90d`).'), { description: 'Per-flow run retention overriding `runs`.', 'x-key': 'flow' })),
    every: Type.Optional(duration('How often the server purges.', RETENTION_DEFAULTS.every)),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, description: 'Rows deleted per transaction, so a purge never holds the queue for long.', default: RETENTION_DEFAULTS.batchSize })),
  },
  { additionalProperties: false, description: 'How long history is kept: finished jobs, delivery ids, runs and traces, handled dead letters. Unfinished work and open dead letters are never purged.' },
);

/** Retention as configured (durations like `14d`); every field optional. */
export type RetentionSettings = Static<typeof retentionSettingsSchema>;

/** Retention in milliseconds, defaults applied (each field is the setting of the same name). */
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
  const d = RETENTION_DEFAULTS;
  return {
    jobsMs: dur(s.jobs, d.jobs, 'jobs'),
    inboxMs: dur(s.inbox, d.inbox, 'inbox'),
    runsMs: dur(s.runs, d.runs, 'runs'),
    flowRunsMs: Object.fromEntries(Object.entries(s.flows ?? {}).map(([f, v]) => [f, dur(v, d.runs, `flows.${f}`)])),
    maxRunsPerFlow: s.maxRunsPerFlow ?? d.maxRunsPerFlow,
    everyMs: dur(s.every, d.every, 'every'),
    batchSize: s.batchSize ?? d.batchSize,
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
      const total: PurgeResult = { jobs: 0, inbox: 0, runs: 0, traces: 0, loginCounters: 0, reconciliations: 0, reconcileDiffs: 0, alerts: 0, deadLetters: 0, batchData: 0, complete: false };
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
        total.alerts += r.alerts;
        total.deadLetters += r.deadLetters;
        total.batchData += r.batchData;
        total.complete = r.complete;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (total.jobs + total.inbox + total.runs + total.loginCounters + total.reconciliations + total.alerts + total.deadLetters + total.batchData > 0) this.logger.info({ purged: total }, 'retention: history purged');
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
