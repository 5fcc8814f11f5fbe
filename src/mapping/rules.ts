/**
 * One mapping rule compiled to a field plan: how to compute one target field on the synchronous fast path
 * and on the asynchronous path, and what lineage to record for it.
 */
import type { MappingRule, MappingRuleObject } from '../core/flow.js';
import type { Fields } from '../core/json.js';
import type { LineageEntry } from '../core/lineage.js';
import type { SyncError } from '../core/errors.js';
import type { MappingFunction } from './types.js';
import { compilePath, formatPath, parsePath, type Getter } from './path.js';
import { booleanOf, compileExpression, evaluateExpression, truthy, type CompiledExpression, type EvalEnv } from './expression.js';
import { compileValueMap, lookupValue, type ValueMap } from './functions/valuemaps.js';
import { NEEDS_ASYNC } from './functions/lookups.js';
import { mappingError, showValue } from './messages.js';

/** Where output goes during one record's mapping. */
export interface Sink {
  /** Values by field position in the mapping; the mapping's builder turns them into the record. */
  values: unknown[];
  lineage: LineageEntry[];
  /** Collect failures here; when absent the first failure is thrown. */
  errors?: SyncError[];
  flow: string;
  target: string;
  recordKey?: string;
}

/** One target field's compiled rule. */
export interface FieldPlan {
  field: string;
  /** Runs synchronously; throws NEEDS_ASYNC when it cannot. */
  runSync(input: unknown, env: EvalEnv, sink: Sink, prefix: string, srcPrefix: string): void;
  runAsync(input: unknown, env: EvalEnv, sink: Sink, prefix: string, srcPrefix: string): Promise<void>;
  /** True when runSync never needs jsonata (plain copies, constants, value maps). */
  alwaysSync: boolean;
}

