/**
 * The connector contract. A connector declares what it is once (settings, entities, limits) and
 * implements a small protocol the engine drives: check, discover, readChanges(since), get, find,
 * write, writeBatch, webhook verify/parse. Connectors import only `core`; the engine never
 * special-cases a system.
 */
import type { Fields, JsonObject } from './json.js';
import type { SyncError } from './errors.js';
import type { SettingsSpec } from './settings-spec.js';

/** The data types a field can carry; mapping validation and the console use them. */
export type FieldType =
  | 'string'
  | 'text'
  | 'email'
  | 'phone'
  | 'integer'
  | 'number'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'id'
  | 'reference'
  | 'picklist'
  | 'object'
  | 'array';

/** One field of an entity, as the target's schema defines it. */
export interface FieldSpec {
  /** API name, exactly as the system spells it (`CustomerName`, `Email`, `erp_customer_number__c`). */
  name: string;
  /** Human label shown in the console. */
  label?: string;
  type: FieldType;
  /** The system refuses a create without it. */
  required?: boolean;
  /** Longest accepted string (Sage 100 `CustomerName` is 30). */
  maxLength?: number;
  /** Allowed values for picklists and codes. */
  enum?: readonly string[];
  /** Cannot be written (system-stamped, formula). */
  readOnly?: boolean;
  /** Usable as an upsert / match key. */
  externalId?: boolean;
  /** For `reference` fields: the entity it points to. */
  references?: string;
  /** For `decimal`: digits after the point. */
  scale?: number;
  /** One line on what the field holds. */
  description?: string;
}

/** The operations an entity supports on this system. */
export type EntityOperation = 'read' | 'changes' | 'get' | 'find' | 'create' | 'update' | 'upsert' | 'delete' | 'batch';

/** One entity (object type) of a system. */
export interface EntitySpec {
  /** API name (`Account`, `prospect`, `AR_Customer`). */
  name: string;
  label?: string;
  /** The field that holds the record's id on this system. */
  idField: string;
  /** The field that holds the last-modified stamp, when the entity supports change polling. */
  updatedField?: string;
  fields: FieldSpec[];
  operations: readonly EntityOperation[];
  /** Largest batch the system accepts in one call for writeBatch (200 for sObject Collections). */
  maxBatchSize?: number;
  description?: string;
  /** The field list is not exhaustive (an HTTP entity declared without fields): names outside it are not refused at deploy. */
  openFields?: boolean;
  /** Related lists a read can carry nested in each record (Salesforce child relationships: `OpportunityLineItems`). */
  relationships?: string[];
}

/** A record as a connector reads it. */
export interface SourceRecord {
  /** The record's id on its system, as one string (Sage 100 `01-ABF`). */
  id: string;
  entity: string;
  /** Last-modified stamp, ISO 8601 with offset, used for watermarks. */
  updatedAt?: string;
  /** True when the system reports the record deleted. */
  deleted?: boolean;
  /**
   * The source's own name for this change, when it has one (a change event's replay id): the inbox
   * drops repeats by it instead of by id @ stamp, since two changes within one stamp's resolution
   * would otherwise look like one.
   */
  deliveryId?: string;
  /**
   * Set when this row is one change of another record (an event table's row names the order it
   * changed): the engine runs the rows of one sequence key one after another, in the order read,
   * where it would otherwise key them by `id` and run them side by side.
   */
  sequenceKey?: string;
  data: Fields;
}

/** Where change polling stands: the newest stamp seen and, for ties, the greatest key at that stamp. */
export interface Watermark {
  /** ISO 8601 timestamp of the newest record already produced. */
  at: string;
  /** Key tie-break: records with the same stamp and a key at or below this one were already produced. */
  key?: string;
  /** Connector-specific cursor data (a page token, a replay id). */
  extra?: JsonObject;
}

/** Options for one readChanges call. */
export interface ReadChangesOptions {
  /** Largest number of records to return in this call. */
  limit: number;
  /** Fields the flow needs; connectors may use it to trim requests (`fields=` on Pardot). */
  fields?: string[];
  /** Aborts a long read when the worker stops. */
  signal?: AbortSignal;
  /**
   * How far before the watermark's stamp to read again, for records committed late with an older
   * stamp (the flow's `trigger.overlap`). The watermark itself reaches the connector unchanged; the
   * shared polling helper (connectors/shared/polling.ts) applies the overlap and drops repeats.
   */
  overlapMs?: number;
}

