/** Two-way pairs (decision 0009): pair state (last-synced values), tombstones, the review queue and reconciliation runs. */
import { type Kysely, type Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('sync_pairs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('a_id', 'text', (c) => c.notNull())
    .addColumn('b_id', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('a_stamp', 'text')
    .addColumn('b_stamp', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sync_pairs_a_idx').on('sync_pairs').columns(['flow', 'a_id']).unique().execute();
  await db.schema.createIndex('sync_pairs_b_idx').on('sync_pairs').columns(['flow', 'b_id']).unique().execute();

  await db.schema
    .createTable('xref_tombstones')
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('merged_into', 'text')
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('xref_tombstones_pk', ['connection', 'entity', 'external_id'])
    .execute();

  await db.schema
    .createTable('sync_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('a_id', 'text', (c) => c.notNull())
    .addColumn('b_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('a_value', 'text')
    .addColumn('b_value', 'text')
    .addColumn('a_stamp', 'text')
    .addColumn('b_stamp', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sync_reviews_pair_idx').on('sync_reviews').columns(['flow', 'a_id', 'status']).execute();
  await db.schema.createIndex('sync_reviews_status_idx').on('sync_reviews').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('reconcile_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('reconcile_runs_flow_idx').on('reconcile_runs').columns(['flow', 'started_at']).execute();
  await db.schema
    .createTable('reconcile_rows')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('match_key', 'text')
    .addColumn('fields', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reconcile_rows_pk', ['run_id', 'side', 'external_id'])
    .execute();
  await db.schema.createIndex('reconcile_rows_key_idx').on('reconcile_rows').columns(['run_id', 'side', 'match_key']).execute();
  await db.schema
    .createTable('reconcile_diffs')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('a_id', 'text')
    .addColumn('b_id', 'text')
    .addColumn('field', 'text')
    .addColumn('a_value', 'text')
    .addColumn('b_value', 'text')
    .addColumn('owner_value', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reconcile_diffs_pk', ['run_id', 'seq'])
    .execute();
}

async function down(db: Db): Promise<void> {
  for (const t of ['reconcile_diffs', 'reconcile_rows', 'reconcile_runs', 'sync_reviews', 'xref_tombstones', 'sync_pairs']) await db.schema.dropTable(t).ifExists().execute();
}

/** Migration 0007 (both dialects). */
export const twoWaySync: Migration = { up, down };
