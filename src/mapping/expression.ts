/**
 * JSONata expressions, compiled once per flow version. Every expression is parsed by the jsonata package
 * and evaluated by it when needed; on top of that, expressions in a common synchronous subset (paths over
 * objects, literals, `&`, comparisons, arithmetic, `and`/`or`, `? :`, calls to our library) are also turned
 * into plain closures over jsonata's own AST. A closure throws NEEDS_ASYNC whenever a value leaves the subset
 * (an array, a type mismatch, an uncached `$xref`), and the caller falls back to jsonata for that record, so
 * results never differ from jsonata's (a differential property test holds this).
 */
import jsonata from 'jsonata';
import type { Fields } from '../core/json.js';
import type { MappingContext, MappingFunction } from './types.js';
import { NEEDS_ASYNC, makeXref, xrefSync } from './functions/lookups.js';
import { XREF_FUNCTION } from './functions/index.js';

/** What an expression sees besides its input: `$source` (the whole source record), `$result` (write-back), the context. */
export interface EvalEnv {
  root: Fields;
  result?: Fields;
  ctx: MappingContext;
}

/** A synchronous evaluator; throws NEEDS_ASYNC when it cannot decide alone. */
export type FastEval = (input: unknown, env: EvalEnv) => unknown;

/** One compiled expression. */
export interface CompiledExpression {
  text: string;
  /** Source paths the expression reads, from its AST (`Account.Name`, `Lines[].Amount`). */
  sources: string[];
  /** Present when the expression is in the synchronous subset. */
  fast?: FastEval;
  /** Full JSONata evaluation. */
  evaluate(input: unknown, env: EvalEnv): Promise<unknown>;
  /**
   * Why the expression gave null for this input, when one of our library functions it calls turned a
   * value into null (`$phoneE164 gave null for "555-abc" (from Phone)`); null when none did. Called only
   * after the expression gave null, so it costs nothing on records that map cleanly.
   */
  explainNull(input: unknown, env: EvalEnv): string | null;
}

type Node = jsonata.ExprNode & Record<string, unknown>;

/** Parses and compiles an expression; throws an Error naming the position on a syntax error. */
export function compileExpression(text: string, functions: ReadonlyMap<string, MappingFunction>): CompiledExpression {
  let expr: jsonata.Expression;
  try {
    expr = jsonata(text);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    throw new Error(`invalid expression ${JSON.stringify(text)}: ${e.message ?? String(err)}${e.position !== undefined ? ` (at character ${e.position})` : ''}`, { cause: err });
  }
  for (const [name, fn] of functions) expr.registerFunction(name, fn);
  const ast = expr.ast() as Node;
  const fast = compileNode(ast, functions) ?? undefined;
  const calls = libraryCalls(ast, functions);
  return {
    text,
    sources: collectSources(ast),
    fast,
    explainNull: (input, env) => explainNull(calls, input, env),
    evaluate: async (input, env) =>
      plain(
        await expr.evaluate(input, {
          source: env.root,
          result: env.result,
          [XREF_FUNCTION]: makeXref(env.ctx),
        }),
      ),
  };
}

/** jsonata marks its result arrays (`sequence`, `keepSingleton`); targets and tests want plain JSON values. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let copy: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(v)) {
      const p = plain(x);
      if (p !== x) (copy ??= { ...(v as Record<string, unknown>) })[k] = p;
    }
    return copy ?? v;
  }
  return v;
}

/** Evaluates on the fast path when possible, else with jsonata. */
export async function evaluateExpression(c: CompiledExpression, input: unknown, env: EvalEnv): Promise<unknown> {
  if (c.fast) {
    try {
      return c.fast(input, env);
    } catch (err) {
      if (err !== NEEDS_ASYNC) throw err;
    }
  }
  return c.evaluate(input, env);
}

/** JSONata's truthiness ($boolean) for the values the fast path handles. */
export function truthy(v: unknown): boolean {
  switch (typeof v) {
    case 'undefined':
      return false;
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    default:
      if (v === null) return false;
      throw NEEDS_ASYNC;
  }
}

