/**
 * CEF search models over a table: the common filters (ID, IDs, Active, CustomKey, IDOrCustomKey,
 * ModifiedSince = UpdatedDate >= t OR CreatedDate >= t, Min/MaxUpdatedOrCreatedDate), status filters
 * (StatusKey(s), StatusID(s), ExcludedStatusKey(s)), owner filters (UserID, AccountID, MasterID...)
 * and `Paging { Size, StartIndex }` with StartIndex a 1-based page number (CEF does
 * `Skip(Size * (StartIndex - 1))`), answered as `PagedResults`.
 */
import type { Row } from './model.js';
import { ValidationFailure } from './state.js';

/** A search model as received (query string values are strings; a ForConnect body is JSON). */
export type SearchModel = Record<string, unknown>;

/** CEF's PagedResults. */
export interface PagedResults {
  Results: Row[];
  TotalPages: number;
  CurrentPage: number;
  TotalCount: number;
  CurrentCount: number;
  Sorts: null;
  Groupings: null;
}

const OWNER_FILTERS = ['UserID', 'AccountID', 'MasterID', 'SlaveID', 'SalesOrderID', 'ContactID'];

/** The search model of a query string: plain values, `Paging={Size:50,StartIndex:2}` (JSV) or `Paging.Size=50`. */
export function searchModelFromQuery(params: URLSearchParams): SearchModel {
  const model: SearchModel = {};
  for (const [k, v] of params) {
    const dot = k.indexOf('.');
    if (dot > 0) {
      const outer = (model[k.slice(0, dot)] ??= {}) as Record<string, unknown>;
      outer[k.slice(dot + 1)] = v;
    } else if (k === 'Paging') model.Paging = parseJsvObject(v, 'Paging');
    else model[k] = v;
  }
  return model;
}

/** Rows matching the model, paged. */
export function search(rows: Row[], model: SearchModel, view: (r: Row) => Row): PagedResults {
  const matched = rows.filter((r) => matches(r, model));
  const paging = model.Paging as { Size?: unknown; StartIndex?: unknown } | undefined;
  const total = matched.length;
  if (!paging || paging.Size === undefined) {
    return { Results: matched.map(view), TotalPages: total ? 1 : 0, CurrentPage: 1, TotalCount: total, CurrentCount: total, Sorts: null, Groupings: null };
  }
  const size = int(paging.Size, 'Paging.Size');
  if (size <= 0) throw new ValidationFailure([{ ErrorCode: 'GreaterThan', FieldName: 'Paging.Size', Message: "'Size' must be greater than '0'." }]);
  // LINQ's Skip treats a negative count as 0, so StartIndex 0 (or none) reads the first page.
  const page = Math.max(1, paging.StartIndex === undefined ? 1 : int(paging.StartIndex, 'Paging.StartIndex'));
  const results = matched.slice(size * (page - 1), size * page).map(view);
  return { Results: results, TotalPages: Math.ceil(total / size), CurrentPage: page, TotalCount: total, CurrentCount: results.length, Sorts: null, Groupings: null };
}

function matches(r: Row, m: SearchModel): boolean {
  if (m.ID !== undefined && m.ID !== '' && Number(r.ID) !== int(m.ID, 'ID')) return false;
  if (m.IDs !== undefined && !list(m.IDs).map(Number).includes(Number(r.ID))) return false;
  if (m.Active !== undefined && m.Active !== '' && r.Active !== bool(m.Active)) return false;
  if (m.CustomKey !== undefined && m.CustomKey !== '' && r.CustomKey !== m.CustomKey) return false;
  if (m.IDOrCustomKey !== undefined && String(r.ID) !== String(m.IDOrCustomKey) && r.CustomKey !== m.IDOrCustomKey) return false;
  const created = Date.parse(String(r.CreatedDate));
  const updated = r.UpdatedDate ? Date.parse(String(r.UpdatedDate)) : null;
  if (m.ModifiedSince !== undefined && m.ModifiedSince !== '') {
    const t = date(m.ModifiedSince, 'ModifiedSince');
    if (!(created >= t || (updated !== null && updated >= t))) return false;
  }
  const touched = updated ?? created;
  if (m.MinUpdatedOrCreatedDate !== undefined && touched < date(m.MinUpdatedOrCreatedDate, 'MinUpdatedOrCreatedDate')) return false;
  if (m.MaxUpdatedOrCreatedDate !== undefined && touched > date(m.MaxUpdatedOrCreatedDate, 'MaxUpdatedOrCreatedDate')) return false;
  if (m.StatusKey !== undefined && m.StatusKey !== '' && r.StatusKey !== m.StatusKey) return false;
  if (m.StatusKeys !== undefined && !list(m.StatusKeys).includes(String(r.StatusKey))) return false;
  if (m.StatusID !== undefined && m.StatusID !== '' && Number(r.StatusID) !== int(m.StatusID, 'StatusID')) return false;
  if (m.StatusIDs !== undefined && !list(m.StatusIDs).map(Number).includes(Number(r.StatusID))) return false;
  if (m.ExcludedStatusKey !== undefined && r.StatusKey === m.ExcludedStatusKey) return false;
  if (m.ExcludedStatusKeys !== undefined && list(m.ExcludedStatusKeys).includes(String(r.StatusKey))) return false;
  for (const f of OWNER_FILTERS) if (m[f] !== undefined && m[f] !== '' && Number(r[f]) !== int(m[f], f)) return false;
  if (m.SessionID !== undefined && r.SessionID !== m.SessionID) return false;
  if (m.Email !== undefined && m.Email !== '') {
    const want = String(m.Email).trim().toLowerCase();
    if (String(r.Email ?? r.Email1 ?? '').toLowerCase() !== want) return false;
  }
  return true;
}

/** A JSV object (`{Size:50,StartIndex:1}`) or JSON; ServiceStack accepts both in a query string. */
function parseJsvObject(text: string, field: string): Record<string, unknown> {
  const t = text.trim();
  try {
    return JSON.parse(t) as Record<string, unknown>;
  } catch {
    if (!t.startsWith('{') || !t.endsWith('}')) throw new ValidationFailure([{ ErrorCode: 'SerializationException', FieldName: field, Message: `Unable to bind to request '${field}'` }]);
    const out: Record<string, unknown> = {};
    for (const pair of t.slice(1, -1).split(',')) {
      if (!pair.trim()) continue;
      const [k, ...v] = pair.split(':');
      out[k.trim()] = v.join(':').trim();
    }
    return out;
  }
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return String(v).replace(/^\[|\]$/g, '').split(',').map((s) => s.trim()).filter(Boolean);
}

function int(v: unknown, field: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ValidationFailure([{ ErrorCode: 'SerializationException', FieldName: field, Message: `Unable to bind to request '${field}': '${String(v)}' is not an integer` }]);
  return n;
}

function bool(v: unknown): boolean {
  return v === true || String(v).toLowerCase() === 'true';
}

function date(v: unknown, field: string): number {
  const t = Date.parse(String(v));
  if (!Number.isFinite(t)) throw new ValidationFailure([{ ErrorCode: 'SerializationException', FieldName: field, Message: `Unable to bind to request '${field}': '${String(v)}' is not a date` }]);
  return t;
}
