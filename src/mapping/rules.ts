/**
 * One mapping rule compiled to a field plan: how to compute one target field on the synchronous fast path
 * and on the asynchronous path, and what lineage to record for it.
 */
import type { MappingRule, MappingRuleObject } from '../core/flow.js';
import type { Fields, JsonValue } from '../core/json.js';
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
  return { plans, build };
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
  /** Everything after the raw value: value map, default, required, output. */
  const finish = (raw: unknown, sink: Sink, prefix: string, srcPrefix: string, input: unknown, env: EvalEnv): void => {
    let v = raw;
    if (valueMap) v = lookupValue(valueMap, v, null);
    const mapped = v;
    let usedDefault = false;
    if (hasDefault && isEmpty(v)) {
      v = fallback;
      usedDefault = true;
    }
    const name = prefix + field;
    if (required && isEmpty(v)) {
      fail(sink, mappingError(sink, name, ruleText, v, `required, but the rule gave ${showValue(v)}`));
      return;
    }
    if (v === undefined) return;
    sink.values[index] = v;
    if (!trackLineage) return;
    const entry: LineageEntry = {
      field: name,
      sources: srcPrefix === '' ? sources : sources.map((s) => srcPrefix + s),
      rule: usedDefault ? defaultText : ruleText,
      value: v as JsonValue,
    };
    // Checked only when the value came out empty, so records that map cleanly pay nothing for it.
    if (isEmpty(mapped)) {
      const lost = lostValue(raw, mapped, input, env);
      if (lost) entry.warning = usedDefault ? `${lost}; ${defaultText} was used instead` : lost;
    }
    sink.lineage.push(entry);
  };
  const exprFailed = (sink: Sink, prefix: string, what: string, err: unknown): void => {
    if (err === NEEDS_ASYNC) throw err;
    const e = err as { message?: string; code?: string };
    fail(sink, mappingError(sink, prefix + field, what, undefined, `the expression failed: ${e.message ?? String(err)}`, err));
  };

  const alwaysSync = !when && !expr;
  const runSync: FieldPlan['runSync'] = (input, env, sink, prefix, srcPrefix) => {
    if (when) {
      if (!when.fast) throw NEEDS_ASYNC;
      let ok: boolean;
      try {
        ok = truthy(when.fast(input, env));
      } catch (err) {
        exprFailed(sink, prefix, `when ${when.text}`, err);
        return;
      }
      if (!ok) return;
    }
    let raw: unknown;
    if (getter) raw = getter(input);
    else if (expr) {
      if (!expr.fast) throw NEEDS_ASYNC;
      try {
        raw = expr.fast(input, env);
      } catch (err) {
        exprFailed(sink, prefix, ruleText, err);
        return;
      }
    } else raw = constant;
    finish(raw, sink, prefix, srcPrefix, input, env);
  };
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
    // The plain copy, the most common rule by far: read, store, trace, nothing else.
    const copy = getter;
    const plainCopy: FieldPlan['runSync'] = (input, _env, sink, prefix, srcPrefix) => {
      const v = copy(input);
      if (v === undefined) return;
      sink.values[index] = v;
      if (trackLineage) {
        sink.lineage.push({ field: prefix + field, sources: srcPrefix === '' ? sources : sources.map((s) => srcPrefix + s), rule: ruleText, value: v as JsonValue });
      }
    };
    return { field, runSync: plainCopy, runAsync: async (...args) => plainCopy(...args), alwaysSync: true };
  }
  return { field, runSync, runAsync, alwaysSync };
}

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
