/**
 * Keeps the planner's statistics of the hot tables in step while they grow from empty.
 *
 * The hot statements are named (prepared once per connection), and PostgreSQL keeps a prepared
 * statement's generic plan until the statistics of a table in it change. A plan made while `xref`
 * held a few hundred rows joins the looked-up keys to it with a sequential scan, and keeps doing so
 * as the table grows: on the engine benchmark a record-context read took 7 ms (p50) by the end of a
 * burst on a fresh database, against 0.06 ms with the index, and at 60,000 rows 42 ms. Autovacuum
 * analyzes at most once a minute per database and after 10 % of a table has changed, so a fresh
 * install's first burst, or a bulk load, runs on plans made for an empty table until it comes.
 *
 * Every few seconds this checks the hot tables and analyzes those that have at least doubled in rows
 * since their last analyze (or reached a minimum before their first): a growing table is analyzed
 * about log2(rows) times in all, and one whose size holds steady is left to autovacuum. ANALYZE
 * invalidates the plans that read the table, so every session plans them again with the new sizes.
 */
import type pg from 'pg';

/** Tables the hot path reads by key: the queue, the inbox, the cross-reference and the target hashes. */
export const HOT_TABLES = ['jobs', 'inbox', 'xref', 'target_hashes'] as const;
/** Rows a table must hold before its first analyze (below it any plan is cheap). */
export const FIRST_ANALYZE_ROWS = 1000;
/** Growth since the last analyze, as a multiple of the rows it counted then, that calls for another. */
const GROWTH_FACTOR = 2;
/** How often the tables are checked. */
const CHECK_EVERY_MS = 5_000;

/**
 * The hot tables due for an analyze. `reltuples` is what the last analyze (or vacuum) counted, -1
 * before the first; `n_live_tup` is the statistics system's running count.
 */
const DUE_SQL = `
  select s.relname as table
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
   where s.schemaname = current_schema() and s.relname = any($1::text[])
     and s.n_live_tup >= greatest($2::float8, c.reltuples * $3::float8)`;

/** Analyzes the hot tables of one database as they grow (one per store; the timer does not keep the process alive). */
export class StatsKeeper {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<string[]> | null = null;

  /** `onError` hears a failed check (the next one runs all the same). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Starts the periodic check. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.refresh().catch(this.onError), CHECK_EVERY_MS);
    this.#timer.unref();
  }

  /** Stops the check and waits for an analyze in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** Analyzes the hot tables that are due now; resolves with their names. One check at a time. */
  refresh(): Promise<string[]> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #refresh(): Promise<string[]> {
    const due = await this.pool.query<{ table: string }>({ name: 'syncline_stats_due', text: DUE_SQL, values: [HOT_TABLES, FIRST_ANALYZE_ROWS, GROWTH_FACTOR] });
    const done: string[] = [];
    for (const row of due.rows) {
      // The name goes into the statement only as one of our own constants.
      const table = HOT_TABLES.find((t) => t === row.table);
      if (!table) continue;
      // SKIP_LOCKED: another process analyzing the same table already does the work.
      await this.pool.query(`analyze (skip_locked) ${table}`);
      done.push(table);
    }
    return done;
  }
}
