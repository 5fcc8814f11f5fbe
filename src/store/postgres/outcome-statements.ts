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

/** Numbers the parameters of a statement built from parts, in the order the parts ask for them. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

const RUN_COLS = ['id', 'job_id', 'flow', 'flow_version', 'trigger', 'status', 'record_key', 'started_at', 'finished_at', 'error', 'stats'] as const;
const TRACE_COLS = ['id', 'run_id', 'flow', 'at', 'step', 'status', 'connection', 'entity', 'external_id', 'before', 'after', 'lineage', 'error', 'keys'] as const;

function releasedByUpdate(p: Params, rows: ReleaseRow[], now: string): string {
  return `released as (
    update jobs
       set status = u.status, run_at = coalesce(u.run_at, jobs.run_at), last_error = coalesce(u.last_error, jobs.last_error),
           lease_owner = null, lease_expires_at = null, updated_at = ${p.add(now, 'text')}
      from unnest(${p.add(rows.map((r) => r.id), 'text[]')}, ${p.add(rows.map((r) => r.worker), 'text[]')}, ${p.add(rows.map((r) => r.status), 'text[]')},
                  ${p.add(rows.map((r) => r.run_at), 'text[]')}, ${p.add(rows.map((r) => r.last_error), 'text[]')}) as u(id, worker, status, run_at, last_error)
     where jobs.id = u.id and jobs.status = 'running' and jobs.lease_owner = u.worker
    returning jobs.id, jobs.attempts, u.status)`;
}

/** The rows of every job given, as if released by the statement before (their attempts as it answered). */
function releasedGiven(p: Params, released: Array<{ id: string; attempts: number; status: string }>): string {
  return `released as (
    select * from unnest(${p.add(released.map((r) => r.id), 'text[]')}, ${p.add(released.map((r) => r.attempts), 'int[]')}, ${p.add(released.map((r) => r.status), 'text[]')})
      as r(id, attempts, status))`;
}

/** Runs, trace steps, search keys and hashes of the released jobs (the `released` CTE above them). */
function writes(p: Params, jobs: OutcomeRows[]): string[] {
  const runs = jobs.map((j) => j.run);
  const traces = jobs.flatMap((j) => j.traces.map((t) => ({ t, job: j.release.id })));
  const keys = jobs.flatMap((j) => j.keys.map((k) => ({ k, job: j.release.id })));
  const hashes = jobs.flatMap((j) => j.hashes.map((h) => ({ h, job: j.release.id })));
  const runArrays = RUN_COLS.map((c) => p.add(runs.map((r) => r[c]), c === 'flow_version' ? 'int[]' : 'text[]')).join(', ');
  const traceArrays = TRACE_COLS.map((c) => p.add(traces.map(({ t }) => t[c]), 'text[]')).join(', ');
  return [
    `runs_in as (
    insert into runs (id, job_id, flow, flow_version, trigger, status, record_key, attempt, started_at, finished_at, error, stats)
    select r.id, r.job_id, r.flow, r.flow_version, r.trigger, r.status, r.record_key, rel.attempts, r.started_at, r.finished_at, r.error, r.stats
      from unnest(${runArrays}) as r(${RUN_COLS.join(', ')})
      join released rel on rel.id = r.job_id)`,
    `traces_in as (
    insert into traces (${TRACE_COLS.join(', ')})
    select ${TRACE_COLS.map((c) => `t.${c}`).join(', ')}
      from unnest(${traceArrays}, ${p.add(traces.map((x) => x.job), 'text[]')}) as t(${TRACE_COLS.join(', ')}, job_id)
     where t.job_id in (select id from released))`,
    `keys_in as (
    insert into trace_keys (key, trace_id, run_id)
    select k.key, k.trace_id, k.run_id
      from unnest(${p.add(keys.map((x) => x.k.key), 'text[]')}, ${p.add(keys.map((x) => x.k.trace_id), 'text[]')}, ${p.add(keys.map((x) => x.k.run_id), 'text[]')}, ${p.add(keys.map((x) => x.job), 'text[]')})
        as k(key, trace_id, run_id, job_id)
     where k.job_id in (select id from released))`,
    // One row per record (ON CONFLICT cannot touch a row twice in one statement): the group's last write wins, as one by one.
    `hashes_in as (
    insert into target_hashes (connection, entity, external_id, hash, updated_at)
    select distinct on (h.connection, h.entity, h.external_id) h.connection, h.entity, h.external_id, h.hash, h.updated_at
      from unnest(${p.add(hashes.map((x) => x.h.connection), 'text[]')}, ${p.add(hashes.map((x) => x.h.entity), 'text[]')}, ${p.add(hashes.map((x) => x.h.external_id), 'text[]')},
                  ${p.add(hashes.map((x) => x.h.hash), 'text[]')}, ${p.add(hashes.map((x) => x.h.updated_at), 'text[]')}, ${p.add(hashes.map((x) => x.job), 'text[]')})
        with ordinality as h(connection, entity, external_id, hash, updated_at, job_id, ord)
     where h.job_id in (select id from released)
     order by h.connection, h.entity, h.external_id, h.ord desc
    on conflict (connection, entity, external_id) do update set hash = excluded.hash, updated_at = excluded.updated_at)`,
  ];
}

