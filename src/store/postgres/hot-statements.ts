/**
 * The PostgreSQL hot paths as named statements over arrays: each statement's text is fixed whatever
 * the number of rows (rows travel as one array per column and are expanded with unnest), so the
 * server parses and plans it once per connection and a group of jobs costs one round trip per table,
 * not one per row. The SQL mirrors the Kysely versions in kysely-store.ts; the conformance suite runs
 * against both adapters to keep them in step.
 */
import type pg from 'pg';
import type { JobsTable, RunsTable, TargetHashesTable, TraceKeysTable, TracesTable } from '../schema.js';
import type { RecordContext, XrefId } from '../types.js';
import { JOBS_CHANNEL } from './notifier.js';

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

const RELEASE = `
  update jobs
     set status = u.status, run_at = coalesce(u.run_at, jobs.run_at), last_error = coalesce(u.last_error, jobs.last_error),
         lease_owner = null, lease_expires_at = null, updated_at = $6
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) as u(id, worker, status, run_at, last_error)
   where jobs.id = u.id and jobs.status = 'running' and jobs.lease_owner = u.worker
  returning jobs.id, jobs.attempts`;

const INSERT_RUNS = `
  insert into runs (id, job_id, flow, flow_version, trigger, status, record_key, attempt, started_at, finished_at, error, stats)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[])`;

const INSERT_TRACES = `
  insert into traces (id, run_id, flow, at, step, status, connection, entity, external_id, before, after, lineage, error, keys)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                       $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])`;

const INSERT_TRACE_KEYS = `
  insert into trace_keys (key, trace_id, run_id) select * from unnest($1::text[], $2::text[], $3::text[])`;

const UPSERT_HASHES = `
  insert into target_hashes (connection, entity, external_id, hash, updated_at)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
  on conflict (connection, entity, external_id) do update set hash = excluded.hash, updated_at = excluded.updated_at`;

/** Locked in one order, so two groups touching the same ids wait for each other instead of deadlocking (mostly). */
const LOCK_XREF = `
  select x.connection, x.entity, x.external_id, x.link_id
    from xref x join unnest($1::text[], $2::text[], $3::text[]) as k(connection, entity, external_id)
      on x.connection = k.connection and x.entity = k.entity and x.external_id = k.external_id
   order by x.connection, x.entity, x.external_id
   for update of x`;

const INSERT_XREF = `
  insert into xref (connection, entity, external_id, link_id, created_at)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
  on conflict (connection, entity, external_id) do nothing
  returning external_id`;

const MERGE_XREF = `
  update xref set link_id = m.keep from unnest($1::text[], $2::text[]) as m(drop, keep) where xref.link_id = m.drop`;

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
  const byKey = new Map<string, number[]>();
  calls.forEach((c, i) => {
    const list = byKey.get(c.key) ?? [];
    list.push(i);
    byKey.set(c.key, list);
  });
  const keys = [...byKey.keys()];
  const interval = (i: number) => 1000 / calls[i].perSecond;
  const span = (i: number) => interval(i) * (calls[i].calls ?? 1);
  const adds = keys.map((k) => byKey.get(k)!.reduce((sum, i) => sum + span(i), 0));
  const res = await db.query<{ key: string; tat: number; now: number }>({ name: 'syncline_reserve_rates', text: RESERVE_RATES, values: [keys, adds] });
  const out: RateReservation[] = calls.map(() => ({ wait: 0, slack: 0 }));
  for (const row of res.rows) {
    const indexes = byKey.get(row.key)!;
    const now = Number(row.now);
    // The group's arrival times run from (tat - all its intervals) up to tat, one interval per call.
    let tat = Number(row.tat) - adds[keys.indexOf(row.key)];
    for (const i of indexes) {
      out[i].wait = Math.max(0, tat + interval(i) - 1000 - now);
      tat += span(i);
      out[i].slack = 1000 + now - tat;
    }
  }
  return out;
}