/** JSONata's $boolean for any value (used on the async path, where arrays and objects can occur). */
export function booleanOf(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(booleanOf);
  if (typeof v === 'function') return false;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return truthy(v);
}

// ---- AST → closure -------------------------------------------------------------------------------------

const PLAIN_KEYS = new Set(['type', 'value', 'position']);

function onlyKeys(node: object, allowed: Set<string>): boolean {
  // jsonata leaves some keys present but undefined (`name` on calls); only keys with a value matter.
  for (const [k, v] of Object.entries(node)) if (v !== undefined && !allowed.has(k)) return false;
  return true;
}

function scalar(v: unknown): unknown {
  // Arrays are JSONata sequences with their own rules (flattening, singletons); functions and non-finite
  // numbers (jsonata's "Number out of range") are left to jsonata too.
  if (typeof v === 'object') {
    if (Array.isArray(v)) throw NEEDS_ASYNC;
  } else if (typeof v === 'function' || (typeof v === 'number' && !Number.isFinite(v))) throw NEEDS_ASYNC;
  return v;
}

function compileVariable(name: string): FastEval | null {
  if (name === '') return (input) => scalar(input);
  if (name === 'source') return (_i, env) => env.root;
  if (name === 'result') return (_i, env) => env.result;
  return null;
}

function compilePathNode(node: Node, fns: ReadonlyMap<string, MappingFunction>): FastEval | null {
  if (!onlyKeys(node, new Set(['type', 'steps']))) return null;
  const steps = node.steps as Node[];
  let start: FastEval = (input) => input;
  let names = steps;
  if (steps[0] && steps[0].type !== 'name') {
    // `$source.X`, `$.X`, `$splitName(Name).first`
    const head = steps[0].type === 'variable' ? (onlyKeys(steps[0], PLAIN_KEYS) ? compileVariable(String(steps[0].value)) : null) : compileNode(steps[0], fns);
    if (!head) return null;
    start = head;
    names = steps.slice(1);
  }
  const keys: string[] = [];
  for (const s of names) {
    if (s.type !== 'name' || !onlyKeys(s, PLAIN_KEYS)) return null;
    const key = String(s.value);
    if (key in Object.prototype) return null;
    keys.push(key);
  }
  if (keys.length === 1 && names === steps) {
    const [k] = keys;
    return (input) => {
      if (input === null || typeof input !== 'object') return undefined;
      if (Array.isArray(input)) throw NEEDS_ASYNC;
      return scalar((input as Record<string, unknown>)[k]);
    };
  }
  return (input, env) => {
    let cur = start(input, env);
    for (const k of keys) {
      if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
      if (Array.isArray(cur)) throw NEEDS_ASYNC;
      cur = (cur as Record<string, unknown>)[k];
    }
    return scalar(cur);
  };
}

