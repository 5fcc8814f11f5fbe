/**
 * The Store: everything durable, behind one interface with two adapters (SQLite, PostgreSQL).
 * Multi-step changes that must be atomic are single methods here (ingest, commitPoll, completeJob,
 * replayDeadLetters), so each adapter owns its transaction and callers cannot get it half right.
 */
import type { SecretBox } from './secrets.js';
import type { KeyRotationResult } from './key-rotation.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { SerializedError, ErrorKind } from '../core/errors.js';
import type { EntitySpec, Watermark } from '../core/connector.js';

export type Iso = string;

// ---------- connections ----------
export interface ConnectionInput {
  name: string;
  type: string;
  /** Non-secret settings, stored as JSON. */
  settings: Record<string, unknown>;
  /** Secret settings, encrypted with AES-256-GCM under the master key before they touch the database. */
  secrets: Record<string, string>;
}
export interface ConnectionRow {
  name: string;
  type: string;
  settings: Record<string, unknown>;
  /** Names of the secrets that are set; values are never returned by list/get. */
  secretNames: string[];
  createdAt: Iso;
  updatedAt: Iso;
}
export interface ConnectionWithSecrets extends ConnectionRow {
  secrets: Record<string, string>;
}

// ---------- flows ----------
export type FlowStatus = 'active' | 'paused';
export interface FlowVersionRow {
  flow: string;
  version: number;
  /** The YAML text as deployed. */
  source: string;
  /** The parsed, validated definition. */
  definition: JsonObject;
  /** sha256 of the source; deploying identical text twice makes no new version. */
  hash: string;
  deployedAt: Iso;
  deployedBy: string;
}
export interface FlowRow {
  name: string;
  status: FlowStatus;
  currentVersion: number;
  updatedAt: Iso;
}

// ---------- inbox and jobs ----------
export type JobStatus = 'queued' | 'running' | 'done' | 'dead';
/** `batch`: a check of a vendor job (bulk, import) a bulk load started (engine/batch-check.ts). */
export type JobKind = 'event' | 'poll' | 'replay' | 'manual' | 'batch';
export interface NewJob {
  flow: string;
  flowVersion: number;
  kind: JobKind;
  /** The source record (or, for poll/manual jobs, the read instructions). */
  payload: JsonValue;
  /** The source record's id, for tracing and per-record ordering. */
  recordKey?: string;
  maxAttempts: number;
  /** Earliest time to run (default now). */
  runAt?: Iso;
}
export interface JobRow extends Required<Omit<NewJob, 'runAt' | 'recordKey'>> {
  id: string;
  recordKey: string | null;
  status: JobStatus;
  attempts: number;
  runAt: Iso;
  leaseOwner: string | null;
  leaseExpiresAt: Iso | null;
  lastError: SerializedError | null;
  createdAt: Iso;
  updatedAt: Iso;
}
/** One webhook event for the inbox. */
export interface InboxEvent {
  flow: string;
  /** The sender's delivery id; a second event with the same (flow, deliveryId) is dropped. */
  deliveryId: string;
  payload: JsonValue;
  recordKey?: string;
}
export interface IngestResult {
  accepted: number;
  duplicates: number;
  jobIds: string[];
}

// ---------- runs, traces, lineage ----------
export type RunStatus = 'succeeded' | 'skipped' | 'failed' | 'retrying' | 'dead';
export interface RunInput {
  jobId: string;
  flow: string;
  flowVersion: number;
  trigger: JobKind;
  status: RunStatus;
  recordKey: string | null;
  startedAt: Iso;
  finishedAt: Iso;
  error?: SerializedError | null;
  /** Free-form counters (writes, skipped writes, api calls). */
  stats?: JsonObject;
}
export interface RunRow extends RunInput {
  id: string;
  attempt: number;
}
export type { LineageEntry } from '../core/lineage.js';
import type { LineageEntry } from '../core/lineage.js';
import type { SyncStore } from './sync/types.js';
import type { AlertStore } from './alerts/types.js';
export interface TraceInput {
  /** Step name: `trigger`, `filter`, `map:<target>`, `write:<target>`, `writeback:<target>`. */
  step: string;
  status: 'ok' | 'skipped' | 'unchanged' | 'failed';
  connection?: string;
  entity?: string;
  /** The id on that system, once known. */
  externalId?: string;
  before?: JsonValue;
  after?: JsonValue;
  lineage?: LineageEntry[];
  error?: SerializedError | null;
  /** Search keys: every id and email this step touched, lowercased. */
  keys?: string[];
}
export interface TraceRow extends TraceInput {
  id: string;
  runId: string;
  flow: string;
  at: Iso;
}
export interface RunFilter {
  flow?: string;
  status?: RunStatus;
  since?: Iso;
  until?: Iso;
  /** Any id or email a trace step of the run recorded. */
  key?: string;
  /** Only the runs (attempts) of this job. */
  jobId?: string;
  limit?: number;
  /** Return runs with id lower than this (paging newest first). */
  before?: string;
  /** Leave out polls that found nothing (a read run without a record of its own that read 0 records). */
  hideEmptyPolls?: boolean;
}

