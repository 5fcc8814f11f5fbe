/**
 * The X3 GraphQL `filter` and `orderBy` arguments: JSON-ish strings (unquoted keys, single or double
 * quotes) with Mongo-like operators `_eq _ne _gt _gte _lt _lte _in _nin _regex _and _or`, evaluated on
 * node values (text, booleans, ISO stamps, decimals as text).
 */

/** A parsed filter or orderBy document. */
export type Doc = string | number | boolean | null | Doc[] | { [k: string]: Doc };

/** The filter text is not a document. */
export class FilterSyntaxError extends Error {}

/** Parses `{ code: { _gte: 'AE000' } }`. */
export function parseDoc(src: string): Doc {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const value = (): Doc => {
    ws();
    const c = src[i];
    if (c === '{') {
      i++;
      const obj: Record<string, Doc> = {};
      ws();
      while (src[i] !== '}') {
        ws();
        const key = src[i] === "'" || src[i] === '"' ? (value() as string) : ident();
        ws();
        if (src[i++] !== ':') throw new FilterSyntaxError(`expected ":" after ${key}`);
        obj[key] = value();
        ws();
        if (src[i] === ',') i++;
        ws();
        if (i >= src.length) throw new FilterSyntaxError('unterminated object');
      }
      i++;
      return obj;
    }
    if (c === '[') {
      i++;
      const list: Doc[] = [];
      ws();
      while (src[i] !== ']') {
        list.push(value());
        ws();
        if (src[i] === ',') i++;
        ws();
        if (i >= src.length) throw new FilterSyntaxError('unterminated list');
      }
      i++;
      return list;
    }
    if (c === "'" || c === '"') {
      // JSON escapes (a client may send plain JSON), and the same escapes inside single quotes.
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('unterminated string');
        const ch = src[i];
        if (ch === c) {
          i++;
          return s;
        }
        if (ch === '\\') {
          const e = src[i + 1];
          if (e === 'u') {
            s += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            s += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
            i += 2;
          }
        } else {
          s += ch;
          i++;
        }
      }
    }
    const m = /^(-?\d+(\.\d+)?|true|false|null)/.exec(src.slice(i));
    if (!m) throw new FilterSyntaxError(`unexpected "${c ?? '<end>'}"`);
    i += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : m[0] === 'null' ? null : Number(m[0]);
  };
  const ident = (): string => {
    const m = /^[_A-Za-z$][\w$]*/.exec(src.slice(i));
    if (!m) throw new FilterSyntaxError(`expected a property name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const out = value();
  ws();
  if (i !== src.length) throw new FilterSyntaxError(`unexpected "${src[i]}"`);
  return out;
}

/** A node property the filter names that the node does not have. */
export class UnknownFilterProperty extends Error {}

type NodeValues = Record<string, unknown>;

function cmp(a: unknown, b: Doc): number | null {
  if (a === null || a === undefined || b === null || typeof b === 'object') return null;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : 1;
  const x = String(a);
  const y = String(b);
  if (/^\d{4}-\d\d-\d\dT/.test(x) && /^\d{4}-\d\d-\d\dT/.test(y)) return Math.sign(Math.floor(Date.parse(x) / 1000) - Math.floor(Date.parse(y) / 1000));
  if (/^-?\d+(\.\d+)?$/.test(x) && /^-?\d+(\.\d+)?$/.test(y)) return Math.sign(Number(x) - Number(y));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A predicate over node values; `known` lists the node's filterable properties. */
export function compileFilter(doc: Doc, known: readonly string[]): (n: NodeValues) => boolean {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new FilterSyntaxError('a filter is an object');
  const parts: Array<(n: NodeValues) => boolean> = [];
  for (const [k, v] of Object.entries(doc)) {
    if (k === '_and' || k === '_or') {
      if (!Array.isArray(v)) throw new FilterSyntaxError(`${k} takes a list`);
      const subs = v.map((d) => compileFilter(d, known));
      parts.push(k === '_and' ? (n) => subs.every((f) => f(n)) : (n) => subs.some((f) => f(n)));
      continue;
    }
    if (!known.includes(k)) throw new UnknownFilterProperty(k);
    const ops: Record<string, Doc> = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { _eq: v };
    for (const [op, arg] of Object.entries(ops)) {
      const test = (n: NodeValues): boolean => {
        const c = cmp(n[k], arg);
        switch (op) {
          case '_eq':
            return arg === null ? n[k] === null || n[k] === undefined : c === 0;
          case '_ne':
            return c !== 0;
          case '_gt':
            return c !== null && c > 0;
          case '_gte':
            return c !== null && c >= 0;
          case '_lt':
            return c !== null && c < 0;
          case '_lte':
            return c !== null && c <= 0;
          case '_in':
            return Array.isArray(arg) && arg.some((x) => cmp(n[k], x) === 0);
          case '_nin':
            return Array.isArray(arg) && !arg.some((x) => cmp(n[k], x) === 0);
          case '_regex':
            return new RegExp(String(arg)).test(String(n[k] ?? ''));
          default:
            throw new FilterSyntaxError(`unknown operator ${op}`);
        }
      };
      if (!['_eq', '_ne', '_gt', '_gte', '_lt', '_lte', '_in', '_nin', '_regex'].includes(op)) throw new FilterSyntaxError(`unknown operator ${op}`);
      parts.push(test);
    }
  }
  return (n) => parts.every((f) => f(n));
}

/** A comparator from `{ _updateStamp: 1, code: -1 }`. */
export function compileOrder(doc: Doc, known: readonly string[]): (a: NodeValues, b: NodeValues) => number {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new FilterSyntaxError('orderBy is an object');
  const specs = Object.entries(doc).map(([k, d]) => {
    if (!known.includes(k)) throw new UnknownFilterProperty(k);
    return { k, dir: Number(d) < 0 ? -1 : 1 };
  });
  return (a, b) => {
    for (const s of specs) {
      const c = cmp(a[s.k], b[s.k] as Doc) ?? 0;
      if (c !== 0) return c * s.dir;
    }
    return 0;
  };
}
