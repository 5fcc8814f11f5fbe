/**
 * PostgreSQL for tests: each caller gets its own freshly created database, dropped afterwards.
 * When the server is unreachable, tests are skipped with a loud warning, except on CI
 * (CI=true), where a missing database is a failure, not a silent skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresDatabase, dropPostgresDatabase } from '../../src/store/postgres/admin.js';

/** The server tests use (override with SYNCLINE_TEST_PG_URL). */
export const PG_ADMIN_URL = process.env.SYNCLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let availability: Promise<boolean> | null = null;

/** True when the test PostgreSQL server accepts connections (checked once per process). */
export function pgAvailable(): Promise<boolean> {
  availability ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return availability;
}

/**
 * Decides whether a PostgreSQL test file runs: true when the server is up; false (after a loud
 * warning) when it is down locally; throws when it is down on CI.
 */
export async function requirePostgres(suite: string): Promise<boolean> {
  if (await pgAvailable()) return true;
  const message = `PostgreSQL is not reachable at ${PG_ADMIN_URL}; "${suite}" needs it`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true, so this is a failure, not a skip)`);
  console.warn(['', '#'.repeat(78), `# SKIPPED: ${message}.`, '# Start PostgreSQL or set SYNCLINE_TEST_PG_URL to run these tests.', '#'.repeat(78), ''].join('\n'));
  return false;
}

/** A new, uniquely named, empty database; `drop()` removes it. */
export async function createTestDatabase(prefix = 'syncline_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const url = await createPostgresDatabase(PG_ADMIN_URL, name);
  return { url, name, drop: () => dropPostgresDatabase(PG_ADMIN_URL, name) };
}

/** Runs `fn` with the URL of a fresh database and drops the database afterwards, whatever happens. */
export async function withPostgresDatabase<T>(fn: (url: string) => Promise<T>, prefix?: string): Promise<T> {
  const db = await createTestDatabase(prefix);
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

/** The stores a journey suite runs on: SQLite always, PostgreSQL when reachable (requirePostgres: a loud skip locally, a failure on CI). */
export async function journeyStores(suite: string): Promise<Array<'sqlite' | 'postgres'>> {
  return (await requirePostgres(`${suite} on postgres`)) ? ['sqlite', 'postgres'] : ['sqlite'];
}
