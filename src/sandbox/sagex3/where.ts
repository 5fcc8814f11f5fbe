/**
 * The SData `where` language of the Syracuse api1: comparisons (eq ne lt le gt ge, like, in), and/or/
 * not, parentheses; literals 'text' ('' escapes a quote), numbers, and datetimes `@2024-06-06T00:00:01Z@`.
 * A property the class does not have is an error the server answers with HTTP 500, as X3 does.
 */

/** A compiled condition; `lookup` names a field and the texts it must equal when the whole condition requires that (an index can answer it). */
export type Predicate = ((row: Record<string, unknown>) => boolean) & { lookup?: { field: string; values: string[] } };

function withLookup(p: Predicate, lookup: Predicate['lookup']): Predicate {
  if (lookup) p.lookup = lookup;
  return p;
}

/** The query names a property the class does not have (X3 answers 500). */
export class UnknownPropertyError extends Error {
  constructor(readonly property: string) {
    super(`Property '${property}' not found`);
  }
}

/** The condition is not valid SData (X3 answers 400). */
export class WhereSyntaxError extends Error {}

type Tok = { t: 'id' | 'str' | 'num' | 'date' | 'op' | '(' | ')' | ','; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c });
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new WhereSyntaxError('unterminated string');
        if (s[i] === "'" && s[i + 1] === "'") {
          v += "'";
          i += 2;
        } else if (s[i] === "'") {
          i++;
          break;
        } else v += s[i++];
      }
      out.push({ t: 'str', v });
    } else if (c === '@') {
      const end = s.indexOf('@', i + 1);
      if (end < 0) throw new WhereSyntaxError('unterminated datetime');
      out.push({ t: 'date', v: s.slice(i + 1, end) });
      i = end + 1;
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(s.slice(i));
      if (!m) throw new WhereSyntaxError(`unexpected "${c}"`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$.]*/.exec(s.slice(i))!;
      const w = m[0];
      out.push(/^(eq|ne|lt|le|gt|ge|like|in|and|or|not)$/i.test(w) ? { t: 'op', v: w.toLowerCase() } : { t: 'id', v: w });
      i += w.length;
    } else throw new WhereSyntaxError(`unexpected "${c}"`);
  }
  return out;
}

type Lit = { kind: 'str' | 'num' | 'date'; v: string };

function compare(value: unknown, lit: Lit): number | null {
  if (value === undefined || value === null || typeof value === 'object') return null;
  const text = String(value);
  if (lit.kind === 'date') {
    const a = Date.parse(text);
    const b = Date.parse(lit.v);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
    // UPDDATTIM is kept to the second in queries, as X3 stores it.
    return Math.floor(a / 1000) - Math.floor(b / 1000);
  }
  if (lit.kind === 'num' && /^-?\d+(\.\d+)?$/.test(text)) return Number(text) - Number(lit.v);
  return text < lit.v ? -1 : text > lit.v ? 1 : 0;
}

/** Compiles a where clause against the fields of a class. */
export function compileWhere(where: string, fields: readonly string[]): Predicate {
  const toks = tokenize(where);
  let p = 0;
  const peek = () => toks[p];
  const take = (t?: Tok['t'], v?: string): Tok => {
    const k = toks[p];
    if (!k || (t && k.t !== t) || (v && k.v !== v)) throw new WhereSyntaxError(`expected ${v ?? t} at token ${p + 1}`);
    p++;
    return k;
  };
  const literal = (): Lit => {
    const k = take();
    if (k.t === 'str' || k.t === 'num' || k.t === 'date') return { kind: k.t, v: k.v };
    throw new WhereSyntaxError(`expected a value at token ${p}`);
  };
  const comparison = (): Predicate => {
    const field = take('id').v;
    if (!fields.includes(field)) throw new UnknownPropertyError(field);
    const op = take('op').v;
    if (op === 'in') {
      take('(');
      const values: Lit[] = [literal()];
      while (peek()?.t === ',') {
        take(',');
        values.push(literal());
      }
      take(')');
      const texts = values.every((l) => l.kind === 'str') ? { field, values: values.map((l) => l.v) } : undefined;
      return withLookup((row) => values.some((l) => compare(row[field], l) === 0), texts);
    }
    const lit = literal();
    if (op === 'like') {
      const re = new RegExp(`^${lit.v.split('%').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
      return (row) => re.test(String(row[field] ?? ''));
    }
    const test: Record<string, (c: number) => boolean> = { eq: (c) => c === 0, ne: (c) => c !== 0, lt: (c) => c < 0, le: (c) => c <= 0, gt: (c) => c > 0, ge: (c) => c >= 0 };
    const fn = test[op];
    if (!fn) throw new WhereSyntaxError(`unknown operator ${op}`);
    const pred: Predicate = (row) => {
      const c = compare(row[field], lit);
      return c !== null && fn(c);
    };
    return withLookup(pred, op === 'eq' && lit.kind === 'str' ? { field, values: [lit.v] } : undefined);
  };
  const primary = (): Predicate => {
    if (peek()?.t === '(') {
      take('(');
      const e = orExpr();
      take(')');
      return e;
    }
    if (peek()?.t === 'op' && peek().v === 'not') {
      take();
      const e = primary();
      return (row) => !e(row);
    }
    return comparison();
  };
  const andExpr = (): Predicate => {
    const parts = [primary()];
    while (peek()?.t === 'op' && peek().v === 'and') {
      take();
      parts.push(primary());
    }
    if (parts.length === 1) return parts[0];
    return withLookup((row) => parts.every((f) => f(row)), parts.find((f) => f.lookup)?.lookup);
  };
  const orExpr = (): Predicate => {
    const parts = [andExpr()];
    while (peek()?.t === 'op' && peek().v === 'or') {
      take();
      parts.push(andExpr());
    }
    if (parts.length === 1) return parts[0];
    return (row) => parts.some((f) => f(row));
  };
  const e = orExpr();
  if (p !== toks.length) throw new WhereSyntaxError(`unexpected "${toks[p].v}"`);
  return e;
}
