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
import { paceAfterRead, paceBounds, paceFromMark, paceKey, paceToMark } from './adaptive-poll.js';

/** What one read produced. */
export interface ReadOutcome {
  pages: number;
  records: number;
  accepted: number;
  watermark: Watermark | null;
  /** Ids of the record jobs this read queued (repeats the inbox dropped are not among them). */
  jobIds: string[];
}

/** Reads the source of `flow` (changes since the watermark, or everything) and enqueues one job per new record; then each `refreshOn` child entity the same way. */
export async function readSource(
  flow: FlowRuntime,
  mode: 'changes' | 'all',
  deps: { store: Store; pool: ConnectionPool; maxPages?: number; signal?: AbortSignal },
  /** For a two-way pair: the side read (its own watermark; events tagged with the side). */
  side?: { key: SideKey; source: SourceDef },
): Promise<ReadOutcome> {
  if (side) return readEntity(flow, side.source.entity, null, mode, deps, side);
  const main = await readEntity(flow, flow.def.source.entity, null, mode, deps);
  // A child's rows are read only for changes: a full read of the parent already covers every parent.
  for (const child of mode === 'changes' ? (flow.def.source.refreshOn ?? []) : []) {
    if (deps.signal?.aborted) break;
    const out = await readEntity(flow, child.entity, child.entity, mode, deps);
    main.pages += out.pages;
    main.records += out.records;
    main.accepted += out.accepted;
    main.jobIds.push(...out.jobIds);
  }
  const trig = flow.def.trigger;
  const bounds = trig.type === 'poll' && mode === 'changes' ? paceBounds(trig) : null;
  if (bounds) {
    // Adaptive polling: the next poll's time, from what this read found (children included) and the connection's budget.
    const key = paceKey(`${flow.def.source.connection}/${flow.def.source.entity}`);
    const budget = (await deps.pool.budgets().catch(() => [])).find((b) => b.connection === flow.def.source.connection);
    const pace = paceAfterRead(paceFromMark(await deps.store.getWatermark(flow.name, key)), main.records, bounds, Date.now(), budget);
    await deps.store.commitPoll({ flow: flow.name, watermarkKey: key, watermark: paceToMark(pace), jobs: [] });
  }
  return main;
}

/** Reads one entity of the source connection from its own watermark; `via` names a refreshOn child entity. */
async function readEntity(
  flow: FlowRuntime,
  entity: string,
  via: string | null,
  mode: 'changes' | 'all',
  deps: { store: Store; pool: ConnectionPool; maxPages?: number; signal?: AbortSignal },
  side?: { key: SideKey; source: SourceDef },
): Promise<ReadOutcome> {
  const { store, pool } = deps;
  const source = side?.source ?? flow.def.source;
  const trig = flow.def.trigger;
  const pageSize = trig.type === 'poll' ? (trig.pageSize ?? 500) : 500;
  const overlapMs = (trig.type === 'poll' || trig.type === 'webhook' || trig.type === 'stream') && trig.overlap ? parseDuration(trig.overlap) : 5000;
  const wmKey = `${source.connection}/${entity}`;
  const conn = await pool.get(source.connection);
  const stored = await store.getWatermark(flow.name, wmKey);
  // The first read of a refreshOn child, or of a flow that starts from now, only finds where "now" is:
  // the parent's own first read already covers every parent, and history is not news.
  const historyOnly = mode === 'changes' && !stored && (via !== null || (trig.type === 'poll' && trig.startFrom === 'now'));
  let since: Watermark | null = mode === 'all' || !stored ? null : stored;
  let watermark = stored;
  const outcome: ReadOutcome = { pages: 0, records: 0, accepted: 0, watermark, jobIds: [] };
  const maxPages = deps.maxPages ?? 1000;
  while (outcome.pages < maxPages && !deps.signal?.aborted) {
    const page = await conn.connector.readChanges(entity, since, { limit: pageSize, signal: deps.signal, overlapMs });
    outcome.pages += 1;
    outcome.records += page.records.length;
    // At an equal (stamp, key) the page's watermark still wins: a late record produced inside the overlap
    // leaves the mark where it was but adds to the seen-set in `extra`, which must be kept.
    if (page.next && (!watermark || compareMarks(page.next, watermark) >= 0)) watermark = page.next;
    const events = historyOnly ? [] : via ? await childEvents(flow, via, page.records) : page.records.map((r) => toEvent(flow.name, r, side?.key));
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

/**
 * Changed child rows as events that refresh their parent. The job is keyed by the parent's id, so the
 * worker runs the refreshes of one parent one after another; the delivery id names the child's
 * entity, row and stamp, so a re-read child is a repeat and a second changed child is a new refresh.
 */
async function childEvents(flow: FlowRuntime, via: string, records: SourceRecord[]): Promise<InboxEvent[]> {
  const out: InboxEvent[] = [];
  for (const r of records) {
    // On failure the runner evaluates it again and dead-letters the event with the reason.
    const parentId = await Promise.resolve(flow.compiled.parentIdOf?.(via, r.data, { flow: flow.name, recordKey: r.id })).catch(() => null);
    const payload: EventPayload = { record: r.data, id: r.id, type: 'changed', via };
    out.push({ flow: flow.name, deliveryId: `${via}:${r.id}@${r.updatedAt ?? stableHash(r.data)}`, payload: payload as unknown as InboxEvent['payload'], recordKey: parentId ?? `${via}:${r.id}` });
  }
  return out;
}

/** One record as an inbox event; the delivery id (id @ stamp, or @ content hash when unstamped) makes re-reads of the same version repeats. */
export function toEvent(flow: string, r: SourceRecord, side?: SideKey): InboxEvent {
  const payload: EventPayload & { side?: SideKey } = { record: r.data, id: r.id, type: r.deleted ? 'deleted' : 'changed', ...(r.updatedAt ? { at: r.updatedAt } : {}), ...(side ? { side } : {}) };
  // The two sides of a pair number records independently: their ids share one inbox only with the side named.
  const tag = side ? `${side}:` : '';
  return { flow, deliveryId: `${tag}${r.deliveryId ?? `${r.id}@${r.updatedAt ?? stableHash(r.data)}`}`, payload: payload as unknown as InboxEvent['payload'], recordKey: `${tag}${r.sequenceKey ?? r.id}` };
}

/** Orders watermarks by stamp, then key. */
export function compareMarks(a: Watermark, b: Watermark): number {
  const d = Date.parse(a.at) - Date.parse(b.at);
  if (d !== 0) return d;
  return (a.key ?? '').localeCompare(b.key ?? '');
}
