/**
 * Reads: SOQL queries with `nextRecordsUrl` paging, get by id, find by field, and change polling.
 *
 * Change polling uses SOQL on `queryAll` — `WHERE SystemModstamp >= :from AND SystemModstamp <= :until
 * ORDER BY SystemModstamp, Id` over the window the shared polling helper asks for (the watermark less the
 * flow's overlap) — rather than getUpdated/getDeleted: one call returns ordered records with their data
 * (getUpdated returns ids only, at minute granularity, for at most 30 days), deleted records come back
 * with IsDeleted = true, and the helper's (stamp, id) order gives an exact tie-break for the watermark.
 * getUpdated/getDeleted are still offered for callers that want them.
 */
import type { ChangePage, FieldType, SnapshotPage, SourceRecord, Watermark } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { pollByStamp } from '../../shared/polling.js';
import { parseStamp, soqlDateTime, soqlIdent, soqlLiteral } from '../soql.js';
import { flattenChildren, RELATED_READS, relatedSelect, type RelatedRead } from './related.js';
import { toSourceRecord, type SalesforceRecord } from './records.js';

/** One page of a query result. */
export interface QueryResult {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SalesforceRecord[];
}

/** Options for running a query. */
export interface QueryOptions {
  /** Use `queryAll` (includes deleted and archived rows). */
  all?: boolean;
  /** Stop after this many records. */
  maxRecords?: number;
  signal?: AbortSignal;
}

/** Yields every page of a SOQL query, following `nextRecordsUrl`. */
export async function* queryPages(client: SalesforceClient, soql: string, options: QueryOptions = {}): AsyncGenerator<QueryResult> {
  let page = await client.json<QueryResult>({ method: 'GET', path: `${options.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`, what: 'query', family: 'query', signal: options.signal });
  let seen = page.records.length;
  yield page;
  while (!page.done && page.nextRecordsUrl && (options.maxRecords === undefined || seen < options.maxRecords)) {
    page = await client.json<QueryResult>({ method: 'GET', path: page.nextRecordsUrl, what: 'query (next page)', family: 'query', signal: options.signal });
    seen += page.records.length;
    yield page;
  }
}

/** Runs a query and returns all its records (up to `maxRecords`). */
export async function query(client: SalesforceClient, soql: string, options: QueryOptions = {}): Promise<SalesforceRecord[]> {
  const out: SalesforceRecord[] = [];
  for await (const page of queryPages(client, soql, options)) {
    out.push(...page.records);
    if (options.maxRecords !== undefined && out.length >= options.maxRecords) return out.slice(0, options.maxRecords);
  }
  return out;
}

/** Runs a COUNT() query. */
export async function count(client: SalesforceClient, entity: string, where?: string): Promise<number> {
  const page = await client.json<QueryResult>({ method: 'GET', path: `query?q=${encodeURIComponent(`SELECT COUNT() FROM ${soqlIdent(entity)}${where ? ` WHERE ${where}` : ''}`)}`, what: 'count', family: 'query' });
  return page.totalSize;
}

/** One record by id, or null when it does not exist (or is deleted). */
export async function getRecord(client: SalesforceClient, entity: string, id: string, fields?: string[]): Promise<SourceRecord | null> {
  const qs = fields && fields.length > 0 ? `?fields=${fields.map(soqlIdent).join(',')}` : '';
  try {
    const rec = await client.json<SalesforceRecord>({ method: 'GET', path: `sobjects/${soqlIdent(entity)}/${encodeURIComponent(id)}${qs}`, what: `get ${entity}`, family: 'rest' });
    return toSourceRecord(entity, rec);
  } catch (err) {
    if (err instanceof SyncError && err.kind === 'not_found') return null;
    throw err;
  }
}

/** Records whose field equals the value; the value is bound as a typed, escaped literal. */
export async function findRecords(client: SalesforceClient, entity: string, fields: string[], field: string, value: unknown, type?: FieldType): Promise<SourceRecord[]> {
  const select = [...new Set(['Id', ...fields])].map(soqlIdent).join(', ');
  const soql = `SELECT ${select} FROM ${soqlIdent(entity)} WHERE ${soqlIdent(field)} = ${soqlLiteral(value, type)} ORDER BY Id`;
  return (await query(client, soql, { maxRecords: 2000 })).map((r) => toSourceRecord(entity, r));
}

/** Options of one change read. */
export interface ChangeReadOptions {
  limit: number;
  /** Fields to select (Id, SystemModstamp and IsDeleted are always added). */
  fields: string[];
  /** Parent fields and child subqueries to select (default: every related read of the entity; the connector passes the org's, relatedIn). */
  related?: RelatedRead;
  /** Ignore records stamped in the last N seconds (still-committing transactions). */
  settleSeconds: number;
  /** Re-read this far before the watermark (the flow's overlap). */
  overlapMs?: number;
  /** The hub's clock. */
  now?: () => number;
  signal?: AbortSignal;
}

/** The SOQL of one change read over a stamp window, oldest first (exported for tests and docs). */
export function changesSoql(entity: string, fromMs: number | null, fields: string[], upperMs: number, related: RelatedRead | undefined = RELATED_READS[entity]): string {
  const select = selectList(entity, fields, related);
  const upper = `SystemModstamp <= ${soqlDateTime(upperMs)}`;
  const where = fromMs === null ? upper : `SystemModstamp >= ${soqlDateTime(fromMs)} AND ${upper}`;
  return `SELECT ${select} FROM ${soqlIdent(entity)} WHERE ${where} ORDER BY SystemModstamp ASC, Id ASC`;
}

