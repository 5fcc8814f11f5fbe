/**
 * Change polling over a v5 collection through the shared helper (connectors/shared/polling.ts):
 * the helper asks for a stamp window, read here as `updatedAtAfterOrEqualTo .. updatedAtBeforeOrEqualTo`
 * ordered by (updatedAt, id), and applies the overlap, the key tie-break (Pardot stamps are whole
 * seconds, so many records share one) and the settle time: v5 reads can lag writes by up to 60 s.
 */
import type { ChangePage, ReadAllOptions, ReadChangesOptions, SnapshotPage, SourceRecord, Watermark } from '../../core/connector.js';
import type { JsonObject } from '../../core/json.js';
import { numericKeys, pollByStamp } from '../shared/polling.js';
import type { PardotClient } from './client.js';

/** Largest page the API serves. */
const MAX_PAGE = 1000;

/** What to poll. */
export interface ChangeSource {
  /** Collection path, e.g. `/api/v5/objects/prospects`. */
  path: string;
  /** Entity name stamped on the records. */
  entity: string;
  /** Fields to request (id and updatedAt are always added). */
  fields: string[];
  /** Seconds of recent changes to leave for later (the `settleSeconds` setting). */
  settleSeconds: number;
  now: number;
  /** Ask for recycled records too (`deleted=all`), so deletions reach the flow as `deleted: true`. */
  includeDeleted?: boolean;
}

/** Formats an instant as the API accepts it (`+00:00` offset; the `+` is percent-encoded by URLSearchParams). */
export function formatInstant(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
}

/** One page of changes after `since`, never more than `options.limit` records. */
export async function readChanges(client: PardotClient, src: ChangeSource, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
  const fields = [...new Set(['id', 'updatedAt', ...(src.includeDeleted ? ['isDeleted'] : []), ...src.fields])];
  const deleted = src.includeDeleted ? { deleted: 'all' } : {};
  return pollByStamp<Record<string, unknown>>({
    since,
    limit: options.limit,
    overlapMs: options.overlapMs ?? 0,
    settleMs: src.settleSeconds * 1000,
    // updatedAt has whole seconds: the running second is left for the next poll.
    stampResolutionMs: 1000,
    now: src.now,
    signal: options.signal,
    ordered: true,
    fetch: (w) =>
      client.all<Record<string, unknown>>(
        src.path,
        fields,
        {
          ...(w.fromMs === null ? {} : { updatedAtAfterOrEqualTo: formatInstant(w.fromMs) }),
          updatedAtBeforeOrEqualTo: formatInstant(w.untilMs),
          orderBy: 'updatedAt,id',
          ...deleted,
          limit: Math.min(MAX_PAGE, w.want),
        },
        w.signal,
      ),
    stampMs: (r) => Date.parse(String(r.updatedAt)),
    key: (r) => String(r.id),
    compareKeys: numericKeys,
    toRecord: (r): SourceRecord => ({ id: String(r.id), entity: src.entity, updatedAt: String(r.updatedAt), deleted: r.isDeleted === true ? true : undefined, data: r }),
  });
}

/**
 * One page of every live record of a collection: one query (no stamp window) followed through
 * `nextPageToken`, which is the cursor, up to 1,000 records a call. What a reconciliation reads;
 * change polling would ask for a new stamp window per page.
 */
export async function readAllPage(client: PardotClient, src: Pick<ChangeSource, 'path' | 'entity' | 'fields'>, cursor: JsonObject | null, options: ReadAllOptions): Promise<SnapshotPage> {
  const fields = [...new Set(['id', 'updatedAt', ...src.fields])];
  const token = typeof cursor?.nextPageToken === 'string' ? cursor.nextPageToken : null;
  const page = await client.page<Record<string, unknown>>(src.path, fields, token ? { nextPageToken: token } : { orderBy: 'id', limit: Math.min(MAX_PAGE, Math.max(1, options.limit)) }, options.signal);
  return {
    records: page.values.map((r) => ({ id: String(r.id), entity: src.entity, updatedAt: String(r.updatedAt), data: r })),
    next: page.nextPageToken ? { nextPageToken: page.nextPageToken } : null,
  };
}
