/** Reading: change polling over the list endpoint (any paging style), get by id, find by field. */
import { isEmailKey, normalizeKey } from '../../core/match-keys.js';
import { SyncError } from '../../core/errors.js';
import type { ChangePage, ReadChangesOptions, SourceRecord, Watermark } from '../../core/connector.js';
import type { HttpApiClient } from './client.js';
import { fillPath, getPath } from './paths.js';
import { compareRecords, compareStamps, isAfter, recordOf, recordsOf, toSourceRecord } from './records.js';
import type { EntitySettings } from './settings.js';

const DEFAULT_PAGE_SIZE = 100;

/** Where the next page is, or null at the end. */
type NextPage = { path: string; query: Record<string, string | number | undefined> } | null;

function nextPage(entity: EntitySettings, res: { json: unknown; headers: Headers; url: string }, got: number, pageSize: number, query: Record<string, string | number | undefined>, listPath: string): NextPage {
  const paging = entity.list?.paging ?? { style: 'none' };
  switch (paging.style) {
    case 'cursor': {
      const cursor = getPath(res.json, paging.responsePath ?? 'nextCursor');
      if (cursor === undefined || cursor === null || cursor === '') return null;
      return { path: listPath, query: { ...query, [paging.param ?? 'cursor']: String(cursor) } };
    }
    case 'next-link': {
      const link = getPath(res.json, paging.responsePath ?? 'next') ?? linkHeaderNext(res.headers.get('link'));
      if (typeof link !== 'string' || link === '') return null;
      // A next link is complete: it already carries the since and size params.
      return { path: new URL(link, res.url).toString(), query: {} };
    }
    case 'offset': {
      if (got < pageSize || got === 0) return null;
      const param = paging.param ?? 'offset';
      return { path: listPath, query: { ...query, [param]: Number(query[param] ?? 0) + got } };
    }
    default:
      return null;
  }
}

function linkHeaderNext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel="?next"?/i.test(m[2])) return m[1];
  }
  return undefined;
}

/** One page of changes after `since`, sorted by (updatedAt, id), at most `limit` records. */
export async function readChanges(
  client: HttpApiClient,
  entity: EntitySettings,
  since: Watermark | null,
  options: ReadChangesOptions,
  warn: (message: string) => void = () => {},
): Promise<ChangePage> {
  if (!entity.paths.list || !entity.updatedField) {
    throw new SyncError('fatal', `${entity.name}: change polling needs paths.list and updatedField`, { system: 'http' });
  }
  if (options.limit <= 0) return { records: [], next: since, hasMore: false };
  const list = entity.list ?? {};
  const sorted = list.sorted ?? true;
  // One more than the limit tells, from a single page, whether more records wait.
  const pageSize = Math.min(list.pageSize ?? DEFAULT_PAGE_SIZE, options.limit + 1);
  const listPath = fillPath(entity.paths.list, {});
  const query: Record<string, string | number | undefined> = { [list.limitParam ?? 'limit']: pageSize };
  if (since) query[list.sinceParam ?? 'updatedSince'] = since.at;

  const collected: SourceRecord[] = [];
  const seen = new Set<string>();
  let page: NextPage = { path: listPath, query };
  let morePages = false;
  while (page) {
    const res = await client.send({ method: 'GET', path: page.path, query: page.query, signal: options.signal, operation: 'list' });
    const raws = recordsOf(entity, res.json);
    let pageMax: string | undefined;
    for (const raw of raws) {
      const rec = toSourceRecord(entity, raw);
      if (rec.updatedAt === undefined) {
        // Without a stamp a record has no place in the change order; say so rather than block the poll.
        warn(`${entity.name} ${rec.id}: no "${entity.updatedField}" value, skipped by change polling`);
        continue;
      }
      if (pageMax === undefined || compareStamps(rec.updatedAt, pageMax) > 0) pageMax = rec.updatedAt;
      if (isAfter(rec, since)) collected.push(rec);
    }
    const next = nextPage(entity, res, raws.length, pageSize, page.query, listPath);
    if (!next) break;
    const token = next.path + JSON.stringify(next.query);
    if (seen.has(token)) throw new SyncError('fatal', `${entity.name}: the list answer repeats its next page (${token})`, { system: 'http' });
    seen.add(token);
    // Sorted servers: once the page has moved past the stamp of the limit-th record, later pages cannot change this page.
    if (sorted && collected.length > options.limit && pageMax !== undefined) {
      collected.sort(compareRecords);
      if (compareStamps(pageMax, collected[options.limit - 1].updatedAt ?? '') > 0) {
        morePages = true;
        break;
      }
    }
    page = next;
  }
  collected.sort(compareRecords);
  const records = collected.slice(0, options.limit);
  const last = records[records.length - 1];
  return {
    records,
    next: last ? { at: last.updatedAt ?? '', key: last.id } : since,
    hasMore: collected.length > options.limit || morePages,
  };
}

/** One record by id, or null on 404. */
export async function getRecord(client: HttpApiClient, entity: EntitySettings, id: string): Promise<SourceRecord | null> {
  if (!entity.paths.get) throw new SyncError('fatal', `${entity.name}: no get path configured`, { system: 'http' });
  const res = await client.send({ method: 'GET', path: fillPath(entity.paths.get, { id }), operation: 'get', accept: [404] });
  if (res.status === 404) return null;
  const rec = recordOf(entity, res.json);
  return rec ? toSourceRecord(entity, rec) : null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null) return false;
  const x = String(a);
  const y = String(b);
  // Email addresses match as flows normalise them (core/match-keys.ts: case and surrounding space ignored); anything else must be equal as text.
  return x === y || (isEmailKey(y) && normalizeKey(x) === normalizeKey(y));
}

/** Records whose `field` equals `value`, via the find template; results are re-checked so a server that ignores the filter cannot produce false matches. */
export async function findRecords(client: HttpApiClient, entity: EntitySettings, field: string, value: unknown): Promise<SourceRecord[]> {
  const find = entity.paths.find;
  const template = typeof find === 'string' ? find : find?.[field];
  if (!template) throw new SyncError('fatal', `${entity.name}: no find path configured for field "${field}"`, { system: 'http' });
  const res = await client.send({ method: 'GET', path: fillPath(template, { field, value }), operation: 'find' });
  return recordsOf(entity, res.json)
    .map((raw) => toSourceRecord(entity, raw))
    .filter((rec) => sameValue(getPath(rec.data, field), value));
}
