/**
 * The daily usage row keeps our own count and the vendor's reported figure apart. Folding a vendor
 * report into one running total counted a call twice whenever another process's unflushed calls were
 * already in the vendor's figure (the Overview read 207 calls where Pardot had counted 192). The shown
 * figure is now the larger of the two, each of which is exact on its own terms.
 */
import { sql, type Kysely, type Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema.alterTable('api_usage').addColumn('counted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('api_usage').addColumn('reported', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // Rows written before the split: their total is the best figure for both halves.
  await sql`update api_usage set counted = used, reported = used`.execute(db);
}

async function down(db: Db): Promise<void> {
  await db.schema.alterTable('api_usage').dropColumn('reported').execute();
  await db.schema.alterTable('api_usage').dropColumn('counted').execute();
}

/** Migration 0005 (both dialects). */
export const apiUsageCounted: Migration = { up, down };
