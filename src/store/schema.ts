/**
 * The tables as Kysely sees them. One schema serves both dialects: text for ids, JSON and
 * timestamps (fixed-width ISO UTC, see clock.ts), integer for counters and 0/1 flags.
 */

/** A JSON value serialised to text. */
export type JsonText = string;
/** A fixed-width ISO 8601 UTC timestamp. */
export type IsoText = string;

export interface ConnectionsTable {
  name: string;
  type: string;
  settings: JsonText;
  /** JSON object of secret name → `v1:` AES-GCM ciphertext. */
  secrets: JsonText;
  created_at: IsoText;
  updated_at: IsoText;
}
export interface ConnectionStateTable {
  connection: string;
  key: string;
  value: JsonText;
  updated_at: IsoText;
}
export interface FlowsTable {
  name: string;
  status: string;
  current_version: number;
  updated_at: IsoText;
}
export interface FlowVersionsTable {
  flow: string;
  version: number;
  source: string;
  definition: JsonText;
  hash: string;
  deployed_at: IsoText;
  deployed_by: string;
}
export interface InboxTable {
  flow: string;
  delivery_id: string;
  job_id: string;
  received_at: IsoText;
}
export interface JobsTable {
  id: string;
  flow: string;
  flow_version: number;
  kind: string;
  payload: JsonText;
  record_key: string | null;
  max_attempts: number;
  status: string;
  attempts: number;
  run_at: IsoText;
  lease_owner: string | null;
  lease_expires_at: IsoText | null;
  last_error: JsonText | null;
  created_at: IsoText;
  updated_at: IsoText;
}
export interface RunsTable {
  id: string;
  job_id: string;
  flow: string;
  flow_version: number;
  trigger: string;
  status: string;
  record_key: string | null;
  attempt: number;
  started_at: IsoText;
  finished_at: IsoText;
  error: JsonText | null;
  stats: JsonText | null;
}
export interface TracesTable {
  id: string;
  run_id: string;
  flow: string;
  at: IsoText;
  step: string;
  status: string;
  connection: string | null;
  entity: string | null;
  external_id: string | null;
  before: JsonText | null;
  after: JsonText | null;
  lineage: JsonText | null;
  error: JsonText | null;
  keys: JsonText | null;
}
export interface TraceKeysTable {
  key: string;
  trace_id: string;
  run_id: string;
}
export interface XrefTable {
  connection: string;
  entity: string;
  external_id: string;
  link_id: string;
  created_at: IsoText;
}
export interface TargetHashesTable {
  connection: string;
  entity: string;
  external_id: string;
  hash: string;
  updated_at: IsoText;
}
export interface WatermarksTable {
  flow: string;
  key: string;
  value: JsonText | null;
  updated_at: IsoText;
}
export interface DeadLettersTable {
  id: string;
  job_id: string;
  flow: string;
  flow_version: number;
  record_key: string | null;
  payload: JsonText;
  error: JsonText;
  error_kind: string;
  error_message: string;
  signature: string;
  status: string;
  attempts: number;
  max_attempts: number;
  created_at: IsoText;
  updated_at: IsoText;
  replay_job_id: string | null;
}
export interface AuditLogTable {
  id: string;
  at: IsoText;
  actor: string;
  action: string;
  target: string;
  details: JsonText | null;
}
export interface UsersTable {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  must_change_password: number;
  disabled: number;
  created_at: IsoText;
  last_login_at: IsoText | null;
}
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  expires_at: IsoText;
  created_at: IsoText;
}
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: IsoText;
  last_used_at: IsoText | null;
  revoked: number;
}

export interface ApiUsageTable {
  connection: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** The figure shown and capped against: the larger of `counted` and `reported`. */
  used: number;
  /** Calls every Syncline process counted (a pure sum of their flushes). */
  counted: number;
  /** The highest figure the vendor reported today (it includes other tools' calls on the credential). */
  reported: number;
  daily_limit: number | null;
  /** Epoch ms of the vendor's reset, when it reported one (PostgreSQL returns bigint as text). */
  reset_at: number | string | null;
  updated_at: IsoText;
}
/** PostgreSQL only. */
export interface RateBucketsTable {
  key: string;
  tat: number;
}

/** Sign-in attempts under one key (an account or a client address) and the lockout they caused. */
export interface LoginCountersTable {
  key: string;
  failures: number;
  locked_until: IsoText;
  last_failure: IsoText;
}

/** The last discovered entities of a connection (migration 0009). */
export interface ConnectionSchemasTable {
  connection: string;
  type: string;
  /** JSON array of EntitySpec. */
  entities: JsonText;
  discovered_at: IsoText;
}

/** One part of a bulk load's vendor job data (migration 0013): PACK_RECORDS source records, packed. */
export interface BatchDataTable {
  batch_id: string;
  part: number;
  data: string;
  created_at: IsoText;
}

/** Every table of the store. */
export interface Database {
  connections: ConnectionsTable;
  connection_state: ConnectionStateTable;
  flows: FlowsTable;
  flow_versions: FlowVersionsTable;
  inbox: InboxTable;
  jobs: JobsTable;
  runs: RunsTable;
  traces: TracesTable;
  trace_keys: TraceKeysTable;
  xref: XrefTable;
  target_hashes: TargetHashesTable;
  watermarks: WatermarksTable;
  dead_letters: DeadLettersTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_counters: LoginCountersTable;
  connection_schemas: ConnectionSchemasTable;
  batch_data: BatchDataTable;
  api_usage: ApiUsageTable;
  rate_buckets: RateBucketsTable;
}
