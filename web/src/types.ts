/** Shapes of the admin API's answers (see /api/v1/openapi.json). */
export type Role = 'admin' | 'operator' | 'viewer';

export interface User {
  id: string;
  username: string;
  role: Role;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}
export interface Me {
  user: User;
  via: 'session' | 'token';
  csrfToken: string | null;
}
export interface SerializedError {
  kind: string;
  message: string;
  details: Record<string, unknown>;
}
export interface Stats {
  runs: number;
  succeeded: number;
  failed: number;
  dead: number;
  skipped: number;
  p50Ms: number | null;
  p99Ms: number | null;
}
export interface Series {
  start: string;
  bucketMs: number;
  runs: number[];
  succeeded: number[];
  failed: number[];
}
export interface Check {
  ok: boolean;
  message: string;
  at: string;
  info?: Record<string, string>;
}
/** GET /metrics/lag: each flow's end-to-end lag (source event time → target written) over a window. */
export interface LagOverview {
  since: string;
  flows: Array<{ flow: string; count: number; p50Ms: number | null; p99Ms: number | null }>;
}
export interface Summary {
  generatedAt: string;
  flows: Array<{ flow: string; status: string; currentVersion: number; hour: Stats; day: Stats; openDeadLetters: number; hourSeries: Series; daySeries: Series }>;
  queue: { queued: number; running: number; delayed: number; deadLetters: number };
  /** Backpressure: unfinished work, age of the oldest waiting job, and the bounds past which webhooks get 503. */
  backlog?: { pending: number; ageMs: number; limits: { maxBacklogPerFlow: number; maxBacklog: number }; flows: Array<{ flow: string; pending: number; ageMs: number }> };
  connections: Array<{ name: string; type: string; lastCheck: Check | null; health?: ConnectionHealth | null; budget: { used: number; limit: number | null; resetAt: number | null } | null }>;
  /** The tables that grow with traffic (rows: exact on SQLite, an estimate on PostgreSQL; bytes: PostgreSQL only), read at most once a minute. */
  tables: Array<{ table: string; rows: number; bytes: number | null }>;
  /** The whole database on disk. */
  databaseBytes: number;
}
/** A connection whose credential was refused: its flows wait until a Test succeeds. */
export interface ConnectionHealth {
  status: 'unauthorized';
  message: string;
  at: string;
}
export interface FlowSummary {
  name: string;
  status: 'active' | 'paused';
  currentVersion: number;
  updatedAt: string;
  description?: string;
  trigger: string;
  /** A webhook flow that accepts unsigned deliveries. */
  unsigned?: boolean;
  source: string;
  targets: string[];
}
export interface FlowVersion {
  flow: string;
  version: number;
  hash: string;
  deployedAt: string;
  deployedBy: string;
  source?: string;
}
export interface MappingRow {
  target: string;
  connection: string;
  entity: string;
  field: string;
  source: string;
  rule: string;
  note?: string;
}
export interface FlowDetail {
  flow: FlowSummary;
  version: FlowVersion & { source: string };
  definition: Record<string, unknown>;
  mapping: MappingRow[];
}
export interface Diff {
  flow: string;
  from: number;
  to: number;
  lines: Array<{ op: 'same' | 'add' | 'remove'; text: string; oldLine: number | null; newLine: number | null }>;
  unified: string;
}
export interface Lineage {
  field: string;
  sources: string[];
  rule: string;
  value: unknown;
  /** Set when a function or value map turned a value the source had into nothing. */
  warning?: string;
}
/** Who a record is, as the server finds it in the record. */
export interface RecordIdentity {
  name?: string;
  email?: string;
  company?: string;
}
/** Who refused a failed record: Syncline's pre-check, Syncline's mapping, or the target system. */
export type RefusedBy = 'precheck' | 'syncline' | 'target';
export interface Preview {
  passedFilter: boolean;
  targets: Array<{ name: string; connection: string; entity: string; fields: Record<string, unknown> | null; lineage: Lineage[]; errors: SerializedError[] }>;
}
export interface Run {
  id: string;
  jobId: string;
  flow: string;
  flowVersion: number;
  trigger: string;
  status: 'succeeded' | 'skipped' | 'failed' | 'retrying' | 'dead';
  recordKey: string | null;
  startedAt: string;
  finishedAt: string;
  attempt: number;
  error?: SerializedError | null;
  stats?: Record<string, unknown>;
  /** The record's name, e-mail and company. */
  record?: RecordIdentity;
  /** `system` for automatic runs; the user who replayed or ran it otherwise. */
  startedBy?: string;
  /** Why a skipped record was skipped, in the flow's own words. */
  skipReason?: string;
  /** Values a mapping function turned into nothing. */
  warnings?: string[];
  refusedBy?: RefusedBy;
  /** A failed run's error in plain words. */
  reason?: string;
}
export interface Trace {
  id: string;
  runId: string;
  flow: string;
  at: string;
  step: string;
  status: 'ok' | 'skipped' | 'unchanged' | 'failed';
  connection?: string;
  entity?: string;
  externalId?: string;
  before?: unknown;
  after?: unknown;
  lineage?: Lineage[];
  error?: SerializedError | null;
}
export interface DeadLetter {
  id: string;
  jobId: string;
  flow: string;
  flowVersion: number;
  recordKey: string | null;
  payload: unknown;
  error: SerializedError;
  errorKind: string;
  signature: string;
  status: 'open' | 'replayed' | 'discarded' | 'superseded';
  attempts: number;
  createdAt: string;
  updatedAt: string;
  replayJobId: string | null;
  reason: string;
  record?: RecordIdentity;
  refusedBy?: RefusedBy;
}
export interface DeadLetterGroup {
  signature: string;
  errorKind: string;
  flow: string;
  count: number;
  example: string;
  reason: string;
}
export interface Connection {
  name: string;
  type: string;
  label?: string;
  settings: Record<string, unknown>;
  secretNames: string[];
  createdAt: string;
  updatedAt: string;
  lastCheck: Check | null;
  health?: ConnectionHealth | null;
  /** The flows whose current version uses this connection, and how. */
  usedBy?: Array<{ flow: string; as: string[] }>;
  budget?: { used: number; limit: number | null; resetAt: number | null } | null;
}
export interface ConnectionType {
  type: string;
  label: string;
  description: string;
  settingsSchema: Record<string, unknown>;
  secretFields: string[];
  /** Present when the connection can be authorised in the browser. */
  authorization?: { label: string; credentialSetting: string; impliedSettings: Record<string, unknown> };
}
export interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}
export interface Token {
  id: string;
  userId: string;
  username: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}
