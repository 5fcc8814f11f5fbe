/**
 * A group of job outcomes in as few statements as PostgreSQL allows (decision 0014): one data-modifying
 * statement releases the jobs whose lease is still held and writes their runs, trace steps, search keys
 * and target hashes, each row joined to its job's release so a job whose lease was lost writes nothing.
 * A statement is its own transaction, so a group without links costs one statement and one commit.
 *
 * Links need the link ids of the ids they touch, locked, before the new ids and merges can be worked
 * out, so a group with links costs BEGIN, one statement that releases the jobs and locks those ids,
 * one statement that writes everything, and COMMIT. The statement texts are fixed whatever the group's
 * size (rows travel as one array per column), so they are named and parsed once per connection.
 */
import type { RunsTable, TargetHashesTable, TraceKeysTable, TracesTable } from '../schema.js';
import type { XrefId } from '../types.js';
import { JOBS_CHANNEL } from './notifier.js';
import type { Queryable, ReleaseRow } from './hot-statements.js';
import { column, pushColumns, rowsOfJobs } from './columns.js';

/** One job's rows: its run (attempt filled in from the release), its trace steps and keys, its links and hashes. */
export interface OutcomeRows {
  release: ReleaseRow;
  run: RunsTable;
  traces: TracesTable[];
  keys: TraceKeysTable[];
  links: Array<{ a: XrefId; b: XrefId }>;
  hashes: TargetHashesTable[];
}

/** Another transaction inserted an id this group meant to insert: the group is written again call by call. */
export class XrefRaceError extends Error {
  constructor() {
    super('a cross-reference id was linked concurrently; writing the group call by call');
  }
}

/**
 * Numbers the parameters of a statement built from parts, in the order the parts ask for them. The
 * texts are built once, when this module loads; each part's values are appended by its `…Values`
 * function beside it, in the same order.
 */
class Slots {
  #n = 0;
  next(type: string): string {
    this.#n += 1;
    return `$${this.#n}::${type}`;
  }
}

const RUN_COLS = ['id', 'job_id', 'flow', 'flow_version', 'trigger', 'status', 'record_key', 'started_at', 'finished_at', 'error', 'stats'] as const;
const TRACE_COLS = ['id', 'run_id', 'flow', 'at', 'step', 'status', 'connection', 'entity', 'external_id', 'before', 'after', 'lineage', 'error', 'keys'] as const;
const RELEASE_COLS = ['id', 'worker', 'status', 'run_at', 'last_error'] as const;
const KEY_COLS = ['key', 'trace_id', 'run_id'] as const;
const HASH_COLS = ['connection', 'entity', 'external_id', 'hash', 'updated_at'] as const;
const XREF_COLS = ['connection', 'entity', 'id'] as const;

/**
 * Whether a queued job of the released job's record waits behind it (per-record order held it back
 * from every claim): then the release is announced like a newly queued job, since no other event
 * would tell the workers it may be claimed now (the statement sees the jobs as they were before it).
 */
const SUCCESSOR_WAITS = `(jobs.record_key is not null and exists (
      select 1 from jobs q where q.flow = jobs.flow and q.record_key = jobs.record_key and q.status = 'queued' and q.id <> jobs.id)) as successor`;

function releasedByUpdate(s: Slots): string {
  return `released as (
    update jobs
       set status = u.status, run_at = coalesce(u.run_at, jobs.run_at), last_error = coalesce(u.last_error, jobs.last_error),
           lease_owner = null, lease_expires_at = null, updated_at = ${s.next('text')}
      from unnest(${RELEASE_COLS.map(() => s.next('text[]')).join(', ')}) as u(${RELEASE_COLS.join(', ')})
     where jobs.id = u.id and jobs.status = 'running' and jobs.lease_owner = u.worker
    returning jobs.id, jobs.attempts, u.status, ${SUCCESSOR_WAITS})`;
}

function releasedByUpdateValues(out: unknown[], jobs: readonly OutcomeRows[], now: string): void {
  out.push(now);
  pushColumns(out, column(jobs, 'release'), RELEASE_COLS);
}

/** The rows of every job given, as if released by the statement before (their attempts and waiting successors as it answered). */
function releasedGiven(s: Slots): string {
  return `released as (
    select * from unnest(${s.next('text[]')}, ${s.next('int[]')}, ${s.next('text[]')}, ${s.next('bool[]')}) as r(id, attempts, status, successor))`;
}

function releasedGivenValues(out: unknown[], released: readonly Released[]): void {
  pushColumns(out, released, ['id', 'attempts', 'status', 'successor']);
}

