/**
 * LISTEN/NOTIFY on one dedicated connection (a pooled one would be handed to other queries).
 * Reconnects after errors, and wakes listeners once on reconnect because notifications sent while
 * disconnected are lost.
 */
import pg from 'pg';
import type { StoreLogger } from '../kysely-store.js';

/** The channel the store notifies on when jobs are queued. */
export const JOBS_CHANNEL = 'syncline_jobs';
const RECONNECT_MS = 1000;

/** Fans one LISTEN connection out to in-process listeners. */
export class PgNotifier {
  readonly #listeners = new Set<() => void>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #firePending = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger?: StoreLogger,
  ) {}

  /** Adds a listener (connecting on the first) and returns its removal. */
  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    await this.ensureConnected();
    return async () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) await this.disconnect();
    };
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.disconnect();
  }

  /** Wakes listeners once per event-loop turn however many notifications arrived in it. */
  private fire(): void {
    if (this.#firePending) return;
    this.#firePending = true;
    setImmediate(() => {
      this.#firePending = false;
      this.fireNow();
    });
  }

  private fireNow(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        this.logger?.error({ err }, 'onJobsAvailable listener threw');
      }
    }
  }

  private ensureConnected(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#connecting ??= this.connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true, connectionTimeoutMillis: 10_000 });
    client.on('notification', (msg) => {
      if (msg.channel === JOBS_CHANNEL) this.fire();
    });
    // Registered before connecting and never removed: an 'error' event without a listener ends the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed || this.#listeners.size === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
  }

  /** The listening connection broke: drop it and keep trying to listen again until it works. */
  private lost(client: pg.Client, err: Error | null): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => undefined);
    this.logger?.warn({ err: err?.message }, 'LISTEN connection lost; reconnecting');
    this.retryLater();
  }

  private retryLater(): void {
    if (this.#closed || this.#listeners.size === 0 || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.ensureConnected().then(
        // Notifications sent while we were away are lost: wake the listeners to look for work once.
        () => this.fire(),
        (e: unknown) => {
          this.logger?.warn({ err: (e as Error).message }, 'LISTEN reconnect failed; trying again');
          this.retryLater();
        },
      );
    }, RECONNECT_MS);
    this.#timer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#connecting) await this.#connecting.catch(() => undefined);
    const client = this.#client;
    this.#client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
