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
import { Kysely, SqliteDialect, sql } from 'kysely';
import { isoIn, isoNow } from '../clock.js';
import { KyselyStore, type StoreLogger, type Tx } from '../kysely-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { withWriteLock } from './write-lock.js';
import { toJobRow } from '../rows.js';
import type { Database, JobsTable } from '../schema.js';
import type { SecretBox } from '../secrets.js';
import type { JobRow } from '../types.js';

/** How long a writer waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;
const JOBS_EVENT = 'jobs';

/** Opens the SQLite file (created with its folder if missing) with the pragmas the store relies on. */
export function openSqliteDatabase(file: string): BetterSqlite3.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit is durable against process crashes; only an OS crash or power
  // loss can roll back the last transactions, never corrupt the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/** The Store on a SQLite file (or `:memory:`). */
export class SqliteStore extends KyselyStore {
  readonly kind = 'sqlite' as const;
  readonly #events = new EventEmitter();

  constructor(
    readonly file: string,
    secretBox: SecretBox,
    logger?: StoreLogger,
  ) {
    super(new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqliteDatabase(file) }) }), secretBox, logger);
    this.#events.setMaxListeners(0);
  }

  protected tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    // Kysely's SqliteDriver has one connection behind a mutex; holding it for the whole callback
    // keeps this instance's other callers out, the write lock keeps other instances of this
    // process out, and BEGIN IMMEDIATE keeps other processes out.
    return this.serialise(() =>
      this.db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const result = await fn(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (err) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw err;
        }
      }),
    );
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    return this.file === ':memory:' ? fn() : withWriteLock(this.file, fn);
  }

  protected write<T>(fn: (db: Tx) => Promise<T>): Promise<T> {
    return this.tx(fn);
  }

  protected async jobsQueuedInTx(): Promise<void> {}

  protected jobsQueuedAfterCommit(): void {
    try {
      this.#events.emit(JOBS_EVENT);
    } catch (err) {
      this.logger?.error({ err }, 'onJobsAvailable listener threw');
    }
  }

  protected async lockFlow(): Promise<void> {
    // BEGIN IMMEDIATE already serialises writers.
  }

  async migrate(): Promise<void> {
    // The migrator's own transaction would be a deferred BEGIN; ours is IMMEDIATE so two processes
    // starting at once queue up instead of failing on the lock upgrade.
    await this.tx((conn) => migrateToLatest(conn as unknown as Kysely<unknown>, { disableTransactions: true }));
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
    await this.db.destroy();
  }

  async claimJobs(input: { workerId: string; limit: number; leaseMs: number; flows?: string[] }): Promise<JobRow[]> {
    if (input.limit <= 0 || input.flows?.length === 0) return [];
    const now = isoNow();
    const expires = isoIn(input.leaseMs);
    const flowFilter = input.flows ? sql`and flow in (${sql.join(input.flows)})` : sql``;
    const rows = await this.tx(async (trx) => {
      // Two index range scans (the partial indexes of migration 0001), merged and cut to `limit`.
      const result = await sql<JobsTable>`
        update jobs
           set status = 'running', lease_owner = ${input.workerId}, lease_expires_at = ${expires},
               attempts = attempts + 1, updated_at = ${now}
         where id in (
           select id from (
             select id, run_at from jobs where status = 'queued' and run_at <= ${now} ${flowFilter}
             union all
             select id, run_at from jobs where status = 'running' and lease_expires_at <= ${now} ${flowFilter}
           ) order by run_at, id limit ${input.limit}
         )
        returning *`.execute(trx);
      return result.rows;
    });
    return rows.map(toJobRow).sort((a, b) => (a.runAt < b.runAt ? -1 : a.runAt > b.runAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async renewLeases(input: { workerId: string; jobIds: string[]; leaseMs: number }): Promise<string[]> {
    if (input.jobIds.length === 0) return [];
    const held = await this.tx((trx) =>
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
