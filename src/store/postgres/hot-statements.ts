/**
 * The PostgreSQL hot paths as named statements over arrays: each statement's text is fixed whatever
 * the number of rows (rows travel as one array per column and are expanded with unnest), so the
 * server parses and plans it once per connection and a group of calls costs one round trip,
 * not one per row. The SQL mirrors the Kysely versions in kysely-store.ts; the conformance suite runs
 * against both adapters to keep them in step.
 */
import type pg from 'pg';
import type { JobsTable } from '../schema.js';
import type { RecordContext, XrefId } from '../types.js';
import { JOBS_CHANNEL } from './notifier.js';
import { column, pushColumns } from './columns.js';

/** Something that runs a query: the pool (one statement, its own transaction) or a client inside BEGIN … COMMIT. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** One webhook event to put through the inbox. */
export interface InboxJobRow {
  flow: string;
  delivery_id: string;
  job_id: string;
  flow_version: number;
  kind: string;
  payload: string;
  record_key: string | null;
  max_attempts: number;
}

/** The new state of a job leaving `running`, guarded by its lease. */
export interface ReleaseRow {
  id: string;
  worker: string;
  status: JobsTable['status'];
  run_at: string | null;
  last_error: string | null;
}

/**
 * Inbox rows and their jobs in one statement (so one implicit transaction): rows whose
 * (flow, delivery_id) is already in the inbox are dropped with their jobs, and NOTIFY fires on commit
 * if any job was queued. Returns the ids of the jobs queued.
 */
const INGEST = `
  with ev as (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[])
      as e(flow, delivery_id, job_id, flow_version, kind, payload, record_key, max_attempts)
  ),
  fresh as (
    insert into inbox (flow, delivery_id, job_id, received_at)
    select flow, delivery_id, job_id, $9 from ev
    on conflict (flow, delivery_id) do nothing
    returning job_id
  ),
  queued as (
    insert into jobs (id, flow, flow_version, kind, payload, record_key, max_attempts, status, attempts, run_at,
                      lease_owner, lease_expires_at, last_error, created_at, updated_at)
    select ev.job_id, ev.flow, ev.flow_version, ev.kind, ev.payload, ev.record_key, ev.max_attempts, 'queued', 0, $9,
           null, null, null, $9, $9
      from ev join fresh on fresh.job_id = ev.job_id
    returning id
  )
  select id, pg_notify('${JOBS_CHANNEL}', '') from queued`;

/**
 * GCRA reservations of many calls in one statement on the database clock: per key, the theoretical
 * arrival time advances by the intervals of all its calls at once (keys are unique in the arrays).
 */
const RESERVE_RATES = `
  with clock as (select extract(epoch from clock_timestamp()) * 1000 as ms),
  req as (select * from unnest($1::text[], $2::float8[]) as r(key, add))
  insert into rate_buckets as b (key, tat)
  select req.key, clock.ms + req.add from req, clock
  on conflict (key) do update set tat = greatest(b.tat, (select ms from clock)) + (excluded.tat - (select ms from clock))
  returning b.key, b.tat, (select ms from clock)::float8 as now`;

/** Calls to reserve under a per-second rate: one, or a block of `calls` made ahead (see rate-credit.ts). */
export interface RateCall {
  key: string;
  perSecond: number;
  /** Calls reserved together, one interval apart (default 1). */
  calls?: number;
}

/** What a reservation answers: the wait before its first call, and the burst left after its last. */
export interface RateReservation {
  /** Milliseconds before the first call may start. */
  wait: number;
  /** Milliseconds of the one-second burst still unspent after the last call (negative: the last call waits). */
  slack: number;
}

/**
 * Reserves start times for calls, as if each called reserveCallRate in turn (a call may start one
 * second's worth of intervals before its theoretical arrival time); returns each item's wait and slack.
 */
