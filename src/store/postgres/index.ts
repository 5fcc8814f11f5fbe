/**
 * The PostgreSQL adapter: a `pg` Pool through Kysely's PostgresDialect.
 * Claims lock due rows with FOR UPDATE SKIP LOCKED, so any number of worker processes on any number
 * of hosts take disjoint jobs without waiting on each other. Lease times use the database's clock
 * so hosts with skewed clocks still agree on when a lease has expired.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { KyselyStore, type StoreLogger, type Tx } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { toJobRow } from '../rows.js';
import type { Database, JobsTable } from '../schema.js';
import type { SecretBox } from '../secrets.js';
import type { CallSlot, InboxEvent, IngestResult, JobCompletion, JobKind, JobRetry, JobRow, RecordContext, XrefId } from '../types.js';
import { isoNow, normIso } from '../clock.js';
import { toJson } from '../rows.js';
import { CONNECTIONS_CHANNEL, JOBS_CHANNEL, PgNotifier } from './notifier.js';
import { AdvisorySlots } from './call-slots.js';
import { Batcher } from './batcher.js';
import { ingestRows, readContexts, reserveRates, type InboxJobRow, type RateCall, type RateReservation } from './hot-statements.js';
import { recordOutcomes, recordOutcomesWithLinks, type OutcomeRows } from './outcome-statements.js';
import { isPostgresOutage } from './outage.js';
import { claimStatement, dbIso, type ClaimInput } from './claim.js';
import { RateCredit } from './rate-credit.js';
import { TableUpkeep, type UpkeepDone } from './table-upkeep.js';

/** Settings of the PostgreSQL adapter. */
export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`. */
  url: string;
  /** Connections in all (default 10): a third (at least 2) for queries, the rest for the hot statements. */
  poolSize?: number;
}

/** One ingest call waiting for its group. */
interface IngestCall {
  events: InboxEvent[];
  job: { flowVersion: number; maxAttempts: number; kind?: JobKind };
}

/** One finished attempt waiting for its group: a completion or a retry. */
type OutcomeCall = { kind: 'complete'; input: JobCompletion } | { kind: 'retry'; input: JobRetry };

/** Most calls written in one group, and groups written at once. */
const GROUP_ITEMS = 128;
const GROUPS_AT_ONCE = 2;
/**
 * Outcome groups are written one at a time: outcomes arriving meanwhile make the next group bigger.
 * A group costs one to four statements whatever its size (outcome-statements.ts), so at a hundred outcomes a second two groups
 * at once held about two jobs each. The worker no longer waits for a commit before its next job
 * (engine/worker.ts), so a larger group costs no throughput.
 */
const OUTCOME_GROUPS_AT_ONCE = 1;

/**
 * The pool a process running `concurrency` jobs at once needs: its jobs' reads (each job reads its
 * record context once) and the grouped writes (a few connections, whatever the concurrency), with
 * room for the API. Bounded (10–16) so several worker processes stay well inside max_connections.
 */
export function poolSizeFor(concurrency: number): number {
  return Math.min(16, Math.max(10, Math.ceil(concurrency / 8) + 2 * GROUPS_AT_ONCE + 2));
}

/** How long opening a connection may take before the caller gets an error (and retries later). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Session settings of the hot statements' connections. Those statements are named, so each connection
 * plans them once; left to choose, PostgreSQL planned the record-context read afresh on every call
 * (0.64 ms a plan against 0.04 ms to run it, pg_stat_statements on the engine benchmark), because a
 * custom plan for the few keys of a call always looked cheaper than the generic one. Their generic
 * plans are safe to keep: the keys are looked up by index, and TableUpkeep re-plans them as the tables
 * grow. Other queries (Kysely's, unnamed) keep the default, so a partial index still matches a
 * filter's value.
 */
const HOT_SESSION = '-c plan_cache_mode=force_generic_plan';

/**
 * Session settings of every pooled connection. JIT is off: PostgreSQL compiles a statement whose
 * estimated cost passes jit_above_cost (100,000 by default), and the estimates of the queue's
 * statements follow the statistics, so a table analyzed while a backlog stood made the claim look
 * costly long after the backlog was gone. Each claim then took 22–34 ms, compiling 53 functions, for
 * well under a millisecond of work: a backend near a full core and a p50 of 33 ms at 200 events/s
 * (auto_explain on the engine benchmark, 2026-12-07). Our statements are all short, so compiling
 * never pays.
 */
const POOL_SESSION = '-c jit=off';

/** A pool whose lost connections are noted, not fatal; `session` is added to the connections' startup options. */
function openPool(url: string, max: number, logger: StoreLogger | undefined, session?: string): pg.Pool {
  const options = session ? `${POOL_SESSION} ${session}` : POOL_SESSION;
  const pool = new pg.Pool({ connectionString: url, max, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, options });
  pool.on('error', (err) => logger?.warn({ err: err.message }, 'idle PostgreSQL connection lost; the pool opens a new one when needed'));
  // pg removes the pool's error listener while a client is checked out, so a connection terminated
  // mid-transaction (failover, pg_terminate_backend, a network blip) would emit an unhandled 'error'
  // and end the process. Each client keeps a listener of its own: the query in flight already fails
  // (a retryable error for the job or a 503 for the webhook) and the pool discards the broken client
  // on release, so the event itself needs no more than a note.
  pool.on('connect', (client) => client.on('error', (err) => logger?.warn({ err: err.message }, 'PostgreSQL connection lost; work on it fails and is retried')));
  return pool;
}

/** Whether each call's job was released by its group (false: its lease was lost, nothing recorded). */
function releasedOf(calls: OutcomeCall[], released: ReadonlyMap<string, number>): boolean[] {
  const out: boolean[] = [];
  for (const c of calls) out.push(released.has(c.input.jobId));
  return out;
}

/** Claimed jobs in the order they fell due, ties by id. */
function byRunAtThenId(a: JobRow, b: JobRow): number {
  return a.runAt < b.runAt ? -1 : a.runAt > b.runAt ? 1 : a.id < b.id ? -1 : 1;
}

/** The Store on PostgreSQL. */
export class PostgresStore extends KyselyStore {
  readonly kind = 'postgres' as const;

  override isOutage(err: unknown): boolean {
    return isPostgresOutage(err);
  }
  readonly #pool: pg.Pool;
  /** Connections for the named hot statements (claims, context reads, ingest, outcome and rate groups), which keep generic plans. */
  readonly #hotPool: pg.Pool;
  readonly #notifier: PgNotifier;
  readonly #slots: AdvisorySlots;
  readonly #upkeep: TableUpkeep;
  readonly #ingests = new Batcher<IngestCall, IngestResult>({
    group: (calls) => this.ingestGroup(calls),
    single: (call) => this.ingestGroup([call]).then((r) => r[0]),
    maxItems: GROUP_ITEMS,
    maxGroups: GROUPS_AT_ONCE,
    onGroupFailed: (err, size) => this.logger?.warn({ err: (err as Error).message, size }, 'writing a group of webhook events failed; writing them one by one'),
  });
  readonly #outcomes = new Batcher<OutcomeCall, boolean>({
    group: (calls) => this.outcomeGroup(calls),
    single: (call) => (call.kind === 'complete' ? super.completeJob(call.input) : super.retryJob(call.input)),
    maxItems: GROUP_ITEMS,
    maxGroups: OUTCOME_GROUPS_AT_ONCE,
    onGroupFailed: (err, size) => this.logger?.warn({ err: (err as Error).message, size }, 'recording a group of job outcomes failed; recording them one by one'),
  });
  /**
   * Context reads of jobs started together (a claim's jobs reach theirs in the same turn of the event
   * loop) share one statement. Each read is sent after its caller asked, so it sees every write
   * committed before its job was claimed, as a read of its own would.
   */
  readonly #contexts = new Batcher<XrefId, RecordContext>({
    group: (sources) => readContexts(this.#hotPool, sources),
    single: (source) => super.readRecordContext(source),
    maxItems: GROUP_ITEMS,
    maxGroups: GROUPS_AT_ONCE,
  });
  readonly #credit = new RateCredit();
  readonly #rates = new Batcher<RateCall, RateReservation>({
    group: (calls) => reserveRates(this.#hotPool, calls),
    single: (call) => reserveRates(this.#hotPool, [call]).then((w) => w[0]),
    maxItems: GROUP_ITEMS,
    maxGroups: GROUPS_AT_ONCE,
  });

  constructor(options: PostgresStoreOptions, secretBox: SecretBox, logger?: StoreLogger) {
    const size = options.poolSize ?? 10;
    const querySize = Math.max(2, Math.floor(size / 3));
    const pool = openPool(options.url, querySize, logger);
    const hotPool = openPool(options.url, Math.max(1, size - querySize), logger, HOT_SESSION);
    super(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), secretBox, logger);
    this.#pool = pool;
    this.#hotPool = hotPool;
    this.#notifier = new PgNotifier(options.url, logger);
    this.#slots = new AdvisorySlots(options.url, logger);
    // During an outage every query fails and the outage is reported elsewhere; the check just tries again.
    this.#upkeep = new TableUpkeep(hotPool, (err) => {
      if (!isPostgresOutage(err)) logger?.warn({ err: err.message }, 'the upkeep of the hot tables (analyze, the queue\'s vacuum) failed; the next check tries again');
    });
    this.#upkeep.start();
  }

  /** Analyzes the hot tables grown enough since their last analyze and vacuums the queue if due (the periodic check, on demand). */
  upkeepTables(): Promise<UpkeepDone> {
    return this.#upkeep.refresh();
  }

  protected tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  protected write<T>(fn: (db: Tx) => Promise<T>): Promise<T> {
    return fn(this.db);
  }

  /** ANALYZE: a table just filled (a reconciliation's snapshot) has no statistics until autovacuum comes, and the planner then scans it whole per query. */
  protected override async refreshStatistics(table: string): Promise<void> {
    await sql`analyze ${sql.table(table)}`.execute(this.db);
  }

  protected async jobsQueuedInTx(trx: Tx): Promise<void> {
    // Delivered only if the transaction commits, and folded into one per transaction by PostgreSQL.
    await sql`select pg_notify(${JOBS_CHANNEL}, '')`.execute(trx);
  }

  protected jobsQueuedAfterCommit(): void {
    // Our own LISTEN connection receives the NOTIFY too; nothing to do in-process.
  }

  protected async connectionChangedInTx(trx: Tx, name: string): Promise<void> {
    // Delivered to every process's LISTEN connection only if the write commits.
    await sql`select pg_notify(${CONNECTIONS_CHANNEL}, ${name})`.execute(trx);
  }

  protected connectionChangedAfterCommit(): void {
    // Our own LISTEN connection receives the NOTIFY too.
  }

  protected async lockFlow(trx: Tx, name: string): Promise<void> {
    await sql`select 1 from flows where name = ${name} for update`.execute(trx);
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db as unknown as Kysely<unknown>, 'postgres');
  }

  async close(): Promise<void> {
    await this.#upkeep.stop();
    await this.#notifier.close();
    await this.#slots.close();
    await this.#hotPool.end();
    await this.db.destroy();
  }

  /** How often this process's hot-statement connection planned `name` generically and per call (diagnostics; one connection's counts). */
  async hotStatementPlans(name: string): Promise<{ generic: number; custom: number } | null> {
    const res = await this.#hotPool.query<{ generic_plans: string; custom_plans: string }>('select generic_plans, custom_plans from pg_prepared_statements where name = $1', [name]);
    return res.rows[0] ? { generic: Number(res.rows[0].generic_plans), custom: Number(res.rows[0].custom_plans) } : null;
  }

  /** The values of `setting` on a connection of each pool: the query pool (Kysely's) and the hot statements'. */
  async sessionSetting(setting: string): Promise<{ query: string; hot: string }> {
    const read = async (pool: pg.Pool) => (await pool.query<{ value: string }>('select current_setting($1) as value', [setting])).rows[0].value;
    return { query: await read(this.#pool), hot: await read(this.#hotPool) };
  }

  /** The pool, for callers that need raw access (health checks). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  // ---------- hot paths, grouped (docs/decisions/0014-postgres-unit-of-work.md) ----------

  /** Webhook events of concurrent calls go through the inbox together: one statement, one commit. */
  override async ingest(events: InboxEvent[], job: { flowVersion: number; maxAttempts: number; kind?: JobKind }): Promise<IngestResult> {
    if (events.length === 0) return { accepted: 0, duplicates: 0, jobIds: [] };
    return this.#ingests.add({ events, job });
  }

  private async ingestGroup(calls: IngestCall[]): Promise<IngestResult[]> {
    // A delivery id repeated within the group counts for its first call only, as if the calls ran one after the other.
    const seen = new Set<string>();
    const rows: InboxJobRow[] = [];
    const perCall: string[][] = [];
    for (const call of calls) {
      const ids: string[] = [];
      for (const e of call.events) {
        const key = `${e.flow}\u0000${e.deliveryId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const id = this.newId();
        ids.push(id);
        rows.push({ flow: e.flow, delivery_id: e.deliveryId, job_id: id, flow_version: call.job.flowVersion, kind: call.job.kind ?? 'event', payload: toJson(e.payload), record_key: e.recordKey ?? null, max_attempts: call.job.maxAttempts });
      }
      perCall.push(ids);
    }
    const queued = await ingestRows(this.#hotPool, rows, isoNow());
    const results: IngestResult[] = [];
    for (let i = 0; i < calls.length; i++) {
      const jobIds: string[] = [];
      for (const id of perCall[i]) if (queued.has(id)) jobIds.push(id);
      results.push({ accepted: jobIds.length, duplicates: calls[i].events.length - jobIds.length, jobIds });
    }
    return results;
  }

  /** Read together with the other jobs' contexts asked for in the same turn (one statement). */
  override readRecordContext(source: XrefId): Promise<RecordContext> {
    return this.#contexts.add(source);
  }

  /** Grouped with other workers' outcomes when it carries no follow-up jobs (the common case). */
  override async completeJob(input: JobCompletion): Promise<boolean> {
    if (input.enqueue?.length) return super.completeJob(input);
    return this.#outcomes.add({ kind: 'complete', input });
  }

  /** Grouped unless the attempt is refunded (a refused credential, rare). */
  override async retryJob(input: JobRetry): Promise<boolean> {
    if (input.refundAttempt) return super.retryJob(input);
    return this.#outcomes.add({ kind: 'retry', input });
  }

  /**
   * Records a group of outcomes: one statement when no job carries links, else BEGIN, release and lock
   * the linked ids, write, COMMIT (outcome-statements.ts). A job whose lease was lost records nothing
   * (false), exactly as completeJob/retryJob alone.
   */
  private async outcomeGroup(calls: OutcomeCall[]): Promise<boolean[]> {
    // The same job twice in a group (a retried persist) would be released once and recorded twice.
    const ids = new Set<string>();
    for (const c of calls) ids.add(c.input.jobId);
    if (ids.size !== calls.length) throw new Error('a job appears twice in one outcome group');
    const now = isoNow();
    const jobs: OutcomeRows[] = [];
    let linked = false;
    for (const c of calls) {
      const job = this.outcomeRowsOf(c, now);
      if (job.links.length > 0) linked = true;
      jobs.push(job);
    }
    if (!linked) return releasedOf(calls, await recordOutcomes(this.#hotPool, jobs, now));
    const client = await this.#hotPool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const released = await recordOutcomesWithLinks(client, jobs, this.newId, now);
      await client.query('commit');
      return releasedOf(calls, released);
    } catch (err) {
      // A connection that cannot even roll back is dropped from the pool, not handed to the next caller.
      await client.query('rollback').catch((e: Error) => {
        broken = e;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** One finished attempt's rows for its outcome group. */
  private outcomeRowsOf(c: OutcomeCall, now: string): OutcomeRows {
    // The attempt is the one the release answers; outcomeRows' is replaced in the statement.
    const rows = this.outcomeRows(c.input.run, 0, c.input.traces);
    const hashes: OutcomeRows['hashes'] = [];
    for (const h of c.input.hashes ?? []) hashes.push({ connection: h.target.connection, entity: h.target.entity, external_id: h.target.id, hash: h.hash, updated_at: now });
    return {
      release:
        c.kind === 'complete'
          ? { id: c.input.jobId, worker: c.input.workerId, status: 'done', run_at: null, last_error: null }
          : { id: c.input.jobId, worker: c.input.workerId, status: 'queued', run_at: normIso(c.input.runAt), last_error: toJson(c.input.error) },
      run: rows.run,
      traces: rows.traces,
      keys: rows.keys,
      links: c.input.xref ?? [],
      hashes,
    };
  }

  async claimJobs(input: ClaimInput): Promise<JobRow[]> {
    if (input.limit <= 0 || input.flows?.length === 0) return [];
    // Prepared by name and kept to its generic plan, like the other hot statements. PostgreSQL's own
    // choice flipped between runs to a custom plan per call, planned in 0.39 ms to run in 0.20, against
    // 0.13 ms for the generic plan's run (pg_stat_statements with planning tracked, 2 workers at 200
    // events/s, bench/RESULTS.md "Empty claims at a steady rate"). Measured without the planning, on a
    // queue whose index was full of dead entries, the generic plan had looked three to four times slower.
    const result = await this.#hotPool.query<JobsTable>(claimStatement(input));
    return result.rows.map(toJobRow).sort(byRunAtThenId);
  }

  async renewLeases(input: { workerId: string; jobIds: string[]; leaseMs: number }): Promise<string[]> {
    if (input.jobIds.length === 0) return [];
    const held = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: dbIso(input.leaseMs), updated_at: dbIso(0) })
      .where('id', 'in', input.jobIds)
      .where('status', '=', 'running')
      .where('lease_owner', '=', input.workerId)
      .returning('id')
      .execute();
    const kept = new Set(held.map((r) => r.id));
    return input.jobIds.filter((id) => !kept.has(id));
  }

  async onJobsAvailable(listener: () => void): Promise<() => Promise<void>> {
    return this.#notifier.subscribe(JOBS_CHANNEL, () => listener());
  }

  async onConnectionChanged(listener: (name: string) => void): Promise<() => Promise<void>> {
    return this.#notifier.subscribe(CONNECTIONS_CHANNEL, listener);
  }

  tryAcquireCallSlot(key: string, slots: number): Promise<CallSlot | null> {
    return this.#slots.tryAcquire(key, slots);
  }

  /** Slots this process holds for `key` (diagnostics and tests). */
  callSlotsHeld(key: string): number {
    return this.#slots.heldBy(key);
  }

  /**
   * Calls reserved together share one statement (GCRA on the database clock; see reserveRates); far
   * from the limit a reservation takes a block for the calls that follow (rate-credit.ts).
   */
  async reserveCallRate(key: string, perSecond: number): Promise<number> {
    if (this.#credit.take(key)) return 0;
    const ahead = this.#credit.ahead(key, perSecond);
    let answer: RateReservation | null = null;
    try {
      answer = await this.#rates.add({ key, perSecond, calls: 1 + ahead });
      return answer.wait;
    } finally {
      this.#credit.settle(key, ahead, answer);
    }
  }
}
