/**
 * The shared polling helper: reads a flow's source from its watermark and hands every record to the
 * inbox, advancing the watermark in the same transaction. The stored watermark (stamp, key and extra)
 * reaches the connector unchanged, with the flow's overlap in `options.overlapMs`: the connector's
 * polling helper (connectors/shared/polling.ts) re-reads that window and drops what it already
 * produced; the inbox drops any remaining repeats by (id, stamp). Connectors never keep cursors.
 */
import type { SourceRecord, Watermark } from '../core/connector.js';
import type { SourceDef } from '../core/flow.js';
import type { SideKey } from '../core/sync.js';
import type { InboxEvent, Store } from '../store/types.js';
import type { ConnectionPool } from './connections.js';
import type { FlowRuntime } from './flow-cache.js';
import { parseDuration } from './durations.js';
import type { EventPayload } from './payloads.js';
import { stableHash } from './stable-hash.js';

/** What one read produced. */
export interface ReadOutcome {
  pages: number;
  records: number;
  accepted: number;
  watermark: Watermark | null;
  /** Ids of the record jobs this read queued (repeats the inbox dropped are not among them). */
  jobIds: string[];
}

/** Reads the source of `flow` (changes since the watermark, or everything) and enqueues one job per new record. */
export async function readSource(
  flow: FlowRuntime,
  mode: 'changes' | 'all',
  deps: { store: Store; pool: ConnectionPool; maxPages?: number; signal?: AbortSignal },
  /** For a two-way pair: the side read (its own watermark; events tagged with the side). */
  side?: { key: SideKey; source: SourceDef },
): Promise<ReadOutcome> {
  const { store, pool } = deps;
  const source = side?.source ?? flow.def.source;
  const trig = flow.def.trigger;
  const pageSize = trig.type === 'poll' ? (trig.pageSize ?? 500) : 500;
  const overlapMs = (trig.type === 'poll' || trig.type === 'webhook') && trig.overlap ? parseDuration(trig.overlap) : 5000;
  const wmKey = `${source.connection}/${source.entity}`;
  const conn = await pool.get(source.connection);
  const stored = await store.getWatermark(flow.name, wmKey);
  let since: Watermark | null = mode === 'all' || !stored ? null : stored;
  let watermark = stored;
  const outcome: ReadOutcome = { pages: 0, records: 0, accepted: 0, watermark, jobIds: [] };
  const maxPages = deps.maxPages ?? 1000;
  while (outcome.pages < maxPages && !deps.signal?.aborted) {
    const page = await conn.connector.readChanges(source.entity, since, { limit: pageSize, signal: deps.signal, overlapMs });
    outcome.pages += 1;
    outcome.records += page.records.length;
    // At an equal (stamp, key) the page's watermark still wins: a late record produced inside the overlap
    // leaves the mark where it was but adds to the seen-set in `extra`, which must be kept.
    if (page.next && (!watermark || compareMarks(page.next, watermark) >= 0)) watermark = page.next;
    const events = page.records.map((r) => toEvent(flow.name, r, side?.key));
    const queued = await store.commitPoll({
      flow: flow.name,
      watermarkKey: wmKey,
      watermark: mode === 'all' ? stored : watermark,
      jobs: [],
      events,
      eventJob: { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts },
    });
    outcome.accepted += events.length;
    outcome.jobIds.push(...queued);
    if (!page.hasMore || !page.next) break;
    since = page.next;
  }
  outcome.watermark = watermark;
  return outcome;
}

/** One record as an inbox event; the delivery id (id @ stamp, or @ content hash when unstamped) makes re-reads of the same version repeats. */
function toEvent(flow: string, r: SourceRecord, side?: SideKey): InboxEvent {
  const payload: EventPayload & { side?: SideKey } = { record: r.data, id: r.id, type: r.deleted ? 'deleted' : 'changed', ...(side ? { side } : {}) };
  // The two sides of a pair number records independently: their ids share one inbox only with the side named.
  const tag = side ? `${side}:` : '';
  return { flow, deliveryId: `${tag}${r.id}@${r.updatedAt ?? stableHash(r.data)}`, payload: payload as unknown as InboxEvent['payload'], recordKey: `${tag}${r.id}` };
}

/** Orders watermarks by stamp, then key. */
export function compareMarks(a: Watermark, b: Watermark): number {
  const d = Date.parse(a.at) - Date.parse(b.at);
  if (d !== 0) return d;
  return (a.key ?? '').localeCompare(b.key ?? '');
}
