/**
 * The Syracuse REST api1 over the folder: `/api1/x3/erp/{ENDPOINT}/{CLASS}` with the facets $query
 * (where, orderBy, count, startIndex, `$links.$next`), $details (`CLASS('key')`, composite keys joined
 * with `~`), $template/$create (201 + Location), $edit (partial PUT) and DELETE. Errors carry
 * `$diagnoses`; an unknown property in `where` or `orderBy` is a 500, as on X3.
 */
import type { Business, LineInput, ObjectInput } from './business.js';
import { classOf, keyOf } from './classes.js';
import { isoSeconds } from './clock.js';
import { X3Error, type ClassDef, type Line, type Row } from './model.js';
import { wwModStamp } from './tables.js';
import { compileWhere, UnknownPropertyError, WhereSyntaxError } from './where.js';

/** An answer: status, JSON body, extra headers. */
export interface RestAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const DATE_FIELDS = new Set(['ORDDAT', 'DEMDLVDAT', 'SHIDAT', 'DLVDAT', 'ACCDAT', 'INVDAT', 'STRDUDDAT', 'DUDDAT', 'RCPDAT', 'CREDAT', 'UPDDAT']);
const DATETIME_FIELDS = new Set(['CREDATTIM', 'UPDDATTIM']);
const NUMBER_FIELDS = new Set(['OSTAUZ', 'BASPRI', 'MINPRI', 'ITMWEI', 'SAUSTUCOE', 'QTY', 'GROPRI', 'NETPRI', 'DLVQTY', 'INVQTY', 'ALLQTY', 'AMTNOTLIN', 'ORDNOT', 'ORDATI', 'QTYSTU', 'QTYPCU', 'CUMALLQTY', 'PHYSTO', 'PHYALL', 'SALSTO', 'ORDSTO', 'AVC', 'AMTNOT', 'AMTATI', 'AMTCUR', 'PAYCUR', 'PCUSTUCOE', 'BPCSTA', 'BPCTYP', 'OSTCTL', 'ITMSTA', 'ORDSTA', 'DLVSTA', 'INVSTA', 'ALLSTA', 'HLDSTA', 'CDTSTA', 'SOHCAT', 'LINNBR', 'SOQSTA', 'BPAADDFLG', 'STA_NUM', 'LEGETT', 'BPRFBDMAG', 'CNTTTL', 'DACPCUCOE', 'PCURUL', 'CFMFLG', 'INVFLG', 'SNS', 'INVTYP', 'TYPMVT']);
/** The empty date as X3's SQL Server database holds it. */
const EMPTY_DATE = '1753-01-01';

const diagnoses = (status: number, message: string, severity = 'error'): RestAnswer => ({ status, body: { $diagnoses: [{ $severity: severity, $message: message }] } });

function jsonValue(field: string, v: string): unknown {
  if (DATETIME_FIELDS.has(field)) return v ? isoSeconds(v) : null;
  if (DATE_FIELDS.has(field)) return v ? v.slice(0, 10) : EMPTY_DATE;
  // Decimals and local menus are JSON numbers on api1; the raw text keeps every digit (no float round trip).
  if (NUMBER_FIELDS.has(field) && /^-?\d+(\.\d+)?$/.test(v)) return new RawNumber(v);
  return v;
}

/** A number written into JSON exactly as its decimal text. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawNumber as its digits. */
export function stringifyExact(value: unknown): string {
  const marks: string[] = [];
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawNumber) {
      marks.push(v.text);
      return `\u0000RAW${marks.length - 1}\u0000`;
    }
    return v;
  });
  return json.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}

/** A stored row as an api1 resource. */
export function resource(def: ClassDef, row: Row, base: string): Record<string, unknown> {
  const key = keyOf(def, row);
  const out: Record<string, unknown> = {
    $uuid: row.AUUID,
    $key: key,
    $etag: wwModStamp(row),
    $url: `${base}/${def.name}('${encodeURIComponent(key)}')?representation=${def.name}.$details`,
  };
  for (const f of def.fields) if (row[f] !== undefined) out[f] = jsonValue(f, row[f] as string);
  for (const [name] of Object.entries(def.children ?? {})) {
    out[name] = ((row[name] as Line[] | undefined) ?? []).map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, jsonValue(k, v)])));
  }
  return out;
}