export interface Issue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Notifications (decision 0016). */
export interface AlertLink {
  label: string;
  path: string;
}
export interface Alert {
  id: string;
  rule: string;
  kind: string;
  subject: string;
  key: string;
  status: 'open' | 'acknowledged' | 'resolved';
  severity: 'warning' | 'critical';
  title: string;
  text: string;
  details: Record<string, unknown>;
  links: AlertLink[];
  openedAt: string;
  lastSeenAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  silencedUntil: string | null;
  silencedBy: string | null;
  resolvedAt: string | null;
}
export interface AlertDelivery {
  id: string;
  alertId: string;
  channel: string;
  event: 'opened' | 'resolved';
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAt: string;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}
export interface AlertRule {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  channels: string[];
  enabled: boolean;
  lastEvaluatedAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface AlertChannel {
  name: string;
  type: string;
  settings: Record<string, unknown>;
  secretNames: string[];
  createdAt: string;
  updatedAt: string;
}
export interface AlertKinds {
  rules: Array<{ kind: string; title: string; description: string; schema: Record<string, unknown> }>;
  channels: Array<{ type: string; title: string; schema: Record<string, unknown>; secretFields: string[] }>;
}
export interface EvaluationSummary {
  evaluated: boolean;
  rules: number;
  opened: number;
  resolved: number;
  ongoing: number;
  errors: number;
  sent: number;
  failed: number;
}