export async function reserveRates(db: Queryable, calls: RateCall[]): Promise<RateReservation[]> {
  // Per key, in order of first appearance: the indexes of its calls, then the time all of them take on its schedule.
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < calls.length; i++) {
    const list = byKey.get(calls[i].key);
    if (list) list.push(i);
    else byKey.set(calls[i].key, [i]);
  }
  const keys: string[] = [];
  const adds: number[] = [];
  const addOf = new Map<string, number>();
  for (const [key, indexes] of byKey) {
    let sum = 0;
    for (const i of indexes) sum += span(calls[i]);
    keys.push(key);
    adds.push(sum);
    addOf.set(key, sum);
  }
  const res = await db.query<{ key: string; tat: number; now: number }>({ name: 'syncline_reserve_rates', text: RESERVE_RATES, values: [keys, adds] });
  const out: RateReservation[] = [];
  for (let i = 0; i < calls.length; i++) out.push({ wait: 0, slack: 0 });
  for (const row of res.rows) {
    const now = Number(row.now);
    // The group's arrival times run from (tat - all its intervals) up to tat, one interval per call.
    let tat = Number(row.tat) - addOf.get(row.key)!;
    for (const i of byKey.get(row.key)!) {
      out[i].wait = Math.max(0, tat + interval(calls[i]) - 1000 - now);
      tat += span(calls[i]);
      out[i].slack = 1000 + now - tat;
    }
  }
  return out;
}

/** Milliseconds between two calls under a call's rate. */
function interval(call: RateCall): number {
  return 1000 / call.perSecond;
}

/** Milliseconds of the rate's schedule a call's block of calls takes. */
function span(call: RateCall): number {
  return interval(call) * (call.calls ?? 1);
}

/** Puts events through the inbox and queues their jobs in one statement; returns the ids of the jobs queued. */
export async function ingestRows(db: Queryable, rows: InboxJobRow[], now: string): Promise<Set<string>> {
  const res = await db.query<{ id: string }>({
    name: 'syncline_ingest',
    text: INGEST,
    values: [
      column(rows, 'flow'),
      column(rows, 'delivery_id'),
      column(rows, 'job_id'),
      column(rows, 'flow_version'),
      column(rows, 'kind'),
      column(rows, 'payload'),
      column(rows, 'record_key'),
      column(rows, 'max_attempts'),
      now,
    ],
  });
  return new Set(res.rows.map((r) => r.id));
}

/**
 * The record contexts of many sources in one statement: what KyselyStore.readRecordContext answers
 * for each, in the same order (oldest link first, then by id), one result per source given.
 */
const READ_CONTEXTS = `
  select k.i, b.connection, b.entity, b.external_id, h.hash
    from unnest($1::text[], $2::text[], $3::text[]) with ordinality as k(connection, entity, external_id, i)
    join xref a on a.connection = k.connection and a.entity = k.entity and a.external_id = k.external_id
    join xref b on b.link_id = a.link_id
    left join target_hashes h on h.connection = b.connection and h.entity = b.entity and h.external_id = b.external_id
   order by k.i, b.created_at, b.connection, b.entity, b.external_id`;

/** Reads the contexts of `sources` in one statement; one RecordContext per source, in order. */
export async function readContexts(db: Queryable, sources: XrefId[]): Promise<RecordContext[]> {
  const out: RecordContext[] = [];
  for (let i = 0; i < sources.length; i++) out.push({ linked: [] });
  if (sources.length === 0) return out;
  const values: unknown[] = [];
  pushColumns(values, sources, ['connection', 'entity', 'id']);
  const res = await db.query<{ i: string; connection: string; entity: string; external_id: string; hash: string | null }>({ name: 'syncline_read_contexts', text: READ_CONTEXTS, values });
  for (const r of res.rows) out[Number(r.i) - 1].linked.push({ connection: r.connection, entity: r.entity, id: r.external_id, hash: r.hash ?? null });
  return out;
}