/** Runs, trace steps, search keys and hashes of the released jobs (the `released` CTE above them). */
function writes(s: Slots): string[] {
  const runArrays = RUN_COLS.map((c) => s.next(c === 'flow_version' ? 'int[]' : 'text[]')).join(', ');
  const traceArrays = TRACE_COLS.map(() => s.next('text[]')).join(', ');
  return [
    `runs_in as (
    insert into runs (id, job_id, flow, flow_version, trigger, status, record_key, attempt, started_at, finished_at, error, stats)
    select r.id, r.job_id, r.flow, r.flow_version, r.trigger, r.status, r.record_key, rel.attempts, r.started_at, r.finished_at, r.error, r.stats
      from unnest(${runArrays}) as r(${RUN_COLS.join(', ')})
      join released rel on rel.id = r.job_id)`,
    `traces_in as (
    insert into traces (${TRACE_COLS.join(', ')})
    select ${TRACE_COLS.map((c) => `t.${c}`).join(', ')}
      from unnest(${traceArrays}, ${s.next('text[]')}) as t(${TRACE_COLS.join(', ')}, job_id)
     where t.job_id in (select id from released))`,
    `keys_in as (
    insert into trace_keys (key, trace_id, run_id)
    select k.key, k.trace_id, k.run_id
      from unnest(${KEY_COLS.map(() => s.next('text[]')).join(', ')}, ${s.next('text[]')})
        as k(key, trace_id, run_id, job_id)
     where k.job_id in (select id from released))`,
    // One row per record (ON CONFLICT cannot touch a row twice in one statement): the group's last write wins, as one by one.
    `hashes_in as (
    insert into target_hashes (connection, entity, external_id, hash, updated_at)
    select distinct on (h.connection, h.entity, h.external_id) h.connection, h.entity, h.external_id, h.hash, h.updated_at
      from unnest(${HASH_COLS.map(() => s.next('text[]')).join(', ')}, ${s.next('text[]')})
        with ordinality as h(connection, entity, external_id, hash, updated_at, job_id, ord)
     where h.job_id in (select id from released)
     order by h.connection, h.entity, h.external_id, h.ord desc
    on conflict (connection, entity, external_id) do update set hash = excluded.hash, updated_at = excluded.updated_at)`,
  ];
}

function writesValues(out: unknown[], jobs: readonly OutcomeRows[]): void {
  pushColumns(out, column(jobs, 'run'), RUN_COLS);
  const traces = rowsOfJobs(jobs, 'traces', jobIdOf);
  pushColumns(out, traces.rows, TRACE_COLS);
  out.push(traces.jobIds);
  const keys = rowsOfJobs(jobs, 'keys', jobIdOf);
  pushColumns(out, keys.rows, KEY_COLS);
  out.push(keys.jobIds);
  const hashes = rowsOfJobs(jobs, 'hashes', jobIdOf);
  pushColumns(out, hashes.rows, HASH_COLS);
  out.push(hashes.jobIds);
}

function jobIdOf(job: OutcomeRows): string {
  return job.release.id;
}
/** The released jobs, with a NOTIFY (folded into one per transaction) when a retry was queued again or a job of the record waits. */
const RELEASED_AND_NOTIFY = `select r.id, r.attempts, r.status, case when r.status = 'queued' or r.successor then pg_notify('${JOBS_CHANNEL}', '') end as notified from released r`;

/** A group without links: release, and write what the released jobs carry, in one statement. */
const RECORD_OUTCOMES = ((s: Slots) => `with ${[releasedByUpdate(s), ...writes(s)].join(',\n')}\n${RELEASED_AND_NOTIFY}`)(new Slots());

/** Records a group whose jobs carry no links in one statement; returns job id → attempts of those released. */
export async function recordOutcomes(db: Queryable, jobs: OutcomeRows[], now: string): Promise<Map<string, number>> {
  const values: unknown[] = [];
  releasedByUpdateValues(values, jobs, now);
  writesValues(values, jobs);
  const res = await db.query<{ id: string; attempts: number }>({ name: 'syncline_record_outcomes', text: RECORD_OUTCOMES, values });
  const released = new Map<string, number>();
  for (const r of res.rows) released.set(r.id, Number(r.attempts));
  return released;
}

function xrefKey(id: XrefId): string {
  return `${id.connection}\u0000${id.entity}\u0000${id.id}`;
}

/** A job the first statement released: its attempts count, the status it left in, and whether a job of its record waits. */
interface Released {
  id: string;
  attempts: number;
  status: string;
  successor: boolean;
}

/** Releases the group's jobs and locks the cross-reference rows of every id their links touch, in one order. */
const RELEASE_LOCK_XREF = ((s: Slots) => `with ${releasedByUpdate(s)},
  locked as (
    select x.connection, x.entity, x.external_id, x.link_id
      from xref x join unnest(${XREF_COLS.map(() => s.next('text[]')).join(', ')})
        as k(connection, entity, external_id)
        on x.connection = k.connection and x.entity = k.entity and x.external_id = k.external_id
     order by x.connection, x.entity, x.external_id
     for update of x)
  select 'job' as kind, id as a, attempts::text as b, status as c, successor::text as d from released
  union all
  select 'xref', connection, entity, external_id, link_id from locked`)(new Slots());