/** One page of changes. The connector never moves the watermark itself: the engine commits `next`. */
export interface ChangePage {
  /** Records sorted by (updatedAt, id) ascending. */
  records: SourceRecord[];
  /** The watermark after this page, or the input watermark when nothing changed. */
  next: Watermark | null;
  /** More records are waiting beyond `limit`. */
  hasMore: boolean;
}

/** Options for one readAll call. */
export interface ReadAllOptions {
  /** About how many records to return in this call (the vendor's page size may round it). */
  limit: number;
  /** Fields the caller needs; connectors may use it to trim requests. */
  fields?: string[];
  /** Aborts a long read when the caller stops. */
  signal?: AbortSignal;
}

/** One page of a whole-entity read. Like a ChangePage, the caller keeps the cursor; the connector never stores it. */
export interface SnapshotPage {
  /** Live records (deleted ones left out), in the order the system serves them. */
  records: SourceRecord[];
  /** Where the next call continues (a query locator, a page token), or null after the last page. */
  next: JsonObject | null;
}

/** Options for one readStream call. */
export interface ReadStreamOptions {
  /** The vendor's channel (`/data/OpportunityChangeEvent`, `/event/Order_Event__e`); default the entity's own change channel. */
  channel?: string;
  /** Names the reader, so several flows on one channel each keep their own session. */
  subscriber: string;
  /** Largest number of events to turn into records in this call. */
  limit: number;
  /** Ends a wait in progress when the worker stops. */
  signal?: AbortSignal;
}

/**
 * What one wait on a push channel produced. Like a ChangePage, the connector never moves the
 * position itself: the engine commits `next` with the records, in one transaction.
 */
export interface StreamPage {
  /** The records the events named, read whole (events carry only changed fields). */
  records: SourceRecord[];
  /** The position after these events (the vendor's replay id in `extra.replayId`, the last commit time in `at`). */
  next: Watermark | null;
  /**
   * Set when events may have been lost: the stored position is outside the vendor's retention window,
   * or the vendor reported an overflow. The engine reads the entity's changes since this stamp by
   * polling, commits them, then commits `next`; a gap is never skipped silently.
   */
  gapSince?: string;
  /** Set (with the reason) when this connection cannot stream the channel (no entitlement, switched off): the engine polls the flow instead. */
  unavailable?: string;
}

/** The write verbs a flow can ask for. */
export type WriteVerb = 'create' | 'update' | 'upsert' | 'delete';

/** One write a flow asks a connector to make. */
export interface WriteOp {
  verb: WriteVerb;
  /** The target record's id, for update and delete (known from the cross-reference or a match). */
  id?: string;
  /** For upsert: the external-id field and its value. */
  match?: { field: string; value: unknown };
  /** The fields to write (already mapped and validated). */
  data: Fields;
  /** Stable key for this write so a retried call can be recognised (source record + flow). */
  idempotencyKey?: string;
}

/** The result of one write. */
export type WriteOutcome =
  | {
      ok: true;
      /** The target record's id. */
      id: string;
      /** True when the write created the record. */
      created: boolean;
      /** Values the system returned (a generated number, stamps) for write-back and request-reply. */
      data?: Fields;
    }
  | { ok: false; error: SyncError };

/**
 * A vendor job (a Bulk API job, an import) still running after writeBatch or resumeBatch returned.
 * The connector never waits for it: the engine stores `handle` with a job of its own and calls
 * `resumeBatch(entity, handle)` after `checkAfterMs`, holding no limiter slot in between.
 */
export interface PendingBatch {
  pending: true;
  /** Everything the connector needs to continue, as JSON: it is stored with the engine's job. */
  handle: JsonObject;
  /** When to check again, in ms from now. */
  checkAfterMs: number;
  /** One line for progress and traces (`import 42 Processing`). */
  detail?: string;
}

/**
 * A batch row the system wrote without saying which record it became (a Pardot import too large to
 * read the ids back cheaply). Only an upsert on a match key the system can find again may end so: the
 * record's next write upserts on that key, gets the id and links it then.
 */
export interface UnidentifiedWrite {
  ok: true;
  id: null;
  unidentified: true;
}

/** One op's outcome in a batch: a write, written but unidentified, or a failure. */
export type BatchOutcome = WriteOutcome | UnidentifiedWrite;

/**
 * A writeBatch filled op by op (Connector.openBatch): the connector keeps each op in its wire form as
 * it arrives (a CSV row for Bulk API 2.0 and the Pardot Import API), so a bulk load's 50,000 writes are
 * held as their upload text, not as objects.
 */
