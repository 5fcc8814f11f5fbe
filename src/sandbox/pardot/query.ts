/**
 * The v5 collection conventions shared by every object: the required `fields` parameter, filters
 * (at most 3 distinct fields), `orderBy`, `limit` (default 200, max 1000), `deleted`, and
 * `nextPageToken` paging with an opaque base64 JSON token that resumes after the last row's sort key.
 */
import { PardotApiError } from './errors.js';
import type { PardotState } from './state.js';
import { formatDateTime } from './time.js';

/** How a field's value is stored and rendered. Date-times are kept as epoch ms and rendered with the account offset. */
export type FieldKind = 'int' | 'string' | 'number' | 'bool' | 'datetime' | 'date' | 'json';

/** A stored row: plain values, `id` an integer, date-times as epoch ms. */
export type Row = Record<string, unknown> & { id: number };

/** What the query engine needs to know about one object type. */
export interface ObjectSpec {
  /** The object's name in paths and tokens (`prospects`). */
  name: string;
  /** Readable fields and their kinds (prospects add `<fieldId>__c` custom fields at run time). */
  fields(): Map<string, FieldKind>;
  /** Equality filters beyond the common id/createdAt/updatedAt ones (e.g. `email`, `prospectId`). */
  equalityFilters: readonly string[];
  /** Fields accepted in `orderBy`. */
  sortable: readonly string[];
  /** True when rows carry `isDeleted` (the `deleted` parameter applies). */
  softDelete: boolean;
  /** Related objects reachable with dot notation in `fields` (`campaign.name`), by relationship name. */
  related?: Record<string, Relation>;
}

/** A to-one relationship of an object, read with dot notation. */
export interface Relation {
  /** The id field on this object (`campaignId`). */
  via: string;
  /** The related object's spec. */
  target(state: PardotState): ObjectSpec;
  /** The related row by id. */
  find(state: PardotState, id: number): Row | undefined;
}

/** "Dot notation reaches related objects up to three levels deep" (`campaign.folder.name`): at most three parts. */
const MAX_FIELD_DEPTH = 3;

function fieldKnown(spec: ObjectSpec, path: string[], state: PardotState | undefined): boolean {
  if (path.length === 1) return spec.fields().has(path[0]);
  const rel = spec.related?.[path[0]];
  return !!rel && !!state && fieldKnown(rel.target(state), path.slice(1), state);
}

interface Filter {
  param: string;
  value: string;
}

interface SortKey {
  field: string;
  desc: boolean;
}

/** A parsed list request (or the state carried in a page token). */
export interface ListQuery {
  fields: string[];
  filters: Filter[];
  orderBy: SortKey[];
  limit: number;
  deleted: 'true' | 'false' | 'all';
  resumeValue?: Record<string, unknown>;
  page: number;
  recCount: number;
}

/** The token's JSON, shaped like the recorded one. */
interface TokenBody {
  object: string;
  orderBy: string;
  filters: Filter[];
  limit: number;
  resumeValue: Record<string, unknown>;
  page: number;
  recCount: number;
  expireTime: string;
  deleted: 'true' | 'false' | 'all';
}

/** Page tokens expire after 4 hours (code 210). */
const TOKEN_TTL_MS = 4 * 3600_000;
/** One token sequence stops after this many records (`Pardot-Warning: 203`). */
const SEQUENCE_CAP = 100_000;
const COMMON_FILTERS = [
  'id',
  'idGreaterThan',
  'idLessThan',
  'createdAtAfter',
  'createdAtAfterOrEqualTo',
  'createdAtBefore',
  'createdAtBeforeOrEqualTo',
  'updatedAtAfter',
  'updatedAtAfterOrEqualTo',
  'updatedAtBefore',
  'updatedAtBeforeOrEqualTo',
];

/** Parses and validates `fields` (required on every read: code 13 without it). */
export function parseFields(spec: ObjectSpec, params: URLSearchParams, state?: PardotState): string[] {
  const raw = params.get('fields');
  if (raw === null || raw.trim() === '') throw new PardotApiError(13, 'One or more required parameters are missing: fields');
  const fields = raw.split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = fields.filter((f) => {
    const parts = f.split('.');
    return parts.length > MAX_FIELD_DEPTH || !fieldKnown(spec, parts, state);
  });
  if (unknown.length) throw new PardotApiError(224, `Invalid fields for the request type: ${unknown.join(', ')}`);
  return fields;
}

