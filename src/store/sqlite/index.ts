/**
 * The SQLite adapter: one file, WAL, better-sqlite3 through Kysely's SqliteDialect.
 * Every write transaction starts with BEGIN IMMEDIATE, which takes SQLite's single write lock up
 * front (waiting up to busy_timeout), so read-then-write steps such as claiming jobs are atomic
 * across every process that opens the same file, not only within this one.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import { isoIn, isoNow } from '../clock.js';
import { KyselyStore, type JobRelease, type StoreLogger, type Tx } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { withWriteLock } from './write-lock.js';
import { toJobRow } from '../rows.js';
import type { Database, InboxTable, JobsTable, RunsTable, TargetHashesTable, TraceKeysTable, TracesTable } from '../schema.js';
import type { SecretBox } from '../secrets.js';
import type { CallSlot, JobRow, RecordContext, XrefId } from '../types.js';
import { LocalCallLimits } from './local-limits.js';
import { HotStatements, ContextReader } from './hot-statements.js';
import { InlineLimitsPlugin, limitSql } from './inline-limits.js';

/** How long a writer waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;
const JOBS_EVENT = 'jobs';
const CONNECTION_EVENT = 'connection';

/**
 * What an acknowledged write survives. `power-loss` (default): every commit that accepts work (the
 * webhook inbox, deploys, settings) is synced to disk before its caller hears of it
 * (synchronous=FULL); the workers' job claims and outcomes, which are redone if lost, are not.
 * `process-crash`: nothing is synced at commit (synchronous=NORMAL), so an OS crash or power cut may
 * roll back the last commits (never corrupt the file). Decision 0013.
 */
export type SqliteDurability = 'power-loss' | 'process-crash';

/** Page cache per connection, KiB. */
const CACHE_KIB = 2000;

/** Opens the SQLite file (created with its folder if missing) with the pragmas the store relies on. */
export function openSqliteDatabase(file: string, durability: SqliteDurability = 'power-loss'): BetterSqlite3.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  // FULL in WAL mode syncs the log at each commit; NORMAL only at checkpoints (durable against a
  // process crash, not a power loss). Group commit (SqliteStore.tx) makes one sync serve many callers.
  db.pragma(durability === 'power-loss' ? 'synchronous = FULL' : 'synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Each caller in a write group runs in its own SAVEPOINT, whose undo pages SQLite keeps in a statement
  // journal that spills to a temporary file past 64 KiB: measured in the engine benchmark, four of every
  // five page writes went there, not to the log, and kept in memory a group costs a quarter less CPU.
  db.pragma('temp_store = MEMORY');
  // SQLite's own default page cache, 2 MB per connection: better-sqlite3 builds with 16 MB, which a
  // server's two connections fill as the file grows (6 MiB more resident after two minutes at 500
  // events/s) for no throughput the engine benchmark could measure; the OS caches the file anyway.
  db.pragma(`cache_size = -${CACHE_KIB}`);
  return db;
}

/** Most write transactions committed together (bounds the latency one group adds). */
const MAX_GROUP = 256;