/** The released jobs, with a NOTIFY (folded into one per transaction) when a retry was queued again. */
const RELEASED_AND_NOTIFY = `select r.id, r.attempts, r.status, case when r.status = 'queued' then pg_notify('${JOBS_CHANNEL}', '') end as notified from released r`;

/** Records a group whose jobs carry no links in one statement; returns job id → attempts of those released. */
export async function recordOutcomes(db: Queryable, jobs: OutcomeRows[], now: string): Promise<Map<string, number>> {
  const p = new Params();
  const text = `with ${[releasedByUpdate(p, jobs.map((j) => j.release), now), ...writes(p, jobs)].join(',\n')}\n${RELEASED_AND_NOTIFY}`;
  const res = await db.query<{ id: string; attempts: number }>({ name: 'syncline_record_outcomes', text, values: p.values });
  return new Map(res.rows.map((r) => [r.id, Number(r.attempts)]));
}

function xrefKey(id: XrefId): string {
  return `${id.connection}\u0000${id.entity}\u0000${id.id}`;
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
  for (const { a, b } of jobs.flatMap((j) => j.links)) {
    ids.set(xrefKey(a), a);
    ids.set(xrefKey(b), b);
  }
  const all = [...ids.values()];
  const first = new Params();
  const lockText = `with ${releasedByUpdate(first, jobs.map((j) => j.release), now)},
  locked as (
    select x.connection, x.entity, x.external_id, x.link_id
      from xref x join unnest(${first.add(all.map((x) => x.connection), 'text[]')}, ${first.add(all.map((x) => x.entity), 'text[]')}, ${first.add(all.map((x) => x.id), 'text[]')})
        as k(connection, entity, external_id)
        on x.connection = k.connection and x.entity = k.entity and x.external_id = k.external_id
     order by x.connection, x.entity, x.external_id
     for update of x)
  select 'job' as kind, id as a, attempts::text as b, status as c, null::text as d from released
  union all
  select 'xref', connection, entity, external_id, link_id from locked`;
  const locked = await db.query<{ kind: string; a: string; b: string; c: string; d: string | null }>({ name: 'syncline_release_lock_xref', text: lockText, values: first.values });
  const released = locked.rows.filter((r) => r.kind === 'job').map((r) => ({ id: r.a, attempts: Number(r.b), status: r.c }));
  const kept = jobs.filter((j) => released.some((r) => r.id === j.release.id));
  if (kept.length === 0) return new Map();
  const found = locked.rows.filter((r) => r.kind === 'xref');
  const linkOf = new Map<string, string>(found.map((r) => [`${r.a}\u0000${r.b}\u0000${r.c}`, r.d!]));
  const existing = new Set(linkOf.keys());
  const merged = new Map<string, string>();
  const resolve = (link: string): string => {
    let l = link;
    while (merged.has(l)) l = merged.get(l)!;
    return l;
  };
  for (const { a, b } of kept.flatMap((j) => j.links)) {
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
  // Only groups already in the table need rewriting: new ids are inserted with their final link id.
  const stored = new Set(found.map((r) => r.d!));
  const drops = [...merged.keys()].filter((d) => stored.has(d));
  const p = new Params();
  const parts = [
    releasedGiven(p, released),
    ...writes(p, kept),
    `xref_in as (
    insert into xref (connection, entity, external_id, link_id, created_at)
    select * from unnest(${p.add(fresh.map((f) => f.id.connection), 'text[]')}, ${p.add(fresh.map((f) => f.id.entity), 'text[]')}, ${p.add(fresh.map((f) => f.id.id), 'text[]')},
                         ${p.add(fresh.map((f) => f.link), 'text[]')}, ${p.add(fresh.map(() => now), 'text[]')})
    on conflict (connection, entity, external_id) do nothing
    returning 1)`,
    `xref_merged as (
    update xref set link_id = m.keep from unnest(${p.add(drops, 'text[]')}, ${p.add(drops.map(resolve), 'text[]')}) as m(drop, keep) where xref.link_id = m.drop)`,
  ];
  const text = `with ${parts.join(',\n')}\n${RELEASED_AND_NOTIFY.replace(' from released r', ', (select count(*) from xref_in)::int as inserted from released r')}`;
  const res = await db.query<{ inserted: number }>({ name: 'syncline_write_outcomes', text, values: p.values });
  if (Number(res.rows[0].inserted) !== fresh.length) throw new XrefRaceError();
  return new Map(released.map((r) => [r.id, r.attempts]));
}
