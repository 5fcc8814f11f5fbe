/**
 * Two-way pairs (`sync:` in a flow file): two entities kept in step both ways, with one
 * cross-reference, one echo guard (the last-synced values) and an owner or rule for every field.
 * See docs/sync-rules.md (for people) and docs/decisions/0009-two-way-sync.md (why).
 */

/** Which of the pair's two sides: `a` is the side written first in the file. */
export type SideKey = 'a' | 'b';

/** How a system says a record is gone without deleting it (ERP inactivation), and how to say it there. */
export interface InactiveDef {
  /** Field holding the status (`CustomerStatus`). */
  field: string;
  /** The value that means inactive (`I`). */
  value: unknown;
}

/** What to do on this side when the paired record on the other side is deleted (or inactivated). */
export type DeleteAction = 'delete' | 'deactivate' | 'mark' | 'ignore';

/** One side of a pair. */
export interface SyncSideDef {
  /** Connection name. */
  connection: string;
  /** Entity on that connection. */
  entity: string;
  /** A name for this side in rules (`owner: erp`); default the connection name. */
  name?: string;
  /** How this system reports a record gone by status; also what `onDelete: deactivate` writes here. */
  inactive?: InactiveDef;
  /** When the other side's record is deleted: delete, deactivate (write `inactive`), mark (write `mark`) or ignore (default). */
  onDelete?: DeleteAction;
  /** For `onDelete: mark`: the field and value written. */
  mark?: InactiveDef;
  /** On a deleted record, the field naming the record it was merged into (Salesforce `MasterRecordId`): the pair follows the survivor. */
  mergedInto?: string;
}

/** The ways a field's value is chosen when both sides changed it (or disagree on first pairing). */
export type SyncRuleName = 'newest' | 'first-non-empty' | 'ask';

/** One field kept in step: its name on each side and who decides its value. Exactly one of owner / wins / rule. */
export interface SyncFieldDef {
  /** Field on side a. */
  a: string;
  /** Field on side b. */
  b: string;
  /** System of record: this side's value always wins; edits made on the other side are put back. */
  owner?: string;
  /** Named system wins a conflict; a change made on one side only still travels. */
  wins?: string;
  /** `newest`: the later modified stamp wins; `first-non-empty`: the first side in `order` holding a value wins; `ask`: a person decides in the review queue. */
  rule?: SyncRuleName;
  /** For `first-non-empty`: side names in order of preference (default a, b). For `newest`: the side preferred when the stamps are within the skew tolerance (the first one; default a). */
  order?: string[];
  /** A consent field: `opt-out` (true means do not mail) or `opt-in` (true means may mail). Never moved toward mailable by the other side unless `allowMailable`. */
  consent?: 'opt-out' | 'opt-in';
  /** Let the other system move this consent field toward mailable (a legal decision: say why in a comment). */
  allowMailable?: boolean;
}

/** A pair of fields that identify the same record on both sides; `id` means the record id. */
export interface SyncMatchDef {
  a: string;
  b: string;
}

/** The `sync:` block of a flow file. */
export interface SyncDef {
  a: SyncSideDef;
  b: SyncSideDef;
  /** How an unpaired record finds its partner, tried in order (`{ a: Sage100_Customer_No__c, b: id }`). */
  match: SyncMatchDef[];
  /** The fields kept in step. */
  fields: SyncFieldDef[];
  /** Stamps closer than this are a tie for `newest` (default `2s`): the two systems' clocks are not the same clock. */
  skewTolerance?: string;
  /** Compare both sides this often (`1d`) and report the drift (metric, reconciliations list); nothing is applied without a person. */
  reconcileEvery?: string;
  /** Create the partner when none matches (default true for both directions). */
  create?: { a?: boolean; b?: boolean };
}

/** The other side. */
export function otherSide(side: SideKey): SideKey {
  return side === 'a' ? 'b' : 'a';
}

/** The name rules use for a side. */
export function sideName(sync: SyncDef, side: SideKey): string {
  return sync[side].name ?? sync[side].connection;
}

/** The side a rule's system name refers to (`a`, `b`, or a side's name), or null. */
export function sideOf(sync: SyncDef, name: string): SideKey | null {
  if (name === sideName(sync, 'a')) return 'a';
  if (name === sideName(sync, 'b')) return 'b';
  if (name === 'a' || name === 'b') return name;
  return null;
}
