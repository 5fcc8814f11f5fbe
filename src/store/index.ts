/**
 * Opening a store from a URL: `sqlite:/path/file.db`, `sqlite::memory:` or `postgres://…`.
 * The rest of Syncline depends on the Store interface only; this is the one place that picks an adapter.
 */
import { resolve } from 'node:path';
import type { StoreLogger } from './kysely-store.js';
import { PostgresStore } from './postgres/index.js';
import { SecretBox } from './secrets.js';
import { SqliteStore, type SqliteDurability } from './sqlite/index.js';
import type { Store } from './types.js';

export type { Store } from './types.js';
export type { StoreLogger } from './kysely-store.js';
export type { SqliteDurability } from './sqlite/index.js';
export { SecretDecryptError, DEFAULT_KEY_FILE } from './secrets.js';
export { createPostgresDatabase, dropPostgresDatabase, databaseUrl } from './postgres/admin.js';
export { poolSizeFor } from './postgres/index.js';

/** How to open a store. */
export interface StoreOptions {
  /** `sqlite:/path/file.db`, `sqlite:relative/file.db`, `sqlite::memory:`, or `postgres://user@host:port/db` (`postgresql://` too). */
  url: string;
  /** Master key for connection secrets (64 hex chars or base64 of 32 bytes); else `SYNCLINE_MASTER_KEY`, else the key file. */
  masterKey?: string;
  /** Key file used when no key is given (default `.syncline/master.key`, created with mode 0600 on first use). */
  keyFile?: string;
  /** Structured logger (pino works). */
  logger?: StoreLogger;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10; poolSizeFor(concurrency) sizes it for a worker). */
  poolSize?: number;
  /** SQLite: what an acknowledged write survives (default `power-loss`; decision 0013). PostgreSQL follows the server's synchronous_commit. */
  durability?: SqliteDurability;
}

/** Where a store URL points. */
export type ParsedStoreUrl = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Parses a store URL; throws on an unknown scheme. */
export function parseStoreUrl(url: string): ParsedStoreUrl {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    let file = url.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2); // sqlite:///abs/path → /abs/path
    if (file === '' ) throw new Error('store URL "sqlite:" needs a file path or :memory:');
    return { kind: 'sqlite', file: file === ':memory:' ? file : resolve(file) };
  }
  throw new Error(`unsupported store URL ${JSON.stringify(url)}: use sqlite:<file>, sqlite::memory: or postgres://…`);
}

/** Opens (and by default migrates) the store the URL names. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const target = parseStoreUrl(options.url);
  const secrets = new SecretBox({ masterKey: options.masterKey, keyFile: options.keyFile });
  const store =
    target.kind === 'sqlite'
      ? new SqliteStore(target.file, secrets, options.logger, options.durability)
      : new PostgresStore({ url: target.url, poolSize: options.poolSize }, secrets, options.logger);
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }
  return store;
}
