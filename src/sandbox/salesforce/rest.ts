/**
 * REST data API handlers: sObject CRUD, upsert by external id, describe, getUpdated/getDeleted,
 * query with cursor paging, and limits. Each takes parsed inputs and returns a Reply or throws ApiError.
 */
import { createHash } from 'node:crypto';
import { ApiError, notFound } from './errors.js';
import type { Reply } from './http.js';
import { describeGlobal, describeObject, objectSummary } from './describe.js';
import { normalizeId } from './ids.js';
import { parseDateTime, sfDateTime, type Org, type Rec } from './org.js';
import { childRelationships, findField } from './schema.js';
import { prepareQuery } from './soql.js';

/** What every REST handler needs to know about the request. */
export interface RestContext {
  org: Org;
  /** The API version in the URL (`62.0`). */
  version: string;
}

/** Reads a record as GET /sobjects/T/{id} renders it, optionally trimmed to `fields`. */
export function renderRecord(ctx: RestContext, objName: string, rec: Rec, fields?: string[]): Rec {
  const obj = ctx.org.object(objName);
  const out: Rec = { attributes: { type: obj.name, url: `/services/data/v${ctx.version}/sobjects/${obj.name}/${String(rec.Id)}` } };
  const names = fields ?? [...obj.fields.keys()];
  for (const n of names) {
    const f = findField(obj, n);
    if (!f) throw new ApiError(400, 'INVALID_FIELD', `No such column '${n}' on sobject of type ${obj.name}`);
    out[f.name] = rec[f.name] ?? null;
  }
  return out;
}

/** Creates one record: 201 `{id, success, errors}` with a Location header. */
export function createRecord(ctx: RestContext, objName: string, body: unknown): Reply {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  const obj = ctx.org.object(objName);
  const r = ctx.org.insert(obj.name, body as Rec);
  return { status: 201, body: { id: r.id, success: true, errors: [] }, headers: { location: `/services/data/v${ctx.version}/sobjects/${obj.name}/${r.id}` } };
}

/** The conditional-request headers of a call (lower-case names, as node:http gives them). */
export type ConditionalHeaders = Partial<Record<'if-match' | 'if-none-match' | 'if-modified-since' | 'if-unmodified-since', string>>;

/** Objects whose rows carry an ETag: "ETag, If-Match and If-None-Match work on sObject Rows for Account only". */
const ETAG_OBJECTS = new Set(['Account']);

/** The entity tag of a record version (a digest of its stored values). */
function etagOf(rec: Rec): string {
  return `"${createHash('sha256').update(JSON.stringify(rec)).digest('base64')}--gzip"`;
}