// ---------- cross-reference ----------
/** One id of a real-world record on one system. Ids with the same linkId are the same record. */
export interface XrefId {
  connection: string;
  entity: string;
  id: string;
}
export interface XrefLink {
  a: XrefId;
  b: XrefId;
}
/** What a record's run needs to know about the record before it writes (read in one store call). */
export interface RecordContext {
  /** Every id linked to the record (itself included), oldest link first, each with the hash last written to it (null: none). */
  linked: Array<XrefId & { hash: string | null }>;
}
/** The last payload written to a target record, to suppress no-op writes and echoes. */
export interface TargetHash {
  target: XrefId;
  hash: string;
}

// ---------- completion ----------
export interface JobCompletion {
  jobId: string;
  workerId: string;
  run: RunInput;
  traces: TraceInput[];
  xref?: XrefLink[];
  hashes?: TargetHash[];
  /** For poll jobs that also produce follow-up jobs. */
  enqueue?: NewJob[];
}
export interface JobRetry {
  jobId: string;
  workerId: string;
  runAt: Iso;
  /** The attempt the claim counted was not the record failing (its connection's credential was refused): give it back. */
  refundAttempt?: boolean;
  error: SerializedError;
  run: RunInput;
  traces: TraceInput[];
  xref?: XrefLink[];
  hashes?: TargetHash[];
}
export interface JobDeadLetter {
  jobId: string;
  workerId: string;
  error: SerializedError;
  run: RunInput;
  traces: TraceInput[];
  xref?: XrefLink[];
  hashes?: TargetHash[];
}

// ---------- dead letters ----------
/** `superseded`: a newer failure of the same record opened its own letter (one open letter per record). */
export type DeadLetterStatus = 'open' | 'replayed' | 'discarded' | 'superseded';
export interface DeadLetterRow {
  id: string;
  jobId: string;
  flow: string;
  flowVersion: number;
  recordKey: string | null;
  payload: JsonValue;
  error: SerializedError;
  errorKind: ErrorKind;
  /** Groups similar failures (kind:system:code:field). */
  signature: string;
  status: DeadLetterStatus;
  attempts: number;
  createdAt: Iso;
  updatedAt: Iso;
  /** The job created by the last replay. */
  replayJobId: string | null;
}
export interface DeadLetterFilter {
  flow?: string;
  status?: DeadLetterStatus;
  signature?: string;
  limit?: number;
  offset?: number;
}

// ---------- audit ----------
export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  details?: JsonObject;
}
export interface AuditRow extends AuditInput {
  id: string;
  at: Iso;
}

