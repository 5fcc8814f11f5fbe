/**
 * The Store written once over Kysely. Everything that is the same SQL on SQLite and PostgreSQL lives
 * here; each adapter supplies what truly differs: how a write transaction starts (BEGIN IMMEDIATE vs
 * MVCC), how jobs are claimed (a single-writer UPDATE vs FOR UPDATE SKIP LOCKED), and how idle
 * workers are woken (an in-process emitter vs LISTEN/NOTIFY).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { KyselySyncStore, type SyncDatabase } from './sync/kysely-sync-store.js';
import type { SyncStore } from './sync/types.js';
import { KyselyAlertStore, type AlertDatabase } from './alerts/kysely-alert-store.js';
import type { AlertStore } from './alerts/types.js';
import type { ErrorKind } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { EntitySpec, Watermark } from '../core/connector.js';
import { isoNow, normIso } from './clock.js';
import { createIdGenerator } from './ids.js';
import {
  errorSignature,
  fromJson,
  toApiTokenRow,
  toAuditRow,
  toCount,
  toDeadLetterRow,
  toFlowRow,
  toFlowVersionRow,
  toJobRow,
  toJson,
  toJsonOrNull,
  toRunRow,
  toSessionRow,
  toTraceRow,
  toUserRow,
} from './rows.js';
import type { Database, InboxTable, JobsTable, RunsTable, TargetHashesTable, TraceKeysTable, TracesTable } from './schema.js';
import type { SecretBox } from './secrets.js';
import { databaseBytes, historyTableSizes, purgeHistory } from './retention.js';
import { reencryptAll, stateSecretName, type KeyRotationResult } from './key-rotation.js';
import type {
  ApiTokenRow,
  LoginCounter,
  ApiUsageAdd,
  ApiUsageRow,
  AuditInput,
  CallSlot,
  AuditRow,
  ConnectionInput,
  ConnectionRow,
  ConnectionSchemaRow,
  ConnectionWithSecrets,
  DeadLetterFilter,
  DeadLetterRow,
  BacklogRead,
  FlowBacklog,
  FlowRow,
  FlowStats,
  LagSample,
  FlowStatus,
  FlowVersionRow,
  InboxEvent,
  IngestResult,
  JobCompletion,
  JobDeadLetter,
  JobRetry,
  JobRow,
  NewJob,
  QueueStats,
  RecordContext,
  Role,
  RunFilter,
  RunInput,
  RunRow,
  SessionRow,
  Store,
  TargetHash,
  TraceInput,
  TraceRow,
  UserRow,
  XrefId,
  XrefLink,
  JobKind,
  PurgeResult,
  RetentionCutoffs,
  TableSize,
} from './types.js';

/** Minimal logger shape (pino-compatible). */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A transaction handle: the same query builder, bound to one connection inside BEGIN … COMMIT. */
export type Tx = Kysely<Database>;

/** The state a job leaves the running state with. */
export type JobRelease = Pick<JobsTable, 'status'> & Partial<Pick<JobsTable, 'run_at' | 'last_error'>>;

/** Rows per multi-row INSERT; keeps every statement under SQLite's bound-parameter limit. */
const CHUNK = 200;
/** Upper bound of runs read to compute latency percentiles. */
const STATS_ROW_LIMIT = 100_000;
const SYSTEM_ACTOR = 'system';
/** A lease end before any clock's now. */
const LONG_AGO = '1970-01-01T00:00:00.000Z';

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  // Nearest-rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * A queued job of the record other than `jobId`, if any. The open-jobs index's own predicate is written
 * out as literals: SQLite uses a partial index only for a query that repeats its WHERE terms, and with
 * the status as a bound parameter it scanned the whole table on every completion (the engine benchmark
 * on SQLite fell from 1,024 to 601 events/s).
 */
export function successorLookup(flow: string, recordKey: string, jobId: string): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`
    select id from jobs
     where flow = ${flow} and record_key = ${recordKey} and id <> ${jobId}
       and status in ('queued', 'running') and record_key is not null and status = 'queued'
     limit 1`;
}

/** Shared implementation; see the adapters in sqlite/ and postgres/. */
export abstract class KyselyStore implements Store {
  abstract readonly kind: 'sqlite' | 'postgres';

  /** An embedded database does not go away under a running process: no error is an outage. */
  isOutage(_err: unknown): boolean {
    return false;
  }
  protected readonly newId = createIdGenerator();
  private syncStore: KyselySyncStore | null = null;

  /** Two-way pair tables (decision 0009), through this adapter's write path. */
  get sync(): SyncStore {
    type SyncDb = Kysely<SyncDatabase>;
    this.syncStore ??= new KyselySyncStore(this.db as unknown as SyncDb, {
      write: (fn) => this.write((db) => fn(db as unknown as SyncDb)),
      tx: (fn) => this.tx((db) => fn(db as unknown as SyncDb)),
      relaxedTx: (fn) => this.relaxedTx((db) => fn(db as unknown as SyncDb)),
      refreshStatistics: (table) => this.refreshStatistics(table),
      newId: () => this.newId(),
    });
    return this.syncStore;
  }

  private alertStore: KyselyAlertStore | null = null;

