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
 *
 * When the connection ends (the server terminated the session, a failover) every lock goes with it:
 * each slot taken on it has its `lost` signal aborted, so a long holder stops instead of carrying on
 * while another process takes the slot. TCP keep-alive makes a silently dead path end too.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { StoreLogger } from '../kysely-store.js';
import type { CallSlot } from '../types.js';

/**
 * One round trip takes the first `$3` free candidates (one per caller waiting). The function scan
 * evaluates its filter row by row and LIMIT stops it once that many locks are taken (no ORDER BY,
 * which would evaluate every row first).
 */
const TRY_SQL = 'select s from unnest($1::int[]) as s where pg_try_advisory_lock($2::int, s) limit $3';
/** Releases, in one round trip, every slot given back since the last statement on the connection. */
const UNLOCK_SQL = 'select pg_advisory_unlock(c, s) from unnest($1::int[], $2::int[]) as u(c, s)';
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
  /** Aborted when the session that holds the lock ends. */
  lost: AbortSignal;
  takenAt: number;
  uses: number;
  timer: NodeJS.Timeout | null;
  /** Unlocks the slot once it has lingered unused (made once per slot taken, not per release). */
  expire: () => void;
}

/** A caller's handle on a held slot; a class, not a closure per call (docs/decisions/0021-hot-paths-without-per-call-closures.md). */
class SlotLease implements CallSlot {
  #released = false;

  constructor(
    private readonly owner: AdvisorySlots,
    private readonly key: string,
    private readonly held: Held,
  ) {}

  get lost(): AbortSignal {
    return this.held.lost;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.owner.giveBack(this.key, this.held);
  }
}