/** Renders one row with exactly the requested fields; missing values are null; `campaign.name` nests as `{campaign: {name}}` (null when there is no campaign). */
export function selectFields(spec: ObjectSpec, row: Row, fields: string[], offset: string, state?: PardotState): Record<string, unknown> {
  const kinds = spec.fields();
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!f.includes('.')) {
      out[f] = render(row[f], kinds.get(f) ?? 'string', offset);
      continue;
    }
    const [head, ...rest] = f.split('.');
    const rel = spec.related?.[head];
    if (!rel || !state) continue;
    const id = row[rel.via];
    const related = id === null || id === undefined ? undefined : rel.find(state, Number(id));
    if (!related) {
      if (!(head in out)) out[head] = null;
      continue;
    }
    const nested = selectFields(rel.target(state), related, [rest.join('.')], offset, state);
    const current = out[head];
    out[head] = current && typeof current === 'object' ? mergeDeep(current as Record<string, unknown>, nested) : nested;
  }
  return out;
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = cur && v && typeof cur === 'object' && typeof v === 'object' ? mergeDeep(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

function render(v: unknown, kind: FieldKind, offset: string): unknown {
  if (v === undefined || v === null) return null;
  if (kind === 'datetime' && typeof v === 'number') return formatDateTime(v, offset);
  return v;
}

/** Parses a list request, either fresh parameters or a page token plus `fields`. */
export function parseListQuery(spec: ObjectSpec, params: URLSearchParams, now: number, state?: PardotState): ListQuery {
  const fields = parseFields(spec, params, state);
  const token = params.get('nextPageToken');
  if (token !== null) {
    const others = [...params.keys()].filter((k) => k !== 'fields' && k !== 'nextPageToken');
    if (others.length) throw new PardotApiError(211, `Only the fields parameter may be sent with nextPageToken (got ${others.join(', ')})`);
    const body = decodeToken(token, spec.name);
    if (Date.parse(body.expireTime) < now) throw new PardotApiError(210);
    return {
      fields,
      filters: body.filters,
      orderBy: parseOrderBy(spec, body.orderBy),
      limit: body.limit,
      deleted: body.deleted,
      resumeValue: body.resumeValue,
      page: body.page,
      recCount: body.recCount,
    };
  }
  const allowed = new Set([...COMMON_FILTERS, ...spec.equalityFilters]);
  const filters: Filter[] = [];
  for (const [param, value] of params) {
    if (param === 'fields' || param === 'limit' || param === 'orderBy' || param === 'deleted' || param === 'offset') continue;
    if (!allowed.has(param)) throw new PardotApiError(224, `Invalid parameter for the request type: ${param}`);
    filters.push({ param, value });
  }
  const distinct = new Set(filters.map((f) => filteredField(f.param)));
  if (distinct.size > 3) throw new PardotApiError(209);
  for (const f of filters) checkFilterValue(f);
  const limitRaw = params.get('limit');
  const limit = limitRaw === null ? 200 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new PardotApiError(154, 'Invalid value for parameter: limit (1 to 1000)');
  const deleted = (params.get('deleted') ?? 'false') as ListQuery['deleted'];
  if (!['true', 'false', 'all'].includes(deleted)) throw new PardotApiError(154, 'Invalid value for parameter: deleted (true, false or all)');
  return { fields, filters, orderBy: parseOrderBy(spec, params.get('orderBy') ?? ''), limit, deleted, page: 1, recCount: 0 };
}

/** Runs a list query and builds the documented page body `{nextPageToken, nextPageUrl, values}`. */
export function runListQuery(
  spec: ObjectSpec,
  rows: Iterable<Row>,
  q: ListQuery,
  pageBaseUrl: string,
  offset: string,
  now: number,
  state?: PardotState,
): { body: { nextPageToken: string | null; nextPageUrl: string | null; values: Record<string, unknown>[] }; warning?: string } {
  const cmp = comparator(q.orderBy);
  let matched = [...rows].filter((r) => matchesDeleted(spec, r, q.deleted) && q.filters.every((f) => matchesFilter(r, f)));
  matched.sort(cmp);
  if (q.resumeValue) {
    const resume = q.resumeValue as Row;
    matched = matched.filter((r) => cmp(r, resume) > 0);
  }
  const remainingInSequence = SEQUENCE_CAP - q.recCount;
  const pageSize = Math.min(q.limit, remainingInSequence);
  const page = matched.slice(0, pageSize);
  const values = page.map((r) => selectFields(spec, r, q.fields, offset, state));
  const recCount = q.recCount + page.length;
  const more = matched.length > page.length;
  if (!more || page.length === 0) return { body: { nextPageToken: null, nextPageUrl: null, values } };
  if (recCount >= SEQUENCE_CAP) {
    return {
      body: { nextPageToken: null, nextPageUrl: null, values },
      warning: '203;Record count for nextPageToken sequence has been exceeded. Use filters to retrieve the remaining records.',
    };
  }
  const last = page[page.length - 1];
  const resumeValue: Record<string, unknown> = { id: last.id };
  for (const k of q.orderBy) resumeValue[k.field] = last[k.field];
  const token = Buffer.from(
    JSON.stringify({
      object: spec.name,
      orderBy: q.orderBy.map((k) => `${k.field} ${k.desc ? 'DESC' : 'ASC'}`).join(','),
      filters: q.filters,
      limit: q.limit,
      resumeValue,
      page: q.page + 1,
      recCount,
      expireTime: formatDateTime(now + TOKEN_TTL_MS, offset),
      deleted: q.deleted,
    } satisfies TokenBody),
  ).toString('base64');
  const url = `${pageBaseUrl}?fields=${q.fields.join(',')}&nextPageToken=${token}`;
  return { body: { nextPageToken: token, nextPageUrl: url, values } };
}

function decodeToken(token: string, object: string): TokenBody {
  try {
    // A raw `+` in an unencoded nextPageUrl arrives as a space; undo that before decoding.
    const body = JSON.parse(Buffer.from(token.replace(/ /g, '+'), 'base64').toString('utf8')) as TokenBody;
    if (body.object !== object || typeof body.limit !== 'number' || typeof body.expireTime !== 'string' || !Array.isArray(body.filters)) throw new Error('shape');
    return body;
  } catch {
    throw new PardotApiError(211);
  }
}

function parseOrderBy(spec: ObjectSpec, raw: string): SortKey[] {
  if (raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const [field, dir = 'ASC', ...rest] = part.trim().split(/\s+/);
    const d = dir.toUpperCase();
    if (!spec.sortable.includes(field) || rest.length || (d !== 'ASC' && d !== 'DESC')) {
      throw new PardotApiError(224, `Invalid orderBy: "${part.trim()}" (sortable: ${spec.sortable.join(', ')})`);
    }
    return { field, desc: d === 'DESC' };
  });
}

