/**
 * sObject Collections (`/composite/sobjects`) and Composite (`/composite`): many writes in one
 * call, per-record results in order, allOrNone rollback with the real sibling error codes.
 */
import { ApiError } from './errors.js';
import type { Reply } from './http.js';
import type { Org, Rec, WriteResult } from './org.js';
import { renderRecord, type RestContext } from './rest.js';

const MAX_COLLECTION = 200;
const MAX_COMPOSITE = 25;

type ItemResult = { id?: string; success: boolean; errors: ReturnType<ApiError['toItem']>[]; created?: boolean };

function rolledBack(): ReturnType<ApiError['toItem']> {
  return { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };
}

/** Runs one write per record, rolling all back when allOrNone and any failed. */
function runAll(org: Org, items: unknown[], allOrNone: boolean, write: (item: unknown) => WriteResult, withCreated: boolean, keepIdOnError: (item: unknown) => string | undefined): ItemResult[] {
  const tx = org.begin();
  const results: ItemResult[] = [];
  let failed = false;
  try {
    for (const item of items) {
      try {
        const r = write(item);
        results.push(withCreated ? { id: r.id, success: true, errors: [], created: r.created } : { id: r.id, success: true, errors: [] });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        failed = true;
        const id = keepIdOnError(item);
        results.push(id ? { id, success: false, errors: [err.toItem()] } : { success: false, errors: [err.toItem()] });
      }
    }
    if (failed && allOrNone) {
      tx.rollback();
      return results.map((r) => (r.success ? { success: false, errors: [rolledBack()] } : r));
    }
    return results;
  } finally {
    tx.end();
  }
}

function recordsOf(body: unknown): { records: Rec[]; allOrNone: boolean } {
  const b = body as { records?: unknown; allOrNone?: unknown } | undefined;
  if (!b || !Array.isArray(b.records) || b.records.length === 0) throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'At least 1 record is required');
  if (b.records.length > MAX_COLLECTION) throw new ApiError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
  return { records: b.records as Rec[], allOrNone: b.allOrNone === true };
}

function typeOf(rec: Rec): string {
  const t = (rec.attributes as { type?: unknown } | undefined)?.type;
  if (typeof t !== 'string') throw new ApiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  return t;
}

/** POST /composite/sobjects: create. */
export function collectionCreate(ctx: RestContext, body: unknown): Reply {
  const { records, allOrNone } = recordsOf(body);
  const out = runAll(ctx.org, records, allOrNone, (r) => ctx.org.insert(typeOf(r as Rec), r as Rec), false, () => undefined);
  return { status: 200, body: out };
}

/** PATCH /composite/sobjects: update by id. */
export function collectionUpdate(ctx: RestContext, body: unknown): Reply {
  const { records, allOrNone } = recordsOf(body);
  const out = runAll(
    ctx.org,
    records,
    allOrNone,
    (item) => {
      const r = item as Rec;
      const id = (r.id ?? r.Id) as string | undefined;
      if (!id) throw new ApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', []);
      const { id: _a, Id: _b, ...rest } = r;
      return ctx.org.update(typeOf(r), id, rest);
    },
    false,
    (item) => ((item as Rec).id ?? (item as Rec).Id) as string | undefined,
  );
  return { status: 200, body: out };
}