function ignore(): undefined {
  return undefined;
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
  /** Aborted when the current generation's connection is lost (then replaced for the next one). */
  #lostSignal = new AbortController();
  #closed = false;
  readonly #held = new Map<string, Set<number>>();
  /** Released slots waiting for the next call, per key. */
  readonly #idle = new Map<string, Held[]>();
  /** Callers waiting for a try per key: those arriving while one try runs join the next (one round trip for all). */
  readonly #tries = new Map<string, Array<{ slots: number; resolve: (slot: CallSlot | null) => void; reject: (err: unknown) => void }>>();
  /** Slots given back and not yet unlocked on the server (sent before this connection's next statement). */
  #unlocks: Array<{ cls: number; slot: number; client: pg.Client }> = [];
  #unlockScheduled = false;
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
        return Promise.resolve(new SlotLease(this, key, h));
      }
      this.unlock(key, h);
    }
    // One try per key at a time, so the held set is exact when the query runs; callers arriving
    // meanwhile are served together by the next try.
    return new Promise<CallSlot | null>((resolve, reject) => {
      let waiting = this.#tries.get(key);
      const start = !waiting;
      if (!waiting) this.#tries.set(key, (waiting = []));
      waiting.push({ slots, resolve, reject });
      if (start) void this.drainTries(key);
    });
  }

  private async drainTries(key: string): Promise<void> {
    for (;;) {
      const waiting = this.#tries.get(key)!;
      if (waiting.length === 0) {
        this.#tries.delete(key);
        return;
      }
      const batch = waiting.splice(0);
      try {
        const taken = await this.attempt(key, batch[0].slots, batch.length);
        for (let i = 0; i < batch.length; i++) batch[i].resolve(taken[i] ?? null);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
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
    // The locks end with the connection: anyone still holding a slot has lost it.
    this.#lostSignal.abort(new Error('store closed'));
    if (client) await client.end().catch(() => undefined);
  }

  /** Takes up to `want` free slots of `key` in one round trip. */
  private async attempt(key: string, slots: number, want: number, retried = false): Promise<CallSlot[]> {
    let held = this.#held.get(key);
    if (held && held.size >= slots) return [];
    const client = await this.connection();
    const generation = this.#generation;
    const lost = this.#lostSignal.signal;
    held = this.#held.get(key) ?? new Set<number>();
    const free: number[] = [];
    for (let s = 0; s < slots; s++) if (!held.has(s)) free.push(s);
    // Start at a random free slot so processes do not all queue on slot 0.
    const start = Math.floor(Math.random() * free.length);
    const candidates = [...free.slice(start), ...free.slice(0, start)];
    const cls = slotClass(key);
    let res: pg.QueryResult<{ s: number }>;
    try {
      // Slots given back go to the server first, so the try does not take one again re-entrantly while
      // its unlock is still pending (harmless, as every lock is paired with one unlock, but it would
      // keep the slot from other processes a little longer).
      this.flushUnlocks();
      res = await this.run<{ s: number }>(client, TRY_SQL, [candidates, cls, want]);
    } catch (err) {
      // The session died before we noticed (its 'end' event not yet delivered): drop it and try once
      // on a fresh connection, which holds nothing, so every slot this process held is free to it.
      this.lost(client, err as Error);
      if (retried) throw err;
      return this.attempt(key, slots, want, true);
    }
    if (generation !== this.#generation) return []; // the session ended under us: the locks went with it
    this.#held.set(key, held);
    const leases: CallSlot[] = [];
    for (const { s: slot } of res.rows) {
      held.add(slot);
      const h: Held = { slot, cls, client, generation, lost, takenAt: Date.now(), uses: 1, timer: null, expire: () => this.expire(key, h) };
      leases.push(new SlotLease(this, key, h));
    }
    return leases;
  }

  /** A slot's holder is done with it: it lingers for this process's next call (see above) or is unlocked. */
  giveBack(key: string, h: Held): void {
    if (h.generation !== this.#generation || this.#client !== h.client || this.#closed) return;
    if (h.uses < MAX_REUSE && Date.now() - h.takenAt < MAX_HOLD_MS) {
      let idle = this.#idle.get(key);
      if (!idle) this.#idle.set(key, (idle = []));
      idle.push(h);
      h.timer = setTimeout(h.expire, LINGER_MS);
      h.timer.unref();
      return;
    }
    this.unlock(key, h);
  }

  /** A lingering slot was not asked for in time: it goes back to the server. */
  private expire(key: string, h: Held): void {
    h.timer = null;
    const list = this.#idle.get(key);
    const i = list?.indexOf(h) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    this.unlock(key, h);
  }

  /** Gives a slot back to the server (with the others given back in the same turn, in one statement). */
  private unlock(key: string, h: Held): void {
    if (h.generation !== this.#generation || this.#client !== h.client) return;
    this.#held.get(key)?.delete(h.slot);
    this.#unlocks.push({ cls: h.cls, slot: h.slot, client: h.client });
    if (this.#unlockScheduled) return;
    this.#unlockScheduled = true;
    setImmediate(() => this.flushUnlocks());
  }

  /**
   * Sends the pending unlocks. Not awaited: the next query on this connection runs after it, so this
   * process never sees a slot as free before the server does; other processes see it free one round
   * trip later.
   */
  private flushUnlocks(): void {
    this.#unlockScheduled = false;
    const current = this.#client;
    const classes: number[] = [];
    const slots: number[] = [];
    for (const u of this.#unlocks.splice(0)) {
      if (u.client !== current) continue;
      classes.push(u.cls);
      slots.push(u.slot);
    }
    if (!current || slots.length === 0) return;
    this.run(current, UNLOCK_SQL, [classes, slots]).catch((err: unknown) => this.logger?.warn({ err }, 'releasing call slots failed'));
  }

  private run<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const next = this.#last.then(() => client.query<R>(text, values));
    this.#last = next.catch(ignore);
    return next;
  }

  /** Forgets a connection that ended: every lock of its session went with it. In-flight calls finish; new ones start afresh. */
  private lost(client: pg.Client, err: Error | null): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#generation += 1;
    // Holders of this session's slots learn they no longer hold them; the next generation starts afresh.
    const lostSignal = this.#lostSignal;
    this.#lostSignal = new AbortController();
    lostSignal.abort(err ?? new Error('call-slot connection ended'));
    this.#held.clear();
    this.#unlocks = [];
    for (const list of this.#idle.values()) for (const h of list) if (h.timer) clearTimeout(h.timer);
    this.#idle.clear();
    if (!this.#closed) this.logger?.warn({ err }, 'call-slot connection lost; reconnecting on the next call');
    client.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('store closed'));
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      // Keep-alive: a path that dies silently ends the connection (and its slots' holders hear of it) instead of hanging.
      const client = new pg.Client({ connectionString: this.connectionString, application_name: 'syncline call slots', keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
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
