/**
 * Opens connectors for named connections: settings from the store (secrets decrypted), env references
 * resolved, and the connection's rate limiter handed to the connector as its call gate (acquired by the
 * shared HTTP and SOAP clients for every request, so a multi-page read spends a slot per page). The engine talks to
 * systems only through here, so no system is special-cased.
 *
 * An open connector is a cache of the stored connection: when any process writes or deletes the
 * connection, the store tells every pool (onConnectionChanged) and the cached connector is closed, so
 * the next call opens it again with the new settings and secrets.
 */
import type { Connector, ConnectorDefinition, ConnectorRegistry, EntitySpec, Logger } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { drainingConnector } from './draining-connector.js';
import { RateLimiter } from './rate-limiter.js';
import { utcDay } from './daily-budget.js';
import { envPolicy, resolveConnectionEnv, type EnvPolicy } from './settings.js';
import { decodeSecrets } from './connection-settings.js';
import type { EngineMetrics } from './metrics.js';

/** An open connection with its limiter and declaration. */
export interface OpenConnection {
  name: string;
  definition: ConnectorDefinition;
  connector: Connector;
  limiter: RateLimiter;
  /** Closes the connector once the calls already made on it have settled. */
  retire(maxWaitMs: number): Promise<void>;
}

/** Longest a replaced connector stays open for calls still running on it (a job's lease is the usual bound). */
const RETIRE_WAIT_MS = 60_000;

/** Usage of one connection's daily API budget, for the console. */
export interface ApiBudget {
  connection: string;
  used: number;
  limit: number | null;
  resetAt: number | null;
}

/** Keeps one open connector per connection name. */
export class ConnectionPool {
  private readonly open = new Map<string, Promise<OpenConnection>>();
  private readonly discovered = new Map<string, EntitySpec[]>();
  /** Replaced connectors waiting for their in-flight calls before they close. */
  private readonly retiring = new Set<Promise<unknown>>();
  /** The subscription to connection changes, made before the first connection opens. */
  private watching: Promise<() => Promise<void>> | null = null;

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

  /** Discovers a connection's entities without keeping them for write validation (the deploy check and the flow editor). */
  async describe(connection: string): Promise<EntitySpec[]> {
    const c = await this.get(connection);
    return c.connector.discover();
  }

  /** The discovery this process already made of a connection since it was opened, if any. */
  knownDiscovery(connection: string): EntitySpec[] | undefined {
    return this.discovered.get(connection);
  }

  /** Today's API usage of every connection that made calls, counted by every process on the store. */
  async budgets(): Promise<ApiBudget[]> {
    // This process's unflushed calls first, so the figure includes them.
    await Promise.all([...this.limiters.values()].map((l) => l.flush()));
    const rows = await this.store.listApiUsage(utcDay(Date.now()));
    return rows.map((r) => ({ connection: r.connection, used: r.used, limit: r.limit, resetAt: r.resetAt }));
  }

  /** The limiter of an open connection (tests and diagnostics). */
  limiter(name: string): RateLimiter | undefined {
    return this.limiters.get(name);
  }

  /** Closes every connection and stops watching for changes (shutdown), once calls in flight have settled. */
  async close(): Promise<void> {
    if (this.watching) {
      const watching = this.watching;
      this.watching = null;
      await (await watching.catch(() => async () => undefined))();
    }
    await this.forget();
    await Promise.all(this.retiring);
  }

  /**
   * Drops the cached connector of one connection (its settings changed) or of all (changes may have
   * been missed), so the next call opens it afresh. The old connector closes in the background once
   * the calls other jobs have in flight on it have settled.
   */
  async forget(name?: string): Promise<void> {
    const names = name ? [name] : [...new Set([...this.open.keys(), ...this.limiters.keys()])];
    await Promise.all(
      names.map(async (n) => {
        const p = this.open.get(n);
        this.open.delete(n);
        this.discovered.delete(n);
        // The limits may have changed with the settings: the next open builds the limiter afresh.
        const limiter = this.limiters.get(n);
        this.limiters.delete(n);
        await limiter?.flush().catch(() => undefined);
        if (!p) return;
        const retired = p.then((c) => c.retire(RETIRE_WAIT_MS)).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, connection: n }, 'closing a replaced connector failed'));
        this.retiring.add(retired);
        void retired.finally(() => this.retiring.delete(retired));
      }),
    );
  }

  /** Subscribes once to the store's connection changes; a change retires the cached connector. */
  private watch(): Promise<unknown> {
    this.watching ??= this.store.onConnectionChanged((changed) => {
      void this.forget(changed === '*' ? undefined : changed).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, connection: changed }, 'closing a changed connection failed'));
    });
    return this.watching;
  }

  private readonly limiters = new Map<string, RateLimiter>();

  private async openConnection(name: string): Promise<OpenConnection> {
    // Listen before reading, so a change committed after this read is never missed.
    await this.watch();
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
    const limiter = this.limiters.get(name) ?? new RateLimiter(name, { ...definition.rateLimits, ...overrides }, this.store, this.logger);
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
        acquire: async (operation, signal) => {
          const release = await limiter.acquire(signal);
          metrics?.apiCalls.inc({ connection: name, operation });
          return release;
        },
      },
    });
    const { connector, retire } = drainingConnector(raw);
    return { name, definition, connector, limiter, retire };
  }
}
