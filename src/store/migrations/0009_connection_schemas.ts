/**
 * The last discovered schema of each connection (entities and fields), so `flow validate` and deploy
 * can check a flow's names when the system is unreachable, and the console's flow editor can offer
 * choices without asking the vendor on every page view.
 */
import type { Kysely, Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('connection_schemas')
    .addColumn('connection', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('entities', 'text', (c) => c.notNull())
    .addColumn('discovered_at', 'text', (c) => c.notNull())
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('connection_schemas').ifExists().execute();
}

/** Migration 0009 (both dialects). */
export const connectionSchemas: Migration = { up, down };
