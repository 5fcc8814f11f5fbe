/**
 * Where a connection's schema comes from when a flow is checked or edited: this process's discovery,
 * else a live discovery (stored for next time), else the last stored discovery, else the connector's
 * declared entities. A system that is down or slow does not block a deploy: the stored or declared
 * schema is used, and the answer says which.
 */
import type { ConnectorRegistry } from '../core/connector.js';
import type { FlowDef } from '../core/flow.js';
import type { Store } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { ConnectionSchema, SchemaLookup } from './flow-names.js';

/** How long a live discovery may take before the stored schema is used instead. */
export const DISCOVERY_TIMEOUT_MS = 8_000;
/** How long this process reuses its own discovery before asking the system again. */
export const DISCOVERY_REUSE_MS = 5 * 60_000;

/** Every connection a flow names: source, targets and write-backs. */
export function flowConnections(def: FlowDef): string[] {
  const names = [def.source.connection, ...def.targets.flatMap((t) => [t.connection, ...(t.writeBack ? [t.writeBack.connection] : [])])];
  return [...new Set(names)];
}

/** Resolves and remembers connection schemas for the hub. */
export class SchemaCatalog {
  constructor(
    private readonly store: Store,
    private readonly pool: ConnectionPool,
    private readonly registry: ConnectorRegistry,
    private readonly timeoutMs = DISCOVERY_TIMEOUT_MS,
  ) {}

  /** This process's recent discoveries; write validation keeps using the pool's own (ConnectionPool.discover). */
  private readonly recent = new Map<string, { schema: ConnectionSchema; at: number }>();

  /** Discovers a connection now and stores the result; throws when the system cannot be reached. */
  async discover(connection: string): Promise<ConnectionSchema> {
    const row = await this.store.getConnection(connection);
    if (!row) throw new Error(`no connection named "${connection}"`);
    const entities = await this.pool.describe(connection);
    const discoveredAt = new Date().toISOString();
    await this.store.saveConnectionSchema({ connection, type: row.type, entities, discoveredAt });
    const schema: ConnectionSchema = { connection, type: row.type, entities, source: 'live', discoveredAt };
    this.recent.set(connection, { schema, at: Date.now() });
    return schema;
  }

  /**
   * The best schema known for a connection, or undefined when no such connection is configured.
   * `live: false` never calls the system (the stored discovery or the declared entities).
   */
  async schema(connection: string, options: { live?: boolean } = {}): Promise<ConnectionSchema | undefined> {
    const row = await this.store.getConnection(connection);
    if (!row) return undefined;
    const known = this.pool.knownDiscovery(connection);
    if (known) return { connection, type: row.type, entities: known, source: 'live' };
    const recent = this.recent.get(connection);
    if (recent && Date.now() - recent.at < DISCOVERY_REUSE_MS && recent.schema.type === row.type) return recent.schema;
    if (options.live !== false) {
      const live = await this.withTimeout(this.discover(connection)).catch(() => undefined);
      if (live) return live;
    }
    const cached = await this.store.getConnectionSchema(connection);
    if (cached) return { connection, type: cached.type, entities: cached.entities, source: 'cache', discoveredAt: cached.discoveredAt };
    const declared = this.registry.get(row.type)?.entities ?? [];
    return { connection, type: row.type, entities: declared, source: 'declared' };
  }

  /** A lookup over every connection a flow names, resolved up front (the name check itself is synchronous). */
  async lookupFor(def: FlowDef, options: { live?: boolean } = {}): Promise<SchemaLookup> {
    const names = flowConnections(def);
    const schemas = await Promise.all(names.map((n) => this.schema(n, options)));
    const byName = new Map(names.map((n, i) => [n, schemas[i]]));
    return (connection) => byName.get(connection);
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`discovery took longer than ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
    });
    // A discovery that loses the race still finishes and is stored for next time; its failure is not news.
    p.catch(() => undefined);
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