/** The select list of change reads: Id, SystemModstamp, IsDeleted, the fields, and the entity's related reads (parent fields, child subqueries). */
function selectList(entity: string, fields: string[], related: RelatedRead | undefined): string {
  return [...[...new Set(['Id', 'SystemModstamp', 'IsDeleted', ...fields])].map(soqlIdent), ...relatedSelect(entity, related)].join(', ');
}

/** Ids per `Id IN (…)` query: 200 18-character ids keep the SOQL well under its length limit. */
export const IDS_PER_QUERY = 200;

/**
 * Records by id with what a change read selects (fields, parents, children), deleted ones included
 * (queryAll), `IDS_PER_QUERY` ids per query: how change events, which carry only the changed fields,
 * get the whole record a mapping needs. Ids the org no longer has are left out.
 */
export async function readByIds(client: SalesforceClient, entity: string, ids: string[], fields: string[], signal?: AbortSignal, related: RelatedRead | undefined = RELATED_READS[entity]): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    const soql = `SELECT ${selectList(entity, fields, related)} FROM ${soqlIdent(entity)} WHERE Id IN (${chunk.map((id) => soqlLiteral(id, 'id')).join(', ')})`;
    for await (const page of queryPages(client, soql, { all: true, signal })) {
      for (const r of page.records) out.push(toSourceRecord(entity, await flattenChildren(client, entity, r)));
    }
  }
  return out;
}

/** Records changed after the watermark, sorted by (SystemModstamp, Id), including deletions, through the shared polling helper. */
export async function readChanges(client: SalesforceClient, entity: string, since: Watermark | null, options: ChangeReadOptions): Promise<ChangePage> {
  const now = (options.now ?? Date.now)();
  return pollByStamp<SalesforceRecord>({
    since,
    limit: options.limit,
    overlapMs: options.overlapMs ?? 0,
    settleMs: options.settleSeconds * 1000,
    // SystemModstamp has whole seconds: the running second is left for the next poll.
    stampResolutionMs: 1000,
    now,
    signal: options.signal,
    ordered: true,
    // Pages are read lazily: the helper stops following nextRecordsUrl once it has its page.
    async *fetch(w) {
      // Whole seconds down, so the window's first second is read whole.
      const fromMs = w.fromMs === null ? null : Math.floor(w.fromMs / 1000) * 1000;
      // Child relationships (OpportunityLineItems) arrive nested; their further pages are read here.
      for await (const page of queryPages(client, changesSoql(entity, fromMs, options.fields, w.untilMs, options.related ?? RELATED_READS[entity]), { all: true, signal: w.signal })) {
        for (const r of page.records) yield await flattenChildren(client, entity, r);
      }
    },
    stampMs: (r) => parseStamp(String(r.SystemModstamp ?? '')),
    key: (r) => String(r.Id),
    toRecord: (r) => toSourceRecord(entity, r),
  });
}

/** Largest batch a query cursor serves per page (`Sforce-Query-Options: batchSize`, 200 to 2,000). */
const QUERY_BATCH = { min: 200, max: 2000 };

/**
 * One page of every live record: a single SOQL query (no stamp window, no ORDER BY, so Salesforce serves
 * it from one query locator) followed through `nextRecordsUrl`, one call per page of up to 2,000 rows.
 * The cursor is the locator, which Salesforce keeps for 15 minutes between pages. What a reconciliation
 * reads; change polling, which re-queries a stamp window per page, would spend a query per page.
 */
export async function readAllPage(client: SalesforceClient, entity: string, cursor: { url?: unknown } | null, fields: string[], limit: number, related: RelatedRead | undefined, signal?: AbortSignal): Promise<SnapshotPage> {
  const batch = Math.max(QUERY_BATCH.min, Math.min(QUERY_BATCH.max, limit));
  const page = cursor && typeof cursor.url === 'string'
    ? await client.json<QueryResult>({ method: 'GET', path: cursor.url, what: 'query (next page)', family: 'query', signal, headers: { 'sforce-query-options': `batchSize=${batch}` } })
    : await client.json<QueryResult>({ method: 'GET', path: `query?q=${encodeURIComponent(`SELECT ${selectList(entity, fields, related)} FROM ${soqlIdent(entity)}`)}`, what: `read all ${entity}`, family: 'query', signal, headers: { 'sforce-query-options': `batchSize=${batch}` } });
  const records: SourceRecord[] = [];
  for (const r of page.records) records.push(toSourceRecord(entity, await flattenChildren(client, entity, r)));
  return { records, next: !page.done && page.nextRecordsUrl ? { url: page.nextRecordsUrl } : null };
}

/** getUpdated: ids changed in [start, end) and the latest date covered. */
export async function getUpdated(client: SalesforceClient, entity: string, start: Date, end: Date): Promise<{ ids: string[]; latestDateCovered: string }> {
  const qs = `start=${encodeURIComponent(soqlDateTime(start))}&end=${encodeURIComponent(soqlDateTime(end))}`;
  return client.json({ method: 'GET', path: `sobjects/${soqlIdent(entity)}/updated/?${qs}`, what: `getUpdated ${entity}`, family: 'rest' });
}

/** getDeleted: ids deleted in [start, end). */
export async function getDeleted(client: SalesforceClient, entity: string, start: Date, end: Date): Promise<{ deletedRecords: { id: string; deletedDate: string }[]; earliestDateAvailable: string; latestDateCovered: string }> {
  const qs = `start=${encodeURIComponent(soqlDateTime(start))}&end=${encodeURIComponent(soqlDateTime(end))}`;
  return client.json({ method: 'GET', path: `sobjects/${soqlIdent(entity)}/deleted/?${qs}`, what: `getDeleted ${entity}`, family: 'rest' });
}
