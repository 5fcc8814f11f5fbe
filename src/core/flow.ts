/**
 * The flow definition: what a YAML flow file says once parsed and validated.
 * The JSON Schema published by `syncline flow schema` is generated from ./flow-schema.ts and must
 * describe exactly these types.
 */
import type { ErrorKind } from './errors.js';
import type { Fields } from './json.js';
import type { SyncDef } from './sync.js';

/** How a flow is started. */
export type TriggerDef = WebhookTriggerDef | PollTriggerDef | ScheduleTriggerDef | ManualTriggerDef | StreamTriggerDef | OutboundMessageTriggerDef;

/**
 * Events the source pushes over its streaming API (Salesforce Change Data Capture or platform
 * events), followed by one worker process; the replay position is committed with the inbox.
 */
export interface StreamTriggerDef {
  type: 'stream';
  /** The source's channel (default: the source entity's change channel, `/data/LeadChangeEvent`). */
  channel?: string;
  /** How often to poll instead when the connection cannot stream (no Change Data Capture entitlement, or switched off): default `1m`. */
  pollEvery?: string;
  /** For catch-up and fallback polls: re-read this far behind the watermark (default `5s`). */
  overlap?: string;
  /** Events turned into records per commit (default 200). */
  pageSize?: number;
}

/**
 * SOAP notifications the source sends on its own (Salesforce outbound messages, configured by clicks),
 * posted to `/hooks/<flow name>/<secret>`; acknowledged only after the inbox commit.
 */
export interface OutboundMessageTriggerDef {
  type: 'outboundMessage';
  /** The secret in the endpoint path, as a reference: `env:NAME` or `connection:NAME/FIELD` (a literal is refused). */
  secret: string;
}

/** Events pushed to `/hooks/<flow name>`. */
export interface WebhookTriggerDef {
  type: 'webhook';
  /** Shared secret for HMAC-SHA256 signatures, as a reference: `env:NAME` or `connection:NAME/FIELD` (a literal is refused). Omit only with `unsigned: true`. */
  secret?: string;
  /** Header holding `sha256=<hex>` of `<timestamp>.<delivery id>.<raw body>` (default `x-syncline-signature`). */
  signatureHeader?: string;
  /** Header holding the Unix timestamp in seconds that was signed (default `x-syncline-timestamp`). */
  timestampHeader?: string;
  /** Largest accepted clock difference, seconds (default 300). */
  toleranceSeconds?: number;
  /** Header carrying the sender's delivery id (default `x-delivery-id`); repeats are dropped. */
  deliveryIdHeader?: string;
  /** Path in the body to the array of records; omit when the body is one record. */
  recordsPath?: string;
  /** Path in each record to its id (default `id`). */
  idPath?: string;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Parse with the source connector's own webhook support instead of the generic JSON rules. */
  useConnectorParser?: boolean;
  /**
   * Also read the source's changes this often (`15m`), to catch pushes that never arrived. With
   * `useConnectorParser`, connectors give a pushed change the delivery id its polled record gets, so a
   * change that arrives both ways runs once.
   */
  reconcileEvery?: string;
  /** For `reconcileEvery`: re-read this far behind the watermark (default `5s`). */
  overlap?: string;
  /** Accept deliveries without a signature. Required (true) when no `secret` is set: deploy refuses an unsigned hook otherwise. */
  unsigned?: boolean;
}

/** Changes read from the source on a watermark. */
export interface PollTriggerDef {
  type: 'poll';
  /** How often to poll, as a duration (`30s`, `5m`); with `minEvery`, the interval when idle. */
  every: string;
  /** Poll adaptively: this often while reads find changes, backing off (doubling) to `every` while they find none, and at `every` once the connection has spent 80 % of its daily API budget. */
  minEvery?: string;
  /** Re-read this far behind the watermark to catch late commits (default `5s`); repeats are dropped by key and stamp. */
  overlap?: string;
  /** Records read per page (default 500). */
  pageSize?: number;
  /**
   * Where the first read starts: `beginning` (default) plays every existing record; `now` only sets the
   * watermark, so history (years of posted invoices) is not replayed as new events.
   */
  startFrom?: 'beginning' | 'now';
}

