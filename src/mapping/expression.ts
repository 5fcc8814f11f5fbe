/**
 * JSONata expressions, compiled once per flow version. Every expression is parsed by the jsonata package
 * and evaluated by it when needed; on top of that, expressions in a common synchronous subset (paths over
 * objects, literals, `&`, comparisons, arithmetic, `and`/`or`, `? :`, calls to our library) are also compiled
 * from jsonata's own AST to a generated JavaScript function. It throws NEEDS_ASYNC whenever a value leaves the
 * subset (an array, a type mismatch, an uncached `$xref`), and the caller falls back to jsonata for that record, so
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
  // Compiled on first use: only records whose value came out empty ever need them.
  let calls: LibraryCall[] | undefined;
  return {
    text,
    sources: collectSources(ast),
    fast,
    explainNull: (input, env) => explainNull((calls ??= libraryCalls(ast, functions)), input, env),
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

// ---- AST → generated code --------------------------------------------------------------------------------
// The subset is compiled to JavaScript source, one function per expression, rather than to a tree of shared
// closures: a closure such as `(input) => input[k]` is one function for every field of every flow, so its
// property loads and calls see every key and every library function and turn megamorphic, which cost more
// than the library functions themselves. Generated code gives each expression its own load and call sites.
// Names enter the source only through JSON.stringify; values and functions are passed in, never printed.

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

function fail(): never {
  throw NEEDS_ASYNC;
}

/** `=` and `!=` on the values the subset handles. */
function equals(a: unknown, b: unknown, negate: boolean): boolean {
  if (a === undefined || b === undefined) return false;
  if (!isPrimitive(a) || !isPrimitive(b)) throw NEEDS_ASYNC;
  return negate ? a !== b : a === b;
}