/** Sorts by the requested keys, then by id ascending (unless id is itself a key) so order is total. */
function comparator(keys: SortKey[]): (a: Row, b: Row) => number {
  const all = keys.some((k) => k.field === 'id') ? keys : [...keys, { field: 'id', desc: false }];
  return (a, b) => {
    for (const k of all) {
      const c = compareValues(a[k.field], b[k.field]);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

function filteredField(param: string): string {
  if (param.startsWith('id')) return 'id';
  if (param.startsWith('createdAt')) return 'createdAt';
  if (param.startsWith('updatedAt')) return 'updatedAt';
  return param;
}

function checkFilterValue(f: Filter): void {
  const field = filteredField(f.param);
  if ((field === 'createdAt' || field === 'updatedAt') && !Number.isFinite(Date.parse(f.value))) {
    throw new PardotApiError(154, `Invalid value for parameter: ${f.param} (an ISO 8601 date-time; encode "+" as %2B)`);
  }
  if (field === 'id' && !/^\d+$/.test(f.value)) throw new PardotApiError(154, `Invalid value for parameter: ${f.param}`);
}

function matchesDeleted(spec: ObjectSpec, r: Row, deleted: ListQuery['deleted']): boolean {
  if (!spec.softDelete || deleted === 'all') return true;
  return Boolean(r.isDeleted) === (deleted === 'true');
}

function matchesFilter(r: Row, f: Filter): boolean {
  const { param, value } = f;
  switch (param) {
    case 'id':
      return r.id === Number(value);
    case 'idGreaterThan':
      return r.id > Number(value);
    case 'idLessThan':
      return r.id < Number(value);
  }
  const m = /^(createdAt|updatedAt)(After|Before)(OrEqualTo)?$/.exec(param);
  if (m) {
    const v = r[m[1]] as number;
    const t = Date.parse(value);
    if (m[2] === 'After') return m[3] ? v >= t : v > t;
    return m[3] ? v <= t : v < t;
  }
  const cell = r[param];
  // Equality filters compare exactly: Pardot's email matching is case-sensitive.
  return typeof cell === 'number' ? cell === Number(value) : cell === value;
}
