/**
 * A SOQL parser and evaluator for the subset integrations use: field lists with parent
 * relationship paths, COUNT(), WHERE with comparison, LIKE, IN / NOT IN, AND / OR / NOT and
 * parentheses, string / number / boolean / null / date / datetime literals (and a few date
 * constants), ORDER BY with ASC/DESC and NULLS FIRST/LAST, LIMIT and OFFSET. Errors come back with
 * the real codes: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR.
 */
import { ApiError } from './errors.js';
import { normalizeId } from './ids.js';
import { parseDateTime, type Org, type Rec } from './org.js';
import { findField, findObject, findRelationship, type SfField, type SfObject } from './schema.js';

/** A literal value in a WHERE clause. */
export type Literal =
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'date'; v: string; ms: number }
  | { t: 'datetime'; ms: number };

/** A WHERE condition. */
export type Condition =
  | { kind: 'cmp'; path: string[]; op: '=' | '!=' | '<' | '>' | '<=' | '>='; value: Literal }
  | { kind: 'in'; path: string[]; not: boolean; values: Literal[] }
  | { kind: 'like'; path: string[]; pattern: string }
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition };

/** A parsed query. */
export interface Query {
  /** Selected field paths (`['Account','Name']`); empty for COUNT(). */
  fields: string[][];
  /** True for SELECT COUNT(). */
  count: boolean;
  /** Object name as written. */
  from: string;
  where?: Condition;
  orderBy: { path: string[]; desc: boolean; nullsLast: boolean }[];
  limit?: number;
  offset?: number;
}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct';
  text: string;
  value?: string;
  pos: number;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'LIKE', 'IN', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'LIMIT', 'OFFSET', 'TRUE', 'FALSE', 'NULL', 'COUNT', 'INCLUDES', 'EXCLUDES', 'GROUP', 'HAVING', 'WITH', 'FOR', 'USING', 'TYPEOF']);

