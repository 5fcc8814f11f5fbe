/**
 * Per-record order: a queued job is claimable only when no earlier unfinished job of the same flow and
 * record exists. The claim asks that for each candidate, so unfinished jobs are indexed by record.
 */
import { sql, type Kysely, type Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createIndex('jobs_record_open_idx')
    .on('jobs')
    .columns(['flow', 'record_key', 'id'])
    .where(sql<boolean>`status in ('queued', 'running') and record_key is not null`)
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('jobs_record_open_idx').ifExists().execute();
}

/** Migration 0011 (both dialects). */
export const recordOrder: Migration = { up, down };