export interface BatchBuilder {
  /** Adds one op (in order). */
  add(op: WriteOp): void;
  /** Sends the ops added, as writeBatch with the same ops would: one outcome per op, or pending. The builder is spent. */
  submit(): Promise<BatchResult>;
}

/** What writeBatch and resumeBatch return: one outcome per op, in order, or a vendor job still running. */
export type BatchResult = BatchOutcome[] | PendingBatch;

/** True when a batch result is a vendor job still running. */
export function isPendingBatch(result: BatchResult): result is PendingBatch {
  return !Array.isArray(result) && result.pending === true;
}

/** An incoming webhook request as the server hands it to a connector. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The exact bytes received, for signature checks. */
  rawBody: Buffer;
  /** The parsed JSON body. */
  body: unknown;
}

/** One event carried by a webhook. */
export interface WebhookEvent {
  /** The sender's delivery id, used by the inbox to drop repeats. */
  deliveryId?: string;
  /** Event type as the sender names it (`order.created`, `cart.abandoned`). */
  type?: string;
  entity?: string;
  /** The record's id on the sending system, when present. */
  recordId?: string;
  /** As SourceRecord.sequenceKey: the record this event is one change of, when that is not recordId. */
  sequenceKey?: string;
  data: Fields;
}

/** Declared rate limits; the engine's limiter enforces them for every connector alike. */
export interface RateLimits {
  /** Steady calls per second. */
  perSecond?: number;
  /** Calls in flight at once (Pardot: 5 per business unit). */
  concurrent?: number;
  /** Calls per rolling 24 hours (the API budget). */
  perDay?: number;
}

/** API usage a connector observed (from `Sforce-Limit-Info`, `/limits`, a vendor header). */
export interface UsageReport {
  /** Calls used in the current daily window. */
  used: number;
  /** The daily limit. */
  limit: number;
  /** When the window resets (epoch ms), when the vendor tells. */
  resetAt?: number;
}

