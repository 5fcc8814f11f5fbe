/**
 * JSON schemas of the admin API's shapes, written once and used for request validation, response
 * validation and the OpenAPI document. Objects are closed (`additionalProperties: false`) so a
 * field that should never leave the server (a secret, a password hash) fails the response check
 * instead of being sent.
 */
import type { Schema } from './route.js';

/** Any JSON value. */
export const anyJson: Schema = {};
/** An ISO 8601 timestamp. */
export const iso: Schema = { type: 'string', format: 'date-time' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
/** A closed object with every listed property required unless named in `optional`. */
export function obj(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return { type: 'object', additionalProperties: false, properties, required: Object.keys(properties).filter((k) => !optional.includes(k)) };
}
/** An array of `items`. */
export const arr = (items: Schema): Schema => ({ type: 'array', items });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const num: Schema = { type: 'number' };
const openObject: Schema = { type: 'object', additionalProperties: true };

/** Every error the API sends: a stable code, a sentence, and sometimes located issues. */
export const errorSchema: Schema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: str,
    message: str,
    issues: arr(obj({ path: str, message: str, file: str, line: int, column: int }, ['file', 'line', 'column'])),
    retryAfterMs: int,
  },
  additionalProperties: true,
};
/** `{ ok: true }`. */
export const okSchema: Schema = obj({ ok: bool });

export const roleSchema: Schema = { type: 'string', enum: ['admin', 'operator', 'viewer'] };
/** A user as the API shows it (never the password hash). */
export const userSchema: Schema = obj({
  id: str,
  username: str,
  role: roleSchema,
  mustChangePassword: bool,
  disabled: bool,
  createdAt: iso,
  lastLoginAt: nullable(iso),
});
export const meSchema: Schema = obj({ user: userSchema, via: { type: 'string', enum: ['session', 'token'] }, csrfToken: nullable(str) });

export const serializedErrorSchema: Schema = obj({ kind: str, message: str, details: openObject });

/** Why a connection is unhealthy: its credential was refused; its flows wait until a successful Test. */
export const connectionHealthSchema: Schema = obj({ status: { type: 'string', enum: ['unauthorized'] }, message: str, at: iso });
/** A connection: settings and the names of the secrets that are set, never their values. */
export const connectionSchema: Schema = obj(
  {
    name: str,
    type: str,
    label: str,
    settings: openObject,
    secretNames: arr(str),
    createdAt: iso,
    updatedAt: iso,
    lastCheck: nullable(obj({ ok: bool, message: str, at: iso, info: { type: 'object', additionalProperties: str } }, ['info'])),
    health: nullable(connectionHealthSchema),
    /** The flows whose current version uses this connection, and how. */
    usedBy: arr(obj({ flow: str, as: arr(str) })),
    budget: nullable(obj({ used: int, limit: nullable(int), resetAt: nullable(int) })),
  },
  ['label', 'health', 'usedBy', 'budget'],
);
export const connectionTypeSchema: Schema = obj(
  {
    type: str,
    label: str,
    description: str,
    settingsSchema: openObject,
    secretFields: arr(str),
    /** Present when the connection can be authorised in the browser ("Connect with Salesforce"). */
    authorization: obj({ label: str, credentialSetting: str, impliedSettings: openObject }),
  },
  ['authorization'],
);
/** One field of a connection form, as the connector's settings declaration gives it (core/settings-spec.ts). */
export const settingsFieldSchema: Schema = obj(
  {
    name: str,
    title: str,
    description: str,
    type: { type: 'string', enum: ['string', 'integer', 'number', 'boolean', 'object', 'array'] },
    required: bool,
    secret: bool,
    enum: arr(anyJson),
    default: anyJson,
    format: str,
    pattern: str,
    minimum: num,
    maximum: num,
  },
  ['description', 'enum', 'default', 'format', 'pattern', 'minimum', 'maximum'],
);
/** What a connection form needs for one connector type: its fields in declaration order. */
export const connectionFormSchema: Schema = obj({ type: str, label: str, description: str, fields: arr(settingsFieldSchema) });
export const checkResultSchema: Schema = obj({ ok: bool, message: str, at: iso, info: { type: 'object', additionalProperties: str } }, ['info']);

