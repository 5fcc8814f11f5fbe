/**
 * Settling one field of a two-way pair: a pure function from what each side holds now, what each held
 * right after the last sync, and the field's owner or rule, to what each side should hold. Shared by
 * the pair runner (writes) and reconciliation (the owner's value shown in the diff).
 */
import type { JsonValue } from '../../core/json.js';
import { otherSide, sideName, sideOf, type SideKey, type SyncDef, type SyncFieldDef } from '../../core/sync.js';
import type { FieldState } from '../../store/sync/types.js';

/** What each side holds now and when each record last changed (the systems' own stamps). */
export interface PairValues {
  a: JsonValue;
  b: JsonValue;
  aStamp: string | null;
  bStamp: string | null;
}

/** A conflict as the run trace records it: both values, both stamps, the rule and who won. */
export interface ConflictNote {
  field: string;
  a: { system: string; value: JsonValue; stamp: string | null };
  b: { system: string; value: JsonValue; stamp: string | null };
  rule: string;
  /** The side whose value was kept; null when a person must decide. */
  winner: SideKey | null;
  reason: string;
}

/** The outcome for one field. */
export interface Settled {
  /** Values to write, per side (absent: leave that side as it is). */
  write: Partial<Record<SideKey, JsonValue>>;
  /** The field state to keep as "last synced" after the writes land. */
  state: FieldState;
  conflict?: ConflictNote;
  /** `ask` with no decision yet: the field waits in the review queue. */
  review?: boolean;
  /** A consent field held back from moving toward mailable on this side. */
  consentKept?: SideKey;
}

/** Options of settle. */
export interface SettleOptions {
  /** Stamps closer than this are a tie for `newest`. */
  skewMs: number;
  /** A person's decision for an `ask` field, when one waits to be applied. */
  decided?: { value: JsonValue };
}

/** Values compared the way people read them: empty is empty, `5000` is `5000.00`, surrounding spaces do not count. */
export function canon(v: unknown): JsonValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return null;
    if (/^-?\d+(\.\d+)?$/.test(t) && !/^0\d/.test(t)) return Number(t);
    return t;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.parse(JSON.stringify(v)) as JsonValue;
}

/** True when two values are the same to a person. */
export function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(canon(x)) === JSON.stringify(canon(y));
}

function empty(v: unknown): boolean {
  return canon(v) === null;
}

function truthy(v: unknown): boolean {
  const c = canon(v);
  return c === true || c === 1 || (typeof c === 'string' && ['true', 'y', 'yes'].includes(c.toLowerCase()));
}

/** True when writing `to` over `from` would make the person mailable where they were not. */
export function towardMailable(consent: 'opt-out' | 'opt-in', from: unknown, to: unknown): boolean {
  return consent === 'opt-out' ? truthy(from) && !truthy(to) : !truthy(from) && truthy(to);
}

/** The rule of a field in words, for traces and diffs (`owner: sage100`, `newest`). */
export function ruleText(f: SyncFieldDef): string {
  if (f.owner) return `owner: ${f.owner}`;
  if (f.wins) return `wins: ${f.wins}`;
  return f.rule ?? 'none';
}

