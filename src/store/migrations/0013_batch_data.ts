/**
 * The data of a vendor job a bulk load started (the source records of a Bulk API job or a Pardot
 * import), in parts of PACK_RECORDS records, outside the `batch` job's row: a worker claiming the job
 * reads a small payload, and only the worker that settles the batch reads its parts, one at a time.
 */
import type { Kysely, Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('batch_data')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_data_pk', ['batch_id', 'part'])
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropTable('batch_data').ifExists().execute();
}

/** Migration 0013 (both dialects). */
export const batchData: Migration = { up, down };
