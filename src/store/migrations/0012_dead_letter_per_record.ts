/**
 * One open dead letter per record: a newer failure of a record closes its older open letter as
 * superseded, so dead-lettering asks for the open letter of a flow's record, indexed here.
 */
import { sql, type Kysely, type Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createIndex('dead_letters_record_open_idx')
    .on('dead_letters')
    .columns(['flow', 'record_key'])
    .where(sql<boolean>`status = 'open' and record_key is not null`)
    .execute();
}

async function down(db: Db): Promise<void> {
  await db.schema.dropIndex('dead_letters_record_open_idx').ifExists().execute();
}

/** Migration 0012 (both dialects). */
export const deadLetterPerRecord: Migration = { up, down };