/** The entity tags of an If-Match / If-None-Match header; on a write, a malformed one is a 400, as documented. */
function tagList(header: string, writing = false): string[] {
  const tags = header.split(',').map((t) => t.trim()).filter(Boolean);
  if (writing && tags.some((t) => t !== '*' && !/^(W\/)?"[^"]*"$/.test(t))) throw new ApiError(400, 'INVALID_HEADER_VALUE', `Invalid entity tag in conditional header: ${header}`);
  return tags.map((t) => t.replace(/^W\//, ''));
}

/** Validators of a record: ETag (Account only) and Last-Modified (every sObject row). */
function validators(objName: string, rec: Rec): Record<string, string> {
  const out: Record<string, string> = { 'last-modified': new Date(parseDateTime(String(rec.LastModifiedDate))).toUTCString() };
  if (ETAG_OBJECTS.has(objName)) out.etag = etagOf(rec);
  return out;
}

function httpDate(value: string, writing: boolean): number | null {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    if (writing) throw new ApiError(400, 'INVALID_HEADER_VALUE', `Invalid date in conditional header: ${value}`);
    return null;
  }
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Evaluates conditional headers against the current record (intro_rest_conditional_requests): on
 * GET a matching If-None-Match or an unchanged If-Modified-Since gives 304; on PATCH a failed
 * If-Match, a matching If-None-Match or a changed If-Unmodified-Since gives 412.
 */
export function checkConditions(objName: string, rec: Rec, h: ConditionalHeaders, writing: boolean): Reply | null {
  const tags = ETAG_OBJECTS.has(objName);
  const etag = tags ? etagOf(rec) : null;
  const modified = Math.floor(parseDateTime(String(rec.LastModifiedDate)) / 1000) * 1000;
  const precondition = (): Reply => ({ status: 412, body: [{ message: 'The requested resource has been modified since the last request', errorCode: 'PRECONDITION_FAILED' }] });
  if (etag && h['if-match'] && writing) {
    const want = tagList(h['if-match'], true);
    if (!want.includes('*') && !want.includes(etag)) return precondition();
  }
  if (etag && h['if-none-match']) {
    const want = tagList(h['if-none-match'], writing);
    if (want.includes('*') || want.includes(etag)) return writing ? precondition() : { status: 304, headers: validators(objName, rec) };
  }
  if (writing && h['if-unmodified-since']) {
    const since = httpDate(h['if-unmodified-since'], true);
    if (since !== null && modified > since) return precondition();
  }
  if (!writing && h['if-modified-since'] && !(etag && h['if-none-match'])) {
    const since = httpDate(h['if-modified-since'], false);
    if (since !== null && modified <= since) return { status: 304, headers: validators(objName, rec) };
  }
  return null;
}

/** GET /sobjects/T/{id}[?fields=], with ETag / Last-Modified and conditional GET. */
export function getRecord(ctx: RestContext, objName: string, id: string, fields: string | null, conditions: ConditionalHeaders = {}): Reply {
  const obj = ctx.org.object(objName);
  const rec = ctx.org.getById(obj, id);
  const notModified = checkConditions(obj.name, rec, conditions, false);
  if (notModified) return notModified;
  const list = fields ? fields.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return { status: 200, body: renderRecord(ctx, obj.name, rec, list), headers: validators(obj.name, rec) };
}

/** GET /sobjects/T/{extField}/{value}: one record by external id (300 when several). */
export function getByExternal(ctx: RestContext, objName: string, fieldName: string, value: string, fields: string | null): Reply {
  const obj = ctx.org.object(objName);
  const field = ctx.org.externalField(obj, fieldName);
  const matches = ctx.org.matchExternal(obj, field, value);
  if (matches.length === 0) throw notFound();
  if (matches.length > 1) return { status: 300, body: matches.map((m) => `/services/data/v${ctx.version}/sobjects/${obj.name}/${String(m.Id)}`) };
  const list = fields ? fields.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return { status: 200, body: renderRecord(ctx, obj.name, matches[0], list) };
}

/** PATCH /sobjects/T/{id}: 204, with the new ETag for an Account (412 when a conditional header fails, 400 when one is malformed). */
export function updateRecord(ctx: RestContext, objName: string, id: string, body: unknown, conditions: ConditionalHeaders = {}): Reply {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  if (Object.keys(conditions).length > 0) {
    const obj = ctx.org.object(objName);
    const failed = checkConditions(obj.name, ctx.org.getById(obj, id), conditions, true);
    if (failed) return failed;
  }
  const obj = ctx.org.object(objName);
  ctx.org.update(obj.name, id, body as Rec);
  // "If the object is an Account object, the response also contains an ETag header."
  return { status: 204, headers: ETAG_OBJECTS.has(obj.name) ? { etag: etagOf(ctx.org.getById(obj, id)) } : undefined };
}

/** DELETE /sobjects/T/{id}: 204. */
export function deleteRecord(ctx: RestContext, objName: string, id: string): Reply {
  const obj = ctx.org.object(objName);
  if (!normalizeId(id)) throw notFound(`Provided external ID field does not exist or is not accessible: ${id}`);
  ctx.org.remove(obj.name, id);
  return { status: 204 };
}

/** Whether a URL version is at least `min` (`46.0`). */
export function versionAtLeast(version: string, min: number): boolean {
  return Number(version) >= min;
}

/** PATCH /sobjects/T/{extField}/{value}: 201 created, 200 (v46+) or 204 (≤45) updated, 300 on several matches. */
export function upsertRecord(ctx: RestContext, objName: string, fieldName: string, value: string | null, body: unknown, updateOnly: boolean): Reply {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  const obj = ctx.org.object(objName);
  const field = ctx.org.externalField(obj, fieldName);
  if (updateOnly && value !== null && ctx.org.matchExternal(obj, field, value).length === 0) throw notFound();
  const r = ctx.org.upsert(obj.name, field.name, value, body as Rec);
  if ('multiple' in r) return { status: 300, body: r.multiple.map((id) => `/services/data/v${ctx.version}/sobjects/${obj.name}/${id}`) };
  const v46 = versionAtLeast(ctx.version, 46);
  const location = { location: `/services/data/v${ctx.version}/sobjects/${obj.name}/${r.id}` };
  if (r.created) return { status: 201, body: v46 ? { id: r.id, success: true, errors: [], created: true } : { id: r.id, success: true, errors: [] }, headers: location };
  return v46 ? { status: 200, body: { id: r.id, success: true, errors: [], created: false }, headers: location } : { status: 204 };
}

/** GET /sobjects. */
export function getDescribeGlobal(ctx: RestContext): Reply {
  return { status: 200, body: describeGlobal(ctx.org.schema.values(), ctx.version) };
}

/** GET /sobjects/T/describe. */
export function getDescribe(ctx: RestContext, objName: string): Reply {
  const obj = ctx.org.object(objName);
  return { status: 200, body: describeObject(obj, ctx.version, childRelationships(ctx.org.schema, obj)) };
}

/** GET /sobjects/T: basic info with recent items. */
export function getBasicInfo(ctx: RestContext, objName: string): Reply {
  const obj = ctx.org.object(objName);
  return { status: 200, body: { objectDescribe: objectSummary(obj, ctx.version), recentItems: [] } };
}

function parseWindow(ctx: RestContext, q: URLSearchParams, maxDays: number): { start: number; end: number } {
  const startRaw = q.get('start');
  const endRaw = q.get('end');
  if (!startRaw || !endRaw) throw new ApiError(400, 'MISSING_ARGUMENT', 'start and end are required');
  const start = parseDateTime(startRaw);
  const end = parseDateTime(endRaw);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new ApiError(400, 'INVALID_REPLICATION_DATE', 'start and end must be ISO 8601 date-times');
  if (end < start) throw new ApiError(400, 'INVALID_REPLICATION_DATE', 'EndDate before StartDate');
  if (start < ctx.org.now() - maxDays * 86400_000) throw new ApiError(400, 'INVALID_REPLICATION_DATE', `startDate cannot be more than ${maxDays} days ago`);
  return { start, end };
}

/** GET /sobjects/T/updated/?start=&end=: ids whose SystemModstamp falls in [start, end), minute-granular. */
export function getUpdated(ctx: RestContext, objName: string, q: URLSearchParams): Reply {
  const obj = ctx.org.object(objName);
  const { start, end } = parseWindow(ctx, q, 30);
  // Salesforce works in whole minutes: the window is truncated and latestDateCovered says how far it got.
  const s = Math.floor(start / 60_000) * 60_000;
  const e = Math.min(Math.floor(end / 60_000) * 60_000, Math.floor(ctx.org.now() / 60_000) * 60_000);
  const ids = [...ctx.org.table(obj.name).values()]
    .filter((r) => {
      const t = parseDateTime(String(r.SystemModstamp));
      return t >= s && t < e;
    })
    .map((r) => String(r.Id));
  return { status: 200, body: { ids, latestDateCovered: sfDateTime(e) } };
}

/** GET /sobjects/T/deleted/?start=&end=. */
export function getDeleted(ctx: RestContext, objName: string, q: URLSearchParams): Reply {
  const obj = ctx.org.object(objName);
  const { start, end } = parseWindow(ctx, q, 15);
  const s = Math.floor(start / 60_000) * 60_000;
  const e = Math.min(Math.floor(end / 60_000) * 60_000, Math.floor(ctx.org.now() / 60_000) * 60_000);
  const deletedRecords = [...ctx.org.deleted.get(obj.name)!.entries()]
    .filter(([, d]) => {
      const t = parseDateTime(d.deletedDate);
      return t >= s && t < e;
    })
    .map(([id, d]) => ({ id, deletedDate: d.deletedDate }));
  const earliest = Math.floor((ctx.org.now() - 15 * 86400_000) / 60_000) * 60_000;
  return { status: 200, body: { deletedRecords, earliestDateAvailable: sfDateTime(earliest), latestDateCovered: sfDateTime(e) } };
}

/** Open query cursors: rows already computed, served page by page. */
export class QueryCursors {
  private readonly cursors = new Map<string, { rows: Rec[]; pageSize: number; total: number }>();

  constructor(private readonly org: Org) {}

  /** Runs a query and returns its first page. */
  start(ctx: RestContext, soql: string, all: boolean, pageSize: number): Reply {
    const prepared = prepareQuery(ctx.org, soql, ctx.version);
    const { rows, total } = prepared.run(all);
    if (prepared.query.count) return { status: 200, body: { totalSize: total, done: true, records: [] } };
    if (rows.length <= pageSize) return { status: 200, body: { totalSize: total, done: true, records: rows } };
    const queryId = this.org.newId('01g');
    this.cursors.set(queryId, { rows, pageSize, total });
    // Keep memory bounded: Salesforce also limits open cursors per user.
    if (this.cursors.size > 500) this.cursors.delete(this.cursors.keys().next().value!);
    return this.page(ctx, queryId, 0);
  }

  /** GET /query/{queryId}-{offset}. */
  next(ctx: RestContext, locator: string): Reply {
    const m = /^(.+)-(\d+)$/.exec(locator);
    const cursor = m ? this.cursors.get(m[1]) : undefined;
    if (!m || !cursor) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return this.page(ctx, m[1], Number(m[2]));
  }

  private page(ctx: RestContext, queryId: string, offset: number): Reply {
    const c = this.cursors.get(queryId)!;
    const records = c.rows.slice(offset, offset + c.pageSize);
    const nextOffset = offset + c.pageSize;
    if (nextOffset >= c.rows.length) {
      this.cursors.delete(queryId);
      return { status: 200, body: { totalSize: c.total, done: true, records } };
    }
    return { status: 200, body: { totalSize: c.total, done: false, nextRecordsUrl: `/services/data/v${ctx.version}/query/${queryId}-${nextOffset}`, records } };
  }

  clear(): void {
    this.cursors.clear();
  }
}

/** GET /limits. */
export function getLimits(used: number, max: number): Reply {
  return {
    status: 200,
    body: {
      ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
      ConcurrentSyncReportRuns: { Max: 20, Remaining: 20 },
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used), 'Syncline': { Max: 0, Remaining: 0 } },
      DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DataStorageMB: { Max: 5, Remaining: 5 },
      FileStorageMB: { Max: 20, Remaining: 20 },
    },
  };
}
