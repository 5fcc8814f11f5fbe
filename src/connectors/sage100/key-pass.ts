/**
 * A read from the beginning (no watermark: a first poll, a bulk initial load, a reconciliation) in
 * primary-key order instead of stamp order. ProvideX cannot order by DateUpdated + TimeUpdated, so a
 * stamp-ordered read from nothing re-reads the whole table for every page: 100,000 customers in pages
 * of 5,000 were 20 full reads. Pages in key order (`KPRIMARY`) are each read once, from just after the
 * last key of the page before, and the cursor is closed when the page is full.
 *
 * The pass's position is in the watermark (`extra.keyPass`, JSON), not in the connector, so a pass
 * resumes from any page. Its marks carry the epoch as their stamp: a record's stamp says nothing about
 * where a key-ordered pass stands, and a mark without the pass extra would read everything again.
 *
 * Records changed while the pass runs: a change ahead of the pass's position is read by the pass, with
 * its new stamp; a change behind it is left to the first poll after the pass. For that, the pass
 * first reads the table's newest stamp (one read of the stamp columns), and the mark it ends with is
 * the newest record read, carrying `backTo` (that newest-at-start stamp, less the overlap) and, as its
 * seen list, every (stamp, key) the pass produced from `backTo` on. The poll from that mark re-reads
 * back to `backTo` and produces what the seen list lacks: exactly the changes the pass did not read.
 */
import type { ChangePage, SourceRecord, Watermark } from '../../core/connector.js';
import type { JsonObject } from '../../core/json.js';
import { compareStampKey, seenToken } from '../shared/polling.js';

/** The stamp of a pass mark: not a record's, so any real mark is after it. */
const PASS_AT = new Date(0).toISOString();
/** Seen tokens a pass keeps at most (the polling helper's own bound): beyond it the oldest are read again by the poll after. */
const MAX_SEEN = 5000;

/** Where a pass stands, as kept in a mark's `extra.keyPass`. */
interface PassState {
  /** The key columns' values of the last row read; null before the first page. */
  after: string[] | null;
  /** The poll after the pass reads back to this stamp (epoch ms); null when no row was stamped at the start, so every stamped row read is new. */
  backTo: number | null;
  /** The newest (stamp, key) read so far. */
  newest: { stampMs: number; key: string } | null;
  /** (stamp, key) tokens produced at or after `backTo`. */
  seen: string[];
}

/** How one entity is read by key. */
export interface KeyPass<Row> {
  /** The stored watermark: null, or a mark of this pass. */
  since: Watermark | null;
  limit: number;
  /** The poll's overlap: `backTo` is the newest stamp at the start less this. */
  overlapMs: number;
  /** Up to `limit` rows after `after` (the key columns' values; null: from the first) in key order. */
  rowsAfter(after: string[] | null, limit: number): Promise<Row[]>;
  /** The newest stamp in the table now (epoch ms), or null when no row is stamped. */
  newestStamp(): Promise<number | null>;
  /** The key columns' values of a row, in key order. */
  keyOf(row: Row): string[];
  /** The row's record key (the same key the polling helper uses). */
  key(row: Row): string;
  stampMs(row: Row): number | null;
  /** The records of the page's rows in one go, in order. */
  toRecords(rows: Row[]): Promise<SourceRecord[]>;
  /** Told about rows without a stamp, which polling cannot place (they are left out, as polling leaves them). */
  onUnstamped?(row: Row): void;
}

/** True for a mark of a pass in progress. */
export function isKeyPassMark(mark: Watermark | null): boolean {
  return !!mark?.extra && typeof mark.extra.keyPass === 'object' && mark.extra.keyPass !== null;
}

/** One page of a key-ordered pass: the next `limit` rows after the pass's position. */
export async function keyPassPage<Row>(p: KeyPass<Row>): Promise<ChangePage> {
  const state: PassState = isKeyPassMark(p.since) ? (p.since!.extra!.keyPass as unknown as PassState) : await startPass(p);
  const rows = await p.rowsAfter(state.after, p.limit);
  const stamped: Array<{ stampMs: number; key: string; row: Row }> = [];
  let newest = state.newest;
  const seen = [...state.seen];
  for (const row of rows) {
    const stampMs = p.stampMs(row);
    if (stampMs === null || !Number.isFinite(stampMs)) {
      p.onUnstamped?.(row);
      continue;
    }
    const s = { stampMs, key: p.key(row), row };
    stamped.push(s);
    if (!newest || compareStampKey(s, newest) > 0) newest = { stampMs, key: s.key };
    if (state.backTo === null || stampMs >= state.backTo) seen.push(seenToken(s));
  }
  stamped.sort((a, b) => compareStampKey(a, b));
  const made = await p.toRecords(stamped.map((s) => s.row));
  const records = made.map((r, i) => (r.updatedAt === undefined ? { ...r, updatedAt: new Date(stamped[i].stampMs).toISOString() } : r));
  // Only the newest tokens are kept: the poll after reads the oldest again, which repeats a record, never loses one.
  const keptSeen = seen.length > MAX_SEEN ? [...seen].sort(byStamp).slice(-MAX_SEEN) : seen;
  if (rows.length >= p.limit) {
    const next: PassState = { after: p.keyOf(rows[rows.length - 1]), backTo: state.backTo, newest, seen: keptSeen };
    return { records, next: { at: PASS_AT, key: '', extra: { keyPass: next as unknown as JsonObject } }, hasMore: true };
  }
  return { records, next: endMark(p.since, newest, state.backTo, keptSeen), hasMore: false };
}

/** The mark a finished pass ends with: the newest record read, with what the poll after needs. */
function endMark(since: Watermark | null, newest: PassState['newest'], backTo: number | null, seen: string[]): Watermark | null {
  // Nothing stamped at all: a first read leaves no mark, as polling does; a pass mark becomes a read from the epoch.
  if (!newest) return since ? { at: PASS_AT, key: '' } : null;
  const extra: JsonObject = { seen };
  // backTo null: the table had no stamped row when the pass started, so the poll after reads everything back.
  const from = backTo ?? 0;
  if (from < newest.stampMs) extra.backTo = from;
  return { at: new Date(newest.stampMs).toISOString(), key: newest.key, extra };
}

async function startPass<Row>(p: KeyPass<Row>): Promise<PassState> {
  const newestAtStart = await p.newestStamp();
  return { after: null, backTo: newestAtStart === null ? null : newestAtStart - p.overlapMs, newest: null, seen: [] };
}

const byStamp = (a: string, b: string) => Number(a.slice(0, a.indexOf('|'))) - Number(b.slice(0, b.indexOf('|')));

/** The stamp (epoch ms) a poll from this mark must read back to, beyond its own overlap; null for an ordinary mark. */
export function backToOf(mark: Watermark | null): number | null {
  const v = mark?.extra?.backTo;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The mark without `backTo`: once the poll after a pass has read back, later polls use their own overlap. */
export function withoutBackTo(mark: Watermark | null): Watermark | null {
  if (!mark?.extra || !('backTo' in mark.extra)) return mark;
  const { backTo: _, ...extra } = mark.extra;
  return { ...mark, extra };
}
