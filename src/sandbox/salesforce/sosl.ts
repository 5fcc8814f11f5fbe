/**
 * SOSL for `GET /search?q=`: `FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS] [RETURNING Object[(fields
 * [WHERE …] [ORDER BY …] [LIMIT n])], …] [LIMIT n]`. Each RETURNING clause is evaluated with the SOQL
 * engine, restricted to records whose searched fields contain every word of the term (`*` and `?`
 * wildcards, `OR` between words). From API 37.0 the result is `{searchRecords:[…]}`; earlier a bare list.
 */
import { ApiError } from './errors.js';
import type { Reply } from './http.js';
import type { Rec } from './org.js';
import type { RestContext } from './rest.js';
import { prepareQuery } from './soql.js';
import type { SfField, SfObject } from './schema.js';

const DEFAULT_LIMIT = 2000;
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);
const NAME_FIELDS = new Set(['Name', 'FirstName', 'LastName', 'Company', 'Subject']);

type Scope = 'ALL' | 'NAME' | 'EMAIL' | 'PHONE';

function malformedSearch(message: string): ApiError {
  return new ApiError(400, 'MALFORMED_SEARCH', message);
}

/** The term inside braces, with `\}` and `\\` unescaped, and where the text after it starts. */
function readTerm(q: string): { term: string; rest: string } {
  const m = /^\s*FIND\s*\{/i.exec(q);
  if (!m) throw malformedSearch('No search term found. The search term must be enclosed in braces.');
  let term = '';
  let i = m[0].length;
  for (; i < q.length; i++) {
    const c = q[i];
    if (c === '\\' && i + 1 < q.length) {
      term += q[++i];
      continue;
    }
    if (c === '}') break;
    term += c;
  }
  if (i >= q.length) throw malformedSearch('No search term found. The search term must be enclosed in braces.');
  if (term.replace(/[*?\s"]/g, '').length < 2) throw malformedSearch('search term must be longer than one character');
  return { term, rest: q.slice(i + 1) };
}

/** Word patterns of a term: groups ORed, words in a group ANDed. */
function termMatcher(term: string): (text: string) => boolean {
  const groups = term.split(/\s+OR\s+/i).map((g) =>
    g.split(/\s+(?:AND\s+)?/i).filter((w) => w && w.toUpperCase() !== 'AND').map((w) => {
      const body = w.replace(/^"|"$/g, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '\\S*').replace(/\?/g, '\\S');
      return new RegExp(`(^|[^\\p{L}\\p{N}])${body}($|[^\\p{L}\\p{N}])`, 'iu');
    }),
  );
  return (text) => groups.some((ws) => ws.length > 0 && ws.every((re) => re.test(text)));
}

function searchedFields(obj: SfObject, scope: Scope): SfField[] {
  return [...obj.fields.values()].filter((f) => {
    if (scope === 'EMAIL') return f.type === 'email';
    if (scope === 'PHONE') return f.type === 'phone';
    if (scope === 'NAME') return NAME_FIELDS.has(f.name);
    return TEXT_TYPES.has(f.type);
  });
}

/** Splits `A(x), B, C(y (z))` at top-level commas, keeping quoted text intact. */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      cur += c;
      if (c === '\\') cur += text[++i] ?? '';
      else if (c === "'") quote = false;
      continue;
    }
    if (c === "'") quote = true;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** GET /search?q=. */
export function search(ctx: RestContext, q: string | null): Reply {
  if (!q) throw malformedSearch('No search term found. The search term must be enclosed in braces.');
  const { term, rest } = readTerm(q);
  const m = /^\s*(?:IN\s+(ALL|NAME|EMAIL|PHONE)\s+FIELDS)?\s*(?:RETURNING\s+([\s\S]*?))?\s*(?:LIMIT\s+(\d+))?\s*$/i.exec(rest);
  if (!m) throw malformedSearch(`unexpected token in search: ${rest.trim().slice(0, 40)}`);
  const scope = (m[1]?.toUpperCase() ?? 'ALL') as Scope;
  const overall = m[3] ? Number(m[3]) : DEFAULT_LIMIT;
  const matches = termMatcher(term);
  const specs = m[2] ? splitTop(m[2]) : [...ctx.org.schema.keys()].filter((n) => n !== 'User');
  const out: Rec[] = [];
  for (const spec of specs) {
    const sm = /^([A-Za-z][A-Za-z0-9_]*)\s*(?:\(([\s\S]*)\))?$/.exec(spec);
    if (!sm) throw malformedSearch(`unexpected token in RETURNING: ${spec}`);
    const inner = sm[2]?.trim() ?? 'Id';
    const cut = /\s(WHERE|ORDER\s+BY|LIMIT|OFFSET)\s/i.exec(` ${inner} `);
    const fieldsPart = cut ? ` ${inner} `.slice(0, cut.index).trim() : inner;
    const tail = cut ? ` ${inner} `.slice(cut.index).trim() : '';
    const prepared = prepareQuery(ctx.org, `SELECT ${fieldsPart || 'Id'} FROM ${sm[1]} ${tail}`, ctx.version);
    const fields = searchedFields(prepared.object, scope);
    const hit = (r: Rec): boolean => fields.some((f) => r[f.name] !== null && r[f.name] !== undefined && matches(String(r[f.name])));
    out.push(...prepared.run(false, hit).rows);
    if (out.length >= overall) break;
  }
  const records = out.slice(0, overall);
  return { status: 200, body: Number(ctx.version) >= 37 ? { searchRecords: records } : records };
}
