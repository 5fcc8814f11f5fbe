/**
 * The one change-polling helper: "records modified since the watermark", by modified stamp, with an
 * overlap window, a settle time and a key tie-break. Every connector that polls uses it; a connector
 * only says how to fetch the rows of a time window and how to read a row's stamp and key.
 *
 * Why each part exists:
 * - Tie-break: many records share one stamp (whole-second stamps, a bulk update); the watermark keeps
 *   the greatest key produced at its stamp, so a page that ends inside one second resumes after it.
 * - Overlap: a record committed late can carry a stamp older than one already passed (ERP
 *   workstations, replication lag). Each poll re-reads `overlapMs` before the watermark; the stamps and
 *   keys produced inside that window are kept in the watermark (`extra.seen`) so only the late ones are
 *   produced again, not the whole window.
 * - Settle time: some APIs serve reads that lag writes (Pardot v5 up to 60 s); records younger than
 *   `settleMs` are left for a later poll so none is skipped by a watermark that moved past it.
 *
 * The watermark arrives exactly as the engine stored it and the next one is returned, never stored
 * here: the engine commits it with the records (Airbyte's rule).
 */
import type { ChangePage, SourceRecord, Watermark } from '../../core/connector.js';
import type { JsonValue } from '../../core/json.js';

/** The rows a connector is asked for: stamped in [fromMs, untilMs] (fromMs null: from the beginning). */
export interface StampWindow {
  /** Inclusive lower bound (epoch ms), already moved back by the overlap; null on a first poll. */
  fromMs: number | null;
  /** Inclusive upper bound (epoch ms): now minus the settle time. */
  untilMs: number;
  /** A page size hint: the helper needs about this many new rows (limit + 1, to tell whether more wait). */
  want: number;
  signal?: AbortSignal;
}

/** How one entity polls. */
export interface StampPolling<Row> {
  /** The stored watermark, unchanged. */
  since: Watermark | null;
  /** Largest number of records to produce. */
  limit: number;
  /** Re-read this far before the watermark (the flow's trigger.overlap). */
  overlapMs: number;
  /** Leave records younger than this for a later poll (the vendor's read lag). */
  settleMs: number;
  /**
   * The stamps' resolution in ms (1000 for whole-second stamps; default 1). A poll never reads the
   * current, unfinished tick: a change later in that tick would carry the stamp and key already
   * passed and be taken for one produced, whatever the settle time.
   */
  stampResolutionMs?: number;
  /**
   * The current time (epoch ms); injectable for tests. Infinity: no upper bound, for systems whose
   * stamps come from clocks not ours (ERP workstations) and that need no settle time.
   */
  now: number;
  /**
   * Rows stamped within the window. Any order; when the rows arrive in ascending stamp order (the
   * vendor sorts by its modified stamp), set `ordered` and the helper stops reading, so stops paging,
   * once it has enough rows and has seen every row of the last stamp it needs.
   */
  fetch(window: StampWindow): Promise<Iterable<Row>> | AsyncIterable<Row>;
  /** The fetcher yields rows in ascending stamp order (ties in any order). */
  ordered?: boolean;
  /** Aborts a long read when the worker stops. */
  signal?: AbortSignal;
  /** The row's modified stamp in epoch ms, or null when it has none (such rows are skipped with `onUnstamped`). */
  stampMs(row: Row): number | null;
  /** The row's key as one string (composite keys joined), unique within the entity. */
  key(row: Row): string;
  /** How keys order at one stamp (default: as strings); `numericKeys` for systems whose ids are numbers (Pardot), so 9 comes before 10. */
  compareKeys?: (a: string, b: string) => number;
  /** The record the flow receives. `updatedAt` is set by the helper when the connector leaves it out. */
  toRecord?(row: Row): SourceRecord;
  /** Instead of `toRecord`: the records of the page's rows in one go, in order (Sage 100 fetches order lines and invoice totals for a page at once). */
  toRecords?(rows: Row[]): Promise<SourceRecord[]>;
  /** Told about rows without a stamp, which change polling cannot place. */
  onUnstamped?(row: Row): void;
  /** Seen tokens kept at most (default 5,000); beyond it the oldest are dropped and treated as produced. */
  maxSeen?: number;
}

interface Stamped<Row> {
  stampMs: number;
  key: string;
  row: Row;
}

/** How a produced (stamp, key) is named in a watermark's seen list (`extra.seen`). */
export const seenToken = (s: { stampMs: number; key: string }): string => `${s.stampMs}|${s.key}`;
const token = seenToken;

/** Keys compared as strings, the same way on every system. */
export function stringKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keys compared as numbers when both are decimal integers (Pardot ids), else as strings. */
export function numericKeys(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || stringKeys(a, b);
  return stringKeys(a, b);
}

/** Orders by (stamp, key); keys as strings unless another key order is given. */
export function compareStampKey(a: { stampMs: number; key: string }, b: { stampMs: number; key: string }, compareKeys: (a: string, b: string) => number = stringKeys): number {
  if (a.stampMs !== b.stampMs) return a.stampMs - b.stampMs;
  return compareKeys(a.key, b.key);
}

