/** Reading: change polling over the list endpoint (any paging style), get by id, find by field. */
import { isEmailKey, normalizeKey } from '../../core/match-keys.js';
import { SyncError } from '../../core/errors.js';
import type { ChangePage, ReadChangesOptions, SourceRecord, Watermark } from '../../core/connector.js';
import type { HttpApiClient } from './client.js';
import { fillPath, getPath } from './paths.js';
import { pollByStamp } from '../shared/polling.js';
import { recordOf, recordsOf, toSourceRecord } from './records.js';
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

/** One page of changes after `since`, sorted by (updatedAt, id), at most `limit` records, through the shared polling helper. */
export async function readChanges(
  client: HttpApiClient,
  entity: EntitySettings,
  since: Watermark | null,
  options: ReadChangesOptions & { settleSeconds?: number },
  warn: (message: string) => void = () => {},
): Promise<ChangePage> {
  if (!entity.paths.list || !entity.updatedField) {
    throw new SyncError('fatal', `${entity.name}: change polling needs paths.list and updatedField`, { system: 'http' });
  }
  const list = entity.list ?? {};
  const listPath = fillPath(entity.paths.list, {});
  return pollByStamp<SourceRecord>({
    since,
    limit: options.limit,
    overlapMs: options.overlapMs ?? 0,
    settleMs: (options.settleSeconds ?? 0) * 1000,
    // Stamps come from the remote server's clock: without a settle time nothing is held back, however far ahead it runs.
    now: options.settleSeconds ? Date.now() : Number.POSITIVE_INFINITY,
    signal: options.signal,
    // Sorted servers: once past the stamp of the page's last record, later pages cannot change the page.
    ordered: list.sorted ?? true,
    async *fetch(w) {
      // One more than the limit tells, from a single page, whether more records wait.
      const pageSize = Math.min(list.pageSize ?? DEFAULT_PAGE_SIZE, w.want);
      const query: Record<string, string | number | undefined> = { [list.limitParam ?? 'limit']: pageSize };
      if (w.fromMs !== null) query[list.sinceParam ?? 'updatedSince'] = new Date(w.fromMs).toISOString();
      const seen = new Set<string>();
      let page: NextPage = { path: listPath, query };
      while (page) {
        const res = await client.send({ method: 'GET', path: page.path, query: page.query, signal: w.signal, operation: 'list' });
        const raws = recordsOf(entity, res.json);
        for (const raw of raws) yield toSourceRecord(entity, raw);
        const next = nextPage(entity, res, raws.length, pageSize, page.query, listPath);
        if (!next) break;
        const token = next.path + JSON.stringify(next.query);
        if (seen.has(token)) throw new SyncError('fatal', `${entity.name}: the list answer repeats its next page (${token})`, { system: 'http' });
        seen.add(token);
        page = next;
      }
    },
    stampMs: (rec) => (rec.updatedAt === undefined ? null : Date.parse(rec.updatedAt)),
    // Without a stamp a record has no place in the change order; say so rather than block the poll.
    onUnstamped: (rec) => warn(`${entity.name} ${rec.id}: no "${entity.updatedField}" value, skipped by change polling`),
    key: (rec) => rec.id,
    toRecord: (rec) => rec,
  });
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