function malformed(q: string, pos: number, what: string): ApiError {
  const col = pos + 1;
  const start = Math.max(0, pos - 40);
  const excerpt = q.slice(start, pos + 20);
  return new ApiError(400, 'MALFORMED_QUERY', `\n${excerpt}\n${' '.repeat(pos - start)}^\nERROR at Row:1:Column:${col}\n${what}`);
}

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= q.length) throw malformed(q, i, "unexpected token: '<EOF>'");
        const ch = q[j];
        if (ch === '\\') {
          const n = q[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\', _: '\\_', '%': '\\%' };
          if (n === undefined || !(n in map)) throw malformed(q, j, `Invalid string literal '${q.slice(i, j + 2)}'. Illegal character sequence '\\${n ?? ''}' in string literal.`);
          v += map[n];
          j += 2;
          continue;
        }
        if (ch === "'") break;
        v += ch;
        j++;
      }
      out.push({ kind: 'string', text: q.slice(i, j + 1), value: v, pos: i });
      i = j + 1;
      continue;
    }
    const dt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/.exec(q.slice(i));
    if (dt) {
      out.push({ kind: 'datetime', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = /^\d{4}-\d{2}-\d{2}(?![\dT])/.exec(q.slice(i));
    if (d) {
      out.push({ kind: 'date', text: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(q.slice(i));
    if (num && (c !== '-' || /[\d]/.test(q[i + 1] ?? ''))) {
      out.push({ kind: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?/.exec(q.slice(i));
    if (ident) {
      out.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const op = /^(?:<=|>=|!=|<>|=|<|>)/.exec(q.slice(i));
    if (op) {
      out.push({ kind: 'op', text: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(c)) {
      out.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw malformed(q, i, `unexpected token: '${c}'`);
  }
  return out;
}

/** Parses SOQL text; throws ApiError(MALFORMED_QUERY) on a syntax error. */
export function parseSoql(q: string): Query {
  const toks = tokenize(q);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const isKw = (t: Token | undefined, kw: string): boolean => !!t && t.kind === 'ident' && t.text.toUpperCase() === kw;
  const fail = (t: Token | undefined): ApiError => malformed(q, t ? t.pos : q.length, `unexpected token: '${t ? t.text : '<EOF>'}'`);
  const expectKw = (kw: string): void => {
    if (!isKw(peek(), kw)) throw fail(peek());
    p++;
  };
  const expectPunct = (s: string): void => {
    const t = peek();
    if (!t || t.kind !== 'punct' || t.text !== s) throw fail(t);
    p++;
  };
  const fieldPath = (): string[] => {
    const t = peek();
    if (!t || t.kind !== 'ident' || (KEYWORDS.has(t.text.toUpperCase()) && !t.text.includes('.'))) throw fail(t);
    p++;
    return t.text.split('.');
  };

  expectKw('SELECT');
  const fields: string[][] = [];
  let count = false;
  if (isKw(peek(), 'COUNT') && toks[p + 1]?.text === '(') {
    p += 2;
    expectPunct(')');
    count = true;
  } else {
    for (;;) {
      if (peek()?.text === '(') throw malformed(q, peek()!.pos, 'subqueries are not supported by this emulator');
      fields.push(fieldPath());
      if (peek()?.text === ',') {
        p++;
        continue;
      }
      break;
    }
  }
  expectKw('FROM');
  const fromTok = peek();
  if (!fromTok || fromTok.kind !== 'ident') throw fail(fromTok);
  p++;
  const query: Query = { fields, count, from: fromTok.text, orderBy: [] };

  const literal = (): Literal => {
    const t = peek();
    if (!t) throw fail(t);
    p++;
    if (t.kind === 'string') return { t: 'string', v: t.value! };
    if (t.kind === 'number') return { t: 'number', v: Number(t.text) };
    if (t.kind === 'date') return { t: 'date', v: t.text, ms: Date.parse(`${t.text}T00:00:00Z`) };
    if (t.kind === 'datetime') return { t: 'datetime', ms: parseDateTime(t.text) };
    if (t.kind === 'ident') {
      const u = t.text.toUpperCase();
      if (u === 'TRUE' || u === 'FALSE') return { t: 'bool', v: u === 'TRUE' };
      if (u === 'NULL') return { t: 'null' };
      const day = dateConstant(u);
      if (day) return day;
    }
    throw fail(t);
  };

  const primary = (): Condition => {
    if (peek()?.text === '(') {
      p++;
      const c = orExpr();
      expectPunct(')');
      return c;
    }
    if (isKw(peek(), 'NOT')) {
      p++;
      return { kind: 'not', item: primary() };
    }
    const path = fieldPath();
    const t = peek();
    if (t?.kind === 'op') {
      p++;
      return { kind: 'cmp', path, op: t.text as '=', value: literal() };
    }
    if (isKw(t, 'LIKE')) {
      p++;
      const v = literal();
      if (v.t !== 'string') throw fail(toks[p - 1]);
      return { kind: 'like', path, pattern: v.v };
    }
    let not = false;
    if (isKw(t, 'NOT') && isKw(toks[p + 1], 'IN')) {
      not = true;
      p++;
    }
    if (isKw(peek(), 'IN')) {
      p++;
      expectPunct('(');
      const values: Literal[] = [literal()];
      while (peek()?.text === ',') {
        p++;
        values.push(literal());
      }
      expectPunct(')');
      return { kind: 'in', path, not, values };
    }
    throw fail(t);
  };
  const andExpr = (): Condition => {
    const items = [primary()];
    while (isKw(peek(), 'AND')) {
      p++;
      items.push(primary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const orExpr = (): Condition => {
    const items = [andExpr()];
    while (isKw(peek(), 'OR')) {
      p++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };

  if (isKw(peek(), 'WHERE')) {
    p++;
    query.where = orExpr();
  }
  if (isKw(peek(), 'ORDER')) {
    p++;
    expectKw('BY');
    for (;;) {
      const path = fieldPath();
      let desc = false;
      if (isKw(peek(), 'ASC')) p++;
      else if (isKw(peek(), 'DESC')) {
        desc = true;
        p++;
      }
      let nullsLast = desc;
      if (isKw(peek(), 'NULLS')) {
        p++;
        if (isKw(peek(), 'FIRST')) nullsLast = false;
        else if (isKw(peek(), 'LAST')) nullsLast = true;
        else throw fail(peek());
        p++;
      }
      query.orderBy.push({ path, desc, nullsLast });
      if (peek()?.text === ',') {
        p++;
        continue;
      }
      break;
    }
  }
  if (isKw(peek(), 'LIMIT')) {
    p++;
    const t = peek();
    if (t?.kind !== 'number') throw fail(t);
    query.limit = Number(t.text);
    p++;
  }
  if (isKw(peek(), 'OFFSET')) {
    p++;
    const t = peek();
    if (t?.kind !== 'number') throw fail(t);
    query.offset = Number(t.text);
    p++;
  }
  if (p < toks.length) throw fail(toks[p]);
  return query;
}

function dateConstant(u: string): Literal | null {
  const today = new Date();
  const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const mk = (ms: number): Literal => ({ t: 'date', v: new Date(ms).toISOString().slice(0, 10), ms });
  if (u === 'TODAY') return mk(day);
  if (u === 'YESTERDAY') return mk(day - 86400_000);
  if (u === 'TOMORROW') return mk(day + 86400_000);
  const m = /^LAST_N_DAYS:(\d+)$/.exec(u);
  if (m) return mk(day - Number(m[1]) * 86400_000);
  return null;
}

/** A field path resolved against the schema. */
interface Resolved {
  /** Reference fields walked, then the final field. */
  hops: SfField[];
  field: SfField;
  /** Canonical path names for output (`Account`, `Name`). */
  names: string[];
}

function resolvePath(org: Org, obj: SfObject, path: string[]): Resolved {
  let cur = obj;
  const hops: SfField[] = [];
  const names: string[] = [];
  for (let i = 0; i < path.length - 1; i++) {
    const rel = findRelationship(cur, path[i]);
    if (!rel) {
      throw new ApiError(400, 'INVALID_FIELD', `Didn't understand relationship '${path[i]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    hops.push(rel);
    names.push(rel.relationshipName!);
    cur = org.schema.get(rel.referenceTo[0])!;
  }
  const last = path[path.length - 1];
  const field = findField(cur, last);
  if (!field) throw new ApiError(400, 'INVALID_FIELD', `No such column '${last}' on sobject of type ${cur.name}`);
  names.push(field.name);
  return { hops, field, names };
}

function valueAt(org: Org, rec: Rec, r: Resolved): unknown {
  let cur: Rec | undefined = rec;
  for (const hop of r.hops) {
    const id: unknown = cur?.[hop.name];
    if (id === null || id === undefined) return null;
    const target = org.objectOfId(String(id));
    cur = target ? org.table(target.name).get(String(id)) : undefined;
    if (!cur) return null;
  }
  return cur?.[r.field.name] ?? null;
}

function isNumeric(f: SfField): boolean {
  return ['int', 'double', 'currency', 'percent'].includes(f.type);
}

function checkLiteral(f: SfField, lit: Literal): void {
  if (lit.t === 'null') return;
  const want = isNumeric(f) ? 'double' : f.type === 'date' ? 'date' : f.type === 'datetime' ? 'dateTime' : f.type === 'boolean' ? 'boolean' : 'string';
  const ok =
    (want === 'double' && lit.t === 'number') ||
    (want === 'date' && lit.t === 'date') ||
    (want === 'dateTime' && (lit.t === 'datetime' || lit.t === 'date')) ||
    (want === 'boolean' && lit.t === 'bool') ||
    (want === 'string' && lit.t === 'string');
  if (ok) return;
  const quoted = lit.t === 'string';
  throw new ApiError(400, 'INVALID_QUERY_FILTER_OPERATOR', `value of filter criterion for field '${f.name}' must be of type ${want}${quoted ? ' and should not be enclosed in quotes' : ''}`);
}

/** Comparable form of a stored value for a field. */
function comparable(f: SfField, v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (f.type === 'datetime') return parseDateTime(String(v));
  if (f.type === 'date') return Date.parse(`${String(v)}T00:00:00Z`);
  if (isNumeric(f)) return Number(v);
  if (f.type === 'boolean') return Boolean(v);
  if (f.type === 'id' || f.type === 'reference') return String(v);
  return String(v).toLowerCase();
}

function literalValue(f: SfField, lit: Literal): string | number | boolean | null {
  switch (lit.t) {
    case 'null':
      return null;
    case 'string':
      if (f.type === 'id' || f.type === 'reference') return normalizeId(lit.v) ?? lit.v;
      return lit.v.toLowerCase();
    case 'number':
      return lit.v;
    case 'bool':
      return lit.v;
    case 'date':
      return lit.ms;
    case 'datetime':
      return lit.ms;
  }
}

function compare(a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[i + 1];
      i++;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

/** A query ready to run: resolved object, predicate, sorter, and row shaper. */
export interface PreparedQuery {
  /** The object queried. */
  object: SfObject;
  /** The parsed query. */
  query: Query;
  /** Runs it: all matching rows after ORDER BY / OFFSET / LIMIT (COUNT() gives the count). */
  run(includeDeleted: boolean): { rows: Rec[]; total: number };
}

/** Parses and checks a query against the org's schema. */
export function prepareQuery(org: Org, soql: string, apiVersion: string): PreparedQuery {
  const query = parseSoql(soql);
  const obj = findObject(org.schema, query.from);
  if (!obj) {
    throw new ApiError(400, 'INVALID_TYPE', `\n${soql.slice(0, 60)}\n^\nERROR at Row:1:Column:1\nsObject type '${query.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const selected = query.fields.map((p) => resolvePath(org, obj, p));
  const seen = new Set<string>();
  for (const s of selected) {
    const key = s.names.join('.').toLowerCase();
    if (seen.has(key)) throw new ApiError(400, 'MALFORMED_QUERY', `duplicate field selected: ${s.names.join('.')}`);
    seen.add(key);
  }
  const compileCond = (c: Condition): ((r: Rec) => boolean) => {
    switch (c.kind) {
      case 'and': {
        const fs = c.items.map(compileCond);
        return (r) => fs.every((f) => f(r));
      }
      case 'or': {
        const fs = c.items.map(compileCond);
        return (r) => fs.some((f) => f(r));
      }
      case 'not': {
        const f = compileCond(c.item);
        return (r) => !f(r);
      }
      case 'like': {
        const res = resolvePath(org, obj, c.path);
        const re = likeRegex(c.pattern);
        return (r) => {
          const v = valueAt(org, r, res);
          return v !== null && re.test(String(v));
        };
      }
      case 'in': {
        const res = resolvePath(org, obj, c.path);
        c.values.forEach((v) => checkLiteral(res.field, v));
        const wanted = c.values.map((v) => literalValue(res.field, v));
        return (r) => {
          const v = comparable(res.field, valueAt(org, r, res));
          const hit = wanted.some((w) => (w === null ? v === null : v !== null && compare(v, w) === 0));
          return c.not ? !hit : hit;
        };
      }
      case 'cmp': {
        const res = resolvePath(org, obj, c.path);
        checkLiteral(res.field, c.value);
        const w = literalValue(res.field, c.value);
        return (r) => {
          const v = comparable(res.field, valueAt(org, r, res));
          if (w === null || v === null) {
            if (c.op === '=') return v === w;
            if (c.op === '!=') return v !== w;
            return false;
          }
          const d = compare(v, w);
          switch (c.op) {
            case '=': return d === 0;
            case '!=': return d !== 0;
            case '<': return d < 0;
            case '>': return d > 0;
            case '<=': return d <= 0;
            case '>=': return d >= 0;
          }
          return false;
        };
      }
    }
  };
  const pred = query.where ? compileCond(query.where) : () => true;
  const order = query.orderBy.map((o) => ({ ...o, res: resolvePath(org, obj, o.path) }));
  const version = apiVersion;
  const shape = (r: Rec): Rec => {
    const row: Rec = { attributes: { type: obj.name, url: `/services/data/v${version}/sobjects/${obj.name}/${String(r.Id)}` } };
    for (const s of selected) {
      if (s.hops.length === 0) {
        row[s.field.name] = r[s.field.name] ?? null;
        continue;
      }
      let target: Rec = row;
      let src: Rec | undefined = r;
      for (let i = 0; i < s.hops.length; i++) {
        const hop = s.hops[i];
        const relName = hop.relationshipName!;
        const id: unknown = src?.[hop.name];
        const parentObj: SfObject | undefined = id ? org.objectOfId(String(id)) : undefined;
        const parent: Rec | undefined = parentObj ? org.table(parentObj.name).get(String(id)) : undefined;
        if (!parent) {
          if (!(relName in target)) target[relName] = null;
          src = undefined;
          break;
        }
        let nested = target[relName] as Rec | null | undefined;
        if (!nested) {
          nested = { attributes: { type: parentObj!.name, url: `/services/data/v${version}/sobjects/${parentObj!.name}/${String(parent.Id)}` } };
          target[relName] = nested;
        }
        target = nested;
        src = parent;
      }
      if (src) target[s.field.name] = src[s.field.name] ?? null;
    }
    return row;
  };
  return {
    object: obj,
    query,
    run(includeDeleted) {
      let rows = [...org.table(obj.name).values()];
      if (includeDeleted) rows = rows.concat([...org.deleted.get(obj.name)!.values()].map((d) => d.rec));
      rows = rows.filter(pred);
      if (order.length > 0) {
        rows.sort((a, b) => {
          for (const o of order) {
            const va = comparable(o.res.field, valueAt(org, a, o.res));
            const vb = comparable(o.res.field, valueAt(org, b, o.res));
            if (va === null && vb === null) continue;
            if (va === null) return o.nullsLast ? 1 : -1;
            if (vb === null) return o.nullsLast ? -1 : 1;
            const d = compare(va, vb);
            if (d !== 0) return o.desc ? -d : d;
          }
          return 0;
        });
      }
      const offset = query.offset ?? 0;
      const sliced = rows.slice(offset, query.limit !== undefined ? offset + query.limit : undefined);
      if (query.count) return { rows: [], total: sliced.length };
      return { rows: sliced.map(shape), total: sliced.length };
    },
  };
}
