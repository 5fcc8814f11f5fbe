/**
 * Opens connectors for named connections: settings from the store (secrets decrypted), env references
 * resolved, and the connection's rate limiter handed to the connector as its call gate (acquired by the
 * shared HTTP and SOAP clients for every request, so a multi-page read spends a slot per page). The engine talks to
 * systems only through here, so no system is special-cased.
 */
import type { Connector, ConnectorDefinition, ConnectorRegistry, EntitySpec, Logger } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { RateLimiter } from './rate-limiter.js';
import { envPolicy, resolveConnectionEnv, type EnvPolicy } from './settings.js';
import { decodeSecrets } from './connection-settings.js';
import type { EngineMetrics } from './metrics.js';

/** An open connection with its limiter and declaration. */
export interface OpenConnection {
  name: string;
  definition: ConnectorDefinition;
  connector: Connector;
  limiter: RateLimiter;
}

/** Keeps one open connector per connection name. */
export class ConnectionPool {
  private readonly open = new Map<string, Promise<OpenConnection>>();
  private readonly discovered = new Map<string, EntitySpec[]>();

  constructor(
    private readonly store: Store,
    private readonly registry: ConnectorRegistry,
    private readonly logger: Logger,
    private readonly metrics?: EngineMetrics,
    /** Which `env:` references connections may resolve (settings.ts). */
    private readonly env: EnvPolicy = envPolicy(),
  ) {}

  /** The open connection named `name`, opening it on first use. */
  get(name: string): Promise<OpenConnection> {
    let p = this.open.get(name);
    if (!p) {
      p = this.openConnection(name);
      this.open.set(name, p);
      p.catch(() => this.open.delete(name));
    }
    return p;
  }

  /** The declared (or discovered) spec of an entity, used to validate records before a write. */
  async entitySpec(connection: string, entity: string): Promise<EntitySpec | undefined> {
    const c = await this.get(connection);
    const found = this.discovered.get(connection)?.find((e) => e.name === entity) ?? c.definition.entities.find((e) => e.name === entity);
    return found;
  }

  /** Remembers the live discovery of a connection (custom fields) so validation uses it. */
  async discover(connection: string): Promise<EntitySpec[]> {
    const c = await this.get(connection);
    const entities = await c.connector.discover();
    this.discovered.set(connection, entities);
    return entities;
  }

  /** Usage per open connection, for the console's API budget. */
  budgets(): Array<{ connection: string; used: number; limit: number | null; resetAt: number | null }> {
    return [...this.limiters.values()].map((l) => ({ connection: l.name, used: l.usedToday, limit: l.dailyLimit, resetAt: l.resetAt }));
  }

  /** Closes one connection (after its settings changed) or all. */
  async close(name?: string): Promise<void> {
    const names = name ? [name] : [...this.open.keys()];
    for (const n of names) {
      const p = this.open.get(n);
      this.open.delete(n);
      this.discovered.delete(n);
      if (p) await p.then((c) => c.connector.close()).catch(() => undefined);
    }
  }

  private readonly limiters = new Map<string, RateLimiter>();

  private async openConnection(name: string): Promise<OpenConnection> {
    const row = await this.store.getConnection(name);
    if (!row) throw new SyncError('fatal', `no connection named "${name}" (add it to syncline.yaml or in the console)`, { system: name });
    const definition = this.registry.get(row.type);
    if (!definition) throw new SyncError('fatal', `connection "${name}" has type "${row.type}", which no installed connector provides`, { system: name });
    let settings: Record<string, unknown>;
    try {
      settings = resolveConnectionEnv(name, { ...row.settings, ...decodeSecrets(row.secrets) }, this.env);
    } catch (err) {
      throw new SyncError('fatal', `connection "${name}": ${(err as Error).message}`, { system: name });
    }
    const overrides = (row.settings.rateLimits ?? {}) as Record<string, number>;
    const limiter = this.limiters.get(name) ?? new RateLimiter(name, { ...definition.rateLimits, ...overrides });
    this.limiters.set(name, limiter);
    const store = this.store;
    const metrics = this.metrics;
    const raw = definition.create({
      connectionName: name,
      settings,
      logger: this.logger,
      state: {
        get: (key) => store.getConnectionState(name, key),
        set: (key, value) => store.setConnectionState(name, key, value),
      },
      reportUsage: (usage) => limiter.report(usage),
      gate: {
        acquire: async (operation) => {
          const release = await limiter.acquire();
          limiter.count();
          metrics?.apiCalls.inc({ connection: name, operation });
          return release;
        },
      },
    });
    return { name, definition, connector: raw, limiter };
  }
}