function orderOf(def: ClassDef, orderBy: string | null): (a: Row, b: Row) => number {
  const specs = (orderBy ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [field, dir] = s.split(/\s+/);
      if (!def.fields.includes(field)) throw new UnknownPropertyError(field);
      return { field, desc: /^desc$/i.test(dir ?? '') };
    });
  const keySpecs = def.keys.map((k) => ({ field: k, desc: false }));
  const all = [...specs, ...keySpecs];
  return (a, b) => {
    for (const s of all) {
      const x = String(a[s.field] ?? '');
      const y = String(b[s.field] ?? '');
      const c = NUMBER_FIELDS.has(s.field) && x !== '' && y !== '' ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return s.desc ? -c : c;
    }
    return 0;
  };
}

function scalarText(v: unknown): string {
  return v === null || v === undefined ? '' : typeof v === 'object' ? '' : String(v);
}

/** A $create/$edit body as an ObjectInput: scalar properties are fields, arrays are child lines. */
function bodyInput(def: ClassDef, body: unknown): ObjectInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw X3Error.of('The request body must be a JSON object');
  const input: ObjectInput = { fields: {}, children: {} };
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k.startsWith('$')) continue;
    if (Array.isArray(v)) {
      if (!def.children?.[k]) throw X3Error.of(`${k} : Unknown collection of ${def.name}`);
      input.children[k] = v.map((l, i): LineInput => ({ num: i + 1, fields: Object.fromEntries(Object.entries((l ?? {}) as Record<string, unknown>).filter(([lk]) => !lk.startsWith('$')).map(([lk, lv]) => [lk, scalarText(lv)])) }));
    } else {
      if (!def.fields.includes(k)) throw X3Error.of(`${k} : Unknown property of ${def.name}`);
      input.fields[k] = DATE_FIELDS.has(k) && scalarText(v) === EMPTY_DATE ? '' : scalarText(v);
    }
  }
  return input;
}

/** The last few query results per business (a paged read asks for the same selection once per page). */
const selections = new WeakMap<Business, Map<string, { version: number; rows: readonly Row[] }>>();

/** Rows of a class matching `where`, in `orderBy` then key order; an equality on a field is answered from an index. */
export function selectRows(biz: Business, def: ClassDef, where: string | null, orderBy: string | null): readonly Row[] {
  const cacheKey = `${def.name}\u0000${where ?? ''}\u0000${orderBy ?? ''}`;
  const version = biz.tables.version(def.name);
  let cache = selections.get(biz);
  if (!cache) selections.set(biz, (cache = new Map()));
  const hit = cache.get(cacheKey);
  if (hit && hit.version === version) return hit.rows;
  const pred = where ? compileWhere(where, def.fields) : null;
  const order = orderOf(def, orderBy);
  let candidates: readonly Row[];
  if (pred?.lookup) {
    const { field, values } = pred.lookup;
    candidates = [...new Set([...new Set(values)].flatMap((v) => biz.tables.byField(def.name, field, v)))];
  } else candidates = biz.tables.list(def.name);
  const rows = (pred ? candidates.filter(pred) : [...candidates]).sort(order);
  if (cache.size >= 16) cache.delete(cache.keys().next().value!);
  cache.set(cacheKey, { version, rows });
  return rows;
}