function column<T, K extends keyof T>(rows: T[], key: K): Array<T[K]> {
  return rows.map((r) => r[key]);
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

/** Releases the jobs whose lease the worker still holds; returns job id → attempts of those released. */
export async function releaseJobs(db: Queryable, rows: ReleaseRow[], now: string): Promise<Map<string, number>> {
  const res = await db.query<{ id: string; attempts: number }>({
    name: 'syncline_release_jobs',
    text: RELEASE,
    values: [column(rows, 'id'), column(rows, 'worker'), column(rows, 'status'), column(rows, 'run_at'), column(rows, 'last_error'), now],
  });
  return new Map(res.rows.map((r) => [r.id, Number(r.attempts)]));
}

/** Inserts runs, trace steps and their search keys: one statement per table. */
export async function insertOutcomes(db: Queryable, runs: RunsTable[], traces: TracesTable[], keys: TraceKeysTable[]): Promise<void> {
  if (runs.length > 0) {
    const cols = ['id', 'job_id', 'flow', 'flow_version', 'trigger', 'status', 'record_key', 'attempt', 'started_at', 'finished_at', 'error', 'stats'] as const;
    await db.query({ name: 'syncline_insert_runs', text: INSERT_RUNS, values: cols.map((c) => column(runs, c)) });
  }
  if (traces.length > 0) {
    const cols = ['id', 'run_id', 'flow', 'at', 'step', 'status', 'connection', 'entity', 'external_id', 'before', 'after', 'lineage', 'error', 'keys'] as const;
    await db.query({ name: 'syncline_insert_traces', text: INSERT_TRACES, values: cols.map((c) => column(traces, c)) });
  }
  if (keys.length > 0) {
    await db.query({ name: 'syncline_insert_trace_keys', text: INSERT_TRACE_KEYS, values: [column(keys, 'key'), column(keys, 'trace_id'), column(keys, 'run_id')] });
  }
}

/** Sets the hashes of target records; a later row for the same record wins, as if written one by one. */
export async function upsertHashes(db: Queryable, rows: TargetHashesTable[]): Promise<void> {
  if (rows.length === 0) return;
  const last = new Map<string, TargetHashesTable>();
  for (const r of rows) last.set(`${r.connection}\u0000${r.entity}\u0000${r.external_id}`, r);
  // One row per record (ON CONFLICT cannot touch a row twice in one statement), in key order.
  const unique = [...last.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  await db.query({
    name: 'syncline_upsert_hashes',
    text: UPSERT_HASHES,
    values: [column(unique, 'connection'), column(unique, 'entity'), column(unique, 'external_id'), column(unique, 'hash'), column(unique, 'updated_at')],
  });
}

/** Another transaction inserted an id this group meant to insert: the group is written again call by call. */
export class XrefRaceError extends Error {
  constructor() {
    super('a cross-reference id was linked concurrently; writing the group call by call');
  }
}

function xrefKey(id: XrefId): string {
  return `${id.connection}\u0000${id.entity}\u0000${id.id}`;
}

/**
 * Applies links as KyselyStore.applyLinks does one by one (a new id joins its partner's group; two
 * groups merge into the smaller link id), for all links of a group in three statements: lock the ids
 * that exist, insert the new ones, merge groups. Throws XrefRaceError when a new id was inserted by
 * another transaction meanwhile (the caller rolls back and falls back to the one-by-one path).
 */
export async function applyLinksGrouped(db: Queryable, links: Array<{ a: XrefId; b: XrefId }>, newId: () => string, now: string): Promise<void> {
  if (links.length === 0) return;
  const ids = new Map<string, XrefId>();
  for (const { a, b } of links) {
    ids.set(xrefKey(a), a);
    ids.set(xrefKey(b), b);
  }
  const all = [...ids.values()];
  const found = await db.query<{ connection: string; entity: string; external_id: string; link_id: string }>({
    name: 'syncline_lock_xref',
    text: LOCK_XREF,
    values: [all.map((x) => x.connection), all.map((x) => x.entity), all.map((x) => x.id)],
  });
  const linkOf = new Map<string, string>(found.rows.map((r) => [`${r.connection}\u0000${r.entity}\u0000${r.external_id}`, r.link_id]));
  const existing = new Set(linkOf.keys());
  const merged = new Map<string, string>();
  const resolve = (link: string): string => {
    let l = link;
    while (merged.has(l)) l = merged.get(l)!;
    return l;
  };
  for (const { a, b } of links) {
    const ka = xrefKey(a);
    const kb = xrefKey(b);
    if (!linkOf.has(ka)) linkOf.set(ka, newId());
    const la = resolve(linkOf.get(ka)!);
    if (!linkOf.has(kb)) linkOf.set(kb, la);
    const lb = resolve(linkOf.get(kb)!);
    if (la !== lb) {
      const [keep, drop] = la < lb ? [la, lb] : [lb, la];
      merged.set(drop, keep);
    }
  }
  const fresh = [...linkOf.entries()].filter(([k]) => !existing.has(k)).map(([k, link]) => ({ id: ids.get(k)!, link: resolve(link) }));
  if (fresh.length > 0) {
    const inserted = await db.query({
      name: 'syncline_insert_xref',
      text: INSERT_XREF,
      values: [fresh.map((f) => f.id.connection), fresh.map((f) => f.id.entity), fresh.map((f) => f.id.id), fresh.map((f) => f.link), fresh.map(() => now)],
    });
    if (inserted.rowCount !== fresh.length) throw new XrefRaceError();
  }
  // Only groups already in the table need rewriting: new ids were inserted with their final link id.
  const stored = new Set(found.rows.map((r) => r.link_id));
  const drops = [...merged.keys()].filter((d) => stored.has(d));
  if (drops.length > 0) {
    await db.query({ name: 'syncline_merge_xref', text: MERGE_XREF, values: [drops, drops.map(resolve)] });
  }
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
  const out: RecordContext[] = sources.map(() => ({ linked: [] }));
  if (sources.length === 0) return out;
  const res = await db.query<{ i: string; connection: string; entity: string; external_id: string; hash: string | null }>({
    name: 'syncline_read_contexts',
    text: READ_CONTEXTS,
    values: [sources.map((s) => s.connection), sources.map((s) => s.entity), sources.map((s) => s.id)],
  });
  for (const r of res.rows) out[Number(r.i) - 1].linked.push({ connection: r.connection, entity: r.entity, id: r.external_id, hash: r.hash ?? null });
  return out;
}
