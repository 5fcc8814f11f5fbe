/**
 * The PostgreSQL adapter: a `pg` Pool through Kysely's PostgresDialect.
 * Claims lock due rows with FOR UPDATE SKIP LOCKED, so any number of worker processes on any number
 * of hosts take disjoint jobs without waiting on each other. Lease times use the database's clock
 * so hosts with skewed clocks still agree on when a lease has expired.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import { KyselyStore, type StoreLogger, type Tx } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { toJobRow } from '../rows.js';
import type { Database, JobsTable } from '../schema.js';
import type { SecretBox } from '../secrets.js';
import type { CallSlot, JobRow } from '../types.js';
import { CONNECTIONS_CHANNEL, JOBS_CHANNEL, PgNotifier } from './notifier.js';
import { AdvisorySlots } from './call-slots.js';
import { isPostgresOutage } from './outage.js';

/** Settings of the PostgreSQL adapter. */
export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`. */
  url: string;
  /** Pool size (default 10). */
  poolSize?: number;
}

/** How long opening a connection may take before the caller gets an error (and retries later). */
const CONNECT_TIMEOUT_MS = 10_000;

/** The database clock plus `ms`, as the store's fixed-width ISO text. */
function dbIso(ms: number): RawBuilder<string> {
  return sql<string>`to_char((clock_timestamp() + ${ms} * interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The Store on PostgreSQL. */
export class PostgresStore extends KyselyStore {
  readonly kind = 'postgres' as const;

  override isOutage(err: unknown): boolean {
    return isPostgresOutage(err);
  }
  readonly #pool: pg.Pool;
  readonly #notifier: PgNotifier;
  readonly #slots: AdvisorySlots;

  constructor(options: PostgresStoreOptions, secretBox: SecretBox, logger?: StoreLogger) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    pool.on('error', (err) => logger?.warn({ err: err.message }, 'idle PostgreSQL connection lost; the pool opens a new one when needed'));
    // pg removes the pool's error listener while a client is checked out, so a connection terminated
    // mid-transaction (failover, pg_terminate_backend, a network blip) would emit an unhandled 'error'
    // and end the process. Each client keeps a listener of its own: the query in flight already fails
    // (a retryable error for the job or a 503 for the webhook) and the pool discards the broken client
    // on release, so the event itself needs no more than a note.
    pool.on('connect', (client) => client.on('error', (err) => logger?.warn({ err: err.message }, 'PostgreSQL connection lost; work on it fails and is retried')));
    super(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), secretBox, logger);
    this.#pool = pool;
    this.#notifier = new PgNotifier(options.url, logger);
    this.#slots = new AdvisorySlots(options.url, logger);
  }

  protected tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  protected write<T>(fn: (db: Tx) => Promise<T>): Promise<T> {
    return fn(this.db);
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
    await this.#notifier.close();
    await this.#slots.close();
    await this.db.destroy();
  }

  /** The pool, for callers that need raw access (health checks). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  async claimJobs(input: { workerId: string; limit: number; leaseMs: number; flows?: string[] }): Promise<JobRow[]> {
    if (input.limit <= 0 || input.flows?.length === 0) return [];
    const flowFilter = input.flows ? sql`and j.flow = any(${input.flows})` : sql``;
    // One statement, so no explicit transaction. Each CTE walks its partial index in order and
    // locks rows as it goes, skipping rows another claimer holds, so the cost is bounded by
    // `limit`, not by the backlog. Expired leases go first (they are older work); queued jobs fill
    // the rest. A row whose state changed before we locked it is re-checked and dropped.
    const result = await sql<JobsTable>`
      with clock as (select ${dbIso(0)} as now, ${dbIso(input.leaseMs)} as expires),
      expired as (
        select j.id from jobs j, clock
         where j.status = 'running' and j.lease_expires_at <= clock.now ${flowFilter}
         order by j.lease_expires_at
         limit ${input.limit}
         for update of j skip locked
      ),
      queued as (
        select j.id from jobs j, clock
         where j.status = 'queued' and j.run_at <= clock.now ${flowFilter}
           -- A job about a record another worker is running now waits for it (no two creates for one record).
           and not (j.record_key is not null and exists (
                 select 1 from jobs r
                  where r.status = 'running' and r.flow = j.flow and r.record_key = j.record_key and r.lease_expires_at > clock.now))
         order by j.run_at, j.id
         limit (select ${input.limit}::int - count(*) from expired)
         for update of j skip locked
      ),
      due as (select id from expired union all select id from queued)
      update jobs set status = 'running', lease_owner = ${input.workerId}, lease_expires_at = clock.expires,
             attempts = jobs.attempts + 1, updated_at = clock.now
        from due, clock
       where jobs.id = due.id
      returning jobs.*`.execute(this.db);
    return result.rows.map(toJobRow).sort((a, b) => (a.runAt < b.runAt ? -1 : a.runAt > b.runAt ? 1 : a.id < b.id ? -1 : 1));
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

  async reserveCallRate(key: string, perSecond: number): Promise<number> {
    // GCRA in one statement on the database clock: the row keeps the theoretical arrival time of the
    // next call; a call may start one second's worth of intervals before it (the burst).
    const interval = 1000 / perSecond;
    const res = await sql<{ tat: number; now: number }>`
      with clock as (select extract(epoch from clock_timestamp()) * 1000 as ms)
      insert into rate_buckets as b (key, tat) select ${key}, clock.ms + ${interval}::float8 from clock
      on conflict (key) do update set tat = greatest(b.tat, (select ms from clock)) + ${interval}::float8
      returning b.tat, (select ms from clock)::float8 as now`.execute(this.db);
    const row = res.rows[0];
    return Math.max(0, Number(row.tat) - 1000 - Number(row.now));
  }
}