/** Runs on a cron schedule (a full or changed-since read of the source). */
export interface ScheduleTriggerDef {
  type: 'schedule';
  /** Cron expression, five or six fields. */
  cron: string;
  /** IANA time zone for the cron (default UTC). */
  timezone?: string;
  /** `changes` reads since the watermark; `all` reads everything (reconciliation). Default `changes`. */
  read?: 'changes' | 'all';
}

/** Started only by a person or the API (`syncline flow run`). */
export interface ManualTriggerDef {
  type: 'manual';
}

/** Where records come from. */
export interface SourceDef {
  /** Connection name (configured in syncline.yaml or the console). */
  connection: string;
  /** Entity on that connection (`Lead`, `AR_Customer`). */
  entity: string;
  /**
   * Child entities (on the same connection) whose changes re-run this flow on their parent: each is
   * polled with its own watermark, and a changed child row makes the engine re-read the parent record
   * (by id) and run the flow on it, as if the parent had changed. For figures the source computes over
   * children (a customer's lifetime value over its invoices), so they refresh within one poll.
   */
  refreshOn?: RefreshOnDef[];
}

/** A child entity whose changes refresh the source record it belongs to. */
export interface RefreshOnDef {
  /** The child entity (`AR_InvoiceHistory`). */
  entity: string;
  /** JSONata over the child record giving its parent's id on the source entity (`CustomerId`). */
  parentId: string;
}

/**
 * A record read from a connection before the flow's filter and mapping, bound on the source record
 * under `name` (`customer.EmailAddress`), so a flow can join what the source event does not carry
 * (the Account and contact of a polled Opportunity, the contacts of an invoice's customer).
 */
export interface LookupDef {
  /** Field name the result is bound under; later lookups, the filter and the mappings see it. */
  name: string;
  connection: string;
  entity: string;
  /** JSONata giving the id to read (one `get`). */
  id?: string;
  /** Or: search `field` for the value(s) the JSONata `value` gives (a list is searched value by value, in order). */
  find?: { field: string; value: string };
  /** Bind every record found, as a list (default: the first one found, or null). */
  many?: boolean;
  /** The lookup must find something: otherwise the record fails as invalid data naming the lookup and the id. */
  required?: boolean;
  /** Look up only when this JSONata is true (otherwise null, or an empty list with `many`). */
  when?: string;
}

/** One mapping rule for one target field. A bare string is a plain copy of that source path. */
export type MappingRule = string | MappingRuleObject;

/** The long form of a mapping rule. Exactly one of from / expr / value gives the value. */
export interface MappingRuleObject {
  /** Source path to copy (`BillingAddress.City`, `lines[0].sku`). */
  from?: string;
  /** JSONata expression evaluated against the source record (with `$source`, `$xref`, the function library). */
  expr?: string;
  /** A constant. */
  value?: unknown;
  /** Used when the value is null, missing or an empty string. */
  default?: unknown;
  /** Map only when this JSONata expression is true. */
  when?: string;
  /** The target write fails validation when the value is empty. */
  required?: boolean;
  /** A value map applied after from/expr: the name of a map in `valueMaps`, or an inline map. */
  map?: string | Record<string, unknown>;
  /** For repeated data: map each element of the array at `from` with this nested mapping. */
  each?: Record<string, MappingRule>;
  /** A note for people reading the flow; shown in the console's mapping table. */
  note?: string;
}

/** Target field name → rule. */
export type MappingDef = Record<string, MappingRule>;

/** How the target record for a source record is found. */
export interface MatchDef {
  /** Use the cross-reference first (default true). */
  xref?: boolean;
  /**
   * JSONata giving the target record's id from a link the source already carries (the converted
   * Account's customer number through `$xref`, a stored foreign id). Tried after the cross-reference
   * and before the keys: a found link beats a search.
   */
  link?: string;
  /**
   * Then try these keys in order: target field = mapped value of that field. `a+b` is a compound key:
   * found by `a`, kept only when `b` matches too (PricebookEntry by Product2Id+Pricebook2Id).
   */
  keys?: string[];
  /** What to do when a key matches several target records (default `error`: a conflict dead letter). */
  onMultiple?: 'error' | 'first';
}