export const flowSummarySchema: Schema = obj(
  {
    name: str,
    status: { type: 'string', enum: ['active', 'paused'] },
    currentVersion: int,
    updatedAt: iso,
    description: str,
    trigger: str,
    /** A webhook flow that accepts unsigned deliveries (`unsigned: true`): the console marks it. */
    unsigned: bool,
    source: str,
    targets: arr(str),
  },
  ['description', 'unsigned'],
);
export const flowVersionSchema: Schema = obj({ flow: str, version: int, hash: str, deployedAt: iso, deployedBy: str });
export const flowVersionWithSourceSchema: Schema = obj({ flow: str, version: int, hash: str, deployedAt: iso, deployedBy: str, source: str });
/** One row of the readable mapping table. */
export const mappingRowSchema: Schema = obj({ target: str, connection: str, entity: str, field: str, source: str, rule: str, note: str }, ['note']);
export const flowDetailSchema: Schema = obj({
  flow: flowSummarySchema,
  version: flowVersionWithSourceSchema,
  definition: openObject,
  mapping: arr(mappingRowSchema),
});
export const diffSchema: Schema = obj({
  flow: str,
  from: int,
  to: int,
  lines: arr(obj({ op: { type: 'string', enum: ['same', 'add', 'remove'] }, text: str, oldLine: nullable(int), newLine: nullable(int) })),
  unified: str,
});
export const issueSchema: Schema = obj({ path: str, message: str, file: str, line: int, column: int }, ['file', 'line', 'column']);

export const lineageSchema: Schema = obj({ field: str, sources: arr(str), rule: str, value: anyJson, warning: str }, ['warning']);
/** Who a record is, for people: its name, e-mail and company, each when the record shows it. */
export const recordIdentitySchema: Schema = obj({ name: str, email: str, company: str }, ['name', 'email', 'company']);
/** Who refused a failed record: Syncline's pre-check (target's field rules), Syncline's mapping, or the target system. */
export const refusedBySchema: Schema = { type: 'string', enum: ['precheck', 'syncline', 'target'] };
export const previewSchema: Schema = obj({
  passedFilter: bool,
  targets: arr(
    obj({ name: str, connection: str, entity: str, fields: nullable(openObject), lineage: arr(lineageSchema), errors: arr(serializedErrorSchema) }),
  ),
});

export const runStatusSchema: Schema = { type: 'string', enum: ['succeeded', 'skipped', 'failed', 'retrying', 'dead'] };
export const runSchema: Schema = obj(
  {
    id: str,
    jobId: str,
    flow: str,
    flowVersion: int,
    trigger: str,
    status: runStatusSchema,
    recordKey: nullable(str),
    startedAt: iso,
    finishedAt: iso,
    attempt: int,
    error: nullable(serializedErrorSchema),
    stats: openObject,
    /** The record's name, e-mail and company, from its source record (or what it mapped to). */
    record: recordIdentitySchema,
    /** `system` for automatic runs (events, polls, schedules); the user who replayed or ran it otherwise. */
    startedBy: str,
    /** Why a skipped record was skipped, in the flow's own words (its filterReason, else its filter). */
    skipReason: str,
    /** Values a mapping function or value map turned into nothing (an unparseable phone). */
    warnings: arr(str),
    refusedBy: refusedBySchema,
    /** A failed run's error in plain words: who refused it and what to do. */
    reason: str,
  },
  ['error', 'stats', 'record', 'startedBy', 'skipReason', 'warnings', 'refusedBy', 'reason'],
);
export const traceSchema: Schema = obj(
  {
    id: str,
    runId: str,
    flow: str,
    at: iso,
    step: str,
    status: { type: 'string', enum: ['ok', 'skipped', 'unchanged', 'failed'] },
    connection: str,
    entity: str,
    externalId: str,
    before: anyJson,
    after: anyJson,
    lineage: arr(lineageSchema),
    error: nullable(serializedErrorSchema),
    keys: arr(str),
  },
  ['connection', 'entity', 'externalId', 'before', 'after', 'lineage', 'error', 'keys'],
);
/** A queued or finished job (replays and manual runs report through it). */
export const jobSchema: Schema = obj({
  id: str,
  flow: str,
  flowVersion: int,
  kind: str,
  status: { type: 'string', enum: ['queued', 'running', 'done', 'dead'] },
  attempts: int,
  maxAttempts: int,
  recordKey: nullable(str),
  runAt: iso,
  lastError: nullable(serializedErrorSchema),
  createdAt: iso,
  updatedAt: iso,
});
export const xrefIdSchema: Schema = obj({ connection: str, entity: str, id: str });

