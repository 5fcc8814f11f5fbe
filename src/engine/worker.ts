/**
 * The worker: claims due jobs with a lease, runs them, and commits each outcome atomically with its
 * run, traces, cross-reference links and payload hashes. Any number of workers may share one store;
 * a killed worker's jobs are claimed again when their lease expires.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/connector.js';
import { SyncError, toSyncError } from '../core/errors.js';
import type { JobRow, RunInput, Store } from '../store/types.js';
import type { JsonValue } from '../core/json.js';
import type { ConnectionPool } from './connections.js';
import type { FlowCache, FlowRuntime } from './flow-cache.js';
import type { EngineMetrics } from './metrics.js';
import { asEventPayload, isReadPayload, isReconcilePayload } from './payloads.js';
import { checkBatch, isBatchCheckPayload } from './batch-check.js';
import { RecordRunFailure, runRecord, type RecordRunResult } from './record-runner.js';
import { decideRetry } from './retry.js';
import { readSource } from './source-reader.js';
import { readPairSides, runPairJob } from './sync/pair-jobs.js';
import { reconcile } from './sync/reconcile.js';
import { KeyedMutex } from './keyed-mutex.js';
import { HealthBook } from './connection-health.js';
import { newWorkerId } from './lease-reclaim.js';
import { withHeapGrowth } from './heap-growth.js';

/**
 * Interrupted claims (the process died while running the job) a record may collect per allowed
 * attempt before it is taken to be the record that kills the process. Processes also die for reasons
 * of their own (deploys, a node's OOM killer, an operator's kill -9), and a job that waits on slow
 * vendors is in flight at many of those deaths: only far more interruptions than allowed failures
 * point at the record itself.
 */
const INTERRUPTIONS_PER_ATTEMPT = 3;

/** The KeyedMutex key that lets one `batch` job at a time check and settle in a process (not a record key: those name a flow). */
const BATCH_LOCK = '\u0000batch';

/** Waits between attempts to record an outcome after the store call failed (about 3.5 s in all). */
const PERSIST_RETRY_MS = [250, 1000, 2250];

/** Worker settings. */
export interface WorkerOptions {
  /** Jobs run at once by this worker (default 32). */
  concurrency?: number;
  /** Lease length; a job not finished or renewed by then may be taken by another worker (default 30 s). */
  leaseMs?: number;
  /** How often an idle worker looks for due jobs even without a notification (default 250 ms). */
  idlePollMs?: number;
  /** Identifies this worker in leases (default host:pid:random). */
  workerId?: string;
  /** Base delay before a job that failed because the store lost its connection runs again, jittered up to twice this (default 1 s). */
  outageRetryMs?: number;
  /** While settling a bulk load's vendor job, the heap may grow only this percent past its live set (default: V8's own growth throughout). */
  batchHeapGrowth?: number;
}

/** Dependencies of a worker. */
export interface WorkerDeps {
  store: Store;
  pool: ConnectionPool;
  flows: FlowCache;
  logger: Logger;
  metrics?: EngineMetrics;
  /** Shared by the workers of one process: jobs about the same record (and writes on the same match key) run one at a time. */
  locks?: KeyedMutex;
  /** Connection health marks: jobs of flows using an unhealthy connection are not claimed. */
  health?: HealthBook;
}

