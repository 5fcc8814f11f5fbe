/** The mapping engine's public types: what the engine, the CLI and the admin API call. */
import type { Fields } from '../core/json.js';
import type { LineageEntry } from '../core/lineage.js';
import type { SerializedError, SyncError } from '../core/errors.js';
import type { EntitySpec } from '../core/connector.js';
import type { LookupDef, TargetDef } from '../core/flow.js';

/** Arguments of a cross-reference lookup: the record `id` of `entity` on `connection`, seen from `targetConnection`/`targetEntity`. */
export type XrefArgs = [connection: string, entity: string, id: string, targetConnection: string, targetEntity: string];

/** What one mapping run knows besides the record. */
export interface MappingContext {
  /** Flow name, used in error messages. */
  flow: string;
  /** The source record's key (id, email), used in error messages and lineage. */
  recordKey?: string;
  /** Cross-reference lookup behind `$xref(...)`: the id on the target system, or null when not linked. */
  xref?(connection: string, entity: string, id: string, targetConnection: string, targetEntity: string): Promise<string | null>;
  /**
   * Synchronous answer from a cache in front of `xref`: a string or null when known, undefined when not cached.
   * With it, mappings that use `$xref` stay on the synchronous fast path for cached ids.
   */
  xrefCached?(connection: string, entity: string, id: string, targetConnection: string, targetEntity: string): string | null | undefined;
  /** Clock for time-dependent functions (tests pin it). */
  now?: () => Date;
}

/** A mapped record: the fields to write and where each came from. */
export interface MappedRecord {
  fields: Fields;
  lineage: LineageEntry[];
}

/** A mapping run that collects every failure instead of stopping at the first (preview, flow tests). */
export interface MappingOutcome extends MappedRecord {
  errors: SyncError[];
}

/** One target of a compiled flow. */
export interface CompiledTarget {
  def: TargetDef;
  /** The target's `when` condition (true when it has none). */
  when(record: Fields, ctx: MappingContext): Promise<boolean>;
  /** Maps a record; throws the first SyncError('invalid_data') a rule raises. */
  map(record: Fields, ctx: MappingContext): Promise<MappedRecord>;
  /**
   * Maps without awaiting: returns undefined when some value needs an asynchronous step (an uncached `$xref`,
   * an expression outside the synchronous subset), and the caller then uses `map`. Throws like `map`.
   */
  mapSync(record: Fields, ctx: MappingContext): MappedRecord | undefined;
  /** Maps and collects every failure (used by preview and flow tests). */
  mapAll(record: Fields, ctx: MappingContext): Promise<MappingOutcome>;
  /** Present when the target declares `forEach`: the elements it is written for. */
  forEach?(record: Fields, ctx: MappingContext): Promise<unknown[]>;
  /** Present when the target's match declares a `link`: the target id it gives, or null. */
  link?(record: Fields, ctx: MappingContext): Promise<string | null>;
  /** Present when the target declares a write-back. */
  writeBack?: {
    /** The id of the record to update; null when the expression gives nothing. */
    id(source: Fields, result: Fields, ctx: MappingContext): Promise<string | null>;
    /** The write-back fields, evaluated over `$source` and `$result`. */
    map(source: Fields, result: Fields, ctx: MappingContext): Promise<Fields>;
  };
}

/** A flow compiled once per version. */
export interface CompiledFlow {
  /** The flow's filter (true when it has none). */
  filter(record: Fields, ctx: MappingContext): Promise<boolean>;
  /** Why the filter skipped this record (the flow's `filterReason`), or null when the flow gives none. */
  filterReason?(record: Fields, ctx: MappingContext): Promise<string | null>;
  targets: CompiledTarget[];
  /** The flow's lookups, compiled, in order (empty without `lookups`). */
  lookups?: CompiledLookup[];
  /** For a `source.refreshOn` child entity: the parent's id of a changed child row (null when it gives none). */
  parentIdOf?(childEntity: string, child: Fields, ctx: MappingContext): Promise<string | null>;
}

/** One compiled lookup: its definition and its expressions. */
export interface CompiledLookup {
  def: LookupDef;
  /** False when the lookup's `when` says to skip it. */
  when(record: Fields, ctx: MappingContext): Promise<boolean>;
  /** The ids to get (`id`) or the values to search (`find.value`), as a list without empty ones. */
  keys(record: Fields, ctx: MappingContext): Promise<string[]>;
}

/** A function made available to expressions as `$name(...)`. Must be synchronous and pure. */
export type MappingFunction = (...args: unknown[]) => unknown;

/** Options for compileFlow. */
export interface CompileOptions {
  /** Extra functions (name without `$`) added to, or replacing, the library for this flow. */
  functions?: Record<string, MappingFunction>;
  /** Record per-field lineage with every mapped record (default true). Turn off only where traces are never kept. */
  lineage?: boolean;
}

/** Finds the schema of a target entity for validation. */
export type EntityResolver = (connection: string, entity: string) => EntitySpec | undefined;

/** One field whose mapped value differs from the test's expectation. */
export interface FieldDiff {
  field: string;
  expected: unknown;
  /** Undefined when the field was not produced. */
  actual: unknown;
}

/** The outcome of one target in one test case. */
export interface TargetTestResult {
  name: string;
  /** Mapped fields, or null when the target's `when` was false. */
  fields: Fields | null;
  diffs: FieldDiff[];
  errors: SerializedError[];
}

/** The outcome of one test case. */
export interface FlowTestCaseResult {
  name: string;
  ok: boolean;
  passedFilter: boolean;
  /** Plain-language reasons the case failed (besides field diffs). */
  problems: string[];
  targets: TargetTestResult[];
}

/** What `syncline flow test` prints. */
export interface FlowTestReport {
  flow: string;
  passed: number;
  failed: number;
  cases: FlowTestCaseResult[];
}
