/** Converting between table rows and the Store's domain types (JSON text, 0/1 flags, column names). */
import type { ErrorKind, SerializedError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { LineageEntry } from '../core/lineage.js';
import type {
  ApiTokensTable,
  AuditLogTable,
  DeadLettersTable,
  FlowVersionsTable,
  FlowsTable,
  JobsTable,
  RunsTable,
  SessionsTable,
  TracesTable,
  UsersTable,
} from './schema.js';
import type {
  ApiTokenRow,
  AuditRow,
  DeadLetterRow,
  DeadLetterStatus,
  FlowRow,
  FlowStatus,
  FlowVersionRow,
  JobKind,
  JobRow,
  JobStatus,
  Role,
  RunRow,
  RunStatus,
  SessionRow,
  TraceRow,
  UserRow,
} from './types.js';

/** JSON text for a value; undefined is stored as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** JSON text or SQL NULL for an optional value. */
export function toJsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Parses JSON text; SQL NULL stays null. */
export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Counts come back as strings from PostgreSQL (bigint) and numbers from SQLite. */
export function toCount(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function toFlowRow(r: FlowsTable): FlowRow {
  return { name: r.name, status: r.status as FlowStatus, currentVersion: Number(r.current_version), updatedAt: r.updated_at };
}

export function toFlowVersionRow(r: FlowVersionsTable): FlowVersionRow {
  return {
    flow: r.flow,
    version: Number(r.version),
    source: r.source,
    definition: JSON.parse(r.definition),
    hash: r.hash,
    deployedAt: r.deployed_at,
    deployedBy: r.deployed_by,
  };
}

export function toJobRow(r: JobsTable): JobRow {
  return {
    id: r.id,
    flow: r.flow,
    flowVersion: Number(r.flow_version),
    kind: r.kind as JobKind,
    payload: JSON.parse(r.payload) as JsonValue,
    recordKey: r.record_key,
    maxAttempts: Number(r.max_attempts),
    status: r.status as JobStatus,
    attempts: Number(r.attempts),
    runAt: r.run_at,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    lastError: fromJson<SerializedError>(r.last_error),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toRunRow(r: RunsTable): RunRow {
  const row: RunRow = {
    id: r.id,
    jobId: r.job_id,
    flow: r.flow,
    flowVersion: Number(r.flow_version),
    trigger: r.trigger as JobKind,
    status: r.status as RunStatus,
    recordKey: r.record_key,
    attempt: Number(r.attempt),
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: fromJson<SerializedError>(r.error),
  };
  const stats = fromJson<RunRow['stats']>(r.stats);
  if (stats) row.stats = stats;
  return row;
}

export function toTraceRow(r: TracesTable): TraceRow {
  const row: TraceRow = { id: r.id, runId: r.run_id, flow: r.flow, at: r.at, step: r.step, status: r.status as TraceRow['status'] };
  if (r.connection !== null) row.connection = r.connection;
  if (r.entity !== null) row.entity = r.entity;
  if (r.external_id !== null) row.externalId = r.external_id;
  if (r.before !== null) row.before = JSON.parse(r.before) as JsonValue;
  if (r.after !== null) row.after = JSON.parse(r.after) as JsonValue;
  if (r.lineage !== null) row.lineage = JSON.parse(r.lineage) as LineageEntry[];
  if (r.error !== null) row.error = JSON.parse(r.error) as SerializedError;
  if (r.keys !== null) row.keys = JSON.parse(r.keys) as string[];
  return row;
}

export function toDeadLetterRow(r: DeadLettersTable): DeadLetterRow {
  return {
    id: r.id,
    jobId: r.job_id,
    flow: r.flow,
    flowVersion: Number(r.flow_version),
    recordKey: r.record_key,
    payload: JSON.parse(r.payload) as JsonValue,
    error: JSON.parse(r.error) as SerializedError,
    errorKind: r.error_kind as ErrorKind,
    signature: r.signature,
    status: r.status as DeadLetterStatus,
    attempts: Number(r.attempts),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    replayJobId: r.replay_job_id,
  };
}

export function toAuditRow(r: AuditLogTable): AuditRow {
  const row: AuditRow = { id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target };
  if (r.details !== null) row.details = JSON.parse(r.details);
  return row;
}

export function toUserRow(r: UsersTable): UserRow {
  return {
    id: r.id,
    username: r.username,
    role: r.role as Role,
    passwordHash: r.password_hash,
    mustChangePassword: Number(r.must_change_password) === 1,
    disabled: Number(r.disabled) === 1,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}

export function toSessionRow(r: SessionsTable): SessionRow {
  return { idHash: r.id_hash, userId: r.user_id, csrfToken: r.csrf_token, expiresAt: r.expires_at, createdAt: r.created_at };
}

export function toApiTokenRow(r: ApiTokensTable): ApiTokenRow {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    tokenHash: r.token_hash,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revoked: Number(r.revoked) === 1,
  };
}

/** The dead-letter grouping key, the same as SyncError.signature: kind:system:vendorCode:field without blanks. */
export function errorSignature(error: SerializedError): string {
  const d = error.details ?? {};
  return [error.kind, d.system, d.vendorCode, d.field].filter(Boolean).join(':');
}