/** Settles one field. */
export function settleField(sync: SyncDef, f: SyncFieldDef, now: PairValues, last: FieldState | undefined, opts: SettleOptions): Settled {
  const keep: FieldState = { a: now.a, b: now.b };
  if (same(now.a, now.b)) return { write: {}, state: keep };
  const aChanged = !last || !same(now.a, last.a);
  const bChanged = !last || !same(now.b, last.b);
  // Nothing moved since the last sync and the sides still differ on purpose (consent kept): leave them.
  // An owned field is different: the owner's value is the value, whenever the sides disagree.
  if (!aChanged && !bChanged && !f.owner) return { write: {}, state: keep };
  const note = (winner: SideKey | null, reason: string): ConflictNote => ({
    field: f.a,
    a: { system: sideName(sync, 'a'), value: now.a, stamp: now.aStamp },
    b: { system: sideName(sync, 'b'), value: now.b, stamp: now.bStamp },
    rule: ruleText(f),
    winner,
    reason,
  });
  const both = aChanged && bChanged;
  let winner: SideKey | null;
  let conflict: ConflictNote | undefined;
  if (f.owner) {
    winner = sideOf(sync, f.owner)!;
    if (both) conflict = note(winner, `${f.owner} is the system of record for this field`);
  } else if (!both) {
    winner = aChanged ? 'a' : 'b';
    // first-non-empty: clearing a field on one side never wipes the other side's value.
    if (f.rule === 'first-non-empty' && empty(now[winner])) winner = otherSide(winner);
  } else {
    ({ winner, conflict } = decideConflict(sync, f, now, opts, note));
    if (winner === null && f.rule === 'ask' && !opts.decided) return { write: {}, state: last ?? keep, conflict, review: true };
  }
  const value = winner === null ? (opts.decided?.value ?? null) : now[winner];
  const out: Settled = { write: {}, state: { ...keep }, ...(conflict ? { conflict } : {}) };
  for (const s of ['a', 'b'] as const) {
    if (same(now[s], value)) continue;
    if (f.consent && !f.allowMailable && towardMailable(f.consent, now[s], value)) {
      out.consentKept = s;
      continue;
    }
    out.write[s] = value;
    out.state[s] = value;
  }
  return out;
}

function decideConflict(
  sync: SyncDef,
  f: SyncFieldDef,
  now: PairValues,
  opts: SettleOptions,
  note: (winner: SideKey | null, reason: string) => ConflictNote,
): { winner: SideKey | null; conflict: ConflictNote } {
  const order = (f.order ?? []).map((n) => sideOf(sync, n)!).filter(Boolean);
  const preferred = order[0] ?? 'a';
  if (f.wins) {
    const w = sideOf(sync, f.wins)!;
    return { winner: w, conflict: note(w, `${f.wins} wins when both systems changed the field`) };
  }
  if (f.rule === 'newest') {
    const ta = now.aStamp ? Date.parse(now.aStamp) : NaN;
    const tb = now.bStamp ? Date.parse(now.bStamp) : NaN;
    if (Number.isNaN(ta) || Number.isNaN(tb)) {
      return { winner: preferred, conflict: note(preferred, `a modified stamp is missing, so ${sideName(sync, preferred)} (preferred) wins`) };
    }
    if (Math.abs(ta - tb) <= opts.skewMs) {
      return { winner: preferred, conflict: note(preferred, `the two changes are within the clock-skew tolerance (${opts.skewMs} ms), so ${sideName(sync, preferred)} (preferred) wins`) };
    }
    const w: SideKey = ta > tb ? 'a' : 'b';
    return { winner: w, conflict: note(w, `${sideName(sync, w)} changed it last`) };
  }
  if (f.rule === 'first-non-empty') {
    const seq: SideKey[] = order.length ? [...order, ...(['a', 'b'] as const).filter((s) => !order.includes(s))] : ['a', 'b'];
    const w = seq.find((s) => !empty(now[s])) ?? seq[0];
    return { winner: w, conflict: note(w, `${sideName(sync, w)} is the first system in order holding a value`) };
  }
  // ask
  if (opts.decided) {
    const v = opts.decided.value;
    const w: SideKey | null = same(v, now.a) ? 'a' : same(v, now.b) ? 'b' : null;
    const n = note(w, 'decided by a person in the review queue');
    // A decided value that neither side holds is written to both.
    if (w === null) return { winner: null, conflict: { ...n, reason: `${n.reason}: ${JSON.stringify(v)}` } };
    return { winner: w, conflict: n };
  }
  return { winner: null, conflict: note(null, 'both systems changed it: waiting in the review queue') };
}