/** PATCH /composite/sobjects/{T}/{ExtField}: upsert (v46+). */
export function collectionUpsert(ctx: RestContext, objName: string, fieldName: string, body: unknown): Reply {
  if (Number(ctx.version) < 46) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const obj = ctx.org.object(objName);
  const field = ctx.org.externalField(obj, fieldName);
  const { records, allOrNone } = recordsOf(body);
  const out = runAll(
    ctx.org,
    records,
    allOrNone,
    (item) => {
      const r = item as Rec;
      if (typeOf(r).toLowerCase() !== obj.name.toLowerCase()) throw new ApiError(400, 'INVALID_TYPE', `Record type ${typeOf(r)} does not match ${obj.name}`, []);
      const key = Object.keys(r).find((k) => k.toLowerCase() === field.name.toLowerCase());
      const value = key ? r[key] : undefined;
      if (value === undefined || value === null || value === '') {
        if (field.name === 'Id') return ctx.org.insert(obj.name, r);
        throw new ApiError(400, 'MISSING_ARGUMENT', `${field.name} not specified`, []);
      }
      const res = ctx.org.upsert(obj.name, field.name, String(value), r);
      if ('multiple' in res) throw new ApiError(300, 'DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${String(value)}`, [field.name]);
      return res;
    },
    true,
    () => undefined,
  );
  return { status: 200, body: out };
}

/** DELETE /composite/sobjects?ids=&allOrNone=. */
export function collectionDelete(ctx: RestContext, query: URLSearchParams): Reply {
  const ids = (query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'At least 1 Id is required.');
  if (ids.length > MAX_COLLECTION) throw new ApiError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
  const out = runAll(ctx.org, ids, query.get('allOrNone') === 'true', (id) => ctx.org.remove(null, String(id)), false, (id) => String(id));
  return { status: 200, body: out };
}

/** POST /composite/sobjects/{T} `{ids, fields}`: retrieve, null for ids not found. */
export function collectionRetrieve(ctx: RestContext, objName: string, body: unknown): Reply {
  const b = body as { ids?: unknown; fields?: unknown } | undefined;
  if (!b || !Array.isArray(b.ids) || !Array.isArray(b.fields)) throw new ApiError(400, 'MISSING_ARGUMENT', 'ids and fields are required');
  const obj = ctx.org.object(objName);
  const out = b.ids.map((id) => {
    try {
      return renderRecord(ctx, obj.name, ctx.org.getById(obj, String(id)), b.fields as string[]);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  });
  return { status: 200, body: out };
}

/** Executes one subrequest (the server's REST router, without composite). */
export type SubrequestRunner = (method: string, url: string, body: unknown) => Promise<Reply>;

interface SubRequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

const REF = /@\{([A-Za-z0-9][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

function lookup(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (cur === null || cur === undefined) return undefined;
    const key = part.startsWith('.') ? part.slice(1) : Number(part.slice(1, -1));
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

class BadReference extends Error {}

function substitute(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (_m, ref: string, path: string) => {
      if (!results.has(ref)) throw new BadReference(`Invalid reference specified. No value for ${ref}${path} found in ${ref}.`);
      const v = lookup(results.get(ref), path);
      if (v === undefined || v === null) throw new BadReference(`Invalid reference specified. No value for ${ref}${path} found in ${ref}.`);
      return String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  return value;
}

/** POST /composite. */
export async function composite(ctx: RestContext, body: unknown, run: SubrequestRunner): Promise<Reply> {
  const b = body as { allOrNone?: unknown; compositeRequest?: unknown } | undefined;
  if (!b || !Array.isArray(b.compositeRequest) || b.compositeRequest.length === 0) throw new ApiError(400, 'INVALID_INPUT', 'compositeRequest is required');
  if (b.compositeRequest.length > MAX_COMPOSITE) throw new ApiError(400, 'LIMIT_EXCEEDED', `Exceeded max limit of subrequests allowed in a composite request. Max allowed: ${MAX_COMPOSITE}`);
  const subs = b.compositeRequest as SubRequest[];
  for (const s of subs) {
    if (!s || typeof s.url !== 'string' || typeof s.method !== 'string' || typeof s.referenceId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_]*$/.test(s.referenceId)) {
      throw new ApiError(400, 'INVALID_INPUT', 'Each subrequest needs method, url and a referenceId of letters, numbers and underscores');
    }
    const bad = Object.keys(s.httpHeaders ?? {}).find((h) => ['accept', 'authorization', 'content-type'].includes(h.toLowerCase()));
    if (bad) throw new ApiError(400, 'INVALID_INPUT', `The ${bad} header is not allowed in a subrequest`);
  }
  const allOrNone = b.allOrNone === true;
  const halted = (): Reply => ({ status: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }] });
  const results = new Map<string, unknown>();
  const out: { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }[] = [];
  const tx = ctx.org.begin();
  let failedAt = -1;
  try {
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i];
      let reply: Reply;
      try {
        const url = substitute(s.url, results) as string;
        const sbody = substitute(s.body, results);
        reply = await run(s.method.toUpperCase(), url, sbody);
      } catch (err) {
        if (!(err instanceof BadReference)) throw err;
        reply = { status: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: err.message }] };
      }
      out.push({ body: reply.body ?? null, httpHeaders: reply.headers?.location ? { Location: reply.headers.location } : {}, httpStatusCode: reply.status, referenceId: s.referenceId });
      if (reply.status < 300) results.set(s.referenceId, reply.body);
      else if (allOrNone) {
        failedAt = i;
        break;
      }
    }
    if (failedAt >= 0) {
      tx.rollback();
      const final = subs.map((s, i) => (i === failedAt ? out[i] : { body: halted().body, httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId }));
      return { status: 200, body: { compositeResponse: final } };
    }
  } finally {
    tx.end();
  }
  return { status: 200, body: { compositeResponse: out } };
}
