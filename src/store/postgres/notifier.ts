/**
 * LISTEN/NOTIFY on one dedicated connection (a pooled one would be handed to other queries).
 * Reconnects after errors, and wakes listeners once on reconnect (with payload `*`) because
 * notifications sent while disconnected are lost.
 */
import pg from 'pg';
import type { StoreLogger } from '../kysely-store.js';

/** The channel the store notifies on when jobs are queued. */
export const JOBS_CHANNEL = 'syncline_jobs';
/** The channel the store notifies on when a connection is written; the payload is its name. */
export const CONNECTIONS_CHANNEL = 'syncline_connections';
const CHANNELS = [JOBS_CHANNEL, CONNECTIONS_CHANNEL] as const;
/** A channel this notifier listens on. */
export type Channel = (typeof CHANNELS)[number];
/** The payload listeners get after a reconnect: anything may have changed. */
export const MISSED = '*';
const RECONNECT_MS = 1000;

/** Fans one LISTEN connection out to in-process listeners. */
export class PgNotifier {
  readonly #listeners = new Map<Channel, Set<(payload: string) => void>>(CHANNELS.map((c) => [c, new Set()]));
  /** Payloads received this event-loop turn, per channel, delivered once each. */
  readonly #pending = new Map<Channel, Set<string>>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #firePending = false;

  constructor(
    private readonly connectionString: string,
    private readonly logger?: StoreLogger,
  ) {}

  /** Adds a listener on `channel` (connecting on the first) and returns its removal. */
  async subscribe(channel: Channel, listener: (payload: string) => void): Promise<() => Promise<void>> {
    this.#listeners.get(channel)!.add(listener);
    await this.ensureConnected();
    return async () => {
      this.#listeners.get(channel)!.delete(listener);
      if (this.size === 0) await this.disconnect();
    };
  }

  /** Stops listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const set of this.#listeners.values()) set.clear();
    await this.disconnect();
  }

  private get size(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Wakes listeners once per event-loop turn and payload however many notifications arrived in it. */
  private fire(channel: Channel, payload: string): void {
    let set = this.#pending.get(channel);
    if (!set) this.#pending.set(channel, (set = new Set()));
    set.add(payload);
    if (this.#firePending) return;
    this.#firePending = true;
    setImmediate(() => {
      this.#firePending = false;
      this.fireNow();
    });
  }

  private fireNow(): void {
    const pending = [...this.#pending.entries()];
    this.#pending.clear();
    for (const [channel, payloads] of pending) {
      for (const listener of [...this.#listeners.get(channel)!]) {
        for (const payload of payloads) {
          try {
            listener(payload);
          } catch (err) {
            this.logger?.error({ err, channel }, 'notification listener threw');
          }
        }
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
      const channel = CHANNELS.find((c) => c === msg.channel);
      if (channel) this.fire(channel, msg.payload ?? '');
    });
    // Registered before connecting and never removed: an 'error' event without a listener ends the process.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      // One connection listens on every channel: a LISTEN costs nothing while nobody notifies.
      for (const channel of CHANNELS) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed || this.size === 0) {
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
    if (this.#closed || this.size === 0 || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.ensureConnected().then(
        // Notifications sent while we were away are lost: wake every listener to look once.
        () => {
          for (const channel of CHANNELS) this.fire(channel, MISSED);
        },
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
