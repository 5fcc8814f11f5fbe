/** Sign-in counters in the store, so every process on one database counts the same attempts. */
import type { Kysely, Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('login_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text', (c) => c.notNull())
    .addColumn('last_failure', 'text', (c) => c.notNull())
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('login_counters').ifExists().execute();
}

/** Migration 0004 (both dialects). */
export const loginCounters: Migration = { up, down };