/** Writes a group with links once its jobs are released and their ids locked: what the jobs carry, new ids, merged groups. */
const WRITE_OUTCOMES = ((s: Slots) => {
  const parts = [
    releasedGiven(s),
    ...writes(s),
    `xref_in as (
    insert into xref (connection, entity, external_id, link_id, created_at)
    select * from unnest(${XREF_COLS.map(() => s.next('text[]')).join(', ')}, ${s.next('text[]')}, ${s.next('text[]')})
    on conflict (connection, entity, external_id) do nothing
    returning 1)`,
    `xref_merged as (
    update xref set link_id = m.keep from unnest(${s.next('text[]')}, ${s.next('text[]')}) as m(drop, keep) where xref.link_id = m.drop)`,
  ];
  return `with ${parts.join(',\n')}\n${RELEASED_AND_NOTIFY.replace(' from released r', ', (select count(*) from xref_in)::int as inserted from released r')}`;
})(new Slots());

/** The link id `link` ends up in once the group's merges are applied. */
function resolveLink(merged: ReadonlyMap<string, string>, link: string): string {
  let l = link;
  while (merged.has(l)) l = merged.get(l)!;
  return l;
}

/**
 * Records a group with links inside the caller's transaction (BEGIN … COMMIT around it): one
 * statement releases the jobs and locks the ids their links touch (in one order, so two groups
 * touching the same ids wait for each other instead of deadlocking, mostly); the links of the jobs
 * released are then worked out as KyselyStore.applyLinks does one by one (a new id joins its
 * partner's group; two groups merge into the smaller link id), and one statement writes everything.
 * Throws XrefRaceError when another transaction inserted one of the new ids meanwhile (the caller
 * rolls back and writes the group call by call). Returns job id → attempts of those released.
 */
export async function recordOutcomesWithLinks(db: Queryable, jobs: OutcomeRows[], newId: () => string, now: string): Promise<Map<string, number>> {
  const ids = new Map<string, XrefId>();
  for (const job of jobs) {
    for (const { a, b } of job.links) {
      ids.set(xrefKey(a), a);
      ids.set(xrefKey(b), b);
    }
  }
  const lockValues: unknown[] = [];
  releasedByUpdateValues(lockValues, jobs, now);
  pushColumns(lockValues, [...ids.values()], XREF_COLS);
  const locked = await db.query<{ kind: string; a: string; b: string; c: string; d: string | null }>({ name: 'syncline_release_lock_xref', text: RELEASE_LOCK_XREF, values: lockValues });
  const released: Released[] = [];
  const releasedIds = new Set<string>();
  const linkOf = new Map<string, string>();
  for (const r of locked.rows) {
    if (r.kind === 'job') {
      released.push({ id: r.a, attempts: Number(r.b), status: r.c, successor: r.d === 'true' });
      releasedIds.add(r.a);
    } else linkOf.set(`${r.a}\u0000${r.b}\u0000${r.c}`, r.d!);
  }
  const kept: OutcomeRows[] = [];
  for (const job of jobs) if (releasedIds.has(job.release.id)) kept.push(job);
  if (kept.length === 0) return new Map();
  const existing = new Set(linkOf.keys());
  // Only groups already in the table need rewriting: new ids are inserted with their final link id.
  const stored = new Set(linkOf.values());
  const merged = new Map<string, string>();
  for (const job of kept) {
    for (const { a, b } of job.links) {
      const ka = xrefKey(a);
      const kb = xrefKey(b);
      if (!linkOf.has(ka)) linkOf.set(ka, newId());
      const la = resolveLink(merged, linkOf.get(ka)!);
      if (!linkOf.has(kb)) linkOf.set(kb, la);
      const lb = resolveLink(merged, linkOf.get(kb)!);
      if (la !== lb) {
        if (la < lb) merged.set(lb, la);
        else merged.set(la, lb);
      }
    }
  }
  const fresh: Array<{ connection: string; entity: string; id: string; link: string; created_at: string }> = [];
  for (const [key, link] of linkOf) {
    if (existing.has(key)) continue;
    const id = ids.get(key)!;
    fresh.push({ connection: id.connection, entity: id.entity, id: id.id, link: resolveLink(merged, link), created_at: now });
  }
  const drops: string[] = [];
  const keeps: string[] = [];
  for (const drop of merged.keys()) {
    if (!stored.has(drop)) continue;
    drops.push(drop);
    keeps.push(resolveLink(merged, drop));
  }
  const values: unknown[] = [];
  releasedGivenValues(values, released);
  writesValues(values, kept);
  pushColumns(values, fresh, ['connection', 'entity', 'id', 'link', 'created_at']);
  values.push(drops, keeps);
  const res = await db.query<{ inserted: number }>({ name: 'syncline_write_outcomes', text: WRITE_OUTCOMES, values });
  if (Number(res.rows[0].inserted) !== fresh.length) throw new XrefRaceError();
  const attempts = new Map<string, number>();
  for (const r of released) attempts.set(r.id, r.attempts);
  return attempts;
}