/** Handles one api1 request; `path` is after `/api1/x3/erp/`. */
export function handleRest(biz: Business, endpoint: string, method: string, url: URL, body: unknown, user: string, origin: string): RestAnswer {
  const m = /^\/api1\/x3\/erp\/([^/]+)\/([A-Z0-9_]+)(?:\('([^']*)'\)|\/(\$template))?$/.exec(url.pathname);
  if (!m) return diagnoses(404, `Resource not found: ${url.pathname}`);
  if (m[1] !== endpoint) return diagnoses(404, `Endpoint ${m[1]} not found`);
  const def = classOf(m[2]);
  if (!def) return diagnoses(404, `Class ${m[2]} not found`);
  const key = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
  const base = `${origin}/api1/x3/erp/${endpoint}`;
  const representation = url.searchParams.get('representation') ?? `${def.name}.$query`;
  const facet = representation.split('.').pop();
  try {
    if (m[4] === '$template') return { status: 200, body: { ...Object.fromEntries(def.fields.filter((f) => !f.startsWith('UPD') && !f.startsWith('CRE') && f !== 'AUUID').map((f) => [f, ''])), ...Object.fromEntries(Object.keys(def.children ?? {}).map((c) => [c, []])) } };
    if (method === 'GET' && key === undefined) return query(def, url, base, facet);
    if (method === 'GET') {
      const row = biz.tables.get(def.name, key!);
      if (!row) return diagnoses(404, `${def.name} ${key} : Record does not exist`);
      return { status: 200, body: resource(def, row, base) };
    }
    if (method === 'POST' && key === undefined) {
      const input = bodyInput(def, body);
      const r = def.name === 'BPCUSTOMER' ? biz.createCustomer(input, user) : def.name === 'SORDER' ? biz.createOrder(input, user) : def.name === 'ITMMASTER' ? biz.createItem(input, user) : undefined;
      if (!r) return diagnoses(405, `${def.name} : Creation not available through this representation`);
      const res = resource(def, r.row, base);
      if (r.messages.length) res.$diagnoses = r.messages.map((msg) => ({ $severity: msg.type === 2 ? 'warning' : 'info', $message: msg.message }));
      return { status: 201, body: res, headers: { location: String(res.$url) } };
    }
    if (method === 'PUT' && key !== undefined) {
      const input = bodyInput(def, body);
      const r = def.name === 'BPCUSTOMER' ? biz.modifyCustomer(key, input, user) : def.name === 'SORDER' ? biz.modifyOrder(key, input, user) : def.name === 'ITMMASTER' ? biz.modifyItem(key, input, user) : undefined;
      if (!r) return diagnoses(405, `${def.name} : Modification not available through this representation`);
      return { status: 200, body: resource(def, r.row, base) };
    }
    if (method === 'DELETE' && key !== undefined) {
      if (def.name === 'BPCUSTOMER') biz.deleteCustomer(key);
      else if (def.name === 'SORDER') biz.deleteOrder(key);
      else return diagnoses(405, `${def.name} : Deletion not available through this representation`);
      return { status: 200, body: {} };
    }
    return diagnoses(405, `Method ${method} not allowed`);
  } catch (err) {
    if (err instanceof UnknownPropertyError) return diagnoses(500, err.message);
    if (err instanceof WhereSyntaxError) return diagnoses(400, `Syntax error in where: ${err.message}`);
    if (err instanceof X3Error) return { status: err.httpStatus, body: { $diagnoses: err.messages.map((x) => ({ $severity: x.type === 3 ? 'error' : x.type === 2 ? 'warning' : 'info', $message: x.message })) } };
    throw err;
  }

  function query(d: ClassDef, u: URL, b: string, f: string | undefined): RestAnswer {
    if (f !== '$query' && f !== '$lookup') return diagnoses(400, `Facet ${f ?? ''} not available for a list`);
    const count = Math.max(1, Number(u.searchParams.get('count') ?? 20) || 20);
    const start = Math.max(1, Number(u.searchParams.get('startIndex') ?? 1) || 1);
    const sorted = selectRows(biz, d, u.searchParams.get('where'), u.searchParams.get('orderBy'));
    const page = sorted.slice(start - 1, start - 1 + count);
    const self = `${b}/${d.name}${u.search}`;
    const links: Record<string, unknown> = {};
    if (start - 1 + count < sorted.length) {
      const next = new URL(self);
      next.searchParams.set('startIndex', String(start + count));
      next.searchParams.set('count', String(count));
      links.$next = { $url: next.toString() };
    }
    if (start > 1) {
      const prev = new URL(self);
      prev.searchParams.set('startIndex', String(Math.max(1, start - count)));
      links.$previous = { $url: prev.toString() };
    }
    return {
      status: 200,
      body: { $url: self, $descriptor: `${d.name}.${f}`, $startIndex: start, $itemsPerPage: count, $totalResults: sorted.length, $resources: page.map((r) => resource(d, r, b)), $links: links },
    };
  }
}

