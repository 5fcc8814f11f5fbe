/**
 * REST data API handlers: sObject CRUD, upsert by external id, describe, getUpdated/getDeleted,
 * query with cursor paging, and limits. Each takes parsed inputs and returns a Reply or throws ApiError.
 */
import { ApiError, notFound } from './errors.js';
import type { Reply } from './http.js';
import { describeGlobal, describeObject, objectSummary } from './describe.js';
import { normalizeId } from './ids.js';
import { parseDateTime, sfDateTime, type Org, type Rec } from './org.js';
import { findField } from './schema.js';
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

/** GET /sobjects/T/{id}[?fields=]. */
export function getRecord(ctx: RestContext, objName: string, id: string, fields: string | null): Reply {
  const obj = ctx.org.object(objName);
  const rec = ctx.org.getById(obj, id);
  const list = fields ? fields.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return { status: 200, body: renderRecord(ctx, obj.name, rec, list) };
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

/** PATCH /sobjects/T/{id}: 204. */
export function updateRecord(ctx: RestContext, objName: string, id: string, body: unknown): Reply {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  ctx.org.update(objName, id, body as Rec);
  return { status: 204 };
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
  return { status: 200, body: describeObject(ctx.org.object(objName), ctx.version) };
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
