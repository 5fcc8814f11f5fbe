/**
 * Change polling over a v5 collection, ordered by (updatedAt, id). Pardot stamps have whole-second
 * precision, so many records share one stamp; the watermark keeps the last id at its stamp and the
 * next poll first finishes that second (`updatedAt = at AND id > key`, ordered by id) before moving
 * on (`updatedAt > at`, ordered by updatedAt,id). Records younger than the read lag are left for a
 * later poll because v5 reads can lag writes by up to 60 s.
 */
import type { ChangePage, ReadChangesOptions, SourceRecord, Watermark } from '../../core/connector.js';
import type { PardotClient, Query } from './client.js';

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
  /** Seconds of recent changes to leave for later. */
  lagSeconds: number;
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
  const cutoff = formatInstant(src.now - src.lagSeconds * 1000);
  const want = options.limit + 1;
  const out: Array<Record<string, unknown>> = [];

  const collect = async (query: Query) => {
    for await (const row of client.all<Record<string, unknown>>(src.path, fields, { ...query, ...deleted, limit: Math.min(MAX_PAGE, want) }, options.signal)) {
      out.push(row);
      if (out.length >= want) return;
    }
  };

  if (since?.key !== undefined) {
    await collect({ updatedAtAfterOrEqualTo: since.at, updatedAtBeforeOrEqualTo: since.at, idGreaterThan: since.key, orderBy: 'id' });
  }
  if (out.length < want) {
    const after = since ? (since.key !== undefined ? { updatedAtAfter: since.at } : { updatedAtAfterOrEqualTo: since.at }) : {};
    await collect({ ...after, updatedAtBeforeOrEqualTo: cutoff, orderBy: 'updatedAt,id' });
  }

  const hasMore = out.length > options.limit;
  const rows = out.slice(0, options.limit);
  const records: SourceRecord[] = rows.map((r) => ({ id: String(r.id), entity: src.entity, updatedAt: String(r.updatedAt), deleted: r.isDeleted === true ? true : undefined, data: r }));
  const last = records[records.length - 1];
  return { records, next: last ? { at: last.updatedAt!, key: last.id } : since, hasMore };
}
