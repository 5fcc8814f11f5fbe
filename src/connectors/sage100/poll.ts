/**
 * Picks one page of changes from the rows read since the watermark's day. Sage stamps are local
 * wall time written by workstations, so a record can land with a stamp slightly older than one we
 * already passed; the overlap window re-reads that span and the `seen` list (kept in the watermark's
 * `extra`) drops what was already produced. Pure: no I/O, easy to test.
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { Watermark } from '../../core/connector.js';

/** A row reduced to what ordering needs. */
export interface Stamped<T> {
  key: string;
  /** UTC ms of DateUpdated + TimeUpdated. */
  stampMs: number;
  row: T;
}

/** The chosen page. */
export interface ChangeSelection<T> {
  items: Stamped<T>[];
  next: Watermark | null;
  hasMore: boolean;
}

/** Orders by (stamp, key). */
export function compareStamped(a: { stampMs: number; key: string }, b: { stampMs: number; key: string }): number {
  if (a.stampMs !== b.stampMs) return a.stampMs - b.stampMs;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The earliest instant a poll must read from: the watermark minus the overlap window. */
export function pollFromMs(since: Watermark | null, overlapMs: number): number | null {
  if (!since) return null;
  const at = Date.parse(since.at);
  return Number.isFinite(at) ? at - overlapMs : null;
}

const token = (s: { key: string; stampMs: number }) => `${s.stampMs}|${s.key}`;

/**
 * From the candidates (every row stamped on or after the watermark's local day), the records not yet
 * produced, sorted by (stamp, key), at most `limit`, and the watermark after them.
 */
export function selectChanges<T>(candidates: Stamped<T>[], since: Watermark | null, limit: number, overlapMs: number): ChangeSelection<T> {
  const sorted = [...candidates].sort(compareStamped);
  if (!since) {
    const items = sorted.slice(0, limit);
    return { items, next: items.length ? nextWatermark(null, items, sorted, overlapMs, () => false) : null, hasMore: sorted.length > items.length };
  }
  const at = Date.parse(since.at);
  const mark = { stampMs: at, key: since.key ?? '' };
  const seenList = Array.isArray(since.extra?.seen) ? new Set((since.extra?.seen as JsonValue[]).map(String)) : null;
  // Without a seen list (a watermark from elsewhere) everything at or below the mark counts as produced.
  const wasSeen = (s: Stamped<T>) => (seenList ? seenList.has(token(s)) || (compareStamped(s, mark) <= 0 && s.stampMs <= at - overlapMs) : compareStamped(s, mark) <= 0);
  const fresh = sorted.filter((s) => s.stampMs > at - overlapMs || compareStamped(s, mark) > 0).filter((s) => !wasSeen(s));
  const items = fresh.slice(0, limit);
  if (items.length === 0) return { items, next: since, hasMore: false };
  return { items, next: nextWatermark(since, items, sorted, overlapMs, wasSeen), hasMore: fresh.length > items.length };
}

/** The watermark after a page: the greatest (stamp, key) produced, plus the tokens produced within the overlap window. */
function nextWatermark<T>(since: Watermark | null, items: Stamped<T>[], all: Stamped<T>[], overlapMs: number, wasSeen: (s: Stamped<T>) => boolean): Watermark {
  let top = items[items.length - 1];
  if (since) {
    const prev = { stampMs: Date.parse(since.at), key: since.key ?? '' };
    if (compareStamped(prev, top) > 0) top = { ...top, stampMs: prev.stampMs, key: prev.key };
  }
  const produced = new Set(items.map(token));
  const floor = top.stampMs - overlapMs;
  const seen = all.filter((s) => s.stampMs > floor && compareStamped(s, top) <= 0 && (produced.has(token(s)) || wasSeen(s))).map(token);
  const extra: JsonObject = { ...(since?.extra ?? {}), seen };
  return { at: new Date(top.stampMs).toISOString(), key: top.key, extra };
}