export const deadLetterSchema: Schema = obj({
  id: str,
  jobId: str,
  flow: str,
  flowVersion: int,
  recordKey: nullable(str),
  payload: anyJson,
  error: serializedErrorSchema,
  errorKind: str,
  signature: str,
  status: { type: 'string', enum: ['open', 'replayed', 'discarded', 'superseded'] },
  attempts: int,
  createdAt: iso,
  updatedAt: iso,
  replayJobId: nullable(str),
  reason: str,
  /** The record's name, e-mail and company, from the payload. */
  record: recordIdentitySchema,
  refusedBy: refusedBySchema,
}, ['record', 'refusedBy']);
export const deadLetterGroupSchema: Schema = obj({ signature: str, errorKind: str, flow: str, count: int, example: str, reason: str });

export const flowStatsSchema: Schema = obj({
  runs: int,
  succeeded: int,
  failed: int,
  dead: int,
  skipped: int,
  p50Ms: nullable(num),
  p99Ms: nullable(num),
});
export const seriesSchema: Schema = obj({ start: iso, bucketMs: int, runs: arr(int), succeeded: arr(int), failed: arr(int) });
export const summarySchema: Schema = obj({
  generatedAt: iso,
  flows: arr(
    obj({
      flow: str,
      status: str,
      currentVersion: int,
      hour: flowStatsSchema,
      day: flowStatsSchema,
      openDeadLetters: int,
      hourSeries: seriesSchema,
      daySeries: seriesSchema,
    }),
  ),
  queue: obj({ queued: int, running: int, delayed: int, deadLetters: int }),
  backlog: obj({
    pending: int,
    ageMs: int,
    limits: obj({ maxBacklogPerFlow: int, maxBacklog: int }),
    flows: arr(obj({ flow: str, pending: int, ageMs: int })),
  }),
  connections: arr(
    obj({
      name: str,
      type: str,
      lastCheck: nullable(checkResultSchema),
      health: nullable(connectionHealthSchema),
      budget: nullable(obj({ used: int, limit: nullable(int), resetAt: nullable(int) })),
    }),
  ),
  /** Size of each table that grows with traffic (rows: exact on SQLite, PostgreSQL's live-row estimate; bytes: PostgreSQL only), refreshed at most once a minute. */
  tables: arr(obj({ table: str, rows: int, bytes: nullable(int) })),
  /** Bytes the whole database takes on disk (SQLite: the file; PostgreSQL: pg_database_size), refreshed with `tables`. */
  databaseBytes: int,
});

export const auditSchema: Schema = obj({ id: str, at: iso, actor: str, action: str, target: str, details: openObject }, ['details']);
export const tokenSchema: Schema = obj({ id: str, userId: str, username: str, name: str, createdAt: iso, lastUsedAt: nullable(iso), revoked: bool });

/** `:name` path parameter. */
export const nameParams: Schema = obj({ name: { type: 'string', minLength: 1, maxLength: 200 } });
/** `:type` path parameter (a connector type). */
export const typeParams: Schema = obj({ type: { type: 'string', minLength: 1, maxLength: 100 } });
/** `:id` path parameter. */
export const idParams: Schema = obj({ id: { type: 'string', minLength: 1, maxLength: 200 } });
