/**
 * sObject Tree (`POST /composite/tree/{SObject}`): creates record trees (a parent with child
 * relationship collections, up to five levels) of at most 200 records in one call, all or nothing.
 * Success is 201 `{hasErrors:false, results:[{referenceId, id}]}`; any failure rolls everything back
 * and answers 400 `{hasErrors:true, results:[{referenceId, errors:[{statusCode, message, fields}]}]}`.
 */
import { ApiError } from './errors.js';
import type { Reply } from './http.js';
import type { Rec } from './org.js';
import type { RestContext } from './rest.js';
import { findChildRelationship, findObject, type SfObject } from './schema.js';

const MAX_RECORDS = 200;
const MAX_DEPTH = 5;

type TreeResult = { referenceId: string; id: string } | { referenceId: string; errors: ReturnType<ApiError['toItem']>[] };

function countRecords(records: unknown, depth: number, ctx: { total: number }): void {
  if (!Array.isArray(records)) return;
  if (depth > MAX_DEPTH) throw new ApiError(400, 'INVALID_INPUT', `Too many levels. A request can contain at most ${MAX_DEPTH} levels of records.`);
  for (const r of records as Rec[]) {
    ctx.total += 1;
    for (const v of Object.values(r ?? {})) if (v && typeof v === 'object' && Array.isArray((v as { records?: unknown }).records)) countRecords((v as { records: unknown }).records, depth + 1, ctx);
  }
}

/** POST /composite/tree/{SObject}. */
export function compositeTree(ctx: RestContext, objName: string, body: unknown): Reply {
  const root = ctx.org.object(objName);
  const records = (body as { records?: unknown } | undefined)?.records;
  if (!Array.isArray(records) || records.length === 0) throw new ApiError(400, 'INVALID_INPUT', 'Include at least one record in the request body.');
  const counted = { total: 0 };
  countRecords(records, 1, counted);
  if (counted.total > MAX_RECORDS) throw new ApiError(400, 'LIMIT_EXCEEDED', `Maximum number of records allowed in the request is ${MAX_RECORDS}.`);

  const results: TreeResult[] = [];
  const seenRefs = new Set<string>();
  let failed = false;
  const fail = (referenceId: string, err: ApiError): void => {
    failed = true;
    results.push({ referenceId, errors: [err.toItem()] });
  };
  const insertAll = (obj: SfObject, recs: Rec[], parent: { field: string; id: string } | null): void => {
    for (const rec of recs) {
      const attrs = (rec?.attributes ?? {}) as { type?: unknown; referenceId?: unknown };
      const referenceId = typeof attrs.referenceId === 'string' ? attrs.referenceId : '';
      if (!referenceId) {
        fail('', new ApiError(400, 'INVALID_INPUT', 'Include a reference ID for each record in the request.'));
        continue;
      }
      if (seenRefs.has(referenceId)) {
        fail(referenceId, new ApiError(400, 'INVALID_INPUT', `Duplicate ReferenceId provided in the request: ${referenceId}`));
        continue;
      }
      seenRefs.add(referenceId);
      if (typeof attrs.type !== 'string' || findObject(ctx.org.schema, attrs.type)?.name !== obj.name) {
        fail(referenceId, new ApiError(400, 'INVALID_TYPE', `The type ${String(attrs.type)} does not match the expected type ${obj.name}`));
        continue;
      }
      const fields: Rec = {};
      const children: { objName: SfObject; field: string; records: Rec[] }[] = [];
      for (const [k, v] of Object.entries(rec)) {
        if (k === 'attributes') continue;
        const rel = v && typeof v === 'object' && !Array.isArray(v) && 'records' in v ? findChildRelationship(ctx.org.schema, obj, k) : undefined;
        if (rel) children.push({ objName: rel.child, field: rel.field.name, records: (v as { records: Rec[] }).records });
        else fields[k] = v;
      }
      if (parent) fields[parent.field] = parent.id;
      try {
        const { id } = ctx.org.insert(obj.name, fields);
        results.push({ referenceId, id });
        for (const c of children) insertAll(c.objName, c.records, { field: c.field, id });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        fail(referenceId, err);
      }
    }
  };
  const tx = ctx.org.begin();
  try {
    insertAll(root, records as Rec[], null);
    if (failed) {
      tx.rollback();
      return { status: 400, body: { hasErrors: true, results: results.filter((r) => 'errors' in r) } };
    }
    return { status: 201, body: { hasErrors: false, results } };
  } finally {
    tx.end();
  }
}