// ---------- retention ----------
/** What a purge may delete: rows older than each cutoff (ISO instants), in batches. */
export interface RetentionCutoffs {
  /** Finished (done) jobs last updated before this. */
  jobsBefore: Iso;
  /** Inbox rows (delivery ids seen) received before this, once their job is no longer queued or running. */
  inboxBefore: Iso;
  /** Runs (with their traces) started before this, unless their job has an open dead letter; reconciliations too, unless the newest of its flow still has open differences; alerts resolved and dead letters handled before it. */
  runsBefore: Iso;
  /** Per-flow overrides of runsBefore. */
  flowRunsBefore?: Record<string, Iso>;
  /** Keep at most this many runs per flow (the newest); older ones go whatever their age. */
  maxRunsPerFlow?: number;
  /** Rows per transaction. */
  batchSize: number;
  /** Transactions per call at most for each kind of history (runs, jobs, delivery ids, sign-in counters; default 50), so one call never holds the store long and no kind starves another. */
  maxBatches?: number;
}
/** What one purge deleted; `complete` is false when it stopped at maxBatches with more to delete. */
export interface PurgeResult {
  jobs: number;
  inbox: number;
  runs: number;
  traces: number;
  /** Sign-in counters with no failure since the jobs cutoff and no lock in force (one row per name and address ever tried). */
  loginCounters: number;
  /** Reconciliations of two-way pairs, each with its differences. */
  reconciliations: number;
  reconcileDiffs: number;
  /** Resolved alerts (with their deliveries) resolved before the runs cutoff. */
  alerts: number;
  /** Handled dead letters (replayed, discarded, superseded; with their dead jobs) last changed before the runs cutoff. */
  deadLetters: number;
  /** Parts of a bulk load's batch data that no unfinished or dead batch job names, stored before the jobs cutoff. */
  batchData: number;
  complete: boolean;
}
/** Size of one history table. */
export interface TableSize {
  table: string;
  /** Rows (PostgreSQL: the statistics system's live-row estimate). */
  rows: number;
  /** Bytes including indexes, where the store can tell (PostgreSQL). */
  bytes: number | null;
}
/** How big the store is: the growing tables one by one and the whole database on disk. */
export interface StoreSizes {
  tables: TableSize[];
  /** The whole database on disk, every table and index included. */
  databaseBytes: number;
}

// ---------- stats ----------
export interface QueueStats {
  queued: number;
  running: number;
  /** Queued jobs whose runAt is in the future (waiting on backoff). */
  delayed: number;
  deadLetters: number;
}
/** Accepted work not yet finished, for one flow: what admission control (backpressure) bounds. */
export interface FlowBacklog {
  flow: string;
  /** Jobs queued (due or delayed) or running. */
  pending: number;
  /** run_at of the oldest due queued job (how far behind the workers are), or null when none is waiting. */
  oldestDueAt: string | null;
}
/** The backlog of all flows, and per flow when asked for. */
export interface BacklogRead {
  pending: number;
  oldestDueAt: string | null;
  /** Per flow (flows with no unfinished job absent); null unless asked for. */
  flows: FlowBacklog[] | null;
}
export interface FlowStats {
  flow: string;
  runs: number;
  succeeded: number;
  failed: number;
  dead: number;
  skipped: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

// ---------- users, sessions, API tokens (console sign-in) ----------
export type Role = 'admin' | 'operator' | 'viewer';
export interface UserRow {
  id: string;
  username: string;
  role: Role;
  /** Memory-hard hash (scrypt) with its parameters, `scrypt$N$r$p$salt$hash`. */
  passwordHash: string;
  /** Must change the password at next sign-in (one-time first-start password). */
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: Iso;
  lastLoginAt: Iso | null;
}
export interface SessionRow {
  /** sha256 of the session cookie value; the cookie itself is never stored. */
  idHash: string;
  userId: string;
  csrfToken: string;
  expiresAt: Iso;
  createdAt: Iso;
}
/** Sign-in attempts counted under one key (an account, a client address); times in epoch ms. */
export interface LoginCounter {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

export interface ApiTokenRow {
  id: string;
  userId: string;
  name: string;
  /** sha256 of the token; shown once at creation. */
  tokenHash: string;
  createdAt: Iso;
  lastUsedAt: Iso | null;
  revoked: boolean;
}

// ---------- shared rate limits ----------
/** A concurrency slot held for one outbound call; `release()` frees it (idempotent, never throws). */
export interface CallSlot {
  release(): void;
  /**
   * Aborted when the slot is taken away without `release()`: on PostgreSQL the session holding its
   * advisory lock ended (pg_terminate_backend, a failover), so another process may take it now. A
   * long holder (a stream follower) stops on it. Absent where a slot cannot be lost (SQLite, in process).
   */
  readonly lost?: AbortSignal;
}
/** One connection's API usage for one UTC day, as every process counted it. */
/** A connection's discovered entities as last stored. */
export interface ConnectionSchemaRow {
  connection: string;
  /** Connector type (`salesforce`). */
  type: string;
  entities: EntitySpec[];
  /** ISO 8601 time of the discovery. */
  discoveredAt: string;
}

export interface ApiUsageRow {
  connection: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  used: number;
  /** The daily limit last declared or reported by the vendor. */
  limit: number | null;
  /** When the vendor's window resets (epoch ms), when it told. */
  resetAt: number | null;
}
/** Calls to add to a connection's daily usage. */
export interface ApiUsageAdd {
  connection: string;
  day: string;
  /** Calls made (or about to be made) since the last add. */
  add: number;
  /** When set, the add is applied only if the day's usage stays at or below it (the exact check near a limit). */
  cap?: number;
  /** The limit to remember (declared, or the vendor's). */
  limit?: number | null;
  /** The vendor's own figure: usage becomes at least this. */
  reportedUsed?: number;
  resetAt?: number | null;
}

/** One record's end-to-end lag. */
export interface LagSample {
  /** When the run finished (the target was written). */
  at: Iso;
  /** ms from the source's event time to `at`. */
  lagMs: number;
}

/** The store every other layer uses. All methods are safe to call from many workers at once. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Two-way pair state, tombstones, reviews and reconciliations (decision 0009). */
  readonly sync: SyncStore;
  /** Alert channels, rules, alerts and their deliveries (decision 0016). */
  readonly alerts: AlertStore;
  /** True when `err` says the database was unreachable for a moment (work that failed so is run again without counting the attempt). */
  isOutage(err: unknown): boolean;
  /** Applies pending migrations (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // connections
  /** Creates or updates a connection. Secrets merge into the stored ones; a secret set to '' is removed. `actor` goes to the audit log (default 'system'). */
  putConnection(input: ConnectionInput, actor?: string): Promise<ConnectionRow>;
  getConnection(name: string): Promise<ConnectionWithSecrets | null>;
  listConnections(): Promise<ConnectionRow[]>;
  deleteConnection(name: string, actor?: string): Promise<boolean>;
  /** The stored value, or undefined when the key was never set. */
  getConnectionState(name: string, key: string): Promise<unknown>;
  setConnectionState(name: string, key: string, value: unknown): Promise<void>;

