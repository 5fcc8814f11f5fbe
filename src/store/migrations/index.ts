/**
 * Migrations live in code (not files found at run time) so a bundled or installed copy of Syncline
 * always carries exactly the schema its queries expect. Names sort in the order they apply.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { initial, type MigrationDialect } from './0001_initial.js';
import { sharedLimits } from './0002_shared_limits.js';
import { loginCounters } from './0004_login_counters.js';
import { apiUsageCounted } from './0005_api_usage_counted.js';
import { retentionIndexes } from './0006_retention.js';
import { twoWaySync } from './0007_two_way_sync.js';
import { connectionSchemas } from './0009_connection_schemas.js';
import { alertTables } from './0010_alerts.js';
import { recordOrder } from './0011_record_order.js';
import { deadLetterPerRecord } from './0012_dead_letter_per_record.js';
import { batchData } from './0013_batch_data.js';

export type { MigrationDialect } from './0001_initial.js';

/** Every migration, by name, for one dialect. */
export function migrations(dialect: MigrationDialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_shared_limits': sharedLimits(dialect),
    '0004_login_counters': loginCounters,
    '0005_api_usage_counted': apiUsageCounted,
    '0006_retention': retentionIndexes,
    '0007_two_way_sync': twoWaySync,
    '0009_connection_schemas': connectionSchemas,
    '0010_alerts': alertTables,
    '0011_record_order': recordOrder,
    '0012_dead_letter_per_record': deadLetterPerRecord,
    '0013_batch_data': batchData,
  };
}

/** The provider Kysely's Migrator reads. */
export function migrationProvider(dialect: MigrationDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/**
 * Orders migration names by code unit. Kysely's default, localeCompare, gives the same order for these
 * ASCII names but makes every process load ICU's collation data: 2.2 MiB of resident memory.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Applies every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: MigrationDialect, options: { disableTransactions?: boolean } = {}): Promise<string[]> {
  // Unordered: migrations written on parallel branches get numbers in the order they were planned, not
  // merged; a database that already ran a later one must still run an earlier one that arrived since.
  // Every migration here is independent of the others' order past 0001.
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), disableTransactions: options.disableTransactions, allowUnorderedMigrations: true, nameComparator: byCodeUnits });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`store migration ${failed ? `"${failed.migrationName}" ` : ''}failed: ${message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