/** The greatest stamp whose tick has ended by `ms` (a stamp of the running tick can still be given to another change). */
export function lastCompleteStamp(ms: number, resolutionMs: number): number {
  return resolutionMs > 1 ? Math.floor(ms / resolutionMs) * resolutionMs - 1 : ms;
}

/** One page of changes after `since`: sorted by (stamp, key), at most `limit`, with the next watermark. */
export async function pollByStamp<Row>(p: StampPolling<Row>): Promise<ChangePage> {
  if (!p.toRecord && !p.toRecords) throw new TypeError('pollByStamp needs toRecord or toRecords');
  if (p.limit <= 0) return { records: [], next: p.since, hasMore: false };
  const order = (a: { stampMs: number; key: string }, b: { stampMs: number; key: string }) => compareStampKey(a, b, p.compareKeys);
  const sinceMs = p.since ? Date.parse(p.since.at) : NaN;
  const mark = p.since && Number.isFinite(sinceMs) ? { stampMs: sinceMs, key: p.since.key ?? '' } : null;
  const untilMs = lastCompleteStamp(p.now - p.settleMs, p.stampResolutionMs ?? 1);
  const fromMs = mark ? mark.stampMs - p.overlapMs : null;
  const seenList = Array.isArray(p.since?.extra?.seen) ? new Set((p.since.extra.seen as JsonValue[]).map(String)) : null;
  const floor = mark ? mark.stampMs - p.overlapMs : -Infinity;

  // Already produced: beyond the overlap everything at or below the mark; inside it, what the seen list
  // names (without a seen list, a watermark from elsewhere, everything at or below the mark).
  const produced = (s: Stamped<Row>): boolean => {
    if (!mark) return false;
    if (order(s, mark) > 0) return false;
    if (!seenList || s.stampMs < floor) return true;
    return seenList.has(token(s));
  };

  const fresh: Stamped<Row>[] = [];
  const windowRows: Stamped<Row>[] = [];
  const want = p.limit + 1;
  for await (const row of toAsync(p.fetch({ fromMs, untilMs, want, signal: p.signal }))) {
    const stampMs = p.stampMs(row);
    if (stampMs === null || !Number.isFinite(stampMs)) {
      p.onUnstamped?.(row);
      continue;
    }
    if (stampMs > untilMs || (fromMs !== null && stampMs < fromMs)) continue;
    // Sorted input: once `want` new rows are in and a later stamp starts, nothing further can make the page.
    if (p.ordered && fresh.length >= want && stampMs > fresh[want - 1].stampMs) break;
    const s = { stampMs, key: p.key(row), row };
    if (mark && stampMs >= floor && order(s, mark) <= 0) windowRows.push(s);
    if (!produced(s)) fresh.push(s);
    // Unordered input (a whole table read through a cursor): keep only the best `want` rows as they
    // come, so a page of a large table holds about a page, not the table.
    if (!p.ordered && fresh.length >= 4 * want) {
      const best = uniqueSorted(fresh, order).slice(0, want);
      fresh.length = 0;
      for (const b of best) fresh.push(b);
    }
  }
  // The same row can come back twice across vendor pages that shift under us; keep the first.
  const unique = uniqueSorted(fresh, order);
  const items = unique.slice(0, p.limit);
  if (items.length === 0) return { records: [], next: p.since, hasMore: false };

  let top: { stampMs: number; key: string } = items[items.length - 1];
  if (mark && order(mark, top) > 0) top = mark;
  const producedNow = new Set(items.map(token));
  const seen = [...windowRows.filter((s) => produced(s)).map(token), ...producedNow]
    .map((t) => ({ t, stampMs: Number(t.slice(0, t.indexOf('|'))) }))
    .filter((x) => x.stampMs >= top.stampMs - p.overlapMs)
    .sort((a, b) => a.stampMs - b.stampMs)
    .map((x) => x.t);
  const maxSeen = p.maxSeen ?? 5000;
  const keptSeen = [...new Set(seen)].slice(-maxSeen);
  const next: Watermark = {
    at: new Date(top.stampMs).toISOString(),
    key: top.key,
    extra: { ...(p.since?.extra ?? {}), seen: keptSeen },
  };
  const made = p.toRecords ? await p.toRecords(items.map((s) => s.row)) : items.map((s) => p.toRecord!(s.row));
  const records = made.map((r, i) => (r.updatedAt === undefined ? { ...r, updatedAt: new Date(items[i].stampMs).toISOString() } : r));
  return { records, next, hasMore: unique.length > items.length };
}

/** Sorted by (stamp, key), one row per stamp and key (the first seen). */
function uniqueSorted<Row>(rows: Stamped<Row>[], order: (a: Stamped<Row>, b: Stamped<Row>) => number): Stamped<Row>[] {
  const sorted = [...rows].sort(order);
  return sorted.filter((s, i) => i === 0 || token(s) !== token(sorted[i - 1]));
}

async function* toAsync<Row>(source: Promise<Iterable<Row>> | AsyncIterable<Row>): AsyncGenerator<Row> {
  if (Symbol.asyncIterator in (source as object)) {
    yield* source as AsyncIterable<Row>;
    return;
  }
  yield* await (source as Promise<Iterable<Row>>);
}