/** What rules share while a flow compiles. */
export interface RuleScope {
  functions: ReadonlyMap<string, MappingFunction>;
  /** Record lineage entries (off only for callers that never keep traces). */
  lineage: boolean;
  valueMaps: ReadonlyMap<string, ValueMap>;
  /** Where a rule sits in the flow, for compile errors (`targets/0/mapping/Email`). */
  at: string;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function describe(rule: MappingRuleObject): string {
  if (rule.from !== undefined) return `copy ${rule.from}`;
  if (rule.expr !== undefined) return rule.expr;
  if (rule.value !== undefined) return `value ${showValue(rule.value)}`;
  return 'nothing';
}

function fail(sink: Sink, err: SyncError): void {
  if (sink.errors) sink.errors.push(err);
  else throw err;
}

/** A compiled mapping: one plan per target field, and the builder that makes the output record from their values. */
export interface CompiledMapping {
  plans: FieldPlan[];
  build(values: unknown[]): Fields;
  /** Every plan's runSync in order, at the top level (no prefixes); throws NEEDS_ASYNC when one cannot. */
  runSync(input: unknown, env: EvalEnv, sink: Sink): void;
}

/** Compiles a mapping (target field → rule) to plans; throws an Error naming the rule on a bad rule. */
export function compileMapping(mapping: Record<string, MappingRule>, scope: RuleScope): CompiledMapping {
  const entries = Object.entries(mapping);
  const plans = entries.map(([field, rule], index) => compileRule(field, index, rule, { ...scope, at: `${scope.at}/${field}` }));
  let build: CompiledMapping['build'];
  try {
    build = makeBuilder(entries.map(([field]) => field));
  } catch (err) {
    throw new Error(`${scope.at}: ${(err as Error).message}`, { cause: err });
  }
  return { plans, build, runSync: sequence(plans) };
}

/**
 * The plans' synchronous steps called one after the other from generated code, so each call site has one
 * target (a loop over `plans[i].runSync` is one call site for every rule of every flow).
 */
function sequence(plans: FieldPlan[]): CompiledMapping['runSync'] {
  const names = plans.map((_, i) => `r${i}`);
  const body = names.map((r) => `${r}(input, env, sink, '', '');`).join('\n');
  return new Function(...names, `return function runAll(input, env, sink) {\n${body}\n};`)(...plans.map((p) => p.runSync)) as CompiledMapping['runSync'];
}

/**
 * Builds the output record from the values array, leaving out fields whose value is undefined. For the usual
 * field names this is generated code with one named store per field: a shared `out[name] = v` would be one
 * megamorphic store site for every field of every flow, the largest single cost of mapping a record. Field
 * names enter the code only through JSON.stringify.
 */
function makeBuilder(fields: string[]): (values: unknown[]) => Fields {
  if (fields.some(isNestedTarget)) return nestedBuilder(fields);
  if (fields.some((f) => f === '__proto__')) {
    return (values) => {
      const out: Fields = {};
      fields.forEach((f, i) => {
        if (values[i] !== undefined) Object.defineProperty(out, f, { value: values[i], enumerable: true, writable: true, configurable: true });
      });
      return out;
    };
  }
  const body = fields.map((f, i) => `if (v[${i}] !== undefined) o[${JSON.stringify(f)}] = v[${i}];`).join('\n');
  return new Function('v', `const o = {};\n${body}\nreturn o;`) as (values: unknown[]) => Fields;
}

/** A target key that names a nested field: `custom.erpCustomerNo`, or a backquoted name (`` `a.b` `` is one flat field). */
function isNestedTarget(field: string): boolean {
  return field.includes('.') || field.includes('`');
}

/** The steps of a target key; a nested target names object fields, never list elements. */
export function targetPath(field: string): string[] {
  if (!isNestedTarget(field)) return [field];
  const steps = parsePath(field);
  if (steps.some((s) => typeof s === 'number')) throw new Error(`target field ${JSON.stringify(field)}: a target path names object fields, not list elements ([n])`);
  if (steps.some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype')) throw new Error(`target field ${JSON.stringify(field)}: ${steps.join('.')} is not a field name`);
  return steps as string[];
}

/**
 * Builds records whose target keys include nested paths: `custom.erpCustomerNo` becomes
 * `{ custom: { erpCustomerNo } }`, as most JSON APIs expect, and two keys under one parent share it.
 * Slower than the generated builder, so only mappings with nested keys use it.
 */
function nestedBuilder(fields: string[]): (values: unknown[]) => Fields {
  const paths = fields.map(targetPath);
  return (values) => {
    const out: Fields = {};
    paths.forEach((steps, i) => {
      if (values[i] === undefined) return;
      let cur = out as Record<string, unknown>;
      for (const step of steps.slice(0, -1)) {
        const next = cur[step];
        if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[step] = {};
        cur = cur[step] as Record<string, unknown>;
      }
      cur[steps[steps.length - 1]] = values[i];
    });
    return out;
  };
}

function compileRule(field: string, index: number, raw: MappingRule, scope: RuleScope): FieldPlan {
  const rule: MappingRuleObject = typeof raw === 'string' ? { from: raw } : raw;
  if (rule === null || typeof rule !== 'object') throw new Error(`${scope.at}: a rule is a source path or an object`);
  const givers = [rule.from !== undefined && rule.each === undefined, rule.expr !== undefined, rule.value !== undefined].filter(Boolean).length;
  if (rule.each === undefined && givers !== 1) throw new Error(`${scope.at}: give exactly one of from, expr or value`);
  if (rule.each !== undefined && (rule.from === undefined || rule.expr !== undefined || rule.value !== undefined)) {
    throw new Error(`${scope.at}: each needs from (the array) and no expr or value`);
  }
  const wrap = (what: string, fn: () => CompiledExpression): CompiledExpression => {
    try {
      return fn();
    } catch (err) {
      throw new Error(`${scope.at} (${what}): ${(err as Error).message}`, { cause: err });
    }
  };
  const when = rule.when !== undefined ? wrap('when', () => compileExpression(rule.when as string, scope.functions)) : undefined;
  let valueMap: ValueMap | undefined;
  let mapText = '';
  if (rule.map !== undefined) {
    if (typeof rule.map === 'string') {
      valueMap = scope.valueMaps.get(rule.map);
      if (!valueMap) throw new Error(`${scope.at}: no value map named "${rule.map}" in valueMaps`);
      mapText = `map ${rule.map}`;
    } else {
      valueMap = compileValueMap(rule.map);
      mapText = 'map (inline)';
    }
  }
  if (rule.each !== undefined) return compileEach(field, index, rule, scope, when);

  const base = describe(rule);
  const ruleText = mapText ? `${base} → ${mapText}` : base;
  const defaultText = rule.default !== undefined ? `default ${showValue(rule.default)}` : '';
  let getter: Getter | undefined;
  let expr: CompiledExpression | undefined;
  let sources: string[];
  if (rule.from !== undefined) {
    try {
      getter = compilePath(rule.from);
      sources = [formatPath(parsePath(rule.from))];
    } catch (err) {
      throw new Error(`${scope.at}: ${(err as Error).message}`, { cause: err });
    }
  } else if (rule.expr !== undefined) {
    expr = wrap('expr', () => compileExpression(rule.expr as string, scope.functions));
    sources = expr.sources;
  } else {
    sources = [];
  }
  const constant = rule.value;
  const trackLineage = scope.lineage;
  const hasDefault = rule.default !== undefined;
  const fallback = rule.default;
  const required = rule.required === true;

  /** Why a value the record had came out empty: a library function or the value map lost it (null: nothing was lost). */
  const lostValue = (raw: unknown, mapped: unknown, input: unknown, env: EvalEnv): string | null => {
    if (expr && (raw === null || raw === '')) return expr.explainNull(input, env);
    if (valueMap && !isEmpty(raw) && (mapped === null || mapped === '')) return `${mapText} has no entry for ${showValue(raw)}`;
    return null;
  };
  const exprFailed = (sink: Sink, prefix: string, what: string, err: unknown): void => {
    if (err === NEEDS_ASYNC) throw err;
    const e = err as { message?: string; code?: string };
    fail(sink, mappingError(sink, prefix + field, what, undefined, `the expression failed: ${e.message ?? String(err)}`, err));
  };

  const alwaysSync = !when && !expr;
  const { runSync, finish } = generateRunSync({
    index,
    field,
    when,
    getter,
    expr,
    constant,
    valueMap,
    hasDefault,
    fallback,
    required,
    trackLineage,
    sources,
    ruleText,
    defaultText,
    exprFailed,
    requiredFailed: (sink, name, v) => fail(sink, mappingError(sink, name, ruleText, v, `required, but the rule gave ${showValue(v)}`)),
    lostValue,
  });
  const runAsync: FieldPlan['runAsync'] = async (input, env, sink, prefix, srcPrefix) => {
    if (when) {
      let ok: boolean;
      try {
        ok = booleanOf(await evaluateExpression(when, input, env));
      } catch (err) {
        exprFailed(sink, prefix, `when ${when.text}`, err);
        return;
      }
      if (!ok) return;
    }
    let raw: unknown;
    if (getter) raw = getter(input);
    else if (expr) {
      try {
        raw = await evaluateExpression(expr, input, env);
      } catch (err) {
        exprFailed(sink, prefix, ruleText, err);
        return;
      }
    } else raw = constant;
    finish(raw, sink, prefix, srcPrefix, input, env);
  };
  if (getter && !when && !valueMap && !hasDefault && !required) {
    // The plain copy, the most common rule by far: read, store, trace, nothing else (generateRunSync leaves
    // out every step the rule does not have).
    return { field, runSync, runAsync: async (...args) => runSync(...args), alwaysSync: true };
  }
  return { field, runSync, runAsync, alwaysSync };
}

/** What generateRunSync needs to know about one rule. */
interface RulePlan {
  index: number;
  field: string;
  when?: CompiledExpression;
  getter?: Getter;
  expr?: CompiledExpression;
  constant: unknown;
  valueMap?: ValueMap;
  hasDefault: boolean;
  fallback: unknown;
  required: boolean;
  trackLineage: boolean;
  sources: string[];
  ruleText: string;
  defaultText: string;
  exprFailed(sink: Sink, prefix: string, what: string, err: unknown): void;
  requiredFailed(sink: Sink, name: string, v: unknown): void;
  lostValue(raw: unknown, mapped: unknown, input: unknown, env: EvalEnv): string | null;
}

/**
 * A rule's synchronous step as generated code: `when`, the raw value (copy, expression or constant), value map,
 * default, required, output and lineage, with the steps the rule does not have left out. Generated per rule
 * rather than one closure for all rules, whose calls (`expr.fast`, `getter`) would each see every rule's
 * function and turn megamorphic; here each rule's calls have one target and inline. Nothing from the flow
 * is printed into the code: values and functions are passed in.
 */
function generateRunSync(p: RulePlan): { runSync: FieldPlan['runSync']; finish: Finish } {
  const empty = (v: string) => `(${v} === undefined || ${v} === null || ${v} === '')`;
  const lines: string[] = [];
  if (p.when) {
    if (!p.when.fast) lines.push('throw NEEDS_ASYNC;');
    else {
      lines.push(
        'let ok;',
        'try { ok = truthy(whenFast(input, env)); } catch (err) { p.exprFailed(sink, prefix, whenText, err); return; }',
        'if (!ok) return;',
      );
    }
  }
  if (p.getter) lines.push('const raw = getter(input);');
  else if (p.expr) {
    if (!p.expr.fast) lines.push('throw NEEDS_ASYNC;');
    else lines.push('let raw;', 'try { raw = fast(input, env); } catch (err) { p.exprFailed(sink, prefix, p.ruleText, err); return; }');
  } else lines.push('const raw = p.constant;');
  // Everything after the raw value (value map, default, required, output, lineage) is also the async path's finish.
  const head = lines.splice(0);
  lines.push(p.valueMap ? 'let v = lookupValue(p.valueMap, raw, null);' : 'let v = raw;', 'const mapped = v;', 'let usedDefault = false;');
  if (p.hasDefault) lines.push(`if (${empty('v')}) { v = p.fallback; usedDefault = true; }`);
  if (p.required) lines.push(`if (${empty('v')}) { p.requiredFailed(sink, prefix + p.field, v); return; }`);
  lines.push('if (v === undefined) return;', `sink.values[${p.index}] = v;`);
  if (p.trackLineage) {
    lines.push(
      'const entry = { field: prefix + p.field, sources: srcPrefix === \'\' ? p.sources : p.sources.map((s) => srcPrefix + s), rule: usedDefault ? p.defaultText : p.ruleText, value: v };',
      // Checked only when the value came out empty, so records that map cleanly pay nothing for it.
      `if (${empty('mapped')}) {`,
      '  const lost = p.lostValue(raw, mapped, input, env);',
      "  if (lost) entry.warning = usedDefault ? lost + '; ' + p.defaultText + ' was used instead' : lost;",
      '}',
      'sink.lineage.push(entry);',
    );
  }
  const source = [
    `const runSync = function runSync(input, env, sink, prefix, srcPrefix) {\n  ${[...head, ...lines].join('\n  ')}\n};`,
    `const finish = function finish(raw, sink, prefix, srcPrefix, input, env) {\n  ${lines.join('\n  ')}\n};`,
    'return { runSync, finish };',
  ].join('\n');
  const make = new Function('p', 'getter', 'fast', 'whenFast', 'whenText', 'truthy', 'lookupValue', 'NEEDS_ASYNC', source);
  return make(p, p.getter, p.expr?.fast, p.when?.fast, p.when ? `when ${p.when.text}` : '', truthy, lookupValue, NEEDS_ASYNC) as { runSync: FieldPlan['runSync']; finish: Finish };
}

/** The steps after a rule's raw value: value map, default, required, output and lineage. */
type Finish = (raw: unknown, sink: Sink, prefix: string, srcPrefix: string, input: unknown, env: EvalEnv) => void;

/** `each`: maps every element of the array at `from` with a nested mapping (order lines). */
function compileEach(field: string, index: number, rule: MappingRuleObject, scope: RuleScope, when: CompiledExpression | undefined): FieldPlan {
  const from = rule.from as string;
  let getter: Getter;
  let srcName: string;
  try {
    getter = compilePath(from);
    srcName = formatPath(parsePath(from));
  } catch (err) {
    throw new Error(`${scope.at}: ${(err as Error).message}`, { cause: err });
  }
  const { plans: nested, build } = compileMapping(rule.each as Record<string, MappingRule>, { ...scope, at: `${scope.at}/each` });
  const required = rule.required === true;
  const ruleText = `each ${from}`;

  const elements = (input: unknown, sink: Sink, prefix: string): unknown[] | undefined => {
    const v = getter(input);
    if (v === undefined || v === null) {
      if (required) fail(sink, mappingError(sink, prefix + field, ruleText, v, `required, but ${from} is empty`));
      return undefined;
    }
    return Array.isArray(v) ? v : [v];
  };
  const childSink = (sink: Sink): Sink => ({ ...sink, values: new Array(nested.length) });

  const runSync: FieldPlan['runSync'] = (input, env, sink, prefix, srcPrefix) => {
    if (when) {
      if (!when.fast) throw NEEDS_ASYNC;
      if (!truthy(when.fast(input, env))) return;
    }
    const items = elements(input, sink, prefix);
    if (!items) return;
    const out: Fields[] = [];
    for (let i = 0; i < items.length; i++) {
      const child = childSink(sink);
      for (const p of nested) p.runSync(items[i], env, child, `${prefix}${field}[${i}].`, `${srcPrefix}${srcName}[${i}].`);
      out.push(build(child.values));
    }
    sink.values[index] = out;
  };
  const runAsync: FieldPlan['runAsync'] = async (input, env, sink, prefix, srcPrefix) => {
    if (when && !booleanOf(await evaluateExpression(when, input, env))) return;
    const items = elements(input, sink, prefix);
    if (!items) return;
    const out: Fields[] = [];
    for (let i = 0; i < items.length; i++) {
      const child = childSink(sink);
      for (const p of nested) await p.runAsync(items[i], env, child, `${prefix}${field}[${i}].`, `${srcPrefix}${srcName}[${i}].`);
      out.push(build(child.values));
    }
    sink.values[index] = out;
  };
  return { field, runSync, runAsync, alwaysSync: !when && nested.every((p) => p.alwaysSync) };
}
