/**
 * The one place a connection is written or deleted at run time (admin API, CLI). The store commits
 * the row and tells every process on it (onConnectionChanged), and each process's pool closes its
 * cached client so the next call opens it with the new settings and secrets; the writing process
 * closes its own at once, without waiting for the notification to come back. Anything that must
 * follow a connection write (health, paused jobs) belongs here.
 */
import type { ConnectionInput, ConnectionRow, Store } from '../store/types.js';
import type { ConnectionPool } from './connections.js';

/** What a connection write needs. */
export interface ConnectionWriteDeps {
  store: Store;
  pool: Pick<ConnectionPool, 'forget'>;
}

/** Creates or updates a connection (secrets merge; '' removes one) and drops the cached client. */
export async function writeConnection(deps: ConnectionWriteDeps, input: ConnectionInput, actor: string): Promise<ConnectionRow> {
  const row = await deps.store.putConnection(input, actor);
  await deps.pool.forget(input.name);
  return row;
}

/** Deletes a connection and drops the cached client; false when there was none. */
export async function deleteConnection(deps: ConnectionWriteDeps, name: string, actor: string): Promise<boolean> {
  const deleted = await deps.store.deleteConnection(name, actor);
  await deps.pool.forget(name);
  return deleted;
}