function compare(a: unknown, b: unknown, op: string): boolean | undefined {
  // jsonata checks operand types before it looks for missing values: leave every mismatch to it.
  if (a !== undefined && typeof a !== 'number' && typeof a !== 'string') throw NEEDS_ASYNC;
  if (b !== undefined && typeof b !== 'number' && typeof b !== 'string') throw NEEDS_ASYNC;
  if (a === undefined || b === undefined) return undefined;
  if (typeof a !== typeof b) throw NEEDS_ASYNC;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function arithmetic(a: unknown, b: unknown, op: string): number | undefined {
  if ((a !== undefined && typeof a !== 'number') || (b !== undefined && typeof b !== 'number')) throw NEEDS_ASYNC;
  if (a === undefined || b === undefined) return undefined;
  const v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  if (!Number.isFinite(v)) throw NEEDS_ASYNC;
  return v;
}

function negative(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  // jsonata refuses non-finite numbers; leave them to it.
  if (typeof v !== 'number' || !Number.isFinite(v)) throw NEEDS_ASYNC;
  return -v;
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

/** The helpers generated code calls, by the names it uses for them. */
const HELPERS = { sc: scalar, tr: truthy, na: fail, cp: concatPart, eq: equals, cmp: compare, ar: arithmetic, neg: negative, xs: xrefSync };
const HELPER_NAMES = Object.keys(HELPERS);

/** Source text being generated for one expression: the values and functions it refers to, and its temporaries. */
class Gen {
  readonly refs: unknown[] = [];
  temps = 0;
  constructor(readonly fns: ReadonlyMap<string, MappingFunction>) {}
  /** A value or function the code uses, as the name of a constant holding it. */
  ref(v: unknown): string {
    this.refs.push(v);
    return `k${this.refs.length - 1}`;
  }
  temp(): string {
    return `t${this.temps++}`;
  }
}

/** Compiles an AST node of the synchronous subset to a function; null when the node is outside the subset. */
function compileNode(node: Node, fns: ReadonlyMap<string, MappingFunction>): FastEval | null {
  const g = new Gen(fns);
  const body = genNode(node, g);
  if (body === null) return null;
  const consts = g.refs.map((_, i) => `k${i} = K[${i}]`);
  const temps = Array.from({ length: g.temps }, (_, i) => `t${i}`);
  const source = [
    `const { ${HELPER_NAMES.join(', ')} } = H;`,
    consts.length > 0 ? `const ${consts.join(', ')};` : '',
    'return function fast(input, env) {',
    temps.length > 0 ? `  let ${temps.join(', ')};` : '',
    `  return ${body};`,
    '};',
  ].join('\n');
  return new Function('K', 'H', source)(g.refs, HELPERS) as FastEval;
}

function genVariable(name: string): string | null {
  if (name === '') return 'sc(input)';
  if (name === 'source') return 'env.root';
  if (name === 'result') return 'env.result';
  return null;
}

function genPath(node: Node, g: Gen): string | null {
  if (!onlyKeys(node, new Set(['type', 'steps']))) return null;
  const steps = node.steps as Node[];
  let start = 'input';
  let names = steps;
  if (steps[0] && steps[0].type !== 'name') {
    // `$source.X`, `$.X`, `$splitName(Name).first`
    const head = steps[0].type === 'variable' ? (onlyKeys(steps[0], PLAIN_KEYS) ? genVariable(String(steps[0].value)) : null) : genNode(steps[0], g);
    if (head === null) return null;
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
  const t = g.temp();
  if (keys.length === 1 && names === steps) {
    return `((${t} = input) === null || typeof ${t} !== 'object' ? undefined : Array.isArray(${t}) ? na() : sc(${t}[${JSON.stringify(keys[0])}]))`;
  }
  let inner = `sc(${t})`;
  for (let j = keys.length - 1; j >= 0; j--) {
    inner = `(${t} === null || ${t} === undefined || typeof ${t} !== 'object' ? undefined : Array.isArray(${t}) ? na() : (${t} = ${t}[${JSON.stringify(keys[j])}], ${inner}))`;
  }
  return `(${t} = ${start}, ${inner})`;
}

function genBinary(node: Node, g: Gen): string | null {
  const op = String(node.value);
  const l = genNode(node.lhs as Node, g);
  const r = genNode(node.rhs as Node, g);
  if (l === null || r === null) return null;
  switch (op) {
    case '&':
      return `(cp(${l}) + cp(${r}))`;
    case '=':
    case '!=':
      return `eq(${l}, ${r}, ${op === '!='})`;
    case '<':
    case '<=':
    case '>':
    case '>=':
      return `cmp(${l}, ${r}, ${JSON.stringify(op)})`;
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return `ar(${l}, ${r}, ${JSON.stringify(op)})`;
    case 'and':
      return `(tr(${l}) && tr(${r}))`;
    case 'or':
      return `(tr(${l}) || tr(${r}))`;
    default:
      return null;
  }
}

function genCall(node: Node, g: Gen): string | null {
  const proc = node.procedure as Node | undefined;
  if (!proc || proc.type !== 'variable' || !onlyKeys(node, new Set(['type', 'value', 'position', 'arguments', 'procedure']))) return null;
  const args: string[] = [];
  for (const a of node.arguments as Node[]) {
    const c = genNode(a, g);
    if (c === null) return null;
    args.push(c);
  }
  const name = String(proc.value);
  const fn = g.fns.get(name);
  if (fn) return `sc(${g.ref(fn)}(${args.join(', ')}))`;
  if (name === XREF_FUNCTION) {
    if (args.length !== 5) return null;
    return `xs(env.ctx, ${args.join(', ')})`;
  }
  const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
  if (builtin && args.length === 1) return `${g.ref(builtin)}(${args[0]})`;
  return null;
}

/** The source of a JavaScript expression computing the node over `input` and `env`, or null when the node is outside the subset. */
function genNode(node: Node, g: Gen): string | null {
  switch (node.type as string) {
    case 'string':
    case 'number':
    case 'value':
      return onlyKeys(node, PLAIN_KEYS) ? g.ref(node.value) : null;
    case 'path':
      return genPath(node, g);
    case 'variable':
      return onlyKeys(node, PLAIN_KEYS) ? genVariable(String(node.value)) : null;
    case 'binary':
      return onlyKeys(node, new Set(['type', 'value', 'position', 'lhs', 'rhs'])) ? genBinary(node, g) : null;
    case 'unary': {
      if (node.value !== '-' || !onlyKeys(node, new Set(['type', 'value', 'position', 'expression']))) return null;
      const inner = genNode(node.expression as Node, g);
      return inner === null ? null : `neg(${inner})`;
    }
    case 'condition': {
      if (!onlyKeys(node, new Set(['type', 'position', 'condition', 'then', 'else']))) return null;
      const c = genNode(node.condition as Node, g);
      const t = genNode(node.then as Node, g);
      const el = node.else ? genNode(node.else as Node, g) : 'undefined';
      if (c === null || t === null || el === null) return null;
      return `(tr(${c}) ? ${t} : ${el})`;
    }
    case 'block': {
      const exprs = node.expressions as Node[];
      if (!onlyKeys(node, new Set(['type', 'position', 'expressions'])) || exprs.length !== 1) return null;
      return genNode(exprs[0], g);
    }
    case 'function':
      return genCall(node, g);
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