  /** Alert channels, rules, alerts and deliveries (decision 0016), through this adapter's write path. */
  get alerts(): AlertStore {
    type AlertDb = Kysely<AlertDatabase>;
    this.alertStore ??= new KyselyAlertStore(this.db as unknown as AlertDb, {
      write: (fn) => this.write((db) => fn(db as unknown as AlertDb)),
      tx: (fn) => this.tx((db) => fn(db as unknown as AlertDb)),
      newId: () => this.newId(),
      secretBox: this.secretBox,
    });
    return this.alertStore;
  }

  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly secretBox: SecretBox,
    protected readonly logger?: StoreLogger,
  ) {}

  // ---------- what each adapter supplies ----------
  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;
  abstract claimJobs(input: { workerId: string; limit: number; leaseMs: number; flows?: string[] }): Promise<JobRow[]>;
  abstract renewLeases(input: { workerId: string; jobIds: string[]; leaseMs: number }): Promise<string[]>;
  abstract onJobsAvailable(listener: () => void): Promise<() => Promise<void>>;
  /** Runs `fn` in one write transaction and commits, or rolls back on throw. */
  protected abstract tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * A write whose loss in a power cut is harmless because it is redone (a job's claim or outcome:
   * the job runs again, and target writes are idempotent). SQLite may commit these without syncing
   * to disk (decision 0013); elsewhere the same as tx().
   */
  protected relaxedTx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.tx(fn);
  }
  /** Brings the planner's statistics of a table up to date after a bulk fill; nothing where the planner needs none (SQLite). */
  protected async refreshStatistics(_table: string): Promise<void> {}
  /** Runs a single-statement write outside any transaction (SQLite still queues it behind other writers). */
  protected abstract write<T>(fn: (db: Tx) => Promise<T>): Promise<T>;
  /** Called inside a transaction that queued runnable jobs (PostgreSQL sends NOTIFY here, so it fires on commit). */
  protected abstract jobsQueuedInTx(trx: Tx): Promise<void>;
  /** Called after such a transaction committed (SQLite wakes in-process listeners here). */
  protected abstract jobsQueuedAfterCommit(): void;
  /** Called inside a transaction that wrote connection `name` (PostgreSQL sends NOTIFY here, delivered on commit). */
  protected abstract connectionChangedInTx(trx: Tx, name: string): Promise<void>;
  /** Called after such a transaction committed (SQLite tells in-process listeners here). */
  protected abstract connectionChangedAfterCommit(name: string): void;
  abstract tryAcquireCallSlot(key: string, slots: number): Promise<CallSlot | null>;
  abstract reserveCallRate(key: string, perSecond: number): Promise<number>;
  abstract onConnectionChanged(listener: (name: string) => void): Promise<() => Promise<void>>;

  // ---------- helpers shared by the transactional methods ----------
  protected async insertAudit(trx: Tx, entry: AuditInput): Promise<void> {
    await trx
      .insertInto('audit_log')
      .values({ id: this.newId(), at: isoNow(), actor: entry.actor, action: entry.action, target: entry.target, details: toJsonOrNull(entry.details) })
      .execute();
  }

  // ---------- row writes of the hot paths ----------
  // The Kysely versions serve PostgreSQL (where the network round trip dominates); the SQLite
  // adapter overrides them with reused prepared statements (where query building dominates).

  /** Inserts job rows. */
  protected async writeJobRows(trx: Tx, rows: JobsTable[]): Promise<void> {
    for (const part of chunks(rows)) await trx.insertInto('jobs').values(part).execute();
  }

  /** Inserts inbox rows, skipping (flow, delivery_id) pairs already present; returns the job ids of the rows inserted. */
  protected async writeInboxRows(trx: Tx, rows: InboxTable[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const part of chunks(rows)) {
      const done = await trx
        .insertInto('inbox')
        .values(part)
        .onConflict((oc) => oc.columns(['flow', 'delivery_id']).doNothing())
        .returning('job_id')
        .execute();
      for (const r of done) inserted.add(r.job_id);
    }
    return inserted;
  }

  /** Inserts one run row. */
  protected async writeRunRow(trx: Tx, row: RunsTable): Promise<void> {
    await trx.insertInto('runs').values(row).execute();
  }

  /** Inserts trace rows and their search keys. */
  protected async writeTraceRows(trx: Tx, traces: TracesTable[], keys: TraceKeysTable[]): Promise<void> {
    for (const part of chunks(traces, 50)) await trx.insertInto('traces').values(part).execute();
    for (const part of chunks(keys)) await trx.insertInto('trace_keys').values(part).execute();
  }

  /** Inserts or replaces the hash of a target record. */
  protected async writeHash(trx: Tx, row: TargetHashesTable): Promise<void> {
    await trx
      .insertInto('target_hashes')
      .values(row)
      .onConflict((oc) => oc.columns(['connection', 'entity', 'external_id']).doUpdateSet({ hash: row.hash, updated_at: row.updated_at }))
      .execute();
  }

  /** Inserts the id with `linkId` unless it is already linked; returns the link id it ends up with. */
  protected async claimLinkId(trx: Tx, id: XrefId, linkId: string, now: string): Promise<string> {
    // The no-op DO UPDATE makes RETURNING yield the existing row, so this is one statement either way.
    const row = await trx
      .insertInto('xref')
      .values({ connection: id.connection, entity: id.entity, external_id: id.id, link_id: linkId, created_at: now })
      .onConflict((oc) => oc.columns(['connection', 'entity', 'external_id']).doUpdateSet((eb) => ({ link_id: eb.ref('xref.link_id') })))
      .returning('link_id')
      .executeTakeFirstOrThrow();
    return row.link_id;
  }

  /** Finishes a job this worker still leases: sets its new state and returns the updated row, or null if the lease is gone. */
  protected async releaseJob(trx: Tx, jobId: string, workerId: string, set: JobRelease): Promise<JobsTable | null> {
    const row = await trx
      .updateTable('jobs')
      .set({ ...set, lease_owner: null, lease_expires_at: null, updated_at: isoNow() })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId)
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  protected jobValues(job: NewJob, id: string, now: string): JobsTable {
    return {
      id,
      flow: job.flow,
      flow_version: job.flowVersion,
      kind: job.kind,
      payload: toJson(job.payload),
      record_key: job.recordKey ?? null,
      max_attempts: job.maxAttempts,
      status: 'queued',
      attempts: 0,
      run_at: job.runAt ? normIso(job.runAt) : now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
      created_at: now,
      updated_at: now,
    };
  }

  protected async insertJobs(trx: Tx, jobs: NewJob[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    const now = isoNow();
    const rows = jobs.map((job) => this.jobValues(job, this.newId(), now));
    await this.writeJobRows(trx, rows);
    await this.jobsQueuedInTx(trx);
    return rows.map((r) => r.id);
  }

  private async insertRun(trx: Tx, run: RunInput, attempt: number, traces: TraceInput[]): Promise<string> {
    const rows = this.outcomeRows(run, attempt, traces);
    await this.writeRunRow(trx, rows.run);
    if (rows.traces.length > 0) await this.writeTraceRows(trx, rows.traces, rows.keys);
    return rows.run.id;
  }

  /** The rows recording one attempt: its run, its trace steps and their search keys. */
  protected outcomeRows(run: RunInput, attempt: number, traces: TraceInput[]): { run: RunsTable; traces: TracesTable[]; keys: TraceKeysTable[] } {
    const runId = this.newId();
    const runRow: RunsTable = {
      id: runId,
      job_id: run.jobId,
      flow: run.flow,
      flow_version: run.flowVersion,
      trigger: run.trigger,
      status: run.status,
      record_key: run.recordKey,
      attempt,
      started_at: normIso(run.startedAt),
      finished_at: normIso(run.finishedAt),
      error: toJsonOrNull(run.error),
      stats: toJsonOrNull(run.stats),
    };
    const at = isoNow();
    const traceRows: TracesTable[] = [];
    const keyRows: TraceKeysTable[] = [];
    // A key is indexed once per run, at the first step that carries it: the steps of one run mostly
    // repeat the record's keys (trigger, map and write each carry them), and findTraces finds the
    // others through the run and each step's own `keys`.
    const indexed = new Set<string>();
    for (const t of traces) {
      const id = this.newId();
      const keys = t.keys ? [...new Set(t.keys.map((k) => k.toLowerCase()))] : null;
      traceRows.push({
        id,
        run_id: runId,
        flow: run.flow,
        at,
        step: t.step,
        status: t.status,
        connection: t.connection ?? null,
        entity: t.entity ?? null,
        external_id: t.externalId ?? null,
        // An explicit null `before` means "did not exist"; only an absent one is SQL NULL.
        before: t.before === undefined ? null : JSON.stringify(t.before),
        after: t.after === undefined ? null : JSON.stringify(t.after),
        lineage: toJsonOrNull(t.lineage),
        error: toJsonOrNull(t.error),
        keys: keys ? JSON.stringify(keys) : null,
      });
      for (const key of keys ?? []) {
        if (indexed.has(key)) continue;
        indexed.add(key);
        keyRows.push({ key, trace_id: id, run_id: runId });
      }
    }
    return { run: runRow, traces: traceRows, keys: keyRows };
  }

  /** Links ids into one group; when both already belong to different groups, the groups merge into the older one. */
  protected async applyLinks(trx: Tx, links: XrefLink[]): Promise<void> {
    const now = isoNow();
    for (const { a, b } of links) {
      const la = await this.claimLinkId(trx, a, this.newId(), now);
      const lb = await this.claimLinkId(trx, b, la, now);
      if (la !== lb) {
        // Always fold into the smaller (older) link id so two concurrent merges converge.
        const [keep, drop] = la < lb ? [la, lb] : [lb, la];
        await trx.updateTable('xref').set({ link_id: keep }).where('link_id', '=', drop).execute();
      }
    }
  }

  private async linkIdOf(db: Kysely<Database>, id: XrefId): Promise<string | null> {
    const row = await db
      .selectFrom('xref')
      .select('link_id')
      .where('connection', '=', id.connection)
      .where('entity', '=', id.entity)
      .where('external_id', '=', id.id)
      .executeTakeFirst();
    return row?.link_id ?? null;
  }

  private async applyHashes(trx: Tx, hashes: TargetHash[]): Promise<void> {
    const now = isoNow();
    for (const h of hashes) {
      await this.writeHash(trx, { connection: h.target.connection, entity: h.target.entity, external_id: h.target.id, hash: h.hash, updated_at: now });
    }
  }

  private async recordOutcome(
    trx: Tx,
    job: JobsTable,
    input: { run: RunInput; traces: TraceInput[]; xref?: XrefLink[]; hashes?: TargetHash[] },
  ): Promise<void> {
    await this.insertRun(trx, input.run, Number(job.attempts), input.traces);
    if (input.xref?.length) await this.applyLinks(trx, input.xref);
    if (input.hashes?.length) await this.applyHashes(trx, input.hashes);
  }

  // ---------- connections ----------
  async putConnection(input: ConnectionInput, actor = SYSTEM_ACTOR): Promise<ConnectionRow> {
    const now = isoNow();
    const row = await this.tx(async (trx) => {
      const existing = await trx.selectFrom('connections').selectAll().where('name', '=', input.name).executeTakeFirst();
      const secrets: Record<string, string> = existing ? JSON.parse(existing.secrets) : {};
      for (const [key, value] of Object.entries(input.secrets)) {
        if (value === '') delete secrets[key];
        else secrets[key] = this.secretBox.encrypt(input.name, key, value);
      }
      const values = {
        name: input.name,
        type: input.type,
        settings: toJson(input.settings),
        secrets: JSON.stringify(secrets),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      if (existing) await trx.updateTable('connections').set(values).where('name', '=', input.name).execute();
      else await trx.insertInto('connections').values(values).execute();
      await this.connectionChangedInTx(trx, input.name);
      await this.insertAudit(trx, {
        actor,
        action: existing ? 'connection.update' : 'connection.create',
        target: `connection:${input.name}`,
        // Names only: secret values never reach the audit log.
        details: { type: input.type, secretsChanged: Object.keys(input.secrets) },
      });
      return values;
    });
    this.connectionChangedAfterCommit(input.name);
    return {
      name: row.name,
      type: row.type,
      settings: input.settings,
      secretNames: Object.keys(JSON.parse(row.secrets)).sort(),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async getConnection(name: string): Promise<ConnectionWithSecrets | null> {
    const row = await this.db.selectFrom('connections').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return null;
    const stored: Record<string, string> = JSON.parse(row.secrets);
    const secrets: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) secrets[key] = this.secretBox.decrypt(name, key, value);
    return {
      name: row.name,
      type: row.type,
      settings: JSON.parse(row.settings),
      secretNames: Object.keys(stored).sort(),
      secrets,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async listConnections(): Promise<ConnectionRow[]> {
    const rows = await this.db.selectFrom('connections').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      type: r.type,
      settings: JSON.parse(r.settings),
      secretNames: Object.keys(JSON.parse(r.secrets)).sort(),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async deleteConnection(name: string, actor = SYSTEM_ACTOR): Promise<boolean> {
    const deleted = await this.tx(async (trx) => {
      await trx.deleteFrom('connection_state').where('connection', '=', name).execute();
      await trx.deleteFrom('connection_schemas').where('connection', '=', name).execute();
      const rows = await trx.deleteFrom('connections').where('name', '=', name).returning('name').execute();
      if (rows.length === 0) return false;
      await this.connectionChangedInTx(trx, name);
      await this.insertAudit(trx, { actor, action: 'connection.delete', target: `connection:${name}` });
      return true;
    });
    if (deleted) this.connectionChangedAfterCommit(name);
    return deleted;
  }

  async getConnectionState(name: string, key: string): Promise<unknown> {
    const row = await this.db
      .selectFrom('connection_state')
      .select('value')
      .where('connection', '=', name)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return undefined;
    // Rows written before state was encrypted are plain JSON; they are encrypted on their next write.
    return JSON.parse(this.secretBox.isSealed(row.value) ? this.secretBox.decrypt(name, stateSecretName(key), row.value) : row.value);
  }

  /** Connection state holds OAuth access and refresh tokens (and other values a connector caches): encrypted at rest like secrets. */
  async setConnectionState(name: string, key: string, value: unknown): Promise<void> {
    const now = isoNow();
    const text = this.secretBox.encrypt(name, stateSecretName(key), toJson(value));
    await this.write((db) => db
      .insertInto('connection_state')
      .values({ connection: name, key, value: text, updated_at: now })
      .onConflict((oc) => oc.columns(['connection', 'key']).doUpdateSet({ value: text, updated_at: now }))
      .execute());
  }

  // ---------- flows ----------
  /** Locks the flow row for the rest of the transaction where the dialect supports it (PostgreSQL). */
  protected abstract lockFlow(trx: Tx, name: string): Promise<void>;

  async deployFlow(input: { flow: string; source: string; definition: JsonObject; hash: string; deployedBy: string }): Promise<{ version: FlowVersionRow; created: boolean }> {
    return this.tx(async (trx) => {
      const now = isoNow();
      await trx
        .insertInto('flows')
        .values({ name: input.flow, status: 'active', current_version: 0, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      await this.lockFlow(trx, input.flow);
      const flow = await trx.selectFrom('flows').selectAll().where('name', '=', input.flow).executeTakeFirstOrThrow();
      const currentVersion = Number(flow.current_version);
      if (currentVersion > 0) {
        const current = await trx
          .selectFrom('flow_versions')
          .selectAll()
          .where('flow', '=', input.flow)
          .where('version', '=', currentVersion)
          .executeTakeFirstOrThrow();
        if (current.hash === input.hash) return { version: toFlowVersionRow(current), created: false };
      }
      const latest = await trx
        .selectFrom('flow_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('flow', '=', input.flow)
        .executeTakeFirst();
      const row = {
        flow: input.flow,
        version: toCount(latest?.v) + 1,
        source: input.source,
        definition: toJson(input.definition),
        hash: input.hash,
        deployed_at: now,
        deployed_by: input.deployedBy,
      };
      await trx.insertInto('flow_versions').values(row).execute();
      await trx.updateTable('flows').set({ current_version: row.version, updated_at: now }).where('name', '=', input.flow).execute();
      await this.insertAudit(trx, {
        actor: input.deployedBy,
        action: 'flow.deploy',
        target: `flow:${input.flow}`,
        details: { version: row.version, hash: input.hash },
      });
      return { version: toFlowVersionRow(row), created: true };
    });
  }

  async getFlow(name: string): Promise<FlowRow | null> {
    const row = await this.db.selectFrom('flows').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toFlowRow(row) : null;
  }

  async listFlows(): Promise<FlowRow[]> {
    const rows = await this.db.selectFrom('flows').selectAll().orderBy('name').execute();
    return rows.map(toFlowRow);
  }

  async getFlowVersion(name: string, version: number): Promise<FlowVersionRow | null> {
    const row = await this.db.selectFrom('flow_versions').selectAll().where('flow', '=', name).where('version', '=', version).executeTakeFirst();
    return row ? toFlowVersionRow(row) : null;
  }

  async listFlowVersions(name: string): Promise<FlowVersionRow[]> {
    const rows = await this.db.selectFrom('flow_versions').selectAll().where('flow', '=', name).orderBy('version', 'desc').execute();
    return rows.map(toFlowVersionRow);
  }

  async setFlowStatus(name: string, status: FlowStatus, actor = SYSTEM_ACTOR): Promise<void> {
    await this.tx(async (trx) => {
      const updated = await trx
        .updateTable('flows')
        .set({ status, updated_at: isoNow() })
        .where('name', '=', name)
        .returning('name')
        .execute();
      if (updated.length === 0) throw new Error(`flow "${name}" does not exist`);
      await this.insertAudit(trx, { actor, action: 'flow.status', target: `flow:${name}`, details: { status } });
    });
  }

  // ---------- inbox and queue ----------
  async ingest(events: InboxEvent[], job: { flowVersion: number; maxAttempts: number; kind?: JobKind }): Promise<IngestResult> {
    const accepted = await this.tx((trx) => this.inboxInTx(trx, events, job));
    if (accepted.length > 0) this.jobsQueuedAfterCommit();
    return { accepted: accepted.length, duplicates: events.length - accepted.length, jobIds: accepted };
  }

  /** Inserts inbox rows and one job per new event inside `trx`; returns the ids of the jobs enqueued. */
  private async inboxInTx(trx: Tx, events: InboxEvent[], job: { flowVersion: number; maxAttempts: number; kind?: JobKind }): Promise<string[]> {
    // Repeats inside the batch are dropped before the database sees them; repeats of earlier
    // batches are dropped by the inbox's primary key (ON CONFLICT DO NOTHING … RETURNING).
    const seen = new Set<string>();
    const fresh: Array<InboxEvent & { jobId: string }> = [];
    for (const e of events) {
      const k = `${e.flow}\u0000${e.deliveryId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      fresh.push({ ...e, jobId: this.newId() });
    }
    if (fresh.length === 0) return [];
    const now = isoNow();
    const inserted = await this.writeInboxRows(
      trx,
      fresh.map((e) => ({ flow: e.flow, delivery_id: e.deliveryId, job_id: e.jobId, received_at: now })),
    );
    const toQueue = fresh.filter((e) => inserted.has(e.jobId));
    const jobRows = toQueue.map((e) =>
      this.jobValues({ flow: e.flow, flowVersion: job.flowVersion, kind: job.kind ?? 'event', payload: e.payload, recordKey: e.recordKey, maxAttempts: job.maxAttempts }, e.jobId, now),
    );
    await this.writeJobRows(trx, jobRows);
    if (jobRows.length > 0) await this.jobsQueuedInTx(trx);
    return toQueue.map((e) => e.jobId);
  }

  async enqueue(jobs: NewJob[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    const ids = await this.tx((trx) => this.insertJobs(trx, jobs));
    this.jobsQueuedAfterCommit();
    return ids;
  }

  async commitPoll(input: {
    flow: string;
    watermarkKey: string;
    watermark: Watermark | null;
    jobs: NewJob[];
    events?: InboxEvent[];
    eventJob?: { flowVersion: number; maxAttempts: number };
  }): Promise<string[]> {
    const ids = await this.tx(async (trx) => {
      const ids = await this.insertJobs(trx, input.jobs);
      if (input.events?.length) {
        if (!input.eventJob) throw new Error('commitPoll: events need eventJob (flow version and attempts)');
        ids.push(...(await this.inboxInTx(trx, input.events, input.eventJob)));
      }
      const now = isoNow();
      const value = toJsonOrNull(input.watermark);
      await trx
        .insertInto('watermarks')
        .values({ flow: input.flow, key: input.watermarkKey, value, updated_at: now })
        .onConflict((oc) => oc.columns(['flow', 'key']).doUpdateSet({ value, updated_at: now }))
        .execute();
      return ids;
    });
    if (ids.length > 0) this.jobsQueuedAfterCommit();
    return ids;
  }

  async getWatermark(flow: string, key: string): Promise<Watermark | null> {
    const row = await this.db.selectFrom('watermarks').select('value').where('flow', '=', flow).where('key', '=', key).executeTakeFirst();
    return row ? fromJson<Watermark>(row.value) : null;
  }

  async completeJob(input: JobCompletion): Promise<boolean> {
    const result = await this.relaxedTx(async (trx) => {
      const job = await this.releaseJob(trx, input.jobId, input.workerId, { status: 'done' });
      if (!job) return null;
      await this.recordOutcome(trx, job, input);
      const queued = input.enqueue?.length ? await this.insertJobs(trx, input.enqueue) : [];
      return queued.length > 0 || (await this.announceSuccessorInTx(trx, job));
    });
    if (result === null) return false;
    if (result) this.jobsQueuedAfterCommit();
    return true;
  }

  async retryJob(input: JobRetry): Promise<boolean> {
    const ok = await this.relaxedTx(async (trx) => {
      const job = await this.releaseJob(trx, input.jobId, input.workerId, {
        status: 'queued',
        run_at: normIso(input.runAt),
        last_error: toJson(input.error),
      });
      if (!job) return false;
      if (input.refundAttempt && Number(job.attempts) > 0) {
        await trx.updateTable('jobs').set({ attempts: Number(job.attempts) - 1 }).where('id', '=', job.id).execute();
      }
      await this.recordOutcome(trx, job, input);
      await this.jobsQueuedInTx(trx);
      return true;
    });
    if (ok) this.jobsQueuedAfterCommit();
    return ok;
  }

  async deadLetterJob(input: JobDeadLetter): Promise<boolean> {
    let successor = false;
    const ok = await this.relaxedTx(async (trx) => {
      const job = await this.releaseJob(trx, input.jobId, input.workerId, { status: 'dead', last_error: toJson(input.error) });
      if (!job) return false;
      successor = await this.announceSuccessorInTx(trx, job);
      await this.recordOutcome(trx, job, input);
      const now = isoNow();
      // One open letter per record: its newest failure carries the version a fix and a replay
      // should start from. A stream that reads the same record again for two change events would
      // otherwise leave two identical letters, and replaying both would run the record twice.
      if (job.record_key !== null) {
        await trx
          .updateTable('dead_letters')
          .set({ status: 'superseded', updated_at: now })
          .where('flow', '=', job.flow)
          .where('record_key', '=', job.record_key)
          .where('status', '=', 'open')
          .execute();
      }
      await trx
        .insertInto('dead_letters')
        .values({
          id: this.newId(),
          job_id: job.id,
          flow: job.flow,
          flow_version: Number(job.flow_version),
          record_key: job.record_key,
          payload: job.payload,
          error: toJson(input.error),
          error_kind: input.error.kind,
          error_message: input.error.message,
          signature: errorSignature(input.error),
          status: 'open',
          attempts: Number(job.attempts),
          max_attempts: Number(job.max_attempts),
          created_at: now,
          updated_at: now,
          replay_job_id: null,
        })
        .execute();
      return true;
    });
    if (successor) this.jobsQueuedAfterCommit();
    return ok;
  }

  /**
   * A job just released (done or dead) may have held back a queued job of its record from every
   * claim (per-record order). If one waits, the workers are told as for a newly queued job, in the
   * transaction, since no other event would wake them for it. True when it was announced.
   */
  private async announceSuccessorInTx(trx: Tx, job: JobsTable): Promise<boolean> {
    if (job.record_key === null) return false;
    const next = await successorLookup(job.flow, job.record_key, job.id).execute(trx);
    if (next.rows.length === 0) return false;
    await this.jobsQueuedInTx(trx);
    return true;
  }

  async getJob(id: string): Promise<JobRow | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJobRow(row) : null;
  }

  async leaseOwners(): Promise<string[]> {
    const rows = await this.db.selectFrom('jobs').select('lease_owner').distinct().where('status', '=', 'running').where('lease_owner', 'is not', null).execute();
    return rows.map((r) => r.lease_owner!).sort();
  }

  async expireLeases(owners: string[]): Promise<number> {
    if (owners.length === 0) return 0;
    // A time before any clock, so the claim (which compares with its own clock) sees them expired.
    const rows = await this.tx(async (trx) => {
      const expired = await trx.updateTable('jobs').set({ lease_expires_at: LONG_AGO }).where('status', '=', 'running').where('lease_owner', 'in', owners).returning('id').execute();
      if (expired.length) await this.jobsQueuedInTx(trx);
      return expired;
    });
    if (rows.length) this.jobsQueuedAfterCommit();
    return rows.length;
  }

  async queueStats(): Promise<QueueStats> {
    const now = isoNow();
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => [
        eb.fn.countAll().filterWhere('status', '=', 'queued').as('queued'),
        eb.fn.countAll().filterWhere('status', '=', 'running').as('running'),
        eb.fn.countAll().filterWhere((w) => w.and([w('status', '=', 'queued'), w('run_at', '>', now)])).as('delayed'),
      ])
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    const dead = await this.db
      .selectFrom('dead_letters')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'open')
      .executeTakeFirst();
    return { queued: toCount(row?.queued), running: toCount(row?.running), delayed: toCount(row?.delayed), deadLetters: toCount(dead?.n) };
  }

  async backlog(perFlow: boolean): Promise<BacklogRead> {
    const now = isoNow();
    // Each subquery is answered by one partial index (migration 0001) without touching the table.
    const totals = await sql<{ queued: number | string; running: number | string; oldest: string | null }>`
      select (select count(*) from jobs where status = 'queued') as queued,
             (select count(*) from jobs where status = 'running') as running,
             (select min(run_at) from jobs where status = 'queued') as oldest`.execute(this.db);
    const t = totals.rows[0];
    const due = (at: string | null) => (at !== null && at <= now ? normIso(at) : null);
    let flows: FlowBacklog[] | null = null;
    if (perFlow) {
      const rows = await sql<{ flow: string; pending: number | string; oldest: string | null }>`
        select flow, sum(n) as pending, min(oldest) as oldest from (
          select flow, count(*) as n, min(run_at) as oldest from jobs where status = 'queued' group by flow
          union all
          select flow, count(*) as n, null as oldest from jobs where status = 'running' group by flow
        ) as unfinished group by flow`.execute(this.db);
      flows = rows.rows.map((r) => ({ flow: r.flow, pending: toCount(r.pending), oldestDueAt: due(r.oldest) }));
    }
    return { pending: toCount(t?.queued) + toCount(t?.running), oldestDueAt: due(t?.oldest ?? null), flows };
  }

  // ---------- runs and traces ----------
  async listRuns(filter: RunFilter): Promise<RunRow[]> {
    let q = this.db.selectFrom('runs').selectAll();
    if (filter.flow) q = q.where('flow', '=', filter.flow);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.since) q = q.where('started_at', '>=', normIso(filter.since));
    if (filter.until) q = q.where('started_at', '<', normIso(filter.until));
    if (filter.before) q = q.where('id', '<', filter.before);
    if (filter.jobId) q = q.where('job_id', '=', filter.jobId);
    if (filter.key) {
      const key = filter.key.toLowerCase();
      q = q.where('id', 'in', this.db.selectFrom('trace_keys').select('run_id').where('key', '=', key));
    }
    if (filter.hideEmptyPolls) {
      // A read run's stats hold the number of records it read; record runs have no such count (-1 here).
      const records = this.kind === 'postgres' ? sql<number>`coalesce((stats::json->>'records')::numeric, -1)` : sql<number>`coalesce(json_extract(stats, '$.records'), -1)`;
      q = q.where((eb) => eb.not(eb.and([eb('trigger', 'in', ['poll', 'manual']), eb('record_key', 'is', null), eb(records, '=', 0)])));
    }
    const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map(toRunRow);
  }

  async tracesOfRuns(runIds: string[], steps: string[]): Promise<TraceRow[]> {
    if (runIds.length === 0 || steps.length === 0) return [];
    const exact = steps.filter((s) => !s.endsWith(':'));
    const prefixes = steps.filter((s) => s.endsWith(':'));
    const rows = await this.db
      .selectFrom('traces')
      .selectAll()
      .where('run_id', 'in', runIds)
      .where((eb) => eb.or([...(exact.length ? [eb('step', 'in', exact)] : []), ...prefixes.map((p) => eb(sql<string>`substr(step, 1, ${p.length})`, '=', p))]))
      .orderBy('id')
      .execute();
    return rows.map(toTraceRow);
  }

  async jobRequesters(jobIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (jobIds.length === 0) return out;
    // A replay's job is named on the dead letter it replayed; the audit row of that replay holds who.
    const letters = await this.db.selectFrom('dead_letters').select(['id', 'replay_job_id']).where('replay_job_id', 'in', jobIds).execute();
    if (letters.length > 0) {
      const jobOf = new Map(letters.map((l) => [`dead_letter:${l.id}`, l.replay_job_id as string]));
      const rows = await this.db.selectFrom('audit_log').select(['target', 'actor']).where('action', '=', 'dead_letter.replay').where('target', 'in', [...jobOf.keys()]).execute();
      for (const r of rows) out.set(jobOf.get(r.target)!, r.actor);
    }
    const reads = await this.db.selectFrom('jobs').select(['id', 'payload']).where('id', 'in', jobIds).where('kind', '=', 'manual').execute();
    for (const r of reads) {
      const by = fromJson<{ requestedBy?: unknown }>(r.payload)?.requestedBy;
      if (typeof by === 'string' && by !== '') out.set(r.id, by);
    }
    return out;
  }

  async getRun(id: string): Promise<RunRow | null> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRunRow(row) : null;
  }

  async listTraces(runId: string): Promise<TraceRow[]> {
    const rows = await this.db.selectFrom('traces').selectAll().where('run_id', '=', runId).orderBy('id').execute();
    return rows.map(toTraceRow);
  }

  async findTraces(key: string, limit = 100): Promise<TraceRow[]> {
    const k = key.toLowerCase();
    // trace_keys names each run once per key (outcomeRows); the run's steps that carry the key are
    // those whose own `keys` list it (rows written before that change name every step, hence `in`).
    // Only the newest `limit` runs are looked at, so a key with a long history costs an index range,
    // not every run it ever had: each run brings at least one step.
    const carries = this.kind === 'postgres' ? sql<boolean>`traces.keys::jsonb ? ${k}` : sql<boolean>`exists (select 1 from json_each(traces.keys) where value = ${k})`;
    const runs = this.db.selectFrom('trace_keys').select('run_id').where('key', '=', k).orderBy('trace_id', 'desc').limit(limit);
    const rows = await this.db
      .selectFrom('traces')
      .selectAll()
      .where('run_id', 'in', runs)
      .where(carries)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toTraceRow);
  }

  async flowLag(flow: string, since: string, limit = 1000): Promise<LagSample[]> {
    const rows = await this.db
      .selectFrom('runs')
      .innerJoin('jobs', 'jobs.id', 'runs.job_id')
      .select(['runs.finished_at as finished', 'jobs.payload as payload', 'jobs.created_at as queued'])
      .where('runs.flow', '=', flow)
      .where('runs.status', '=', 'succeeded')
      .where('jobs.kind', '=', 'event')
      .where('runs.finished_at', '>=', normIso(since))
      .orderBy('runs.finished_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => {
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { at?: unknown } | null;
      const from = typeof payload?.at === 'string' && !Number.isNaN(Date.parse(payload.at)) ? Date.parse(payload.at) : Date.parse(String(r.queued));
      const at = String(r.finished);
      return { at, lagMs: Math.max(0, Date.parse(at) - from) };
    });
  }

  async flowStats(since: string): Promise<FlowStats[]> {
    const from = normIso(since);
    const counts = await this.db
      .selectFrom('runs')
      .select(['flow', 'status', (eb) => eb.fn.countAll().as('n')])
      .where('started_at', '>=', from)
      .groupBy(['flow', 'status'])
      .execute();
    const timings = await this.db
      .selectFrom('runs')
      .select(['flow', 'started_at', 'finished_at'])
      .where('started_at', '>=', from)
      .orderBy('started_at', 'desc')
      .limit(STATS_ROW_LIMIT)
      .execute();
    const byFlow = new Map<string, FlowStats>();
    const get = (flow: string): FlowStats => {
      let s = byFlow.get(flow);
      if (!s) byFlow.set(flow, (s = { flow, runs: 0, succeeded: 0, failed: 0, dead: 0, skipped: 0, p50Ms: null, p99Ms: null }));
      return s;
    };
    for (const c of counts) {
      const s = get(c.flow);
      const n = toCount(c.n);
      s.runs += n;
      if (c.status === 'succeeded') s.succeeded += n;
      else if (c.status === 'failed' || c.status === 'retrying') s.failed += n;
      else if (c.status === 'dead') s.dead += n;
      else if (c.status === 'skipped') s.skipped += n;
    }
    const durations = new Map<string, number[]>();
    for (const t of timings) {
      const list = durations.get(t.flow) ?? [];
      list.push(Date.parse(t.finished_at) - Date.parse(t.started_at));
      durations.set(t.flow, list);
    }
    for (const [flow, list] of durations) {
      list.sort((x, y) => x - y);
      const s = get(flow);
      s.p50Ms = percentile(list, 50);
      s.p99Ms = percentile(list, 99);
    }
    return [...byFlow.values()].sort((x, y) => x.flow.localeCompare(y.flow));
  }

  // ---------- cross-reference ----------
  async xrefLinked(id: XrefId): Promise<XrefId[]> {
    const linkId = await this.linkIdOf(this.db, id);
    if (!linkId) return [id];
    const rows = await this.db
      .selectFrom('xref')
      .select(['connection', 'entity', 'external_id'])
      .where('link_id', '=', linkId)
      .orderBy('connection')
      .orderBy('entity')
      .orderBy('external_id')
      .execute();
    return rows.map((r) => ({ connection: r.connection, entity: r.entity, id: r.external_id }));
  }

  async xrefFind(from: XrefId, connection: string, entity: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('xref as a')
      .innerJoin('xref as b', 'b.link_id', 'a.link_id')
      .select('b.external_id')
      .where('a.connection', '=', from.connection)
      .where('a.entity', '=', from.entity)
      .where('a.external_id', '=', from.id)
      .where('b.connection', '=', connection)
      .where('b.entity', '=', entity)
      .orderBy('b.created_at')
      .executeTakeFirst();
    return row?.external_id ?? null;
  }

  async link(links: XrefLink[]): Promise<void> {
    if (links.length === 0) return;
    await this.tx((trx) => this.applyLinks(trx, links));
  }

  async readRecordContext(source: XrefId): Promise<RecordContext> {
    const rows = await this.db
      .selectFrom('xref as a')
      .innerJoin('xref as b', 'b.link_id', 'a.link_id')
      .leftJoin('target_hashes as h', (j) => j.onRef('h.connection', '=', 'b.connection').onRef('h.entity', '=', 'b.entity').onRef('h.external_id', '=', 'b.external_id'))
      .select(['b.connection', 'b.entity', 'b.external_id', 'h.hash'])
      .where('a.connection', '=', source.connection)
      .where('a.entity', '=', source.entity)
      .where('a.external_id', '=', source.id)
      .orderBy('b.created_at')
      .orderBy('b.connection')
      .orderBy('b.entity')
      .orderBy('b.external_id')
      .execute();
    return { linked: rows.map((r) => ({ connection: r.connection, entity: r.entity, id: r.external_id, hash: r.hash ?? null })) };
  }

  async getTargetHash(target: XrefId): Promise<string | null> {
    const row = await this.db
      .selectFrom('target_hashes')
      .select('hash')
      .where('connection', '=', target.connection)
      .where('entity', '=', target.entity)
      .where('external_id', '=', target.id)
      .executeTakeFirst();
    return row?.hash ?? null;
  }

  // ---------- dead letters ----------
  async listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterRow[]> {
    let q = this.db.selectFrom('dead_letters').selectAll();
    if (filter.flow) q = q.where('flow', '=', filter.flow);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.signature) q = q.where('signature', '=', filter.signature);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0)
      .execute();
    return rows.map(toDeadLetterRow);
  }

  async deadLetterGroups(flow?: string): Promise<Array<{ signature: string; errorKind: ErrorKind; flow: string; count: number; example: string }>> {
    let q = this.db
      .selectFrom('dead_letters')
      .select(['signature', 'error_kind', 'flow', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.max('error_message').as('example')])
      .where('status', '=', 'open');
    if (flow) q = q.where('flow', '=', flow);
    const rows = await q.groupBy(['signature', 'error_kind', 'flow']).execute();
    return rows
      .map((r) => ({ signature: r.signature, errorKind: r.error_kind as ErrorKind, flow: r.flow, count: toCount(r.n), example: String(r.example ?? '') }))
      .sort((x, y) => y.count - x.count || x.signature.localeCompare(y.signature));
  }

  async getDeadLetter(id: string): Promise<DeadLetterRow | null> {
    const row = await this.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDeadLetterRow(row) : null;
  }

  async updateDeadLetterPayload(id: string, payload: JsonValue, actor: string): Promise<void> {
    await this.tx(async (trx) => {
      const updated = await trx
        .updateTable('dead_letters')
        .set({ payload: toJson(payload), updated_at: isoNow() })
        .where('id', '=', id)
        .returning('id')
        .execute();
      if (updated.length === 0) throw new Error(`dead letter "${id}" does not exist`);
      await this.insertAudit(trx, { actor, action: 'dead_letter.edit', target: `dead_letter:${id}` });
    });
  }

  async replayDeadLetters(ids: string[], actor: string): Promise<Array<{ id: string; jobId: string }>> {
    if (ids.length === 0) return [];
    const out = await this.tx(async (trx) => {
      const letters = await trx.selectFrom('dead_letters').selectAll().where('id', 'in', ids).where('status', '=', 'open').orderBy('id').execute();
      const versions = new Map<string, number>();
      const result: Array<{ id: string; jobId: string }> = [];
      const now = isoNow();
      for (const letter of letters) {
        let version = versions.get(letter.flow);
        if (version === undefined) {
          const flow = await trx.selectFrom('flows').select('current_version').where('name', '=', letter.flow).executeTakeFirst();
          version = flow && Number(flow.current_version) > 0 ? Number(flow.current_version) : Number(letter.flow_version);
          versions.set(letter.flow, version);
        }
        const [jobId] = await this.insertJobs(trx, [
          {
            flow: letter.flow,
            flowVersion: version,
            kind: 'replay',
            payload: JSON.parse(letter.payload) as JsonValue,
            recordKey: letter.record_key ?? undefined,
            maxAttempts: Number(letter.max_attempts),
          },
        ]);
        // Guarded on status so a concurrent replay of the same letter cannot enqueue it twice.
        const marked = await trx
          .updateTable('dead_letters')
          .set({ status: 'replayed', replay_job_id: jobId, updated_at: now })
          .where('id', '=', letter.id)
          .where('status', '=', 'open')
          .returning('id')
          .execute();
        if (marked.length === 0) throw new Error(`dead letter "${letter.id}" was changed concurrently; replay aborted`);
        await this.insertAudit(trx, { actor, action: 'dead_letter.replay', target: `dead_letter:${letter.id}`, details: { jobId, flowVersion: version } });
        result.push({ id: letter.id, jobId });
      }
      return result;
    });
    if (out.length > 0) this.jobsQueuedAfterCommit();
    return out;
  }

  async discardDeadLetters(ids: string[], actor: string): Promise<number> {
    if (ids.length === 0) return 0;
    return this.tx(async (trx) => {
      const rows = await trx
        .updateTable('dead_letters')
        .set({ status: 'discarded', updated_at: isoNow() })
        .where('id', 'in', ids)
        .where('status', '=', 'open')
        .returning('id')
        .execute();
      for (const r of rows) await this.insertAudit(trx, { actor, action: 'dead_letter.discard', target: `dead_letter:${r.id}` });
      return rows.length;
    });
  }

  // ---------- users, sessions, tokens ----------
  async createUser(input: { username: string; role: Role; passwordHash: string; mustChangePassword?: boolean }): Promise<UserRow> {
    const row = {
      id: this.newId(),
      username: input.username,
      role: input.role,
      password_hash: input.passwordHash,
      must_change_password: input.mustChangePassword ? 1 : 0,
      disabled: 0,
      created_at: isoNow(),
      last_login_at: null,
    };
    await this.write((db) => db.insertInto('users').values(row).execute());
    return toUserRow(row);
  }

  async getUser(idOrUsername: string): Promise<UserRow | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrUsername), eb('username', '=', idOrUsername)]))
      .executeTakeFirst();
    return row ? toUserRow(row) : null;
  }

  async listUsers(): Promise<UserRow[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUserRow);
  }

  async updateUser(id: string, patch: Partial<Pick<UserRow, 'role' | 'passwordHash' | 'mustChangePassword' | 'disabled' | 'lastLoginAt'>>): Promise<void> {
    const set: Partial<Database['users']> = {};
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.mustChangePassword !== undefined) set.must_change_password = patch.mustChangePassword ? 1 : 0;
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.lastLoginAt !== undefined) set.last_login_at = patch.lastLoginAt === null ? null : normIso(patch.lastLoginAt);
    if (Object.keys(set).length === 0) return;
    await this.write((db) => db.updateTable('users').set(set).where('id', '=', id).execute());
  }

  async countUsers(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return toCount(row?.n);
  }

  async createSession(row: SessionRow): Promise<void> {
    await this.write((db) =>
      db
        .insertInto('sessions')
        .values({ id_hash: row.idHash, user_id: row.userId, csrf_token: row.csrfToken, expires_at: normIso(row.expiresAt), created_at: normIso(row.createdAt) })
        // Two requests renewing one session at once both write it (the console sends requests in parallel): the later expiry wins, no error.
        .onConflict((oc) => oc.column('id_hash').doUpdateSet({ expires_at: normIso(row.expiresAt) }))
        .execute(),
    );
  }

  async getSession(idHash: string): Promise<SessionRow | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? toSessionRow(row) : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.write((db) => db.deleteFrom('sessions').where('id_hash', '=', idHash).execute());
  }

  async createApiToken(row: Omit<ApiTokenRow, 'lastUsedAt' | 'revoked'>): Promise<void> {
    await this.write((db) =>
      db
        .insertInto('api_tokens')
        .values({ id: row.id, user_id: row.userId, name: row.name, token_hash: row.tokenHash, created_at: normIso(row.createdAt), last_used_at: null, revoked: 0 })
        .execute(),
    );
  }

  async findApiToken(tokenHash: string): Promise<ApiTokenRow | null> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? toApiTokenRow(row) : null;
  }

  async listApiTokens(userId?: string): Promise<ApiTokenRow[]> {
    let q = this.db.selectFrom('api_tokens').selectAll();
    if (userId) q = q.where('user_id', '=', userId);
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiTokenRow);
  }

  async revokeApiToken(id: string): Promise<void> {
    await this.write((db) => db.updateTable('api_tokens').set({ revoked: 1 }).where('id', '=', id).execute());
  }

  async deferJob(input: { jobId: string; workerId: string; runAt: string; payload: JsonValue }): Promise<boolean> {
    const row = await this.write((db) =>
      db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'queued',
          run_at: normIso(input.runAt),
          payload: toJson(input.payload),
          // The claim counted an attempt; a check of a job still running is not one.
          attempts: eb('attempts', '-', 1),
          lease_owner: null,
          lease_expires_at: null,
          updated_at: isoNow(),
        }))
        .where('id', '=', input.jobId)
        .where('status', '=', 'running')
        .where('lease_owner', '=', input.workerId)
        .returning('id')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  async deleteSessionsOf(userId: string, keepIdHash?: string): Promise<number> {
    const rows = await this.write((db) =>
      db
        .deleteFrom('sessions')
        .where('user_id', '=', userId)
        .$if(keepIdHash !== undefined, (q) => q.where('id_hash', '!=', keepIdHash!))
        .returning('id_hash')
        .execute(),
    );
    return rows.length;
  }

  async revokeApiTokensOf(userId: string, keepId?: string): Promise<number> {
    const rows = await this.write((db) =>
      db
        .updateTable('api_tokens')
        .set({ revoked: 1 })
        .where('user_id', '=', userId)
        .where('revoked', '=', 0)
        .$if(keepId !== undefined, (q) => q.where('id', '!=', keepId!))
        .returning('id')
        .execute(),
    );
    return rows.length;
  }

  async updateLoginCounters<T>(keys: string[], decide: (counters: Map<string, LoginCounter | null>) => { counters: Map<string, LoginCounter | null>; result: T }): Promise<T> {
    const unique = [...new Set(keys)].sort();
    return this.tx(async (trx) => {
      // Make the rows exist, then lock them (PostgreSQL; SQLite's write lock already serialises), so
      // two attempts at once cannot both read the same count.
      const placeholder = new Date(0).toISOString();
      await trx
        .insertInto('login_counters')
        .values(unique.map((key) => ({ key, failures: 0, locked_until: placeholder, last_failure: placeholder })))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const rows = await trx
        .selectFrom('login_counters')
        .selectAll()
        .where('key', 'in', unique)
        .$if(this.kind === 'postgres', (q) => q.forUpdate())
        .execute();
      const current = new Map<string, LoginCounter | null>(unique.map((k) => [k, null]));
      for (const r of rows) {
        if (r.failures > 0) current.set(r.key, { failures: r.failures, lockedUntil: Date.parse(r.locked_until), lastFailure: Date.parse(r.last_failure) });
      }
      const { counters, result } = decide(current);
      for (const key of unique) {
        const c = counters.get(key) ?? null;
        if (c === null) await trx.deleteFrom('login_counters').where('key', '=', key).execute();
        else
          await trx
            .updateTable('login_counters')
            .set({ failures: c.failures, locked_until: new Date(c.lockedUntil).toISOString(), last_failure: new Date(c.lastFailure).toISOString() })
            .where('key', '=', key)
            .execute();
      }
      return result;
    });
  }

  // ---------- shared rate limits: daily usage ----------
  async addApiUsage(input: ApiUsageAdd): Promise<ApiUsageRow & { granted: boolean }> {
    const now = isoNow();
    const reported = input.reportedUsed ?? 0;
    const limit = input.limit ?? null;
    const resetAt = input.resetAt ?? null;
    if (input.cap !== undefined && input.add > input.cap) {
      return { ...(await this.apiUsageRow(input.connection, input.day)), granted: false };
    }
    // One statement either way: a new day's row, or an atomic add on the existing one that, when
    // capped, applies only while the day's usage stays within the cap (no read-then-write race).
    const greatest = this.kind === 'postgres' ? sql.raw('greatest') : sql.raw('max');
    // `counted` is only ever added to and `reported` only ever raised; the shown `used` is the larger.
    // Adding our calls on top of a vendor figure would count twice every call another process had made
    // but not yet flushed when the vendor counted it.
    // A capped add is one call counted exactly near the limit: when the vendor's figure is the higher
    // (other tools on the credential), it moves that figure too, or the cap would never be reached
    // before the vendor's next report.
    const vendor = sql`${greatest}(api_usage.reported, ${reported})`;
    const nextReported = input.cap === undefined ? vendor : sql`case when ${vendor} > api_usage.counted then ${vendor} + ${input.add} else ${vendor} end`;
    const shown = sql`${greatest}(api_usage.counted + ${input.add}, ${nextReported})`;
    const capped = input.cap === undefined ? sql`true` : sql`${greatest}(api_usage.counted, api_usage.reported) + ${input.add} <= ${input.cap}`;
    const rows = await this.write((db) =>
      sql<{ used: number | string; daily_limit: number | null; reset_at: number | string | null }>`
        insert into api_usage (connection, day, used, counted, reported, daily_limit, reset_at, updated_at)
        values (${input.connection}, ${input.day}, ${Math.max(input.add, reported)}, ${input.add}, ${reported}, ${limit}, ${resetAt}, ${now})
        on conflict (connection, day) do update
           set used = ${shown},
               counted = api_usage.counted + ${input.add},
               reported = ${nextReported},
               daily_limit = coalesce(excluded.daily_limit, api_usage.daily_limit),
               reset_at = coalesce(excluded.reset_at, api_usage.reset_at),
               updated_at = excluded.updated_at
         where ${capped}
        returning used, daily_limit, reset_at`.execute(db),
    );
    const row = rows.rows[0];
    if (!row) return { ...(await this.apiUsageRow(input.connection, input.day)), granted: false };
    return { connection: input.connection, day: input.day, used: Number(row.used), limit: row.daily_limit === null ? null : Number(row.daily_limit), resetAt: row.reset_at === null ? null : Number(row.reset_at), granted: true };
  }

  private async apiUsageRow(connection: string, day: string): Promise<ApiUsageRow> {
    const r = await this.db.selectFrom('api_usage').selectAll().where('connection', '=', connection).where('day', '=', day).executeTakeFirst();
    return r ? toApiUsageRow(r) : { connection, day, used: 0, limit: null, resetAt: null };
  }

  async listApiUsage(day: string): Promise<ApiUsageRow[]> {
    const rows = await this.db.selectFrom('api_usage').selectAll().where('day', '=', day).orderBy('connection').execute();
    return rows.map(toApiUsageRow);
  }

  async saveConnectionSchema(input: ConnectionSchemaRow): Promise<void> {
    const values = { connection: input.connection, type: input.type, entities: toJson(input.entities), discovered_at: input.discoveredAt };
    await this.write((db) => db
      .insertInto('connection_schemas')
      .values(values)
      .onConflict((oc) => oc.column('connection').doUpdateSet({ type: values.type, entities: values.entities, discovered_at: values.discovered_at }))
      .execute());
  }

  async getConnectionSchema(connection: string): Promise<ConnectionSchemaRow | null> {
    const row = await this.db.selectFrom('connection_schemas').selectAll().where('connection', '=', connection).executeTakeFirst();
    return row ? { connection: row.connection, type: row.type, entities: fromJson<EntitySpec[]>(row.entities) ?? [], discoveredAt: row.discovered_at } : null;
  }

  async saveBatchPart(batchId: string, part: number, data: string): Promise<void> {
    const now = isoNow();
    await this.write((db) => db
      .insertInto('batch_data')
      .values({ batch_id: batchId, part, data, created_at: now })
      .onConflict((oc) => oc.columns(['batch_id', 'part']).doUpdateSet({ data, created_at: now }))
      .execute());
  }

  async readBatchPart(batchId: string, part: number): Promise<string | null> {
    const row = await this.db.selectFrom('batch_data').select('data').where('batch_id', '=', batchId).where('part', '=', part).executeTakeFirst();
    return row?.data ?? null;
  }

  async deleteBatchData(batchId: string): Promise<void> {
    await this.write((db) => db.deleteFrom('batch_data').where('batch_id', '=', batchId).execute());
  }

  // ---------- audit ----------
  async rotateMasterKey(to: SecretBox, actor = SYSTEM_ACTOR): Promise<KeyRotationResult> {
    return this.tx(async (trx) => {
      const result = await reencryptAll(trx, this.secretBox, to);
      await this.insertAudit(trx, { actor, action: 'keys.rotate', target: 'master-key', details: { ...result } });
      return result;
    });
  }

  async purgeHistory(cutoffs: RetentionCutoffs): Promise<PurgeResult> {
    return purgeHistory(this.db, (fn) => this.tx(fn), cutoffs);
  }

  async tableSizes(): Promise<TableSize[]> {
    return historyTableSizes(this.db, this.kind);
  }

  async databaseBytes(): Promise<number> {
    return databaseBytes(this.db, this.kind);
  }

  async audit(entry: AuditInput): Promise<void> {
    await this.write((db) => this.insertAudit(db, entry));
  }

  async listAudit(filter: { limit?: number; before?: string; actor?: string; action?: string }): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filter.actor) q = q.where('actor', '=', filter.actor);
    // `flow.` is every flow action; `flow.deploy` exactly that one. Action names are [a-z_.] (the API checks),
    // and LIKE's `_` also matches a literal `_`, so no escaping is needed on either store.
    if (filter.action) q = filter.action.endsWith('.') ? q.where('action', 'like', `${filter.action}%`) : q.where('action', '=', filter.action);
    if (filter.before) q = q.where('id', '<', filter.before);
    const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map(toAuditRow);
  }
}

function toApiUsageRow(r: { connection: string; day: string; used: number; daily_limit: number | null; reset_at: number | string | null }): ApiUsageRow {
  return { connection: r.connection, day: r.day, used: Number(r.used), limit: r.daily_limit === null ? null : Number(r.daily_limit), resetAt: r.reset_at === null ? null : Number(r.reset_at) };
}


