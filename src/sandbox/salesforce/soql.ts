/**
 * A SOQL parser and evaluator for what integrations use: field lists with parent relationship paths,
 * child relationship subqueries (nested `{totalSize, done, records}` results), FIELDS(ALL|STANDARD|CUSTOM),
 * aggregate queries (COUNT(), COUNT(f), COUNT_DISTINCT, SUM, AVG, MIN, MAX, aliases and `exprN`
 * names, GROUP BY, HAVING, AggregateResult rows), WHERE with comparison, LIKE, IN / NOT IN,
 * AND / OR / NOT and parentheses, string / number / boolean / null / date / datetime literals and
 * the documented date literals as day ranges in the org's time zone, ORDER BY with ASC/DESC and
 * NULLS FIRST/LAST, LIMIT and OFFSET. Errors come back with the real codes: MALFORMED_QUERY,
 * INVALID_FIELD, INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR.
 */
import { ApiError } from './errors.js';
import { normalizeId } from './ids.js';
import { dateLiteralRange, isDateLiteral, localDay, localMidnight } from './date-literals.js';
import { parseDateTime, type Org, type Rec } from './org.js';
import { findChildRelationship, findField, findObject, findRelationship, type SfField, type SfObject } from './schema.js';

/** A literal value in a WHERE clause. */
export type Literal =
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'date'; v: string; ms: number }
  | { t: 'datetime'; ms: number }
  /** A date literal (TODAY, LAST_N_DAYS:7, …), resolved against the org's clock and time zone when the query is prepared. */
  | { t: 'range'; name: string };

/** Comparison operators. */
export type CmpOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** Aggregate functions. */
export type AggFn = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

/** An aggregate call: `SUM(Amount)`; `path` is null for `COUNT()`. */
export interface AggCall {
  fn: AggFn;
  path: string[] | null;
}

/** A WHERE (or HAVING) condition. */
export type Condition =
  | { kind: 'cmp'; path: string[]; op: CmpOp; value: Literal }
  | { kind: 'in'; path: string[]; not: boolean; values: Literal[] }
  | { kind: 'like'; path: string[]; pattern: string }
  | { kind: 'aggcmp'; agg: AggCall; op: CmpOp; value: Literal }
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition };

/** One item of a SELECT list. */
export type SelectItem =
  | { kind: 'field'; path: string[] }
  | { kind: 'agg'; agg: AggCall; alias?: string }
  | { kind: 'sub'; query: Query }
  | { kind: 'fields'; which: 'ALL' | 'STANDARD' | 'CUSTOM' };

/** One ORDER BY key: a field path or an aggregate call. */
export interface OrderKey {
  path: string[];
  agg?: AggCall;
  desc: boolean;
  nullsLast: boolean;
}

