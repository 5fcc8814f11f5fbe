/**
 * Concurrency slots shared by every process on one PostgreSQL database: slot i of key K is the
 * session advisory lock (hash(K), i) held on one dedicated connection per process. The server frees
 * a session's locks when its connection ends, so a killed process never leaves a slot taken.
 *
 * Advisory locks are re-entrant within a session, so this process must never ask for a slot it
 * already holds: it keeps the set of slots it holds per key and tries only the others, and tries for
 * one key run one at a time (the connection runs queries in order anyway).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { StoreLogger } from '../kysely-store.js';
import type { CallSlot } from '../types.js';

/**
 * One round trip takes the first free candidate. The function scan evaluates its filter row by row
 * and LIMIT stops it at the first lock taken (no ORDER BY, which would evaluate every row first).
 */
const TRY_SQL = 'select s from unnest($1::int[]) as s where pg_try_advisory_lock($2::int, s) limit 1';
const UNLOCK_SQL = 'select pg_advisory_unlock($1::int, $2::int)';

/** The advisory-lock class of a key: 32 bits of its hash, namespaced so other users of advisory locks do not collide. */
export function slotClass(key: string): number {
  return createHash('sha256').update(`syncline:call-slot:${key}`).digest().readInt32BE(0);
}

/** Advisory-lock slots on a dedicated connection. */
export class AdvisorySlots {
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  /** Bumped when the connection is lost: slots taken on an older one are gone. */
  #generation = 0;
  #closed = false;
  readonly #held = new Map<string, Set<number>>();
  readonly #queue = new Map<string, Promise<unknown>>();
  /** The last query sent on the connection: queries are chained, never overlapped (pg 9 refuses overlap). */
  #last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly logger?: StoreLogger,
  ) {}

  /** One of `slots` slots for `key`, or null when every slot is held (by any process). */
  tryAcquire(key: string, slots: number): Promise<CallSlot | null> {
    // One try per key at a time, so the held set is exact when the query runs.
    const prev = this.#queue.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.attempt(key, slots));
    const tail = next.catch(() => undefined);
    this.#queue.set(key, tail);
    void tail.then(() => {
      if (this.#queue.get(key) === tail) this.#queue.delete(key);
    });
    return next;
  }

  /** Slots this process holds for `key` (for tests and diagnostics). */
  heldBy(key: string): number {
    return this.#held.get(key)?.size ?? 0;
  }

  /** Ends the connection (the server frees every slot it held). */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    this.#held.clear();
    if (client) await client.end().catch(() => undefined);
  }

  private async attempt(key: string, slots: number): Promise<CallSlot | null> {
    let held = this.#held.get(key);
    if (held && held.size >= slots) return null;
    const client = await this.connection();
    const generation = this.#generation;
    held = this.#held.get(key) ?? new Set<number>();
    const free: number[] = [];
    for (let s = 0; s < slots; s++) if (!held.has(s)) free.push(s);
    // Start at a random free slot so processes do not all queue on slot 0.
    const start = Math.floor(Math.random() * free.length);
    const candidates = [...free.slice(start), ...free.slice(0, start)];
    const cls = slotClass(key);
    const res = await this.run<{ s: number }>(client, TRY_SQL, [candidates, cls]);
    if (res.rows.length === 0) return null;
    const slot = res.rows[0].s;
    if (generation !== this.#generation) return null; // the session ended under us: the lock went with it
    held.add(slot);
    this.#held.set(key, held);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (generation !== this.#generation || this.#client !== client) return;
        held.delete(slot);
        // Not awaited: the next query on this connection runs after it, so this process never sees
        // the slot as free before the server does; other processes see it free one round trip later.
        this.run(client, UNLOCK_SQL, [cls, slot]).catch((err: unknown) => this.logger?.warn({ err }, 'releasing a call slot failed'));
      },
    };
  }

  private run<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const next = this.#last.then(() => client.query<R>(text, values));
    this.#last = next.catch(() => undefined);
    return next;
  }

  private connection(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('store closed'));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: 'syncline call slots' });
      const lost = (err: Error | null) => {
        if (this.#client !== client) return;
        // Every lock of the session is gone with it; in-flight calls finish, new ones start afresh.
        this.#client = null;
        this.#generation += 1;
        this.#held.clear();
        if (!this.#closed) this.logger?.warn({ err }, 'call-slot connection lost; reconnecting on the next call');
        client.end().catch(() => undefined);
      };
      client.on('error', (err) => lost(err));
      client.on('end', () => lost(null));
      await client.connect();
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }
}
