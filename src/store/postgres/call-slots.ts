/**
 * Concurrency slots shared by every process on one PostgreSQL database: slot i of key K is the
 * session advisory lock (hash(K), i) held on one dedicated connection per process. The server frees
 * a session's locks when its connection ends, so a killed process never leaves a slot taken.
 *
 * Advisory locks are re-entrant within a session, so this process must never ask for a slot it
 * already holds: it keeps the set of slots it holds per key and tries only the others, and tries for
 * one key run one at a time (the connection runs queries in order anyway).
 *
 * A released slot lingers for LINGER_MS before it is unlocked: under steady traffic the next call of
 * this process takes it without a round trip (a lock and an unlock per call would make this one
 * connection the bottleneck). For fairness a slot goes back to the server after MAX_REUSE calls or
 * MAX_HOLD_MS, whichever comes first, so other processes get their turn.
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
/** How long a released slot waits for this process's next call before it is unlocked. */
const LINGER_MS = 15;
/** Calls one lock serves, and how long it is kept, before it goes back to the server. */
const MAX_REUSE = 32;
const MAX_HOLD_MS = 200;

/** A slot this process holds, in use or lingering. */
interface Held {
  slot: number;
  cls: number;
  client: pg.Client;
  generation: number;
  takenAt: number;
  uses: number;
  timer: NodeJS.Timeout | null;
}

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
  /** Released slots waiting for the next call, per key. */
  readonly #idle = new Map<string, Held[]>();
  readonly #queue = new Map<string, Promise<unknown>>();
  /** The last query sent on the connection: queries are chained, never overlapped (pg 9 refuses overlap). */
  #last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly logger?: StoreLogger,
  ) {}

  /** One of `slots` slots for `key`, or null when every slot is held (by any process). */
  tryAcquire(key: string, slots: number): Promise<CallSlot | null> {
    const idle = this.#idle.get(key);
    while (idle?.length) {
      const h = idle.pop()!;
      if (h.timer) clearTimeout(h.timer);
      h.timer = null;
      if (h.generation === this.#generation && h.slot < slots) {
        h.uses += 1;
        return Promise.resolve(this.lease(key, h));
      }
      this.unlock(key, h);
    }
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
    for (const list of this.#idle.values()) for (const h of list) if (h.timer) clearTimeout(h.timer);
    this.#idle.clear();
    this.#held.clear();
    if (client) await client.end().catch(() => undefined);
  }

  private async attempt(key: string, slots: number, retried = false): Promise<CallSlot | null> {
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
    let res: pg.QueryResult<{ s: number }>;
    try {
      res = await this.run<{ s: number }>(client, TRY_SQL, [candidates, cls]);
    } catch (err) {
      // The session died before we noticed (its 'end' event not yet delivered): drop it and try once
      // on a fresh connection, which holds nothing, so every slot this process held is free to it.
      this.lost(client, err as Error);
      if (retried) throw err;
      return this.attempt(key, slots, true);
    }
    if (res.rows.length === 0) return null;
    const slot = res.rows[0].s;
    if (generation !== this.#generation) return null; // the session ended under us: the lock went with it
    held.add(slot);
    this.#held.set(key, held);
    return this.lease(key, { slot, cls, client, generation, takenAt: Date.now(), uses: 1, timer: null });
  }

  /** The caller's handle on a held slot: its release lingers (see above) or unlocks. */
  private lease(key: string, h: Held): CallSlot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (h.generation !== this.#generation || this.#client !== h.client || this.#closed) return;
        if (h.uses < MAX_REUSE && Date.now() - h.takenAt < MAX_HOLD_MS) {
          let idle = this.#idle.get(key);
          if (!idle) this.#idle.set(key, (idle = []));
          idle.push(h);
          h.timer = setTimeout(() => {
            h.timer = null;
            const list = this.#idle.get(key);
            const i = list?.indexOf(h) ?? -1;
            if (i >= 0) list!.splice(i, 1);
            this.unlock(key, h);
          }, LINGER_MS);
          h.timer.unref();
          return;
        }
        this.unlock(key, h);
      },
    };
  }

  /** Gives a slot back to the server. */
  private unlock(key: string, h: Held): void {
    if (h.generation !== this.#generation || this.#client !== h.client) return;
    this.#held.get(key)?.delete(h.slot);
    // Not awaited: the next query on this connection runs after it, so this process never sees the
    // slot as free before the server does; other processes see it free one round trip later.
    this.run(h.client, UNLOCK_SQL, [h.cls, h.slot]).catch((err: unknown) => this.logger?.warn({ err }, 'releasing a call slot failed'));
  }

  private run<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const next = this.#last.then(() => client.query<R>(text, values));
    this.#last = next.catch(() => undefined);
    return next;
  }

  /** Forgets a connection that ended: every lock of its session went with it. In-flight calls finish; new ones start afresh. */
  private lost(client: pg.Client, err: Error | null): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#generation += 1;
    this.#held.clear();
    for (const list of this.#idle.values()) for (const h of list) if (h.timer) clearTimeout(h.timer);
    this.#idle.clear();
    if (!this.#closed) this.logger?.warn({ err }, 'call-slot connection lost; reconnecting on the next call');
    client.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('store closed'));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: 'syncline call slots' });
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client, null));
      await client.connect();
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }
}
