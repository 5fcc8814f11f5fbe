/** Indexes the retention purge walks: finished jobs by age, inbox rows by age, traces' keys by run, runs by flow and age. */
import { sql, type Kysely, type Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema.createIndex('jobs_done_idx').on('jobs').column('updated_at').where(sql.ref('status'), '=', 'done').execute();
  await db.schema.createIndex('inbox_received_idx').on('inbox').column('received_at').execute();
  await db.schema.createIndex('trace_keys_run_idx').on('trace_keys').column('run_id').execute();
  await db.schema.createIndex('runs_flow_started_idx').on('runs').columns(['flow', 'started_at']).execute();
}

async function down(db: Db): Promise<void> {
  for (const name of ['runs_flow_started_idx', 'trace_keys_run_idx', 'inbox_received_idx', 'jobs_done_idx']) await db.schema.dropIndex(name).ifExists().execute();
}

/** Migration 0006 (both dialects). */
export const retentionIndexes: Migration = { up, down };