/** How the mapped record is written. */
export interface WriteDef {
  /** `upsert` (default) updates a matched record or creates one; `create` only creates; `update` only updates a matched record; `delete` removes the matched record, or the one the mapped fields name (a list membership by list and prospect), and succeeds when there is none. */
  verb?: 'upsert' | 'create' | 'update' | 'delete';
  /** For upsert on systems that support it: the external-id field to upsert on. */
  externalIdField?: string;
  /** Group up to this many records into one bulk call (default: the entity's maxBatchSize, or 1). */
  batchSize?: number;
  /** Skip the write when the payload equals the last one written (default true). */
  skipUnchanged?: boolean;
}

/** After a target write, write values back to another record (e.g. the new ERP number onto the Salesforce Account). */
export interface WriteBackDef {
  connection: string;
  entity: string;
  /** JSONata giving the id of the record to update; `$source` and `$result` are bound (default: the source record id). */
  id?: string;
  /** Field → JSONata expression over `$result` (the target write's outcome) and `$source`. */
  mapping: Record<string, string>;
}

/** One write a flow makes for each source record. */
export interface TargetDef {
  /** Name of this step, unique in the flow (`account`, `prospect`). */
  name: string;
  connection: string;
  entity: string;
  mapping: MappingDef;
  match?: MatchDef;
  write?: WriteDef;
  writeBack?: WriteBackDef;
  /** Run this target only when this JSONata expression is true. */
  when?: string;
  /**
   * JSONata giving a list: the target is mapped and written once per element, with the element bound
   * as `item` (every member of a list gets an activity). Use `match.xref: false` with match keys, so
   * each element's write finds its own record on a retry.
   */
  forEach?: string;
}

/** Declared failure handling. */
export interface ErrorPolicyDef {
  /** Attempts before a retryable failure is dead-lettered (default 8). */
  maxAttempts?: number;
  /** First backoff (default `1s`). */
  initialInterval?: string;
  /** Backoff multiplier (default 2). */
  multiplier?: number;
  /** Backoff ceiling (default `5m`). */
  maxInterval?: string;
  /** Error kinds that go to the dead-letter queue at once (invalid_data always does). */
  nonRetryable?: ErrorKind[];
}

/** A sample record and what the mapping should make of it, for `syncline flow test`. */
export interface FlowTestCase {
  name: string;
  input: Fields;
  /** Target name → expected mapped fields (only the fields listed are compared). */
  expect?: Record<string, Fields>;
  /** The record should be filtered out. */
  filtered?: boolean;
  /** The mapping should fail validation on this field. */
  invalidField?: string;
}

/** A whole flow file. */
export interface FlowDef {
  /** Unique name, lowercase with dashes; also the webhook path. */
  name: string;
  description?: string;
  trigger: TriggerDef;
  /** Where records come from. For a `sync:` flow the loader fills it with side a. */
  source: SourceDef;
  /** A two-way pair instead of `source` + `targets` (src/core/sync.ts); the loader derives those two from it. */
  sync?: SyncDef;
  /** Related records read before the filter, in order; each sees the ones before it. */
  lookups?: LookupDef[];
  /** JSONata; records for which it is false are skipped (and traced as skipped). */
  filter?: string;
  /** JSONata giving the reason written on the trace of a record the filter skips (`"anonymous cart"`). */
  filterReason?: string;
  /** Named value maps used by mapping rules (`map: grades`). */
  valueMaps?: Record<string, Record<string, unknown>>;
  targets: TargetDef[];
  errorPolicy?: ErrorPolicyDef;
  /** Sample records with expectations; run by `syncline flow test`. */
  tests?: FlowTestCase[];
  /** A file of further test cases, relative to the flow file. */
  testsFile?: string;
}

/** One problem found in a flow file, located as precisely as the parser allows. */
export interface FlowIssue {
  /** JSON pointer-ish path in the flow (`targets/0/mapping/Email`). */
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}
