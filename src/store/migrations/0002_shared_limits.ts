/**
 * Shared rate limits: the daily API usage of each connection, counted by every process on the store
 * (both dialects), and the per-second reservation clock of each limited connection (PostgreSQL only:
 * on SQLite the one process keeps it in memory). Concurrency needs no table: PostgreSQL holds it in
 * session advisory locks, which the server releases when a process dies.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { MigrationDialect } from './0001_initial.js';

type Db = Kysely<unknown>;

async function up(db: Db, dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('api_usage')
    .addColumn('connection', 'text', (c) => c.notNull())
    // The UTC day the calls were made, `YYYY-MM-DD`.
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addColumn('daily_limit', 'integer')
    .addColumn('reset_at', 'bigint')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_usage_pk', ['connection', 'day'])
    .execute();
  if (dialect === 'postgres') {
    // Unlogged: a reservation clock lost in a database crash costs nothing (the next call starts a
    // fresh second), and skipping the WAL makes each reservation a cheap write instead of a flush.
    // `tat` is GCRA's theoretical arrival time of the next call, epoch ms on the database clock.
    await sql`create unlogged table rate_buckets (key text primary key, tat double precision not null)`.execute(db);
  }
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('rate_buckets').ifExists().execute();
  await db.schema.dropTable('api_usage').ifExists().execute();
}

/** Migration 0002 for one dialect. */
export function sharedLimits(dialect: MigrationDialect): Migration {
  return { up: (db) => up(db, dialect), down };
}
