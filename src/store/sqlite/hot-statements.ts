/**
 * The SQLite hot paths as prepared statements, run directly on the connection that the current
 * write group holds. Measured on the webhook → job → complete cycle, building and compiling each
 * query through Kysely cost about as much CPU as SQLite spent executing it; these statements are
 * prepared once per connection. The SQL mirrors the Kysely versions in kysely-store.ts, and the
 * conformance suite runs against both adapters to keep them in step.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { InboxTable, JobsTable, RunsTable, TargetHashesTable, TraceKeysTable, TracesTable } from '../schema.js';
import type { JobRelease } from '../kysely-store.js';
import type { RecordContext, XrefId } from '../types.js';

/** Prepared statements for one connection. */
export class HotStatements {
  private readonly insertJob: BetterSqlite3.Statement;
  private readonly insertInbox: BetterSqlite3.Statement;
  private readonly insertRun: BetterSqlite3.Statement;
  private readonly insertTrace: BetterSqlite3.Statement;
  private readonly insertTraceKey: BetterSqlite3.Statement;
  private readonly upsertHash: BetterSqlite3.Statement;
  private readonly upsertXref: BetterSqlite3.Statement;
  private readonly release: BetterSqlite3.Statement;

  constructor(db: BetterSqlite3.Database) {
    this.insertJob = db.prepare(
      `insert into jobs (id, flow, flow_version, kind, payload, record_key, max_attempts, status, attempts, run_at,
                         lease_owner, lease_expires_at, last_error, created_at, updated_at)
       values (@id, @flow, @flow_version, @kind, @payload, @record_key, @max_attempts, @status, @attempts, @run_at,
               @lease_owner, @lease_expires_at, @last_error, @created_at, @updated_at)`,
    );
    this.insertInbox = db.prepare(
      `insert into inbox (flow, delivery_id, job_id, received_at) values (@flow, @delivery_id, @job_id, @received_at)
       on conflict (flow, delivery_id) do nothing`,
    );
    this.insertRun = db.prepare(
      `insert into runs (id, job_id, flow, flow_version, trigger, status, record_key, attempt, started_at, finished_at, error, stats)
       values (@id, @job_id, @flow, @flow_version, @trigger, @status, @record_key, @attempt, @started_at, @finished_at, @error, @stats)`,
    );
    this.insertTrace = db.prepare(
      `insert into traces (id, run_id, flow, at, step, status, connection, entity, external_id, before, after, lineage, error, keys)
       values (@id, @run_id, @flow, @at, @step, @status, @connection, @entity, @external_id, @before, @after, @lineage, @error, @keys)`,
    );
    this.insertTraceKey = db.prepare(`insert into trace_keys (key, trace_id, run_id) values (@key, @trace_id, @run_id)`);
    this.upsertHash = db.prepare(
      `insert into target_hashes (connection, entity, external_id, hash, updated_at) values (@connection, @entity, @external_id, @hash, @updated_at)
       on conflict (connection, entity, external_id) do update set hash = excluded.hash, updated_at = excluded.updated_at`,
    );
    this.upsertXref = db.prepare(
      `insert into xref (connection, entity, external_id, link_id, created_at) values (?, ?, ?, ?, ?)
       on conflict (connection, entity, external_id) do update set link_id = xref.link_id
       returning link_id`,
    );
    this.release = db.prepare(
      `update jobs set status = @status, run_at = coalesce(@run_at, run_at), last_error = coalesce(@last_error, last_error),
                       lease_owner = null, lease_expires_at = null, updated_at = @now
        where id = @id and status = 'running' and lease_owner = @worker
       returning *`,
    );
  }

  jobs(rows: JobsTable[]): void {
    for (const row of rows) this.insertJob.run(row);
  }

  /** Returns the job ids of the inbox rows actually inserted. */
  inbox(rows: InboxTable[]): Set<string> {
    const inserted = new Set<string>();
    for (const row of rows) if (this.insertInbox.run(row).changes === 1) inserted.add(row.job_id);
    return inserted;
  }

  run(row: RunsTable): void {
    this.insertRun.run(row);
  }

  traces(traces: TracesTable[], keys: TraceKeysTable[]): void {
    for (const row of traces) this.insertTrace.run(row);
    for (const row of keys) this.insertTraceKey.run(row);
  }

  hash(row: TargetHashesTable): void {
    this.upsertHash.run(row);
  }

  linkId(connection: string, entity: string, externalId: string, linkId: string, now: string): string {
    return (this.upsertXref.get(connection, entity, externalId, linkId, now) as { link_id: string }).link_id;
  }

  releaseJob(id: string, worker: string, set: JobRelease, now: string): JobsTable | null {
    const row = this.release.get({ id, worker, now, status: set.status, run_at: set.run_at ?? null, last_error: set.last_error ?? null });
    return (row as JobsTable | undefined) ?? null;
  }
}

/**
 * The record-context read (KyselyStore.readRecordContext's query) prepared on a connection that only
 * reads: every record linked to the source, with the hash last written to each.
 */
export class ContextReader {
  private readonly linked: BetterSqlite3.Statement<[string, string, string], { connection: string; entity: string; external_id: string; hash: string | null }>;

  constructor(private readonly db: BetterSqlite3.Database) {
    db.pragma('query_only = ON');
    this.linked = db.prepare(
      `select b.connection, b.entity, b.external_id, h.hash
         from xref a
         join xref b on b.link_id = a.link_id
         left join target_hashes h on h.connection = b.connection and h.entity = b.entity and h.external_id = b.external_id
        where a.connection = ? and a.entity = ? and a.external_id = ?
        order by b.created_at, b.connection, b.entity, b.external_id`,
    );
  }

  read(source: XrefId): RecordContext {
    return { linked: this.linked.all(source.connection, source.entity, source.id).map((r) => ({ connection: r.connection, entity: r.entity, id: r.external_id, hash: r.hash ?? null })) };
  }

  close(): void {
    this.db.close();
  }
}
