/**
 * Retention: the history tables (inbox, finished jobs, runs and their traces) grow with every event;
 * without purging, a busy install fills its disk in weeks. Rows are deleted by age (and runs also by
 * count per flow) in small batches, each its own short transaction, so the queue's writers are never
 * blocked for long. Unfinished work is never touched: a job that is queued or running, its inbox row,
 * and the runs of a job with an open dead letter stay until they are handled; a handled dead letter
 * (replayed, discarded, superseded) goes with its dead job after the runs' age, and a bulk load's
 * batch data once no unfinished or dead job names it.
 */
import { sql, type Kysely } from 'kysely';
import { purgeResolvedAlerts, type AlertWriteTx } from './alerts/retention.js';
import type { Database } from './schema.js';
import type { SyncDatabase } from './sync/kysely-sync-store.js';
import { purgeReconciliations, type SyncWriteTx } from './sync/retention.js';
import type { Iso, PurgeResult, RetentionCutoffs } from './types.js';

/** Runs one statement in its own write transaction (the adapter's, so SQLite's writer queue is respected). */
export type WriteTx = <T>(fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>;

/** Deletes what the cutoffs allow, `batchSize` rows per transaction, at most `maxBatches` transactions per kind of history. */
export async function purgeHistory(db: Kysely<Database>, write: WriteTx, c: RetentionCutoffs): Promise<PurgeResult> {
  const out: PurgeResult = { jobs: 0, inbox: 0, runs: 0, traces: 0, loginCounters: 0, reconciliations: 0, reconcileDiffs: 0, alerts: 0, deadLetters: 0, batchData: 0, complete: true };
  // Each kind (runs, reconciliations, jobs, delivery ids, sign-in counters) has its own budget: when runs
  // arrive faster than they are purged, the other tables must still be purged (the retention benchmark
  // saw the inbox grow without bound behind a shared one). Only batches that deleted something count.
  const perKind = c.maxBatches ?? 50;
  const budget = { left: perKind };
  const spent = (): boolean => {
    if (budget.left > 0) return false;
    out.complete = false;
    return true;
  };
  const nextKind = () => {
    budget.left = perKind;
  };

  // Runs (and their traces), by age per flow, then beyond the per-flow count.
  const flows = (await db.selectFrom('runs').select('flow').distinct().execute()).map((r) => r.flow);
  runs: for (const flow of flows) {
    const byAge: Iso = c.flowRunsBefore?.[flow] ?? c.runsBefore;
    // The Nth newest run (by start, then id): it and everything older go, whatever their age.
    const nth = c.maxRunsPerFlow ? await nthNewestRun(db, flow, c.maxRunsPerFlow) : undefined;
    const bounds: RunBound[] = [{ before: byAge }];
    if (nth && nth.started_at >= byAge) bounds.push({ before: nth.started_at, atOrBelowId: { at: nth.started_at, id: nth.id } });
    for (const bound of bounds) {
      for (;;) {
        if (spent()) break runs;
        const n = await purgeRunBatch(write, flow, bound, c.batchSize);
        if (n.runs > 0) budget.left--;
        out.runs += n.runs;
        out.traces += n.traces;
        if (n.runs < c.batchSize) break;
      }
    }
  }

  // Reconciliations of two-way pairs, by the same age as runs (sync/retention.ts says what stays).
  nextKind();
  const rec = await purgeReconciliations(db as unknown as Kysely<SyncDatabase>, write as unknown as SyncWriteTx, c, budget);
  out.reconciliations += rec.runs;
  out.reconcileDiffs += rec.diffs;
  if (!rec.complete) out.complete = false;

  // Resolved alerts with their deliveries, by the runs' age (alerts/retention.ts says what stays).
  nextKind();
  const resolved = await purgeResolvedAlerts(write as unknown as AlertWriteTx, c.runsBefore, c.batchSize, budget);
  out.alerts += resolved.alerts;
  if (!resolved.complete) out.complete = false;

  // Handled dead letters (replayed, discarded, superseded) with their dead jobs, by the runs' age: an
  // open one stays whatever its age. Its runs go with the runs above once it is no longer open.
  nextKind();
  for (;;) {
    if (spent()) break;
    const n = await write(async (trx) => {
      const letters = await trx.selectFrom('dead_letters').select(['id', 'job_id']).where('status', '!=', 'open').where('updated_at', '<', c.runsBefore).limit(c.batchSize).execute();
      if (letters.length === 0) return 0;
      // A replayed letter's own job finished long ago (the replay is a new job); only dead jobs go here.
      await trx.deleteFrom('jobs').where('id', 'in', letters.map((l) => l.job_id)).where('status', '=', 'dead').execute();
      const res = await trx.deleteFrom('dead_letters').where('id', 'in', letters.map((l) => l.id)).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    out.deadLetters += n;
    if (n < c.batchSize) break;
  }

  // Finished jobs (dead-lettered ones stay with their dead letter).
  nextKind();
  for (;;) {
    if (spent()) break;
    const n = await write(async (trx) => {
      const ids = trx.selectFrom('jobs').select('id').where('status', '=', 'done').where('updated_at', '<', c.jobsBefore).limit(c.batchSize);
      const res = await trx.deleteFrom('jobs').where('id', 'in', ids).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    out.jobs += n;
    if (n < c.batchSize) break;
  }

  // Inbox rows: forgetting one only forgets that its delivery id was seen, so it goes after the
  // longest window a sender retries in, and never while its job is still to run.
  nextKind();
  for (;;) {
    if (spent()) break;
    const n = await write(async (trx) => {
      // One statement per batch (a row-value IN over the primary key), not one round trip per row.
      const keys = trx
        .selectFrom('inbox')
        .select(['inbox.flow', 'inbox.delivery_id'])
        .where('received_at', '<', c.inboxBefore)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('jobs').select('jobs.id').whereRef('jobs.id', '=', 'inbox.job_id').where('jobs.status', 'in', ['queued', 'running']))),
        )
        .limit(c.batchSize);
      const res = await trx
        .deleteFrom('inbox')
        .where(({ eb, refTuple }) => eb(refTuple('flow', 'delivery_id'), 'in', keys.$asTuple('flow', 'delivery_id')))
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    out.inbox += n;
    if (n < c.batchSize) break;
  }

  // A bulk load's batch data (the source records of a vendor job, parts of batch_data): the settling
  // worker drops it, but a load that died before queueing its batch job, a worker that died between
  // recording and dropping, or a dead-lettered batch leave it. It goes after the jobs' age once no
  // unfinished or dead job names it (a dead batch's records stay while its dead letter can be replayed).
  nextKind();
  for (;;) {
    if (spent()) break;
    const n = await write(async (trx) => {
      const stale = await trx
        .selectFrom('batch_data')
        .select('batch_id')
        .where('created_at', '<', c.jobsBefore)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('jobs')
                .select('jobs.id')
                .where('jobs.kind', '=', 'batch')
                .where('jobs.status', 'in', ['queued', 'running', 'dead'])
                // The reference sits in the job's payload (batch.data.id); a batch id is a UUID, so LIKE matches it literally.
                .where(sql<boolean>`jobs.payload like '%' || batch_data.batch_id || '%'`),
            ),
          ),
        )
        .groupBy('batch_id')
        .limit(c.batchSize)
        .execute();
      if (stale.length === 0) return 0;
      const res = await trx.deleteFrom('batch_data').where('batch_id', 'in', stale.map((r) => r.batch_id)).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    out.batchData += n;
    if (n < c.batchSize) break;
  }

  // Sign-in counters: every user name and address ever tried has a row; an old one with no lock in
  // force says nothing the throttle still needs.
  nextKind();
  for (;;) {
    if (spent()) break;
    const n = await write(async (trx) => {
      const keys = trx.selectFrom('login_counters').select('key').where('last_failure', '<', c.jobsBefore).where('locked_until', '<', c.jobsBefore).limit(c.batchSize);
      const res = await trx.deleteFrom('login_counters').where('key', 'in', keys).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
    if (n > 0) budget.left--;
    out.loginCounters += n;
    if (n < c.batchSize) break;
  }
  return out;
}

/**
 * The run at offset `n` among a flow's runs, newest first (by start, then id), or undefined when the
 * flow has no more than `n`. The exact order needs a sort of every run of the flow (the index has no
 * id), which on a big table blocks for seconds; a walk of the (flow, started_at) index answers the
 * usual case, a flow under its limit, without one.
 */
async function nthNewestRun(db: Kysely<Database>, flow: string, n: number): Promise<{ started_at: Iso; id: string } | undefined> {
  const over = await db.selectFrom('runs').select('started_at').where('flow', '=', flow).orderBy('started_at', 'desc').offset(n).limit(1).executeTakeFirst();
  if (!over) return undefined;
  return db.selectFrom('runs').select(['started_at', 'id']).where('flow', '=', flow).orderBy('started_at', 'desc').orderBy('id', 'desc').offset(n).limit(1).executeTakeFirst();
}

/** Runs started before `before`, and (for the count limit) those started at `atOrBelowId.at` with an id at or below it. */
interface RunBound {
  before: Iso;
  atOrBelowId?: { at: Iso; id: string };
}

/** One batch of a flow's runs within `bound`, without an open dead letter, with their traces. */
async function purgeRunBatch(write: WriteTx, flow: string, bound: RunBound, batchSize: number): Promise<{ runs: number; traces: number }> {
  return write(async (trx) => {
    const tie = bound.atOrBelowId;
    const ids = (
      await trx
        .selectFrom('runs')
        .select('runs.id')
        .where('runs.flow', '=', flow)
        .where((eb) =>
          tie
            ? eb.or([eb('runs.started_at', '<', bound.before), eb.and([eb('runs.started_at', '=', tie.at), eb('runs.id', '<=', tie.id)])])
            : eb('runs.started_at', '<', bound.before),
        )
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('dead_letters').select('dead_letters.id').whereRef('dead_letters.job_id', '=', 'runs.job_id').where('dead_letters.status', '=', 'open'))),
        )
        .limit(batchSize)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return { runs: 0, traces: 0 };
    await trx.deleteFrom('trace_keys').where('run_id', 'in', ids).execute();
    const traces = await trx.deleteFrom('traces').where('run_id', 'in', ids).executeTakeFirst();
    const runs = await trx.deleteFrom('runs').where('id', 'in', ids).executeTakeFirst();
    return { runs: Number(runs.numDeletedRows), traces: Number(traces.numDeletedRows) };
  });
}

/** Row counts of the growing tables: exact on SQLite; PostgreSQL's running estimate (cheap on big tables) plus bytes. */
export async function historyTableSizes(db: Kysely<Database>, kind: 'sqlite' | 'postgres'): Promise<Array<{ table: string; rows: number; bytes: number | null }>> {
  const tables = ['inbox', 'jobs', 'runs', 'traces', 'trace_keys', 'dead_letters', 'xref', 'audit_log', 'batch_data'] as const;
  if (kind === 'postgres') {
    // Live rows as the statistics system counts them from every commit (n_live_tup), not the planner's
    // reltuples: that one moves only on VACUUM or ANALYZE, so it reads 0 for a table never analyzed
    // (fewer than 50 changed rows, or autovacuum off) and lags behind every purge.
    const res = await sql<{ table: string; rows: string; bytes: string }>`
      select c.relname as "table", s.n_live_tup as rows, pg_total_relation_size(c.oid) as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_stat_user_tables s on s.relid = c.oid
      where n.nspname = current_schema() and c.relkind = 'r' and c.relname in (${sql.join(tables.map((t) => sql.lit(t)))})`.execute(db);
    return res.rows.map((r) => ({ table: r.table, rows: Number(r.rows), bytes: Number(r.bytes) }));
  }
  const out: Array<{ table: string; rows: number; bytes: number | null }> = [];
  for (const t of tables) {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(db);
    out.push({ table: t, rows: Number(r.rows[0]?.n ?? 0), bytes: null });
  }
  return out;
}

/** Bytes the whole database takes on disk: SQLite its file's pages (freed pages included, the WAL not), PostgreSQL `pg_database_size`. Cheap on both: no table is read. */
export async function databaseBytes(db: Kysely<Database>, kind: 'sqlite' | 'postgres'): Promise<number> {
  const res =
    kind === 'postgres'
      ? await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(db)
      : await sql<{ bytes: number }>`select page_count * page_size as bytes from pragma_page_count(), pragma_page_size()`.execute(db);
  return Number(res.rows[0]?.bytes ?? 0);
}
