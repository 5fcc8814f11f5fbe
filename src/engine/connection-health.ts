/**
 * Connection health: a connection whose credential was refused (SyncError 'unauthorized': a wrong
 * password, a revoked client) is marked unhealthy in the store, so every worker process stops
 * claiming the jobs of flows that use it: they wait without spending attempts instead of failing
 * one by one into the dead-letter queue. A later successful Test clears the mark and they resume.
 */
import type { SerializedError } from '../core/errors.js';
import type { FlowDef } from '../core/flow.js';
import type { Store } from '../store/types.js';

/** The connection-state key holding the health mark (beside the connector's own state). */
export const HEALTH_KEY = 'syncline:health';

/** Why a connection is unhealthy. */
export interface ConnectionHealth {
  status: 'unauthorized';
  /** The vendor's refusal, as the connector classified it. */
  message: string;
  /** ISO time it was marked. */
  at: string;
}

/** Reads the health mark of a connection (null when healthy). */
export async function readHealth(store: Store, connection: string): Promise<ConnectionHealth | null> {
  const v = (await store.getConnectionState(connection, HEALTH_KEY)) as ConnectionHealth | null | undefined;
  return v && v.status === 'unauthorized' ? v : null;
}

/** Every connection a flow reads from or writes to. */
export function flowConnections(def: Pick<FlowDef, 'source' | 'targets' | 'lookups'>): string[] {
  const names = new Set<string>([def.source.connection]);
  for (const l of def.lookups ?? []) names.add(l.connection);
  for (const t of def.targets) {
    names.add(t.connection);
    if (t.writeBack) names.add(t.writeBack.connection);
  }
  return [...names];
}

/** Health marks with a short cache, so a worker's claim loop asks the store at most once a second per connection. */
export class HealthBook {
  private readonly cache = new Map<string, { value: ConnectionHealth | null; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The health mark of a connection, or null. */
  async get(connection: string): Promise<ConnectionHealth | null> {
    const hit = this.cache.get(connection);
    if (hit && hit.until > this.clock()) return hit.value;
    let value: ConnectionHealth | null;
    try {
      value = await readHealth(this.store, connection);
    } catch {
      // A deleted connection, or a state this key cannot read: treat as healthy; the job will say why it fails.
      value = null;
    }
    this.cache.set(connection, { value, until: this.clock() + this.ttlMs });
    return value;
  }

  /** True when every connection of the flow is healthy. */
  async flowHealthy(def: Pick<FlowDef, 'source' | 'targets'>): Promise<boolean> {
    for (const c of flowConnections(def)) if (await this.get(c)) return false;
    return true;
  }

  /** Marks a connection unhealthy after its credential was refused. */
  async markUnauthorized(connection: string, error: SerializedError): Promise<void> {
    const value: ConnectionHealth = { status: 'unauthorized', message: error.message, at: new Date(this.clock()).toISOString() };
    await this.store.setConnectionState(connection, HEALTH_KEY, value);
    this.cache.set(connection, { value, until: this.clock() + this.ttlMs });
  }

  /** Clears the mark (a successful Test): the connection's flows resume. */
  async clear(connection: string): Promise<void> {
    await this.store.setConnectionState(connection, HEALTH_KEY, null);
    this.cache.delete(connection);
  }
}