function concatPart(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  // Numbers and objects go through jsonata's $string formatting rules.
  throw NEEDS_ASYNC;
}

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function compileBinary(node: Node, fns: ReadonlyMap<string, MappingFunction>): FastEval | null {
  const op = String(node.value);
  const l = compileNode(node.lhs as Node, fns);
  const r = compileNode(node.rhs as Node, fns);
  if (!l || !r) return null;
  switch (op) {
    case '&':
      return (i, e) => concatPart(l(i, e)) + concatPart(r(i, e));
    case '=':
    case '!=': {
      const negate = op === '!=';
      return (i, e) => {
        const a = l(i, e);
        const b = r(i, e);
        if (a === undefined || b === undefined) return false;
        if (!isPrimitive(a) || !isPrimitive(b)) throw NEEDS_ASYNC;
        return negate ? a !== b : a === b;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (i, e) => {
        const a = l(i, e);
        const b = r(i, e);
        // jsonata checks operand types before it looks for missing values: leave every mismatch to it.
        if (a !== undefined && typeof a !== 'number' && typeof a !== 'string') throw NEEDS_ASYNC;
        if (b !== undefined && typeof b !== 'number' && typeof b !== 'string') throw NEEDS_ASYNC;
        if (a === undefined || b === undefined) return undefined;
        if (typeof a !== typeof b) throw NEEDS_ASYNC;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      };
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (i, e) => {
        const a = l(i, e);
        const b = r(i, e);
        if ((a !== undefined && typeof a !== 'number') || (b !== undefined && typeof b !== 'number')) throw NEEDS_ASYNC;
        if (a === undefined || b === undefined) return undefined;
        const v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
        if (!Number.isFinite(v)) throw NEEDS_ASYNC;
        return v;
      };
    case 'and':
      return (i, e) => truthy(l(i, e)) && truthy(r(i, e));
    case 'or':
      return (i, e) => truthy(l(i, e)) || truthy(r(i, e));
    default:
      return null;
  }
}

const BUILTINS: Record<string, (v: unknown) => unknown> = {
  uppercase: (v) => (typeof v === 'string' ? v.toUpperCase() : v === undefined ? undefined : fail()),
  lowercase: (v) => (typeof v === 'string' ? v.toLowerCase() : v === undefined ? undefined : fail()),
  trim: (v) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return fail();
    let s = v.replace(/[ \t\n\r]+/gm, ' ');
    if (s.charAt(0) === ' ') s = s.substring(1);
    if (s.charAt(s.length - 1) === ' ') s = s.substring(0, s.length - 1);
    return s;
  },
  exists: (v) => v !== undefined,
};

function fail(): never {
  throw NEEDS_ASYNC;
}

function compileCall(node: Node, fns: ReadonlyMap<string, MappingFunction>): FastEval | null {
  const proc = node.procedure as Node | undefined;
  if (!proc || proc.type !== 'variable' || !onlyKeys(node, new Set(['type', 'value', 'position', 'arguments', 'procedure']))) return null;
  const args: FastEval[] = [];
  for (const a of node.arguments as Node[]) {
    const c = compileNode(a, fns);
    if (!c) return null;
    args.push(c);
  }
  const name = String(proc.value);
  const fn = fns.get(name);
  if (fn) {
    if (args.length === 1) {
      const [a] = args;
      return (i, e) => scalar(fn(a(i, e)));
    }
    if (args.length === 2) {
      const [a, b] = args;
      return (i, e) => scalar(fn(a(i, e), b(i, e)));
    }
    return (i, e) => scalar(fn(...args.map((a) => a(i, e))));
  }
  if (name === XREF_FUNCTION) {
    if (args.length !== 5) return null;
    const [c, en, id, tc, te] = args;
    return (i, e) => xrefSync(e.ctx, [c(i, e), en(i, e), id(i, e), tc(i, e), te(i, e)]);
  }
  const builtin = BUILTINS[name];
  if (builtin && args.length === 1) {
    const [a] = args;
    return (i, e) => builtin(a(i, e));
  }
  return null;
}

/** The closure for an AST node, or null when the node is outside the synchronous subset. */
function compileNode(node: Node, fns: ReadonlyMap<string, MappingFunction>): FastEval | null {
  switch (node.type as string) {
    case 'string':
    case 'number':
    case 'value': {
      if (!onlyKeys(node, PLAIN_KEYS)) return null;
      const v = node.value;
      return () => v;
    }
    case 'path':
      return compilePathNode(node, fns);
    case 'variable':
      return onlyKeys(node, PLAIN_KEYS) ? compileVariable(String(node.value)) : null;
    case 'binary':
      return onlyKeys(node, new Set(['type', 'value', 'position', 'lhs', 'rhs'])) ? compileBinary(node, fns) : null;
    case 'unary': {
      if (node.value !== '-' || !onlyKeys(node, new Set(['type', 'value', 'position', 'expression']))) return null;
      const inner = compileNode(node.expression as Node, fns);
      if (!inner) return null;
      return (i, e) => {
        const v = inner(i, e);
        if (v === undefined) return undefined;
        // jsonata refuses non-finite numbers; leave them to it.
        if (typeof v !== 'number' || !Number.isFinite(v)) throw NEEDS_ASYNC;
        return -v;
      };
    }
    case 'condition': {
      if (!onlyKeys(node, new Set(['type', 'position', 'condition', 'then', 'else']))) return null;
      const c = compileNode(node.condition as Node, fns);
      const t = compileNode(node.then as Node, fns);
      const el = node.else ? compileNode(node.else as Node, fns) : (): undefined => undefined;
      if (!c || !t || !el) return null;
      return (i, e) => (truthy(c(i, e)) ? t(i, e) : el(i, e));
    }
    case 'block': {
      const exprs = node.expressions as Node[];
      if (!onlyKeys(node, new Set(['type', 'position', 'expressions'])) || exprs.length !== 1) return null;
      return compileNode(exprs[0], fns);
    }
    case 'function':
      return compileCall(node, fns);
    default:
      return null;
  }
}

// ---- lineage: which source paths an expression reads -----------------------------------------------------

function pathText(node: Node): string | null {
  const steps = node.steps as Node[] | undefined;
  if (!steps) return null;
  const parts: string[] = [];
  let i = 0;
  if (steps[0]?.type === 'variable') {
    const v = String(steps[0].value);
    if (v === 'result') parts.push('$result');
    else if (v !== '' && v !== 'source') return null;
    i = 1;
  }
  for (; i < steps.length; i++) {
    const s = steps[i];
    if (s.type !== 'name') break;
    parts.push(String(s.value) + (s.stages ? '[]' : ''));
  }
  return parts.length > 0 ? parts.join('.') : null;
}

/** The source paths an expression's AST reads, in first-seen order. */
export function collectSources(ast: Node): string[] {
  const seen = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (n === null || typeof n !== 'object') return;
    const node = n as Node;
    if ((node.type as string) === 'path') {
      const p = pathText(node);
      if (p) seen.add(p);
      else walk(node.steps);
      return;
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'position' && k !== 'value') walk(v);
  };
  walk(ast);
  return [...seen];
}