  // flows
  /** Stores a new version when the hash differs from the current one; returns the current version either way. */
  deployFlow(input: { flow: string; source: string; definition: JsonObject; hash: string; deployedBy: string }): Promise<{ version: FlowVersionRow; created: boolean }>;
  getFlow(name: string): Promise<FlowRow | null>;
  listFlows(): Promise<FlowRow[]>;
  getFlowVersion(name: string, version: number): Promise<FlowVersionRow | null>;
  listFlowVersions(name: string): Promise<FlowVersionRow[]>;
  setFlowStatus(name: string, status: FlowStatus, actor?: string): Promise<void>;

  // inbox and queue
  /** Inserts events in the inbox and enqueues one job per new event, in one transaction; repeats are counted, not enqueued. */
  ingest(events: InboxEvent[], job: { flowVersion: number; maxAttempts: number; /** default 'event' */ kind?: JobKind }): Promise<IngestResult>;
  /** Enqueues jobs (manual runs, replays). */
  enqueue(jobs: NewJob[]): Promise<string[]>;
  /** Enqueues the jobs a poll produced and advances the watermark in one transaction. */
  commitPoll(input: {
    flow: string;
    watermarkKey: string;
    watermark: Watermark | null;
    jobs: NewJob[];
    /** Records the poll read, passed through the inbox (repeats by deliveryId dropped) with their jobs enqueued in the same transaction. */
    events?: InboxEvent[];
    eventJob?: { flowVersion: number; maxAttempts: number };
  }): Promise<string[]>;
  getWatermark(flow: string, key: string): Promise<Watermark | null>;
  /** Claims up to `limit` due jobs (queued and runAt <= now, or running with an expired lease). */
  claimJobs(input: { workerId: string; limit: number; leaseMs: number; flows?: string[] }): Promise<JobRow[]>;
  /** Extends the lease of jobs this worker still holds; returns the ids it no longer holds. */
  renewLeases(input: { workerId: string; jobIds: string[]; leaseMs: number }): Promise<string[]>;
  /** Marks a job done and records its run, traces, xref links and hashes atomically. Returns false if the lease was lost. */
  completeJob(input: JobCompletion): Promise<boolean>;
  /** Puts a job back in the queue for a later attempt, recording this attempt's run. */
  retryJob(input: JobRetry): Promise<boolean>;
  /**
   * Puts a job this worker holds back in the queue to run at `runAt` with a new payload, without
   * counting the attempt or recording a run: for checks of a vendor job that is still running.
   * Returns false if the lease was lost.
   */
  deferJob(input: { jobId: string; workerId: string; runAt: Iso; payload: JsonValue }): Promise<boolean>;
  /** Moves a job to the dead-letter queue, recording its run. */
  deadLetterJob(input: JobDeadLetter): Promise<boolean>;
  getJob(id: string): Promise<JobRow | null>;
  queueStats(): Promise<QueueStats>;
  /**
   * Unfinished jobs (queued, delayed or running) and the oldest due one. Read often by admission
   * control: the totals come from the jobs' partial indexes alone; `perFlow` adds a grouped count that
   * reads every unfinished row, asked for only when a per-flow bound could be reached.
   */
  backlog(perFlow: boolean): Promise<BacklogRead>;
  /** Calls `listener` when jobs may be available (PostgreSQL LISTEN/NOTIFY; in-process for SQLite). Returns an unsubscribe. */
  onJobsAvailable(listener: () => void): Promise<() => Promise<void>>;
  /** The workers that hold leases on running jobs now. */
  leaseOwners(): Promise<string[]>;
  /** Ends now the leases these workers hold (known dead), so their jobs are claimed again at once; returns how many. */
  expireLeases(owners: string[]): Promise<number>;

