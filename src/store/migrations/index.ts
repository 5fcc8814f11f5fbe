/**
 * Migrations live in code (not files found at run time) so a bundled or installed copy of Syncline
 * always carries exactly the schema its queries expect. Names sort in the order they apply.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { initial, type MigrationDialect } from './0001_initial.js';
import { sharedLimits } from './0002_shared_limits.js';

export type { MigrationDialect } from './0001_initial.js';

/** Every migration, by name, for one dialect. */
export function migrations(dialect: MigrationDialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_shared_limits': sharedLimits(dialect),
  };
}

/** The provider Kysely's Migrator reads. */
export function migrationProvider(dialect: MigrationDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/** Applies every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: MigrationDialect, options: { disableTransactions?: boolean } = {}): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), disableTransactions: options.disableTransactions });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`store migration ${failed ? `"${failed.migrationName}" ` : ''}failed: ${message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