/** Claims and runs jobs until stopped. */
export class Worker {
  readonly id: string;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly idlePollMs: number;
  private readonly outageRetryMs: number;
  private readonly batchHeapGrowth: number | undefined;
  /**
   * Fewest places a claim fills while jobs are running (an eighth of `concurrency`): with slow
   * targets jobs end one at a time, and a claim per ended job made the claim and the context read
   * that follows it cost a statement each per job (bench/RESULTS.md). An idle worker claims at once.
   */
  private readonly claimFloor: number;
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Jobs in flight whose run has not reached its outcome: what `concurrency` bounds. A job recording
   * its outcome (a commit that may wait for its group) leaves this set, so the next claim and run
   * overlap that commit instead of waiting for it; the job stays in flight, holding its record's lock
   * and its lease, until the commit is acknowledged.
   */
  private readonly runs = new Set<string>();
  private running = false;
  private wake: (() => void) | null = null;
  /**
   * Jobs may be due that no claim has looked for yet: set by a notification, by a claim that filled
   * every place it asked for (more may wait), and by the idle poll; cleared as a claim starts. An
   * ended job wakes the loop but claims only while this is set: at a steady low rate a claim after
   * every job found nothing, and those empty claims were a third of the statements (bench/RESULTS.md,
   * "Empty claims at a steady rate"). A job held back behind its record's earlier job is announced by
   * the store when that job is released, like a newly queued one.
   */
  private maybeDue = true;
  private loopDone: Promise<void> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly abort = new AbortController();
  private readonly locks: KeyedMutex;
  private readonly health: HealthBook;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkerOptions = {},
  ) {
    this.id = options.workerId ?? newWorkerId(randomUUID().slice(0, 8));
    this.concurrency = options.concurrency ?? 32;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.idlePollMs = options.idlePollMs ?? 250;
    this.outageRetryMs = options.outageRetryMs ?? 1000;
    this.batchHeapGrowth = options.batchHeapGrowth;
    this.claimFloor = Math.max(1, Math.floor(this.concurrency / 8));
    this.locks = deps.locks ?? new KeyedMutex();
    this.health = deps.health ?? new HealthBook(deps.store);
  }

  /** Starts claiming jobs. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = await this.deps.store.onJobsAvailable(() => this.notify());
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1000, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.loopDone = this.loop();
  }

  /** Stops claiming and waits for the jobs in flight (their leases are released by completion). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await Promise.allSettled(this.inFlight.values());
    this.abort.abort();
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.unsubscribe?.();
  }

  /** Jobs being run now. */
  get busy(): number {
    return this.inFlight.size;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const free = this.free();
      let claimed: JobRow[] = [];
      if (this.maybeDue && this.mayClaim(free)) {
        // Jobs notified from here on may have been queued after this claim looked.
        this.maybeDue = false;
        try {
          const flows = await this.claimableFlows();
          claimed = flows.length ? await this.deps.store.claimJobs({ workerId: this.id, limit: free, leaseMs: this.leaseMs, flows }) : [];
          if (claimed.length >= free) this.maybeDue = true;
        } catch (err) {
          this.deps.logger.error({ err: (err as Error).message }, 'claiming jobs failed; retrying shortly');
        }
      }
      for (const job of claimed) {
        this.runs.add(job.id);
        // Two jobs about one source record run one after the other, each seeing the other's committed cross-reference.
        const p = this.locks.run(job.recordKey ? [`${job.flow}\u0000${job.recordKey}`] : [], () => this.execute(job)).finally(() => {
          this.runs.delete(job.id);
          this.inFlight.delete(job.id);
          this.wake?.();
        });
        this.inFlight.set(job.id, p);
      }
      if (claimed.length === 0 || !this.mayClaim(this.free())) {
        if (this.maybeDue && this.mayClaim(this.free())) continue;
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            // The poll: delayed retries fall due and expired leases need no notification.
            this.maybeDue = true;
            this.wake = null;
            resolve();
          }, this.idlePollMs);
          this.wake = () => {
            clearTimeout(t);
            this.wake = null;
            resolve();
          };
        });
      }
    }
  }

  /**
   * Jobs to claim now: up to `concurrency` running, plus as many again recording their outcomes (so a
   * store slow to commit holds back claims instead of letting outcomes pile up without bound).
   */
  private free(): number {
    return Math.min(this.concurrency - this.runs.size, 2 * this.concurrency - this.inFlight.size);
  }

  /** Whether `free` places are worth a claim: the claim floor's worth while jobs run, any when none does. */
  private mayClaim(free: number): boolean {
    return free >= this.claimFloor || (free > 0 && this.runs.size === 0);
  }

  /** Jobs were queued: the loop looks again, now if it waits, else once its claim in flight returns. */
  private notify(): void {
    this.maybeDue = true;
    this.wake?.();
  }

  /** The job's run is over and its outcome is being recorded: its place goes to the next job. */
  private ran(jobId: string): void {
    if (this.runs.delete(jobId)) this.wake?.();
  }

  /** Active flows whose connections are all healthy: a flow whose credential was refused waits, unclaimed. */
  private async claimableFlows(): Promise<string[]> {
    const out: string[] = [];
    for (const f of await this.deps.flows.flows()) {
      if (f.status !== 'active') continue;
      let healthy = true;
      try {
        // The version from the cached list, so a claim reads no flow row from the store.
        healthy = await this.health.flowHealthy((await this.deps.flows.get(f.name, f.currentVersion)).def);
      } catch {
        // A flow that cannot be loaded is claimed and fails with its own reason.
      }
      if (healthy) out.push(f.name);
    }
    return out;
  }

  private async renew(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (!ids.length) return;
    try {
      const lost = await this.deps.store.renewLeases({ workerId: this.id, jobIds: ids, leaseMs: this.leaseMs });
      if (lost.length) this.deps.logger.warn({ jobs: lost }, 'lost the lease of jobs still running; another worker may take them');
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message }, 'renewing leases failed');
    }
  }

  /**
   * The attempt number that counts against maxAttempts. Claims count every attempt, including those
   * whose worker was killed before it recorded anything (the lease expired); a killed process is not
   * the record failing, so at the cap only recorded failures count. A record that kills its worker
   * every time must still end, so once interruptions alone exceed INTERRUPTIONS_PER_ATTEMPT times
   * maxAttempts every claim counts.
   */
  private async countedAttempts(job: JobRow, attempt: number): Promise<number> {
    if (attempt < job.maxAttempts) return attempt;
    try {
      const runs = await this.deps.store.listRuns({ flow: job.flow, jobId: job.id, limit: attempt + 1 });
      const failures = runs.filter((r) => r.status === 'retrying').length + 1;
      return attempt - failures > job.maxAttempts * INTERRUPTIONS_PER_ATTEMPT ? attempt : failures;
    } catch {
      return attempt;
    }
  }

  /**
   * Records a job's outcome, trying again a few times when the store call fails: a lost database
   * connection (failover, a terminated backend) breaks the one call in flight, and a new connection
   * usually works a moment later. Without this the job would wait out its whole lease. Recording
   * twice is harmless: every outcome call checks that this worker still holds the lease.
   */
  private async persist<T>(jobId: string, record: () => Promise<T>): Promise<T> {
    this.ran(jobId);
    for (let attempt = 0; ; attempt++) {
      try {
        return await record();
      } catch (err) {
        if (attempt >= PERSIST_RETRY_MS.length) throw err;
        this.deps.logger.warn({ err: (err as Error).message }, 'recording a job outcome failed; trying again');
        await new Promise((r) => setTimeout(r, PERSIST_RETRY_MS[attempt]));
      }
    }
  }

  /** Runs one job and commits its outcome; never throws. */
  private async execute(job: JobRow): Promise<void> {
    const startedAt = new Date().toISOString();
    // The claim already counted this attempt (Store.claimJobs increments attempts), so a flow with
    // maxAttempts N gets N runs, not N - 1.
    const attempt = job.attempts;
    let flow: FlowRuntime | undefined;
    const run = (status: RunInput['status'], error?: SyncError): RunInput => ({
      jobId: job.id,
      flow: job.flow,
      flowVersion: job.flowVersion,
      trigger: job.kind,
      status,
      recordKey: job.recordKey,
      startedAt,
      finishedAt: new Date().toISOString(),
      error: error?.toJSON() ?? null,
      stats: { attempt },
    });
    const { store, metrics } = this.deps;
    try {
      flow = await this.deps.flows.get(job.flow, job.flowVersion);
      if (isBatchCheckPayload(job.payload)) {
        // A vendor job (bulk, import) a bulk load started: check it once; while it runs, the job waits
        // in the queue, not in this worker, and holds no limiter slot.
        const b = job.payload.batch;
        const payload = job.payload;
        const checked = flow;
        // One batch at a time in this process: settling one holds its vendor results (50,000 rows) and a
        // part of its records; several at once made the settling worker the largest process of a load.
        const settle = () => checkBatch(checked, job, payload, { pool: this.deps.pool, store });
        const growth = this.batchHeapGrowth;
        const out = await this.locks.run([BATCH_LOCK], () => (growth ? withHeapGrowth(growth, settle) : settle()));
        this.ran(job.id);
        if (!out.done) {
          if (!(await store.deferJob({ jobId: job.id, workerId: this.id, runAt: out.runAt, payload: out.payload as unknown as JsonValue }))) {
            this.deps.logger.warn({ job: job.id }, 'batch check finished after its lease was lost');
          }
          return;
        }
        const completed = await store.completeJob({
          jobId: job.id,
          workerId: this.id,
          run: { ...run('succeeded'), stats: { attempt, ...out.stats } },
          traces: [{ step: `batch:${b.target}`, status: 'ok', connection: b.connection, entity: b.entity, after: out.stats }],
          xref: out.settlement.links,
          enqueue: out.enqueue,
        });
        // Settled and recorded: its records were linked or queued, so their stored copy can go (a job
        // whose lease lapsed meanwhile is settled again by its new holder, which needs them).
        if (completed && b.data) await store.deleteBatchData(b.data.id);
      } else if (isReconcilePayload(job.payload)) {
        const rec = await reconcile(job.flow, job.payload.reason, { store, pool: this.deps.pool, flows: this.deps.flows, onDrift: (f, n) => metrics?.drift.set({ flow: f }, n) });
        await this.persist(job.id, () => store.completeJob({ jobId: job.id, workerId: this.id, run: { ...run('succeeded'), stats: { attempt, reconciliation: rec.id } }, traces: [{ step: 'reconcile', status: 'ok', after: { run: rec.id, ...(rec.summary ?? {}) } }] }));
      } else if (isReadPayload(job.payload)) {
        const readDeps = { store, pool: this.deps.pool, signal: this.abort.signal };
        const out = flow.def.sync ? await readPairSides(flow, job.payload.read, readDeps) : await readSource(flow, job.payload.read, readDeps);
        const source = flow.def.source;
        await this.persist(job.id, () => store.completeJob({
          jobId: job.id,
          workerId: this.id,
          // queuedJobIds lets a caller await the run with every record it queued (awaitRun).
          run: { ...run('succeeded'), stats: { attempt, pages: out.pages, records: out.records, queuedJobIds: out.jobIds } },
          traces: [{ step: 'read', status: 'ok', connection: source.connection, entity: source.entity, after: { records: out.records, pages: out.pages, watermark: out.watermark?.at ?? null } }],
        }));
      } else {
        const runDeps = { store, pool: this.deps.pool, metrics, locks: this.locks };
        const result: RecordRunResult = flow.def.sync ? await runPairJob(flow, job.payload, runDeps) : await runRecord(flow, asEventPayload(job.payload), runDeps);
        const ok = await this.persist(job.id, () => store.completeJob({ jobId: job.id, workerId: this.id, run: run(result.status), traces: result.traces, xref: result.xref, hashes: result.hashes }));
        if (!ok) this.deps.logger.warn({ job: job.id }, 'job finished after its lease was lost; its outcome was not recorded twice');
      }
      metrics?.jobsDone.inc({ flow: job.flow });
      metrics?.latency.observe({ flow: job.flow }, (Date.now() - Date.parse(job.createdAt)) / 1000);
    } catch (err) {
      const failure = err instanceof RecordRunFailure ? err : null;
      const error = failure?.error ?? toSyncError(err);
      if (!error.details.connection && flow && isReadPayload(job.payload)) error.details.connection = flow.def.source.connection;
      const partial = failure?.partial ?? { traces: [], xref: [], hashes: [] };
      metrics?.jobsFailed.inc({ flow: job.flow, kind: error.kind });
      // The store dropping its connection is not the record failing: run it again soon, uncounted.
      const outage = store.isOutage(err) || store.isOutage(error.cause);
      const counted = outage ? 0 : await this.countedAttempts(job, attempt);
      const decision = outage
        ? ({ action: 'retry', delayMs: this.outageRetryMs + Math.floor(Math.random() * this.outageRetryMs) } as const)
        : flow
          ? decideRetry(flow.policy, counted, error)
          : error.kind === 'fatal' || counted >= job.maxAttempts
            ? ({ action: 'dead', reason: 'flow could not be loaded' } as const)
            : ({ action: 'retry', delayMs: 5000 } as const);
      const waiting = error.kind === 'unauthorized';
      if (waiting) {
        const connection = error.details.connection ?? flow?.def.source.connection;
        if (connection) {
          await this.health.markUnauthorized(connection, error.toJSON()).catch((e: Error) => this.deps.logger.error({ connection, err: e.message }, 'could not mark the connection unhealthy'));
          this.deps.logger.warn({ connection, flow: job.flow }, `connection "${connection}" refused its credential; its flows wait until a successful Test: ${error.message}`);
        }
      }
      const capped = decision.action === 'retry' && counted >= job.maxAttempts && error.kind !== 'rate_limited' && !waiting;
      const effective = capped ? ({ action: 'dead', reason: `gave up after ${attempt} attempts` } as const) : decision;
      try {
        if (effective.action === 'retry') {
          metrics?.jobsRetried.inc({ flow: job.flow, kind: error.kind });
          await this.persist(job.id, () => store.retryJob({
            jobId: job.id,
            workerId: this.id,
            runAt: new Date(Date.now() + effective.delayMs).toISOString(),
            refundAttempt: waiting || outage,
            error: error.toJSON(),
            run: run('retrying', error),
            traces: partial.traces,
            xref: partial.xref,
            hashes: partial.hashes,
          }));
        } else {
          metrics?.deadLetters.inc({ flow: job.flow, kind: error.kind });
          await this.persist(job.id, () => store.deadLetterJob({ jobId: job.id, workerId: this.id, error: error.toJSON(), run: run('dead', error), traces: partial.traces, xref: partial.xref, hashes: partial.hashes }));
          this.deps.logger.warn({ job: job.id, flow: job.flow, record: job.recordKey, kind: error.kind, reason: effective.reason }, `dead-lettered: ${error.message}`);
        }
      } catch (commitErr) {
        // The lease will expire and another attempt will run; nothing is lost.
        this.deps.logger.error({ job: job.id, err: (commitErr as Error).message }, 'could not record a failed attempt');
      }
    }
  }
}