/** Durable per-connection key/value state (cached tokens, discovered ids); persisted by the engine. */
export interface ConnectionState {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/**
 * Admits outbound API calls under a connection's limits. The engine provides one per connection; the
 * shared HTTP and SOAP clients acquire it for every request, so a multi-page read spends one slot per
 * page and every process on one store shares one concurrency, per-second and daily budget.
 */
export interface CallGate {
  /**
   * Waits for a slot under the connection's concurrency and per-second limits, counts one call against
   * the daily budget and returns the release. Throws SyncError('rate_limited') with `resetAt` when the
   * daily budget is spent. `operation` names the call for metrics (`GET prospects`, `ebws:CreateCustomer`).
   */
  acquire(operation: string, signal?: AbortSignal): Promise<() => void>;
}

/** Minimal logger shape (pino-compatible) so connectors need not import pino. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** What the engine hands a connector when it opens a connection. */
export interface ConnectorContext {
  /** Connection name as configured (`salesforce-prod`). */
  connectionName: string;
  /** Settings and decrypted secrets, validated against the connector's settings schema. */
  settings: Record<string, unknown>;
  state: ConnectionState;
  logger: Logger;
  /** Called after every vendor answer that reveals usage; feeds the API budget. */
  reportUsage(usage: UsageReport): void;
  /** The connection's limiter; every outbound call goes through it (the shared clients do this). */
  gate: CallGate;
}

/** The result of a connection test. */
export interface CheckResult {
  ok: boolean;
  message: string;
  /** Extra facts shown in the console (org id, API version, business unit). */
  info?: Record<string, string>;
}

/** An open connection to one system. */
export interface Connector {
  /** Verifies credentials and reachability without changing anything. */
  check(): Promise<CheckResult>;
  /** Lists the entities and fields, from the live system where it can describe itself. */
  discover(): Promise<EntitySpec[]>;
  /** Records changed after `since` (null: from the beginning), sorted by (updatedAt, id). */
  readChanges(entity: string, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage>;
  /**
   * Every live record of an entity, page by page, by the system's bulk or paged read (one query cursor
   * followed to its end, not one query per page): what a comparison of whole systems (reconciliation)
   * reads. `cursor` is null for the first page, then the `next` of the page before.
   */
  readAll?(entity: string, cursor: JsonObject | null, options: ReadAllOptions): Promise<SnapshotPage>;
  /** One record by id, or null. */
  get(entity: string, id: string): Promise<SourceRecord | null>;
  /** Records whose `field` equals `value` (used for match rules, e.g. by email). */
  find(entity: string, field: string, value: unknown): Promise<SourceRecord[]>;
  /** One write. Throws SyncError on failure. */
  write(entity: string, op: WriteOp): Promise<WriteOutcome & { ok: true }>;
  /**
   * Many writes in the system's bulk form; one outcome per op, in order. Never throws for a single
   * record's failure. When the system runs the writes as a job of its own, returns a PendingBatch
   * instead of waiting for it.
   */
  writeBatch?(entity: string, ops: WriteOp[]): Promise<BatchResult>;
  /** Checks a vendor job a PendingBatch named: its outcomes (one per op of the original writeBatch, in order) or still pending. */
  resumeBatch?(entity: string, handle: JsonObject): Promise<BatchResult>;
  /** A writeBatch to fill op by op and then submit (what a bulk load uses); absent or null: the caller gathers the ops for writeBatch. */
  openBatch?(entity: string): BatchBuilder | null;
  /**
   * Waits for events on a push channel (Salesforce Change Data Capture, platform events) after the
   * stored position and returns them as records; an empty page when the wait ended without events.
   * Absent on systems that only poll.
   */
  readStream?(entity: string, since: Watermark | null, options: ReadStreamOptions): Promise<StreamPage>;
  /** Releases sockets, ODBC handles, timers. */
  close(): Promise<void>;
}

/** Webhook handling a connector offers for systems that push events. */
export interface WebhookSupport {
  /** Throws SyncError('unauthorized') when the request is not authentic (core/webhook-signature.ts is the shared rule). */
  verify(req: WebhookRequest, settings: Record<string, unknown>): void;
  /** Splits one request into events; `settings` are the connection's (for connectors whose body layout is configured). */
  parse(req: WebhookRequest, settings?: Record<string, unknown>): WebhookEvent[];
  /** False when these settings make `verify` accept unsigned requests (no secret): the engine then refuses them unless the flow says `unsigned: true`. */
  isSigned?(settings: Record<string, unknown>): boolean;
  /** The answer the sender requires once the delivery's events are committed (Salesforce outbound messages: a SOAP `<Ack>true</Ack>`); absent: the engine's JSON. */
  acknowledgement?(): { contentType: string; body: string };
}

/** One OAuth authorization-code (PKCE) round trip: what the hub sends the browser to, and how it redeems the code. */
export interface BrowserAuthorization {
  /** Button text in the console ("Connect with Salesforce"). */
  label: string;
  /** The setting that receives the redeemed credential (e.g. refreshToken); everything else must be valid before the browser is sent away. */
  credentialSetting: string;
  /** The settings the flow sets itself (e.g. the flow name), merged over the user's. */
  impliedSettings: Record<string, unknown>;
  /** The vendor's authorize URL for these settings; `codeChallenge` is the S256 challenge of the verifier. */
  authorizeUrl(settings: Record<string, unknown>, request: { redirectUri: string; state: string; codeChallenge: string }): string;
  /** Redeems the code with the verifier; resolves with the settings to store (the refresh token among them). */
  redeemCode(settings: Record<string, unknown>, request: { code: string; redirectUri: string; codeVerifier: string }): Promise<Record<string, unknown>>;
}

/** The one declaration of a connector: it validates connections, renders their form, lists fields for mapping and writes the reference page. */
export interface ConnectorDefinition {
  /** Stable type name used in connection configs (`salesforce`, `pardot`, `sage100`, `http`). */
  type: string;
  label: string;
  description: string;
  /** JSON Schema of the connection settings, always `settings.jsonSchema`. Fields with `"x-secret": true` are encrypted at rest and never returned. */
  settingsSchema: JsonObject;
  /** The one settings declaration (core/settings-spec.ts): typed settings, defaults, validation and the console's form. */
  settings: SettingsSpec;
  /** Entities known without a live system (discover() may add custom ones). */
  entities: EntitySpec[];
  /** Default limits, overridable per connection. */
  rateLimits: RateLimits;
  /** Present when the system pushes webhooks. */
  webhook?: WebhookSupport;
  /** Present when a connection can be authorised in the browser (OAuth authorization code with PKCE). */
  authorization?: BrowserAuthorization;
  /** Opens a connection. Must not do I/O until first used. */
  create(ctx: ConnectorContext): Connector;
}

/** The connectors a server or worker was started with, by type. */
export type ConnectorRegistry = ReadonlyMap<string, ConnectorDefinition>;