/** A parsed query. */
export interface Query {
  /** The SELECT list in order. */
  items: SelectItem[];
  /** The plain field paths selected (`['Account','Name']`); empty for COUNT(). */
  fields: string[][];
  /** True for SELECT COUNT(). */
  count: boolean;
  /** Object name (or child relationship name in a subquery) as written. */
  from: string;
  where?: Condition;
  groupBy: string[][];
  having?: Condition;
  orderBy: OrderKey[];
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
const AGG_FNS = new Set<string>(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);

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
  const isPunct = (t: Token | undefined, c: string): boolean => !!t && t.kind === 'punct' && t.text === c;
  const fail = (t: Token | undefined): ApiError => malformed(q, t ? t.pos : q.length, `unexpected token: '${t ? t.text : '<EOF>'}'`);
  const expectKw = (kw: string): void => {
    if (!isKw(peek(), kw)) throw fail(peek());
    p++;
  };
  const expectPunct = (s: string): void => {
    if (!isPunct(peek(), s)) throw fail(peek());
    p++;
  };
  const fieldPath = (): string[] => {
    const t = peek();
    if (!t || t.kind !== 'ident' || (KEYWORDS.has(t.text.toUpperCase()) && !t.text.includes('.'))) throw fail(t);
    p++;
    return t.text.split('.');
  };
  const isAggStart = (): boolean => peek()?.kind === 'ident' && AGG_FNS.has(peek()!.text.toUpperCase()) && isPunct(toks[p + 1], '(');
  const aggCall = (): AggCall => {
    const fn = peek()!.text.toUpperCase() as AggFn;
    p += 2;
    if (isPunct(peek(), ')')) {
      if (fn !== 'COUNT') throw fail(peek());
      p++;
      return { fn, path: null };
    }
    const path = fieldPath();
    expectPunct(')');
    return { fn, path };
  };

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
      if (isDateLiteral(u)) return { t: 'range', name: u };
    }
    throw fail(t);
  };

  const primary = (): Condition => {
    if (isPunct(peek(), '(')) {
      p++;
      const c = orExpr();
      expectPunct(')');
      return c;
    }
    if (isKw(peek(), 'NOT')) {
      p++;
      return { kind: 'not', item: primary() };
    }
    if (isAggStart()) {
      const agg = aggCall();
      const t = peek();
      if (t?.kind !== 'op') throw fail(t);
      p++;
      return { kind: 'aggcmp', agg, op: t.text as CmpOp, value: literal() };
    }
    const path = fieldPath();
    const t = peek();
    if (t?.kind === 'op') {
      p++;
      return { kind: 'cmp', path, op: t.text as CmpOp, value: literal() };
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
      while (isPunct(peek(), ',')) {
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

  const selectList = (nested: boolean): { items: SelectItem[]; count: boolean } => {
    const items: SelectItem[] = [];
    if (isKw(peek(), 'COUNT') && isPunct(toks[p + 1], '(') && isPunct(toks[p + 2], ')') && isKw(toks[p + 3], 'FROM')) {
      p += 3;
      return { items, count: true };
    }
    for (;;) {
      const t = peek();
      if (isPunct(t, '(')) {
        if (nested) throw malformed(q, t!.pos, 'Nesting of semi join sub-selects is not supported');
        p++;
        items.push({ kind: 'sub', query: queryBody(true) });
        expectPunct(')');
      } else if (isKw(t, 'FIELDS') && isPunct(toks[p + 1], '(')) {
        p += 2;
        const which = peek()?.text.toUpperCase();
        if (which !== 'ALL' && which !== 'STANDARD' && which !== 'CUSTOM') throw fail(peek());
        p++;
        expectPunct(')');
        items.push({ kind: 'fields', which });
      } else if (isAggStart()) {
        const agg = aggCall();
        const a = peek();
        let alias: string | undefined;
        if (a?.kind === 'ident' && !KEYWORDS.has(a.text.toUpperCase()) && !a.text.includes('.')) {
          alias = a.text;
          p++;
        }
        items.push({ kind: 'agg', agg, alias });
      } else {
        items.push({ kind: 'field', path: fieldPath() });
      }
      if (isPunct(peek(), ',')) {
        p++;
        continue;
      }
      return { items, count: false };
    }
  };

  const queryBody = (nested: boolean): Query => {
    expectKw('SELECT');
    const { items, count } = selectList(nested);
    expectKw('FROM');
    const fromTok = peek();
    if (!fromTok || fromTok.kind !== 'ident') throw fail(fromTok);
    p++;
    const fields = items.flatMap((i) => (i.kind === 'field' ? [i.path] : []));
    const query: Query = { items, fields, count, from: fromTok.text, groupBy: [], orderBy: [] };
    if (isKw(peek(), 'WHERE')) {
      p++;
      query.where = orExpr();
    }
    if (isKw(peek(), 'GROUP')) {
      p++;
      expectKw('BY');
      query.groupBy.push(fieldPath());
      while (isPunct(peek(), ',')) {
        p++;
        query.groupBy.push(fieldPath());
      }
    }
    if (isKw(peek(), 'HAVING')) {
      if (query.groupBy.length === 0) throw malformed(q, peek()!.pos, 'HAVING without GROUP BY');
      p++;
      query.having = orExpr();
    }
    if (isKw(peek(), 'ORDER')) {
      p++;
      expectKw('BY');
      for (;;) {
        let key: OrderKey;
        if (isAggStart()) {
          const agg = aggCall();
          key = { path: agg.path ?? [], agg, desc: false, nullsLast: false };
        } else key = { path: fieldPath(), desc: false, nullsLast: false };
        if (isKw(peek(), 'ASC')) p++;
        else if (isKw(peek(), 'DESC')) {
          key.desc = true;
          p++;
        }
        key.nullsLast = key.desc;
        if (isKw(peek(), 'NULLS')) {
          p++;
          if (isKw(peek(), 'FIRST')) key.nullsLast = false;
          else if (isKw(peek(), 'LAST')) key.nullsLast = true;
          else throw fail(peek());
          p++;
        }
        query.orderBy.push(key);
        if (isPunct(peek(), ',')) {
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
    return query;
  };

  const query = queryBody(false);
  if (p < toks.length) throw fail(toks[p]);
  return query;
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
    (want === 'date' && (lit.t === 'date' || lit.t === 'range')) ||
    (want === 'dateTime' && (lit.t === 'datetime' || lit.t === 'date' || lit.t === 'range')) ||
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

/** What a date literal means for a field: [start, end) in the field's comparable form. */
interface Bounds {
  start: number;
  end: number;
}

/** A literal in a field's comparable form (a range literal gives Bounds). */
function literalValue(org: Org, f: SfField, lit: Literal): string | number | boolean | null | Bounds {
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
    case 'range': {
      const days = dateLiteralRange(lit.name, localDay(org.now(), org.timeZone))!;
      // A date field holds a calendar day; a datetime field an instant, whose days start at local midnight.
      if (f.type === 'date') return { start: Date.parse(`${days.start}T00:00:00Z`), end: Date.parse(`${days.end}T00:00:00Z`) };
      return { start: localMidnight(days.start, org.timeZone), end: localMidnight(days.end, org.timeZone) };
    }
  }
}

function isBounds(v: unknown): v is Bounds {
  return typeof v === 'object' && v !== null && 'start' in v;
}

/** `v op literal`; a range literal means: = inside, != outside, < before its start, <= before its end, > after its end, >= from its start. */
function compareOp(op: CmpOp, v: string | number | boolean | null, w: string | number | boolean | null | Bounds): boolean {
  if (isBounds(w)) {
    if (v === null) return op === '!=';
    const n = v as number;
    switch (op) {
      case '=': return n >= w.start && n < w.end;
      case '!=': return n < w.start || n >= w.end;
      case '<': return n < w.start;
      case '<=': return n < w.end;
      case '>': return n >= w.end;
      case '>=': return n >= w.start;
    }
  }
  if (w === null || v === null) {
    if (op === '=') return v === w;
    if (op === '!=') return v !== w;
    return false;
  }
  const d = compare(v, w);
  switch (op) {
    case '=': return d === 0;
    case '!=': return d !== 0;
    case '<': return d < 0;
    case '>': return d > 0;
    case '<=': return d <= 0;
    case '>=': return d >= 0;
  }
  return false;
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
  /** The parsed query (FIELDS() expanded into `fields`). */
  query: Query;
  /** True for an aggregate query (aggregate functions or GROUP BY): rows are AggregateResult. */
  aggregate: boolean;
  /** True when the SELECT list has child relationship subqueries. */
  hasSubqueries: boolean;
  /** Runs it: all matching rows after ORDER BY / OFFSET / LIMIT (COUNT() gives the count); `also` narrows the records (SOSL). */
  run(includeDeleted: boolean, also?: (r: Rec) => boolean): { rows: Rec[]; total: number };
}

const FIELDS_LIMIT = 200;

/** The field paths FIELDS(ALL|STANDARD|CUSTOM) stands for. */
function expandFields(obj: SfObject, which: 'ALL' | 'STANDARD' | 'CUSTOM'): string[][] {
  return [...obj.fields.values()].filter((f) => which === 'ALL' || (which === 'CUSTOM') === f.custom).map((f) => [f.name]);
}

function sortRows<T>(rows: T[], keys: { desc: boolean; nullsLast: boolean; value: (r: T) => string | number | boolean | null }[]): void {
  if (keys.length === 0) return;
  rows.sort((a, b) => {
    for (const o of keys) {
      const va = o.value(a);
      const vb = o.value(b);
      if (va === null && vb === null) continue;
      if (va === null) return o.nullsLast ? 1 : -1;
      if (vb === null) return o.nullsLast ? -1 : 1;
      const d = compare(va, vb);
      if (d !== 0) return o.desc ? -d : d;
    }
    return 0;
  });
}

/** Parses and checks a query against the org's schema. */
export function prepareQuery(org: Org, soql: string, apiVersion: string): PreparedQuery {
  const query = parseSoql(soql);
  const obj = findObject(org.schema, query.from);
  if (!obj) {
    throw new ApiError(400, 'INVALID_TYPE', `\n${soql.slice(0, 60)}\n^\nERROR at Row:1:Column:1\nsObject type '${query.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const plan = compileSelect(org, obj, query, apiVersion, soql);
  return {
    object: obj,
    query,
    aggregate: plan.aggregate,
    hasSubqueries: query.items.some((i) => i.kind === 'sub'),
    run(includeDeleted, also) {
      let rows = [...org.table(obj.name).values()];
      if (includeDeleted) rows = rows.concat([...org.deleted.get(obj.name)!.values()].map((d) => d.rec));
      return plan.run(rows.filter((r) => plan.pred(r) && (!also || also(r))));
    },
  };
}

/** A compiled SELECT: its WHERE predicate and what turns the matching records into result rows. */
interface SelectPlan {
  pred: (r: Rec) => boolean;
  aggregate: boolean;
  run(matching: Rec[]): { rows: Rec[]; total: number };
}

function compileSelect(org: Org, obj: SfObject, query: Query, version: string, soql: string): SelectPlan {
  // FIELDS(ALL) and FIELDS(CUSTOM) are bounded: "The SOQL FIELDS function must have a LIMIT of at most 200".
  for (const item of query.items) {
    if (item.kind === 'fields' && item.which !== 'STANDARD' && (query.limit === undefined || query.limit > FIELDS_LIMIT)) {
      throw new ApiError(400, 'MALFORMED_QUERY', `\n${soql.slice(0, 60)}\n^\nERROR at Row:1:Column:1\nThe SOQL FIELDS function must have a LIMIT of at most ${FIELDS_LIMIT}`);
    }
  }
  const expanded: string[][] = [];
  /** For each SELECT item, the indexes of the fields it selected. */
  const owned: number[][] = [];
  const seenPaths = new Set<string>();
  for (const item of query.items) {
    const paths = item.kind === 'field' ? [item.path] : item.kind === 'fields' ? expandFields(obj, item.which) : [];
    const mine: number[] = [];
    for (const pth of paths) {
      const key = pth.join('.').toLowerCase();
      if (item.kind === 'fields' && seenPaths.has(key)) continue;
      seenPaths.add(key);
      mine.push(expanded.length);
      expanded.push(pth);
    }
    owned.push(mine);
  }
  query.fields = expanded;
  const selected = expanded.map((p) => resolvePath(org, obj, p));
  const seen = new Set<string>();
  for (const s of selected) {
    const key = s.names.join('.').toLowerCase();
    if (seen.has(key)) throw new ApiError(400, 'MALFORMED_QUERY', `duplicate field selected: ${s.names.join('.')}`);
    seen.add(key);
  }
  const pred = query.where ? compileCond(org, obj, query.where) : () => true;
  const aggregate = query.groupBy.length > 0 || query.items.some((i) => i.kind === 'agg');
  if (aggregate) return { pred, aggregate, run: compileAggregate(org, obj, query, selected) };

  const subs = query.items.flatMap((i) => (i.kind === 'sub' ? [i.query] : [])).map((sq) => {
    const rel = findChildRelationship(org.schema, obj, sq.from);
    if (!rel) {
      throw new ApiError(400, 'INVALID_TYPE', `\n${soql.slice(0, 60)}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '${sq.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    const childQuery: Query = { ...sq, from: rel.child.name };
    const plan = compileSelect(org, rel.child, childQuery, version, soql);
    if (plan.aggregate) throw new ApiError(400, 'MALFORMED_QUERY', 'Aggregate functions are not supported in a child relationship subquery');
    return { rel, plan };
  });
  const order = query.orderBy.map((o) => {
    if (o.agg) throw new ApiError(400, 'MALFORMED_QUERY', 'Ordered field must be grouped or aggregated');
    const res = resolvePath(org, obj, o.path);
    return { desc: o.desc, nullsLast: o.nullsLast, value: (r: Rec) => comparable(res.field, valueAt(org, r, res)) };
  });
  const itemsInOrder = query.items;
  const shape = (r: Rec): Rec => {
    const row: Rec = { attributes: { type: obj.name, url: `/services/data/v${version}/sobjects/${obj.name}/${String(r.Id)}` } };
    let subIndex = 0;
    const putField = (s: Resolved): void => {
      if (s.hops.length === 0) {
        row[s.field.name] = r[s.field.name] ?? null;
        return;
      }
      let target: Rec = row;
      let src: Rec | undefined = r;
      for (const hop of s.hops) {
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
    };
    itemsInOrder.forEach((item, i) => {
      if (item.kind === 'sub') {
        const { rel, plan } = subs[subIndex++];
        const children = [...org.table(rel.child.name).values()].filter((c) => c[rel.field.name] === r.Id && plan.pred(c));
        const { rows } = plan.run(children);
        // A parent without matching children carries null, not an empty result.
        row[rel.name] = rows.length === 0 ? null : { totalSize: rows.length, done: true, records: rows };
      } else for (const idx of owned[i]) putField(selected[idx]);
    });
    return row;
  };
  return {
    pred,
    aggregate,
    run(matching) {
      const rows = [...matching];
      sortRows(rows, order);
      const offset = query.offset ?? 0;
      const sliced = rows.slice(offset, query.limit !== undefined ? offset + query.limit : undefined);
      if (query.count) return { rows: [], total: sliced.length };
      return { rows: sliced.map(shape), total: sliced.length };
    },
  };
}

function compileCond(org: Org, obj: SfObject, c: Condition): (r: Rec) => boolean {
  switch (c.kind) {
    case 'and': {
      const fs = c.items.map((i) => compileCond(org, obj, i));
      return (r) => fs.every((f) => f(r));
    }
    case 'or': {
      const fs = c.items.map((i) => compileCond(org, obj, i));
      return (r) => fs.some((f) => f(r));
    }
    case 'not': {
      const f = compileCond(org, obj, c.item);
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
      const wanted = c.values.map((v) => literalValue(org, res.field, v));
      return (r) => {
        const v = comparable(res.field, valueAt(org, r, res));
        const hit = wanted.some((w) => (w === null ? v === null : compareOp('=', v, w)));
        return c.not ? !hit : hit;
      };
    }
    case 'cmp': {
      const res = resolvePath(org, obj, c.path);
      checkLiteral(res.field, c.value);
      const w = literalValue(org, res.field, c.value);
      return (r) => compareOp(c.op, comparable(res.field, valueAt(org, r, res)), w);
    }
    case 'aggcmp':
      throw new ApiError(400, 'MALFORMED_QUERY', 'Aggregate functions are only allowed in HAVING, not in WHERE');
  }
}

/** One aggregate call compiled: what it reads and how it folds a group. */
interface CompiledAgg {
  key: string;
  res: Resolved | null;
  fold(group: Rec[]): unknown;
}

function aggKey(a: AggCall): string {
  return `${a.fn}(${(a.path ?? []).join('.').toLowerCase()})`;
}

function compileAgg(org: Org, obj: SfObject, a: AggCall): CompiledAgg {
  const res = a.path ? resolvePath(org, obj, a.path) : null;
  if ((a.fn === 'SUM' || a.fn === 'AVG') && res && !isNumeric(res.field)) {
    throw new ApiError(400, 'MALFORMED_QUERY', `field ${res.field.name} does not support aggregate operator ${a.fn}`);
  }
  const values = (group: Rec[]): unknown[] => (res ? group.map((r) => valueAt(org, r, res)).filter((v) => v !== null && v !== undefined) : group);
  return {
    key: aggKey(a),
    res,
    fold(group) {
      switch (a.fn) {
        case 'COUNT':
          return values(group).length;
        case 'COUNT_DISTINCT':
          return new Set(values(group).map((v) => String(comparable(res!.field, v)))).size;
        case 'SUM': {
          const vs = values(group);
          return vs.length === 0 ? null : vs.reduce((s: number, v) => s + Number(v), 0);
        }
        case 'AVG': {
          const vs = values(group);
          return vs.length === 0 ? null : vs.reduce((s: number, v) => s + Number(v), 0) / vs.length;
        }
        case 'MIN':
        case 'MAX': {
          let best: unknown = null;
          for (const v of values(group)) {
            if (best === null) best = v;
            else {
              const d = compare(comparable(res!.field, v)!, comparable(res!.field, best)!);
              if (a.fn === 'MIN' ? d < 0 : d > 0) best = v;
            }
          }
          return best;
        }
      }
    },
  };
}

/** Aggregate queries: groups, AggregateResult rows named by alias or `exprN`, HAVING, ORDER BY, LIMIT. */
function compileAggregate(org: Org, obj: SfObject, query: Query, selected: Resolved[]): (matching: Rec[]) => { rows: Rec[]; total: number } {
  if (query.items.some((i) => i.kind === 'sub' || i.kind === 'fields')) throw new ApiError(400, 'MALFORMED_QUERY', 'Aggregate queries do not support subqueries or FIELDS()');
  const groups = query.groupBy.map((p) => resolvePath(org, obj, p));
  const groupKeys = new Set(groups.map((g) => g.names.join('.').toLowerCase()));
  for (const s of selected) {
    if (!groupKeys.has(s.names.join('.').toLowerCase())) throw new ApiError(400, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${s.field.name}`);
  }
  // Output columns in SELECT order; unaliased aggregates are named expr0, expr1, … in order.
  let exprN = 0;
  const columns: { name: string; value: (group: Rec[]) => unknown }[] = [];
  const byAlias = new Map<string, CompiledAgg>();
  const aggs = new Map<string, CompiledAgg>();
  let fieldIndex = 0;
  for (const item of query.items) {
    if (item.kind === 'agg') {
      const c = compileAgg(org, obj, item.agg);
      aggs.set(c.key, c);
      const name = item.alias ?? `expr${exprN++}`;
      byAlias.set(name.toLowerCase(), c);
      columns.push({ name, value: (g) => c.fold(g) });
    } else if (item.kind === 'field') {
      const s = selected[fieldIndex++];
      columns.push({ name: s.field.name, value: (g) => (g.length > 0 ? valueAt(org, g[0], s) : null) });
    }
  }
  const aggOf = (a: AggCall): CompiledAgg => aggs.get(aggKey(a)) ?? compileAgg(org, obj, a);
  const havingPred = query.having ? compileHaving(org, obj, query.having, aggOf, byAlias, groups) : () => true;
  const order = query.orderBy.map((o) => {
    if (o.agg) {
      const c = aggOf(o.agg);
      return { desc: o.desc, nullsLast: o.nullsLast, value: (g: Rec[]) => toComparable(c.fold(g)) };
    }
    const alias = o.path.length === 1 ? byAlias.get(o.path[0].toLowerCase()) : undefined;
    if (alias) return { desc: o.desc, nullsLast: o.nullsLast, value: (g: Rec[]) => toComparable(alias.fold(g)) };
    const res = resolvePath(org, obj, o.path);
    if (!groupKeys.has(res.names.join('.').toLowerCase())) throw new ApiError(400, 'MALFORMED_QUERY', `Ordered field must be grouped or aggregated: ${res.field.name}`);
    return { desc: o.desc, nullsLast: o.nullsLast, value: (g: Rec[]) => (g.length > 0 ? comparable(res.field, valueAt(org, g[0], res)) : null) };
  });
  return (matching) => {
    let buckets: Rec[][];
    if (groups.length === 0) buckets = [matching];
    else {
      const map = new Map<string, Rec[]>();
      for (const r of matching) {
        const key = JSON.stringify(groups.map((g) => comparable(g.field, valueAt(org, r, g))));
        const b = map.get(key);
        if (b) b.push(r);
        else map.set(key, [r]);
      }
      buckets = [...map.values()];
    }
    buckets = buckets.filter(havingPred);
    sortRows(buckets, order);
    const offset = query.offset ?? 0;
    const sliced = buckets.slice(offset, query.limit !== undefined ? offset + query.limit : undefined);
    const rows = sliced.map((g) => {
      const row: Rec = { attributes: { type: 'AggregateResult' } };
      for (const c of columns) row[c.name] = c.value(g) ?? null;
      return row;
    });
    return { rows, total: rows.length };
  };
}

function toComparable(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
}

function compileHaving(org: Org, obj: SfObject, c: Condition, aggOf: (a: AggCall) => CompiledAgg, byAlias: Map<string, CompiledAgg>, groups: Resolved[]): (g: Rec[]) => boolean {
  const rec = (x: Condition): ((g: Rec[]) => boolean) => compileHaving(org, obj, x, aggOf, byAlias, groups);
  switch (c.kind) {
    case 'and': {
      const fs = c.items.map(rec);
      return (g) => fs.every((f) => f(g));
    }
    case 'or': {
      const fs = c.items.map(rec);
      return (g) => fs.some((f) => f(g));
    }
    case 'not': {
      const f = rec(c.item);
      return (g) => !f(g);
    }
    case 'aggcmp': {
      const a = aggOf(c.agg);
      const w = c.value.t === 'number' ? c.value.v : c.value.t === 'null' ? null : a.res ? literalValue(org, a.res.field, c.value) : null;
      return (g) => compareOp(c.op, toComparable(a.fold(g)), w);
    }
    default: {
      // A condition on a grouped field applies to the group's shared value.
      const f = compileCond(org, obj, c);
      return (g) => g.length > 0 && f(g[0]);
    }
  }
}