// ---- warnings: which library call turned a value into null ------------------------------------------------

/** One call of a library function inside an expression, re-runnable on its own. */
interface LibraryCall {
  name: string;
  fn: MappingFunction;
  args: FastEval[];
  /** The source paths each argument reads (none: a literal such as the country "US" or a value map's name). */
  argSources: string[][];
}

/** Every call of one of our library functions (not `$xref`, not JSONata's own) whose arguments are in the synchronous subset. */
function libraryCalls(ast: Node, fns: ReadonlyMap<string, MappingFunction>): LibraryCall[] {
  const out: LibraryCall[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (n === null || typeof n !== 'object') return;
    const node = n as Node;
    const proc = node.procedure as Node | undefined;
    if ((node.type as string) === 'function' && proc?.type === 'variable') {
      const name = String(proc.value);
      const fn = fns.get(name);
      const argNodes = node.arguments as Node[];
      const args = argNodes.map((a) => compileNode(a, fns));
      if (fn && name !== XREF_FUNCTION && args.every((a): a is FastEval => a !== null)) out.push({ name, fn, args, argSources: argNodes.map((a) => collectSources(a)) });
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'position' && k !== 'value') walk(v);
  };
  walk(ast);
  return out;
}

const given = (v: unknown) => v !== undefined && v !== null && v !== '';

function explainNull(calls: LibraryCall[], input: unknown, env: EvalEnv): string | null {
  for (const call of calls) {
    let args: unknown[];
    let out: unknown;
    try {
      args = call.args.map((a) => a(input, env));
      out = call.fn(...args);
    } catch {
      continue;
    }
    if (out !== null && out !== '') continue;
    // Only a call that had a value from the record to work on can have lost it.
    const lost = args.findIndex((v, i) => call.argSources[i].length > 0 && given(v));
    if (lost < 0) continue;
    return `$${call.name} gave ${out === null ? 'null' : 'an empty text'} for ${showArg(args[lost])} (from ${call.argSources[lost].join(', ')})`;
  }
  return null;
}

function showArg(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