/** A write transaction waiting for its turn. */
interface PendingTx {
  fn: (trx: Tx) => Promise<unknown>;
  /** Redone if lost (relaxedTx): needs no sync of its own. */
  relaxed: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Transaction control and sync-level statements, prepared once. */
interface ControlStatements {
  begin: Statement;
  savepoint: Statement;
  release: Statement;
  rollbackTo: Statement;
  commit: Statement;
  normal: Statement;
  full: Statement;
}

/** Statements kept prepared per connection (distinct SQL texts; multi-row inserts vary in size). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The connection as Kysely sees it, with prepared statements reused. Kysely's SqliteDriver
 * prepares every query afresh, and preparing costs more than running on the hot paths
 * (measured, sequential completeJob on a loaded machine: ~500/s before, ~1,300/s after).
 */
export function withStatementCache(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (stmt) {
        // Map order is insertion order; re-inserting marks it most recently used.
        cache.delete(text);
      } else {
        stmt = db.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

/** The Store on a SQLite file (or `:memory:`). */
export class SqliteStore extends KyselyStore {
  readonly kind = 'sqlite' as const;
  readonly #events = new EventEmitter();
  readonly #raw: BetterSqlite3.Database;
  readonly #pending: PendingTx[] = [];
  /** One process owns a SQLite store, so its limits live in this process. */
  readonly #limits = new LocalCallLimits();
  #hotStatements: HotStatements | null = null;
  #controlStatements: ControlStatements | null = null;
  /** Reads of the hot path on a connection of their own (see readRecordContext); null for `:memory:`. */
  #contextReader: ContextReader | null = null;
  #draining = false;
  #wakePending = false;
  #closed = false;

  constructor(
    readonly file: string,
    secretBox: SecretBox,
    logger?: StoreLogger,
    readonly durability: SqliteDurability = 'power-loss',
  ) {
    const raw = openSqliteDatabase(file, durability);
    super(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }), plugins: [new InlineLimitsPlugin()] }), secretBox, logger);
    this.#raw = raw;
    this.#events.setMaxListeners(0);
  }

  /**
   * Group commit: write transactions that arrive while one is running are queued and then run
   * together inside one BEGIN IMMEDIATE … COMMIT, each in its own SAVEPOINT. One caller's failure
   * rolls back only its own savepoint; every caller's promise settles only after the COMMIT, so
   * nobody sees success for a write that is not durable. Under load this turns hundreds of small
   * commits per second into a few larger ones, which is where SQLite spends its time.
   */
  protected tx<T>(fn: (trx: Tx) => Promise<T>, relaxed = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, relaxed, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        // Wait one turn of the event loop so callers already running can join this group.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, MAX_GROUP);
        try {
          // Kysely's SqliteDriver has one connection behind a mutex; holding it for the whole group
          // keeps this instance's readers out, the write lock keeps other instances of this process
          // out, and BEGIN IMMEDIATE keeps other processes out.
          await this.serialise(() => this.db.connection().execute((conn) => this.runGroup(conn, group)));
        } catch (err) {
          // Reached only when no connection could be had (store closed): runGroup settles its own.
          for (const item of group) item.reject(err);
        }
        if (this.#pending.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#draining = false;
    }
  }

  protected override relaxedTx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.tx(fn, true);
  }

  private async runGroup(conn: Tx, group: PendingTx[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    // A group of only redoable writes commits without a sync; the connection returns to FULL after
    // it, so every other write (in a group or not) keeps the configured durability.
    const unsynced = this.durability === 'power-loss' && group.every((item) => item.relaxed);
    if (unsynced) this.#control.normal.run();
    try {
      // Control statements go straight to better-sqlite3 (prepared once): through Kysely each one was
      // compiled and prepared again, a visible share of the hot path's CPU.
      this.#control.begin.run();
      for (const item of group) {
        if (group.length === 1) {
          outcomes.push({ ok: true, value: await item.fn(conn) });
          continue;
        }
        this.#control.savepoint.run();
        try {
          const value = await item.fn(conn);
          this.#control.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          // If SQLite itself abandoned the transaction (I/O error, full disk), nothing in the group survives.
          if (!this.#raw.inTransaction) throw error;
          this.#control.rollbackTo.run();
          this.#control.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.#control.commit.run();
    } catch (error) {
      if (this.#raw.inTransaction) await sql`rollback`.execute(conn).catch(() => undefined);
      for (const item of group) item.reject(error);
      return;
    } finally {
      if (unsynced) this.#control.full.run();
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  /** Transaction control statements, prepared once. */
  get #control(): ControlStatements {
    this.#controlStatements ??= {
      normal: this.#raw.prepare('pragma synchronous = NORMAL'),
      full: this.#raw.prepare('pragma synchronous = FULL'),
      begin: this.#raw.prepare('begin immediate'),
      savepoint: this.#raw.prepare('savepoint grouped'),
      release: this.#raw.prepare('release grouped'),
      rollbackTo: this.#raw.prepare('rollback to grouped'),
      commit: this.#raw.prepare('commit'),
    };
    return this.#controlStatements;
  }

  /** Prepared lazily: the tables exist only after migrate(). */
  get #hot(): HotStatements {
    this.#hotStatements ??= new HotStatements(this.#raw);
    return this.#hotStatements;
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    return this.file === ':memory:' ? fn() : withWriteLock(this.file, fn);
  }

  protected write<T>(fn: (db: Tx) => Promise<T>): Promise<T> {
    return this.tx(fn);
  }

  // Hot-path row writes: prepared statements on the connection the current write group holds
  // (these are only ever called inside tx(), whose group owns the connection).
  protected override async writeJobRows(_trx: Tx, rows: JobsTable[]): Promise<void> {
    this.#hot.jobs(rows);
  }

  protected override async writeInboxRows(_trx: Tx, rows: InboxTable[]): Promise<Set<string>> {
    return this.#hot.inbox(rows);
  }

  protected override async writeRunRow(_trx: Tx, row: RunsTable): Promise<void> {
    this.#hot.run(row);
  }

  protected override async writeTraceRows(_trx: Tx, traces: TracesTable[], keys: TraceKeysTable[]): Promise<void> {
    this.#hot.traces(traces, keys);
  }

  protected override async writeHash(_trx: Tx, row: TargetHashesTable): Promise<void> {
    this.#hot.hash(row);
  }

  protected override async claimLinkId(_trx: Tx, id: XrefId, linkId: string, now: string): Promise<string> {
    return this.#hot.linkId(id.connection, id.entity, id.id, linkId, now);
  }

  protected override async releaseJob(_trx: Tx, jobId: string, workerId: string, set: JobRelease): Promise<JobsTable | null> {
    return this.#hot.releaseJob(jobId, workerId, set, isoNow());
  }

  protected async jobsQueuedInTx(): Promise<void> {}

  protected jobsQueuedAfterCommit(): void {
    // One commit settles a whole write group; wake listeners once for it, not once per caller.
    if (this.#wakePending) return;
    this.#wakePending = true;
    setImmediate(() => {
      this.#wakePending = false;
      for (const listener of this.#events.listeners(JOBS_EVENT) as Array<() => void>) {
        try {
          listener();
        } catch (err) {
          this.logger?.error({ err }, 'onJobsAvailable listener threw');
        }
      }
    });
  }

  protected async connectionChangedInTx(): Promise<void> {}

  protected connectionChangedAfterCommit(name: string): void {
    for (const listener of this.#events.listeners(CONNECTION_EVENT) as Array<(name: string) => void>) {
      try {
        listener(name);
      } catch (err) {
        this.logger?.error({ err }, 'onConnectionChanged listener threw');
      }
    }
  }

  async onConnectionChanged(listener: (name: string) => void): Promise<() => Promise<void>> {
    this.#events.on(CONNECTION_EVENT, listener);
    return async () => {
      this.#events.off(CONNECTION_EVENT, listener);
    };
  }

  async tryAcquireCallSlot(key: string, slots: number): Promise<CallSlot | null> {
    return this.#limits.tryAcquire(key, slots);
  }

  async reserveCallRate(key: string, perSecond: number): Promise<number> {
    return this.#limits.reserve(key, perSecond);
  }

  protected async lockFlow(): Promise<void> {
    // BEGIN IMMEDIATE already serialises writers.
  }

  async migrate(): Promise<void> {
    // The migrator's own transaction would be a deferred BEGIN; ours is IMMEDIATE so two processes
    // starting at once queue up instead of failing on the lock upgrade.
    await this.tx((conn) => migrateToLatest(conn as unknown as Kysely<unknown>, 'sqlite', { disableTransactions: true }));
  }

  async close(): Promise<void> {
    // Let queued writes finish: their callers were promised a commit or an error.
    while (this.#draining) await new Promise((resolve) => setTimeout(resolve, 1));
    this.#events.removeAllListeners();
    this.#closed = true;
    this.#contextReader?.close();
    this.#contextReader = null;
    await this.db.destroy();
  }

  /**
   * A record's context, read on a second connection of this process: in WAL mode it reads the last
   * committed state without waiting for the write group that holds the main connection (a read there
   * queues behind the whole group, or would see its uncommitted rows), and as a prepared statement,
   * not a query Kysely builds and compiles per job. `:memory:` has no second connection to the same
   * database, so it reads through the main one.
   */
  override async readRecordContext(source: XrefId): Promise<RecordContext> {
    if (this.file === ':memory:' || this.#closed) return super.readRecordContext(source);
    if (!this.#contextReader) {
      const db = openSqliteDatabase(this.file, this.durability);
      try {
        this.#contextReader = new ContextReader(db);
      } catch (err) {
        db.close();
        throw err;
      }
    }
    return this.#contextReader.read(source);
  }

  async claimJobs(input: { workerId: string; limit: number; leaseMs: number; flows?: string[] }): Promise<JobRow[]> {
    if (input.limit <= 0 || input.flows?.length === 0) return [];
    const now = isoNow();
    const expires = isoIn(input.leaseMs);
    const flowFilter = input.flows ? sql`and flow in (${sql.join(input.flows)})` : sql``;
    const rows = await this.relaxedTx(async (trx) => {
      // Two index range scans (the partial indexes of migration 0001), each stopping after
      // `limit` rows, merged and cut to `limit`: the cost does not grow with the backlog (except by
      // the queued jobs passed over because an earlier job of their record is unfinished, each one
      // index probe of migration 0011).
      const result = await sql<JobsTable>`
        update jobs
           set status = 'running', lease_owner = ${input.workerId}, lease_expires_at = ${expires},
               attempts = attempts + 1, updated_at = ${now}
         where id in (
           select id from (
             select * from (select id, run_at from jobs j where status = 'queued' and run_at <= ${now} ${flowFilter}
                               -- Per-record order: a job waits while an earlier job of its record is unfinished.
                               and not (record_key is not null and exists (
                                 select 1 from jobs r
                                  where r.flow = j.flow and r.record_key = j.record_key and r.record_key is not null
                                    and r.status in ('queued', 'running') and r.id < j.id))
                             order by run_at, id limit ${limitSql(input.limit)})
             union all
             select * from (select id, run_at from jobs where status = 'running' and lease_expires_at <= ${now} ${flowFilter}
                             order by lease_expires_at limit ${limitSql(input.limit)})
           ) order by run_at, id limit ${limitSql(input.limit)}
         )
        returning *`.execute(trx);
      return result.rows;
    });
    return rows.map(toJobRow).sort((a, b) => (a.runAt < b.runAt ? -1 : a.runAt > b.runAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async renewLeases(input: { workerId: string; jobIds: string[]; leaseMs: number }): Promise<string[]> {
    if (input.jobIds.length === 0) return [];
    const held = await this.relaxedTx((trx) =>
      trx
        .updateTable('jobs')
        .set({ lease_expires_at: isoIn(input.leaseMs), updated_at: isoNow() })
        .where('id', 'in', input.jobIds)
        .where('status', '=', 'running')
        .where('lease_owner', '=', input.workerId)
        .returning('id')
        .execute(),
    );
    const kept = new Set(held.map((r) => r.id));
    return input.jobIds.filter((id) => !kept.has(id));
  }

  async onJobsAvailable(listener: () => void): Promise<() => Promise<void>> {
    this.#events.on(JOBS_EVENT, listener);
    return async () => {
      this.#events.off(JOBS_EVENT, listener);
    };
  }
}
