/** Creating and dropping whole PostgreSQL databases (tests, `syncline init`). */
import pg from 'pg';

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}: use lowercase letters, digits and _`);
}

/** The connection URL of database `name` on the same server as `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates database `name` (error if it exists) and returns its URL. */
export async function createPostgresDatabase(adminUrl: string, name: string): Promise<string> {
  checkName(name);
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  return databaseUrl(adminUrl, name);
}

/** Drops database `name` if it exists, closing any sessions still connected to it. */
export async function dropPostgresDatabase(adminUrl: string, name: string): Promise<void> {
  checkName(name);
  await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
