/**
 * The claim statement: locks up to `limit` due jobs with FOR UPDATE SKIP LOCKED and leases them, in
 * one statement (so no explicit transaction). Expired leases go first (they are older work); queued
 * jobs fill the rest, in (run_at, id) order, skipping a job while an earlier job of its record is
 * unfinished. Rows another claimer holds are skipped; a row whose state changed before we locked it
 * is re-checked and dropped.
 *
 * The queued jobs are ordered in a subquery fenced with OFFSET 0, and the per-record check is applied
 * above it, to rows as they come out in order: the check then runs for about `limit` rows whatever
 * plan the planner picks. Without the fence, while the jobs table had no statistics (a new install
 * hit by a burst before autovacuum analyzed it), the planner fetched every queued job, ran the check
 * on each and sorted them, for every claim: a claim's cost grew with the backlog (22 ms per claim at a
 * backlog of 3,000 on the 2-core bench machine; 2 ms with the fence, the sort of the queued ids
 * being what is left of the backlog's weight).
 *
 * The claimed ids reach the UPDATE as an array, looked up by primary key whatever the statistics say.
 * Joined as a relation, their count was estimated from the share of queued jobs at the last analyze:
 * after an analyze taken while a backlog stood, the generic plan expected hundreds and hash-joined
 * them to a sequential scan of the whole table (every finished job kept for retention included),
 * 2,050 pages and 11 ms per claim at 42,000 jobs, until the next analyze (auto_explain on the engine
 * benchmark, 2026-12-07).
 */
import { sql, type RawBuilder } from 'kysely';

/** The store's fixed-width ISO text, as to_char formats a timestamp. */
const ISO_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The database clock plus `ms`, as the store's fixed-width ISO text. */
export function dbIso(ms: number): RawBuilder<string> {
  return sql<string>`to_char((clock_timestamp() + ${ms} * interval '1 millisecond') at time zone 'UTC', ${sql.raw(ISO_FORMAT)})`;
}

/** What one claim asks for: the worker's id, how many jobs, the lease length, and the flows it may take (all when absent). */
export interface ClaimInput {
  workerId: string;
  limit: number;
  leaseMs: number;
  flows?: string[];
}

/**
 * The claim's text: fixed, so it is written once (not built per claim) and prepared once per
 * connection. Parameters: $1 lease in ms, $2 limit, $3 worker id, and $4 the flows when `byFlow`.
 */
function claimText(byFlow: boolean): string {
  const flowFilter = (alias: string) => (byFlow ? `and ${alias}.flow = any($4::text[])` : '');
  return `
      with clock as (select to_char(clock_timestamp() at time zone 'UTC', ${ISO_FORMAT}) as now,
                            to_char((clock_timestamp() + $1::int * interval '1 millisecond') at time zone 'UTC', ${ISO_FORMAT}) as expires),
      expired as (
        select j.id from jobs j, clock
         where j.status = 'running' and j.lease_expires_at <= clock.now ${flowFilter('j')}
         order by j.lease_expires_at
         limit $2::int
         for update of j skip locked
      ),
      queued as (
        select j.id from (
          select q.id, q.flow, q.record_key from jobs q
           where q.status = 'queued' and q.run_at <= (select now from clock) ${flowFilter('q')}
           order by q.run_at, q.id
          offset 0) j
           -- Per-record order: a job waits while an earlier job of its record is unfinished (queued,
           -- retrying or running), and while any job of its record runs (no two creates for one record).
           -- A concurrent claimer sees the earlier job still queued, so it cannot jump ahead either.
         where not (j.record_key is not null and exists (
                 select 1 from jobs r
                  where r.flow = j.flow and r.record_key = j.record_key and r.record_key is not null
                    and r.status in ('queued', 'running') and r.id <> j.id
                    and (r.id < j.id or (r.status = 'running' and r.lease_expires_at > (select now from clock)))))
         limit (select $2::int - count(*) from expired)
         for update of j skip locked
      ),
      due as (select id from expired union all select id from queued)
      update jobs set status = 'running', lease_owner = $3::text, lease_expires_at = clock.expires,
             attempts = jobs.attempts + 1, updated_at = clock.now
        from clock
       where jobs.id = any(array(select id from due))
      returning jobs.*`;
}

const CLAIM = claimText(false);
const CLAIM_BY_FLOW = claimText(true);

/** The claim statement for `input`: its name (it is prepared by name), text and values. */
export function claimStatement(input: ClaimInput): { name: string; text: string; values: unknown[] } {
  return input.flows
    ? { name: 'syncline_claim_flows', text: CLAIM_BY_FLOW, values: [input.leaseMs, input.limit, input.workerId, input.flows] }
    : { name: 'syncline_claim', text: CLAIM, values: [input.leaseMs, input.limit, input.workerId] };
}
