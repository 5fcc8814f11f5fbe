/**
 * Change Data Capture and platform events as records. A change event names record ids and carries
 * only the changed fields, so the records are read whole, many ids per SOQL query (readByIds), with
 * exactly the fields, parents and children a change poll reads: a flow maps a streamed record as it
 * maps a polled one. Its delivery id names the event (id @ replay id), so events delivered again
 * after a restart are dropped by the inbox; a change seen both by the stream and by a catch-up poll
 * may run twice, which the cross-reference and skip-unchanged writes make harmless.
 *
 * The position is the replay id. No stored position (a new flow) or one after a gap subscribes with
 * -2 (every retained event); the inbox drops what was already taken.
 */
import type { ReadStreamOptions, SourceRecord, StreamPage, Watermark } from '../../../core/connector.js';
import type { SalesforceClient } from '../client.js';
import { readByIds } from '../entities/read.js';
import type { RelatedRead } from '../entities/related.js';
import { BayeuxSession, type StreamMessage } from './bayeux.js';

/** The Change Data Capture channel of an sObject: `/data/AccountChangeEvent`, `/data/Employee__ChangeEvent`. */
export function changeChannel(entity: string): string {
  return `/data/${entity.endsWith('__c') ? entity.slice(0, -1) : entity}ChangeEvent`;
}

/** What readStream needs from the connection. */
export interface StreamDeps {
  client: SalesforceClient;
  /** Sessions by subscriber, kept for the connection's life. */
  sessions: Map<string, BayeuxSession>;
  /** Fields a change read selects for the entity. */
  fields(entity: string): Promise<string[]>;
  /** Parent fields and child subqueries a change read selects for the entity (those the org has). */
  related(entity: string): Promise<RelatedRead | undefined>;
  /** False when the connection is set not to stream (the org has no Change Data Capture). */
  enabled: boolean;
}

function replayOf(since: Watermark | null): number {
  const r = since?.extra?.replayId;
  return typeof r === 'number' && Number.isInteger(r) ? r : -2;
}

/** One readStream call: (re)opens the session at the stored position, waits for events, reads their records. */
export async function readStream(deps: StreamDeps, entity: string, since: Watermark | null, options: ReadStreamOptions): Promise<StreamPage> {
  const channel = options.channel ?? changeChannel(entity);
  const key = `${options.subscriber}\u0000${channel}`;
  const from = replayOf(since);
  if (!deps.enabled) return { records: [], next: since, unavailable: 'streaming is switched off for this connection (changeDataCapture: false)' };
  let session = deps.sessions.get(key);
  // A session elsewhere than the stored position (the engine did not commit what it handed out, or a restart) starts again from the position.
  if (!session || session.position !== from) {
    await session?.close();
    session = new BayeuxSession(deps.client, channel);
    deps.sessions.set(key, session);
    const opened = await session.open(from, options.signal);
    if (opened === 'invalid-replay') {
      deps.sessions.delete(key);
      // Events after the stored id are gone: poll the gap, then take every retained event.
      return { records: [], next: { at: since?.at ?? new Date(0).toISOString(), extra: { replayId: -2 } }, gapSince: since?.at ?? new Date(0).toISOString() };
    }
    if (opened === 'no-channel') {
      deps.sessions.delete(key);
      return { records: [], next: since, unavailable: `Salesforce has no channel ${channel}: select ${entity} for Change Data Capture in Setup, or set changeDataCapture: false (${session.lastError})` };
    }
  }
  if (session.buffered.length === 0) {
    try {
      await session.connect(options.signal);
    } catch (err) {
      deps.sessions.delete(key);
      throw err;
    }
  }
  const events = session.next(options.limit);
  if (events.length === 0) return { records: [], next: since };
  const last = events[events.length - 1];
  const at = commitTime(last) ?? since?.at ?? new Date().toISOString();
  const next: Watermark = { at, extra: { replayId: last.data.event.replayId } };
  const records = channel.startsWith('/event/') ? events.map((e) => platformRecord(entity, e)) : await changeRecords(deps, entity, events, options.signal);
  const overflow = events.some((e) => header(e)?.changeType === 'GAP_OVERFLOW' && header(e)?.entityName === entity);
  return overflow ? { records, next, gapSince: since?.at ?? new Date(0).toISOString() } : { records, next };
}

function header(e: StreamMessage): { entityName?: string; changeType?: string; recordIds?: string[]; commitTimestamp?: number } | undefined {
  return e.data.payload.ChangeEventHeader as ReturnType<typeof header>;
}

function commitTime(e: StreamMessage): string | undefined {
  const ts = header(e)?.commitTimestamp;
  if (typeof ts === 'number') return new Date(ts).toISOString();
  const created = e.data.payload.CreatedDate;
  return typeof created === 'string' ? new Date(created).toISOString() : undefined;
}

/** The records of change events: ids in event order, read whole; an id the org no longer has (emptied from the recycle bin) is a deletion. */
async function changeRecords(deps: StreamDeps, entity: string, events: StreamMessage[], signal?: AbortSignal): Promise<SourceRecord[]> {
  const ids: string[] = [];
  const deletedAt = new Map<string, string>();
  const lastReplay = new Map<string, number>();
  for (const e of events) {
    const h = header(e);
    if (!h || h.entityName !== entity) continue;
    for (const id of h.recordIds ?? []) {
      if (!ids.includes(id)) ids.push(id);
      lastReplay.set(id, e.data.event.replayId);
      if (h.changeType === 'DELETE' || h.changeType === 'GAP_DELETE') deletedAt.set(id, commitTime(e) ?? new Date().toISOString());
    }
  }
  if (ids.length === 0) return [];
  const found = await readByIds(deps.client, entity, ids, await deps.fields(entity), signal, await deps.related(entity));
  const byId = new Map(found.map((r) => [r.id, r]));
  const out: SourceRecord[] = [];
  for (const id of ids) {
    const r = byId.get(id);
    // The replay id names the change: two changes within one SystemModstamp second stay two deliveries.
    const deliveryId = `${id}@replay:${lastReplay.get(id)}`;
    if (r) out.push({ ...r, deliveryId });
    else if (deletedAt.has(id)) out.push({ id, entity, updatedAt: deletedAt.get(id), deleted: true, deliveryId, data: { Id: id } });
  }
  return out;
}

/** A platform event as a record: its fields, keyed by its EventUuid (or replay id). */
function platformRecord(entity: string, e: StreamMessage): SourceRecord {
  const id = e.data.event.EventUuid ?? String(e.data.event.replayId);
  return { id, entity, updatedAt: commitTime(e), data: { ...e.data.payload, EventUuid: id, ReplayId: e.data.event.replayId } };
}
