/**
 * Upkeep of the hot tables that cannot wait for autovacuum: their planner statistics while they grow,
 * and the queue's dead row versions.
 *
 * Statistics. The hot statements are named (prepared once per connection), and PostgreSQL keeps a
 * prepared statement's generic plan until the statistics of a table in it change. A plan made while
 * `xref` held a few hundred rows joins the looked-up keys to it with a sequential scan, and keeps doing
 * so as the table grows: on the engine benchmark a record-context read took 7 ms (p50) by the end of a
 * burst on a fresh database, against 0.06 ms with the index, and at 60,000 rows 42 ms. Autovacuum
 * analyzes at most once a minute per database and after 10 % of a table has changed, so a fresh
 * install's first burst, or a bulk load, runs on plans made for an empty table until it comes. Every
 * few seconds this analyzes the hot tables that have at least doubled in rows since their last analyze
 * (or reached a minimum before their first): a growing table is analyzed about log2(rows) times in
 * all, and one whose size holds steady is left to autovacuum. ANALYZE invalidates the plans that read
 * the table, so every session plans them again with the new sizes.
 *
 * The queue. Every job leaves dead versions of its queued and running rows in `jobs`, and their entries
 * stay in the due-jobs index, which every claim walks from its oldest end, until a vacuum removes them
 * (a finished job's row stays in the table for retention, so new rows never fill those index pages
 * again). Autovacuum comes after a fifth of the table has changed, and the table holds every finished
 * job kept: on the engine benchmark, 43,000 jobs after the burst made an empty claim read 129 buffers
 * and take 0.41 ms of the database's time, against 15 buffers and 0.12 ms just after a vacuum
 * (bench/RESULTS.md, "Empty claims at a steady rate"). So this vacuums `jobs` once its dead row
 * versions pass a fixed count, whatever the table's size; a vacuum reads only the pages changed since
 * the last one, and every index of the table once.
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
/** Dead row versions in `jobs` that call for a vacuum (two per job claimed and finished: about 5,000 jobs). */
export const QUEUE_VACUUM_DEAD_ROWS = 10_000;

/**
 * The hot tables due for an analyze (`analyze`), and the queue if it is due for a vacuum (`vacuum`).
 * `reltuples` is what the last analyze (or vacuum) counted, -1 before the first; `n_live_tup` and
 * `n_dead_tup` are the statistics system's running counts.
 */
const DUE_SQL = `
  select s.relname as table, 'analyze' as work
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
   where s.schemaname = current_schema() and s.relname = any($1::text[])
     and s.n_live_tup >= greatest($2::float8, c.reltuples * $3::float8)
  union all
  select s.relname, 'vacuum'
    from pg_stat_user_tables s
   where s.schemaname = current_schema() and s.relname = 'jobs' and s.n_dead_tup >= $4::float8`;

/** What one check did: the tables it analyzed and those it vacuumed. */
export interface UpkeepDone {
  analyzed: string[];
  vacuumed: string[];
}

/** Analyzes the hot tables of one database as they grow and vacuums its queue (one per store; the timer does not keep the process alive). */
export class TableUpkeep {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<UpkeepDone> | null = null;

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

  /** Stops the check and waits for an analyze or vacuum in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** Analyzes the hot tables and vacuums the queue where due now; resolves with what it did. One check at a time. */
  refresh(): Promise<UpkeepDone> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #refresh(): Promise<UpkeepDone> {
    const due = await this.pool.query<{ table: string; work: 'analyze' | 'vacuum' }>({
      name: 'syncline_upkeep_due',
      text: DUE_SQL,
      values: [HOT_TABLES, FIRST_ANALYZE_ROWS, GROWTH_FACTOR, QUEUE_VACUUM_DEAD_ROWS],
    });
    const done: UpkeepDone = { analyzed: [], vacuumed: [] };
    for (const row of due.rows) {
      // The name goes into the statement only as one of our own constants.
      const table = HOT_TABLES.find((t) => t === row.table);
      if (!table) continue;
      if (row.work === 'analyze') {
        // SKIP_LOCKED: another process analyzing the same table already does the work.
        await this.pool.query(`analyze (skip_locked) ${table}`);
        done.analyzed.push(table);
      } else {
        // INDEX_CLEANUP ON: the dead entries are what the claims walk, and a vacuum finding few dead
        // rows for the table's size would otherwise leave the indexes as they are.
        await this.pool.query(`vacuum (skip_locked, index_cleanup on) ${table}`);
        done.vacuumed.push(table);
      }
    }
    return done;
  }
}
