/** What the store keeps for two-way pairs (decision 0009): pair state, tombstones, reviews, reconciliation. */
import type { JsonValue } from '../../core/json.js';
import type { SideKey } from '../../core/sync.js';
import type { XrefId } from '../types.js';

/** The value each side held for one field right after the last sync: what "changed since" is measured against. */
export interface FieldState {
  a: JsonValue;
  b: JsonValue;
}

/** Two records known to be one, with their last-synced values (keyed by side a's field name). */
export interface SyncPair {
  id: string;
  flow: string;
  aId: string;
  bId: string;
  fields: Record<string, FieldState>;
  aStamp: string | null;
  bStamp: string | null;
  updatedAt: string;
}

/** Why an id is dead to the pair. */
export type TombstoneReason = 'deleted' | 'inactive' | 'merged';

/** A record that was deleted, inactivated or merged away: later updates of it never create a partner again. */
export interface Tombstone {
  ref: XrefId;
  flow: string;
  reason: TombstoneReason;
  /** For a merge: the surviving record's id. */
  mergedInto: string | null;
  deletedAt: string;
}

/** `open` waits for a person; `resolved` has a value to write; `applied` was written. */
export type ReviewStatus = 'open' | 'resolved' | 'applied';

/** A conflict on an `ask` field, waiting for (or settled by) a person. */
export interface SyncReview {
  id: string;
  flow: string;
  aId: string;
  bId: string;
  /** Side a's field name. */
  field: string;
  aValue: JsonValue;
  bValue: JsonValue;
  aStamp: string | null;
  bStamp: string | null;
  status: ReviewStatus;
  /** The value chosen (written to both sides). */
  value: JsonValue;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

/** A conflict to put before a person. */
export type ReviewInput = Pick<SyncReview, 'flow' | 'aId' | 'bId' | 'field' | 'aValue' | 'bValue' | 'aStamp' | 'bStamp'>;

/** One reconciliation: a snapshot of both sides compared into diffs. */
export interface ReconcileRun {
  id: string;
  flow: string;
  status: 'running' | 'ready' | 'failed';
  actor: string;
  summary: Record<string, JsonValue> | null;
  startedAt: string;
  finishedAt: string | null;
}

/** One record of one side as read for a reconciliation (the mapped fields only). */
export interface ReconcileRowInput {
  side: SideKey;
  id: string;
  /** The record's first match value, normalised (`01-ABF`), for pairing records without a pair row. */
  matchKey: string | null;
  fields: Record<string, JsonValue>;
}

/** Kinds of drift: a record on one side only, a field that differs, a pair whose record is gone. */
export type DiffKind = 'missing_a' | 'missing_b' | 'field' | 'orphan';

/** One difference found; `ownerValue` is what applying it writes (null for `ask` fields: a person decides). */
export interface ReconcileDiff {
  runId: string;
  seq: number;
  kind: DiffKind;
  aId: string | null;
  bId: string | null;
  field: string | null;
  aValue: JsonValue;
  bValue: JsonValue;
  ownerValue: JsonValue;
  status: 'open' | 'queued' | 'skipped';
}

/** A pair with the reconciliation's snapshot row of each side (null: that side's record was not read, it is gone). */
export interface PairedRows {
  pair: SyncPair;
  a: ReconcileRowInput | null;
  b: ReconcileRowInput | null;
}

/** The store's two-way pair tables; one implementation over both SQLite and PostgreSQL. */
export interface SyncStore {
  /** The pair holding `id` on `side`, or null. */
  pairBy(flow: string, side: SideKey, id: string): Promise<SyncPair | null>;
  /** Inserts or replaces a pair (by flow and side a id, or by id). */
  savePair(pair: Omit<SyncPair, 'id' | 'updatedAt'> & { id?: string }): Promise<SyncPair>;
  /** Forgets a pair. */
  dropPair(id: string): Promise<void>;
  /** Pairs of a flow in id order, `after` an id, for streaming comparisons. */
  listPairs(flow: string, after: string | null, limit: number): Promise<SyncPair[]>;
  /** Marks an id dead (idempotent: the first tombstone stays). */
  tombstone(t: Omit<Tombstone, 'deletedAt'>): Promise<void>;
  /** The tombstone of an id, or null. */
  tombstoneOf(ref: XrefId): Promise<Tombstone | null>;
  /** Removes an id from the cross-reference (a merged-away record no longer stands for its group). */
  unlinkXref(ref: XrefId): Promise<void>;

  /** Opens a review, or refreshes the values of the one already open for that pair and field. */
  openReview(input: ReviewInput): Promise<SyncReview>;
  listReviews(filter: { flow?: string; status?: ReviewStatus; limit?: number }): Promise<SyncReview[]>;
  getReview(id: string): Promise<SyncReview | null>;
  /** Settles an open review with the chosen value; null when it is not open. */
  resolveReview(id: string, value: JsonValue, actor: string): Promise<SyncReview | null>;
  /** Open and resolved reviews of one pair. */
  reviewsOf(flow: string, aId: string): Promise<SyncReview[]>;
  markReviewsApplied(ids: string[]): Promise<void>;

  createReconcileRun(flow: string, actor: string): Promise<ReconcileRun>;
  finishReconcileRun(id: string, status: ReconcileRun['status'], summary: Record<string, JsonValue>): Promise<void>;
  getReconcileRun(id: string): Promise<ReconcileRun | null>;
  listReconcileRuns(flow: string, limit: number): Promise<ReconcileRun[]>;
  addReconcileRows(runId: string, rows: ReconcileRowInput[]): Promise<void>;
  /** Snapshot rows of one side in id order after `after`. */
  reconcileRows(runId: string, side: SideKey, after: string | null, limit: number): Promise<ReconcileRowInput[]>;
  reconcileRow(runId: string, side: SideKey, by: { id: string } | { matchKey: string }): Promise<ReconcileRowInput | null>;
  /** Called once both sides are snapshotted, before comparing: the store readies its planner for the compare's queries (PostgreSQL: ANALYZE). */
  snapshotTaken(runId: string): Promise<void>;
  /** Pairs of a flow in id order after `after`, each with both snapshot rows of the run: one query per page. */
  pairedRows(runId: string, flow: string, after: string | null, limit: number): Promise<PairedRows[]>;
  /** For each of `keys`, the snapshot row of `side` that no pair of `flow` holds with that match key and the smallest id (one query for all keys). */
  firstUnpairedByKey(runId: string, flow: string, side: SideKey, keys: string[]): Promise<ReconcileRowInput[]>;
  /** Snapshot rows of one side no pair of `flow` holds, in id order after `after`. */
  unpairedRows(runId: string, flow: string, side: SideKey, after: string | null, limit: number): Promise<ReconcileRowInput[]>;
  dropReconcileRows(runId: string): Promise<void>;
  /** How many pairs a flow holds. */
  countPairs(flow: string): Promise<number>;
  addDiffs(diffs: ReconcileDiff[]): Promise<void>;
  listDiffs(runId: string, filter?: { status?: ReconcileDiff['status']; afterSeq?: number; limit?: number }): Promise<ReconcileDiff[]>;
  setDiffStatus(runId: string, seqs: number[], status: ReconcileDiff['status']): Promise<void>;
}
