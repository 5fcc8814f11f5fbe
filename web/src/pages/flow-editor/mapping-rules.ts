/**
 * One mapping rule as the mapping editor shows it (a source field, a library function with its
 * parameters, a JSONata expression or a constant; a value map; a default) and back to the YAML form.
 * Keys the editor does not show (note, required, when, each) are kept as they were.
 */

export type RuleKind = 'none' | 'field' | 'function' | 'expr' | 'value';

export interface RuleModel {
  kind: RuleKind;
  /** Source field for `field` and `function`. */
  from: string;
  fn: string;
  /** The function's parameters after the source field, as typed. */
  args: string[];
  expr: string;
  value: string;
  /** An inline value map as rows, or null. */
  map: Array<[string, string]> | null;
  /** The name of a map in valueMaps, when the rule uses one. */
  mapName?: string;
  default: string;
  /** Everything else the rule held, written back unchanged. */
  extras: Record<string, unknown>;
}

// `$fn(Field, params…)`; a function not yet given its field reads the record itself (`$`).
const CALL = /^\$([A-Za-z]\w*)\(\s*([A-Za-z_][\w.]*|\$)\s*((?:,\s*(?:"[^"]*"|'[^']*'|[^,()]+)\s*)*)\)$/;

function splitArgs(text: string): string[] {
  const out: string[] = [];
  const re = /,\s*("[^"]*"|'[^']*'|[^,()]+?)\s*(?=,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push(m[1].replace(/^["'](.*)["']$/, '$1'));
  return out;
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** Reads a rule (a bare string or the long form) for the editor; `functions` are the library's names. */
export function readRule(rule: unknown, functions: ReadonlySet<string>): RuleModel {
  const m: RuleModel = { kind: 'none', from: '', fn: '', args: [], expr: '', value: '', map: null, default: '', extras: {} };
  if (rule === undefined || rule === null) return m;
  if (typeof rule === 'string') return { ...m, kind: 'field', from: rule };
  const r = { ...(rule as Record<string, unknown>) };
  if (typeof r.from === 'string') {
    m.kind = 'field';
    m.from = r.from;
  } else if (typeof r.expr === 'string') {
    const call = CALL.exec(r.expr.trim());
    if (call && functions.has(call[1])) {
      m.kind = 'function';
      m.fn = call[1];
      m.from = call[2] === '$' ? '' : call[2];
      m.args = splitArgs(call[3]);
    } else m.kind = 'expr';
    m.expr = r.expr;
  } else if ('value' in r) {
    m.kind = 'value';
    m.value = text(r.value);
  }
  if (typeof r.map === 'string') m.mapName = r.map;
  else if (r.map && typeof r.map === 'object') m.map = Object.entries(r.map as Record<string, unknown>).map(([k, v]) => [k, text(v)]);
  m.default = text(r.default);
  for (const k of ['from', 'expr', 'value', 'map', 'default']) delete r[k];
  m.extras = r;
  return m;
}

/** A parameter as JSONata: numbers, true/false and null as they are, anything else quoted. */
function literal(arg: string): string {
  const a = arg.trim();
  if (/^-?\d+(\.\d+)?$/.test(a) || a === 'true' || a === 'false' || a === 'null') return a;
  return JSON.stringify(a);
}

/** The expression of a `function` rule: `$phoneE164(Phone, "US")`. Trailing empty parameters are left out. */
export function callText(fn: string, from: string, args: string[]): string {
  const given = [...args];
  while (given.length && given[given.length - 1].trim() === '') given.pop();
  return `$${fn}(${[from || '$', ...given.map((a) => (a.trim() === '' ? 'null' : literal(a)))].join(', ')})`;
}

/** The rule to write: a bare string for a plain copy, else the long form; undefined removes the mapping. */
export function writeRule(m: RuleModel): unknown {
  const out: Record<string, unknown> = {};
  if (m.kind === 'field') out.from = m.from;
  else if (m.kind === 'function') out.expr = callText(m.fn, m.from, m.args);
  else if (m.kind === 'expr') out.expr = m.expr;
  else if (m.kind === 'value') out.value = m.value;
  if (m.mapName) out.map = m.mapName;
  else if (m.map) out.map = Object.fromEntries(m.map.filter(([k]) => k !== ''));
  if (m.default !== '') out.default = m.default;
  Object.assign(out, m.extras);
  if (m.kind === 'none' && out.default === undefined) return undefined;
  if (m.kind === 'field' && Object.keys(out).length === 1) return m.from;
  return out;
}