  // runs and traces
  listRuns(filter: RunFilter): Promise<RunRow[]>;
  getRun(id: string): Promise<RunRow | null>;
  listTraces(runId: string): Promise<TraceRow[]>;
  /** Every trace step that recorded this key (an id on any system, or an email), newest first. */
  findTraces(key: string, limit?: number): Promise<TraceRow[]>;
  /**
   * The named steps of many runs in one read, for run lists (who the record is, why it was skipped,
   * mapping warnings). A name ending in `:` stands for every step it begins (`map:`).
   */
  tracesOfRuns(runIds: string[], steps: string[]): Promise<TraceRow[]>;
  /**
   * Who asked for each of these jobs when a person did, by job id: the user who replayed the dead
   * letter (from the audit log) or who ran the flow now (from the read job's `requestedBy`).
   */
  jobRequesters(jobIds: string[]): Promise<Map<string, string>>;
  flowStats(since: Iso): Promise<FlowStats[]>;
  /**
   * End-to-end lag of a flow's record runs that succeeded since `since`, newest first (at most
   * `limit`): from the source's event time (the payload's `at`; else when the event was queued) to
   * the end of the run that wrote the target.
   */
  flowLag(flow: string, since: Iso, limit?: number): Promise<LagSample[]>;

  // cross-reference
  /** Every id linked to this one (including itself), across systems. */
  xrefLinked(id: XrefId): Promise<XrefId[]>;
  /** The id on (connection, entity) linked to `from`, if any. */
  xrefFind(from: XrefId, connection: string, entity: string): Promise<string | null>;
  link(links: XrefLink[]): Promise<void>;
  getTargetHash(target: XrefId): Promise<string | null>;
  /** The record's linked ids and their last written hashes in one call: what xrefFind and getTargetHash would answer for its group. */
  readRecordContext(source: XrefId): Promise<RecordContext>;

  // dead letters
  listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterRow[]>;
  /** Open dead letters grouped by signature with counts, for the console. */
  deadLetterGroups(flow?: string): Promise<Array<{ signature: string; errorKind: ErrorKind; flow: string; count: number; example: string }>>;
  getDeadLetter(id: string): Promise<DeadLetterRow | null>;
  updateDeadLetterPayload(id: string, payload: JsonValue, actor: string): Promise<void>;
  /** Re-enqueues the payloads (edited or not) as new jobs on the flow's current version and marks them replayed, atomically. */
  replayDeadLetters(ids: string[], actor: string): Promise<Array<{ id: string; jobId: string }>>;
  discardDeadLetters(ids: string[], actor: string): Promise<number>;

