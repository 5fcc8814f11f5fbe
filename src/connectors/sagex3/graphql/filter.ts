/**
 * The connector's api1 `where` and `orderBy` clauses (built by rest-client's whereField/whereLiteral:
 * comparisons and `in` lists joined by `and`) as X3 GraphQL `filter` / `orderBy` documents with the
 * node's property names, so entity code asks one way whichever read path the connection uses.
 */
import { SyncError } from '../../../core/errors.js';
import type { NodeMap } from './nodes.js';

type Tok = { t: 'id' | 'op' | 'lit' | '(' | ')' | ','; v: string; lit?: unknown };

function tokens(where: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(\()|(\))|(,)|'((?:[^']|'')*)'|@([^@]*)@|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < where.length) {
    re.lastIndex = at;
    m = re.exec(where);
    if (!m) {
      if (/^\s*$/.test(where.slice(at))) break;
      throw new SyncError('fatal', `Sage X3 GraphQL: cannot translate the condition "${where}"`, { system: 'sagex3' });
    }
    at = re.lastIndex;
    if (m[1]) out.push({ t: '(', v: '(' });
    else if (m[2]) out.push({ t: ')', v: ')' });
    else if (m[3]) out.push({ t: ',', v: ',' });
    else if (m[4] !== undefined) out.push({ t: 'lit', v: m[4], lit: m[4].replace(/''/g, "'") });
    else if (m[5] !== undefined) out.push({ t: 'lit', v: m[5], lit: m[5] });
    else if (m[6] !== undefined) out.push({ t: 'lit', v: m[6], lit: Number(m[6]) });
    else if (m[7]) out.push(/^(eq|ne|lt|le|gt|ge|in|and)$/i.test(m[7]) ? { t: 'op', v: m[7].toLowerCase() } : { t: 'id', v: m[7] });
  }
  return out;
}

const OPS: Record<string, string> = { eq: '_eq', ne: '_ne', lt: '_lt', le: '_lte', gt: '_gt', ge: '_gte' };

/** The property of a column on the node, or a fatal error naming both. */
function propertyOf(node: NodeMap, column: string): string {
  const p = Object.hasOwn(node.columns, column) ? node.columns[column] : undefined;
  if (!p) throw new SyncError('fatal', `Sage X3 GraphQL: node ${node.pkg}.${node.node} has no property for ${column}; read this through the REST api1 (readApi: rest)`, { system: 'sagex3', field: column });
  return p;
}

/** A literal in the property's form: menu-1 columns as booleans. */
function valueFor(node: NodeMap, column: string, v: unknown): unknown {
  if (node.yesNo?.includes(column)) return String(v) === '2';
  return typeof v === 'number' ? String(v) : v;
}

/** `UPDDATTIM gt @…@ and BPCNUM in ('A','B')` → `{"_and":[{"_updateStamp":{"_gt":"…"}},{"code":{"_in":["A","B"]}}]}`. */
export function filterOf(node: NodeMap, where: string): string {
  const toks = tokens(where);
  const terms: Record<string, unknown>[] = [];
  let p = 0;
  const take = (t: Tok['t']): Tok => {
    const k = toks[p++];
    if (!k || k.t !== t) throw new SyncError('fatal', `Sage X3 GraphQL: cannot translate the condition "${where}" (expected ${t})`, { system: 'sagex3' });
    return k;
  };
  for (;;) {
    const column = take('id').v;
    const op = take('op').v;
    const prop = propertyOf(node, column);
    if (op === 'in') {
      take('(');
      const values: unknown[] = [];
      for (;;) {
        values.push(valueFor(node, column, take('lit').lit));
        if (toks[p]?.t === ',') p++;
        else break;
      }
      take(')');
      terms.push({ [prop]: { _in: values } });
    } else if (OPS[op]) terms.push({ [prop]: { [OPS[op]]: valueFor(node, column, take('lit').lit) } });
    else throw new SyncError('fatal', `Sage X3 GraphQL: cannot translate "${op}" in "${where}"`, { system: 'sagex3' });
    if (p >= toks.length) break;
    const and = take('op');
    if (and.v !== 'and') throw new SyncError('fatal', `Sage X3 GraphQL: only "and" joins conditions ("${where}")`, { system: 'sagex3' });
  }
  return JSON.stringify(terms.length === 1 ? terms[0] : { _and: terms });
}

/** `UPDDATTIM asc,BPCNUM asc` → `{"_updateStamp":1,"code":1}`. */
export function orderOf(node: NodeMap, orderBy: string): string {
  const out: Record<string, number> = {};
  for (const part of orderBy.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [column, dir] = part.split(/\s+/);
    out[propertyOf(node, column)] = /^desc$/i.test(dir ?? '') ? -1 : 1;
  }
  return JSON.stringify(out);
}