  // users, sessions, tokens
  createUser(input: { username: string; role: Role; passwordHash: string; mustChangePassword?: boolean }): Promise<UserRow>;
  getUser(idOrUsername: string): Promise<UserRow | null>;
  listUsers(): Promise<UserRow[]>;
  updateUser(id: string, patch: Partial<Pick<UserRow, 'role' | 'passwordHash' | 'mustChangePassword' | 'disabled' | 'lastLoginAt'>>): Promise<void>;
  countUsers(): Promise<number>;
  createSession(row: SessionRow): Promise<void>;
  getSession(idHash: string): Promise<SessionRow | null>;
  deleteSession(idHash: string): Promise<void>;
  createApiToken(row: Omit<ApiTokenRow, 'lastUsedAt' | 'revoked'>): Promise<void>;
  findApiToken(tokenHash: string): Promise<ApiTokenRow | null>;
  listApiTokens(userId?: string): Promise<ApiTokenRow[]>;
  revokeApiToken(id: string): Promise<void>;
  /** Deletes every session of a user except `keepIdHash`; returns how many ended. */
  deleteSessionsOf(userId: string, keepIdHash?: string): Promise<number>;
  /** Revokes every API token of a user except `keepId`; returns how many. */
  revokeApiTokensOf(userId: string, keepId?: string): Promise<number>;
  /**
   * Reads and rewrites the sign-in counters of `keys` in one transaction (their rows locked on
   * PostgreSQL), so concurrent attempts in any process on the database are counted one by one.
   * `decide` gets the current counters (null: none) and returns the new ones (null deletes) and a result.
   */
  updateLoginCounters<T>(keys: string[], decide: (counters: Map<string, LoginCounter | null>) => { counters: Map<string, LoginCounter | null>; result: T }): Promise<T>;

  // shared rate limits (the engine's limiter builds on these; docs/decisions/0007-shared-rate-limits.md)
  /**
   * Takes one of `slots` concurrency slots named by `key` for every process on this store, or returns
   * null at once when all are taken. PostgreSQL: session advisory locks on a dedicated connection (freed
   * by the server when the process dies); SQLite: in this process.
   */
  tryAcquireCallSlot(key: string, slots: number): Promise<CallSlot | null>;
  /**
   * Reserves the next start time under `perSecond` calls per second (a burst of `perSecond` allowed)
   * for every process on this store and returns how many ms to wait before starting (0: now).
   */
  reserveCallRate(key: string, perSecond: number): Promise<number>;
  /** Adds calls to a connection's daily usage atomically; returns the day's row and whether a capped add was applied. */
  addApiUsage(input: ApiUsageAdd): Promise<ApiUsageRow & { granted: boolean }>;
  /** Every connection's usage on one UTC day. */
  listApiUsage(day: string): Promise<ApiUsageRow[]>;
  /** Remembers a connection's discovered entities (replacing the last discovery). */
  saveConnectionSchema(input: ConnectionSchemaRow): Promise<void>;
  /** The last discovered entities of a connection, or null when it was never discovered. */
  getConnectionSchema(connection: string): Promise<ConnectionSchemaRow | null>;
  /** Stores one part of a vendor job's data (a bulk load's source records), replacing a part of that number. */
  saveBatchPart(batchId: string, part: number, data: string): Promise<void>;
  /** One part of a vendor job's data, or null when there is none of that number. */
  readBatchPart(batchId: string, part: number): Promise<string | null>;
  /** Drops a vendor job's data once its batch is settled. */
  deleteBatchData(batchId: string): Promise<void>;
  /**
   * Calls `listener` with a connection's name when it is created, changed or deleted by any process on
   * this store (`'*'` when changes may have been missed, e.g. after a reconnect). Returns an unsubscribe.
   */
  onConnectionChanged(listener: (name: string) => void): Promise<() => Promise<void>>;

  // audit
  audit(entry: AuditInput): Promise<void>;
  /** Re-encrypts every connection secret and state value under the key of `to`, in one transaction (audited). After it, open the store with the new key. */
  rotateMasterKey(to: SecretBox, actor?: string): Promise<KeyRotationResult>;
  /** Deletes history past the retention cutoffs in small batches; never unfinished work or open dead letters. */
  purgeHistory(cutoffs: RetentionCutoffs): Promise<PurgeResult>;
  /** Row counts (and bytes where known) of the tables that grow with traffic, for /metrics and the console. */
  tableSizes(): Promise<TableSize[]>;
  /** Bytes the whole database takes on disk (SQLite: the file; PostgreSQL: `pg_database_size`), for /metrics and the console. */
  databaseBytes(): Promise<number>;
  /** Audit rows newest first; `action` is one action (`flow.deploy`) or, ending in a dot, a family (`flow.`). */
  listAudit(filter: { limit?: number; before?: string; actor?: string; action?: string }): Promise<AuditRow[]>;
}
