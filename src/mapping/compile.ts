/** compileFlow: a flow definition compiled once per version into filter, targets, conditions and write-backs. */
import { SyncError } from '../core/errors.js';
import type { FlowDef, LookupDef, TargetDef } from '../core/flow.js';
import type { Fields } from '../core/json.js';
import type { CompileOptions, CompiledFlow, CompiledLookup, CompiledTarget, MappedRecord, MappingContext, MappingFunction, MappingOutcome } from './types.js';
import { booleanOf, compileExpression, evaluateExpression, type CompiledExpression, type EvalEnv } from './expression.js';
import { buildFunctions } from './functions/index.js';
import { compileValueMap, type ValueMap } from './functions/valuemaps.js';
import { NEEDS_ASYNC } from './functions/lookups.js';
import { compileMapping, type CompiledMapping, type Sink } from './rules.js';
import { mappingError } from './messages.js';

/** A compiled flow with synchronous shortcuts for callers that map many records in a loop. */
export interface CompiledFlowWithSync extends CompiledFlow {
  /** The filter without awaiting; undefined when it needs the async path. */
  filterSync(record: Fields, ctx: MappingContext): boolean | undefined;
  targets: CompiledTargetWithSync[];
}

/** A compiled target with a synchronous `when`. */
export interface CompiledTargetWithSync extends CompiledTarget {
  /** The target's `when` without awaiting; undefined when it needs the async path. */
  whenSync(record: Fields, ctx: MappingContext): boolean | undefined;
}

function compileOrFatal(text: string, at: string, fns: ReadonlyMap<string, MappingFunction>): CompiledExpression {
  try {
    return compileExpression(text, fns);
  } catch (err) {
    throw new SyncError('fatal', `${at}: ${(err as Error).message}`, { rule: text }, { cause: err });
  }
}

/** A condition (filter or when) with a sync shortcut and an async evaluation; failures become invalid_data errors. */
function condition(expr: CompiledExpression | undefined, label: string, target: string) {
  const failed = (ctx: MappingContext, err: unknown) =>
    mappingError({ flow: ctx.flow, recordKey: ctx.recordKey, target }, label, expr?.text ?? '', undefined, `the condition failed: ${(err as Error).message ?? String(err)}`, err);
  return {
    sync(record: Fields, ctx: MappingContext): boolean | undefined {
      if (!expr) return true;
      if (!expr.fast) return undefined;
      try {
        return booleanOf(expr.fast(record, { root: record, ctx }));
      } catch (err) {
        if (err === NEEDS_ASYNC) return undefined;
        throw failed(ctx, err);
      }
    },
    async run(record: Fields, ctx: MappingContext): Promise<boolean> {
      if (!expr) return true;
      try {
        return booleanOf(await evaluateExpression(expr, record, { root: record, ctx }));
      } catch (err) {
        throw failed(ctx, err);
      }
    },
  };
}

/**
 * Compiles a flow once per version: the filter, every target's mapping rules, `when` conditions and
 * write-back expressions. Throws SyncError('fatal') naming the rule on a bad rule or expression.
 */
export function compileFlow(def: FlowDef, options: CompileOptions = {}): CompiledFlowWithSync {
  const valueMaps = new Map<string, ValueMap>(Object.entries(def.valueMaps ?? {}).map(([k, v]) => [k, compileValueMap(v)]));
  const functions = buildFunctions(valueMaps, options.functions);
  const filter = condition(def.filter !== undefined ? compileOrFatal(def.filter, 'filter', functions) : undefined, 'filter', '(filter)');
  const lineage = options.lineage !== false;
  const targets = def.targets.map((t, i) => compileTarget(t, i, functions, valueMaps, lineage));
  const reason = def.filterReason !== undefined ? compileOrFatal(def.filterReason, 'filterReason', functions) : undefined;
  const lookups = (def.lookups ?? []).map((l, i) => compileLookup(l, i, functions));
  const parentIds = new Map((def.source.refreshOn ?? []).map((r, i) => [r.entity, compileOrFatal(r.parentId, `source/refreshOn/${i}/parentId`, functions)]));
  return {
    lookups,
    async parentIdOf(childEntity, child, ctx) {
      const expr = parentIds.get(childEntity);
      if (!expr) return null;
      const v = await evaluateExpression(expr, child, { root: child, ctx });
      return v === undefined || v === null || v === '' ? null : String(v);
    },
    filter: (record, ctx) => filter.run(record, ctx),
    filterReason: async (record, ctx) => {
      if (!reason) return null;
      try {
        const v = await evaluateExpression(reason, record, { root: record, ctx });
        return v === undefined || v === null ? null : String(v);
      } catch (err) {
        // The reason only explains a skip; a failing explanation must not turn the skip into a failure.
        return `(filterReason failed: ${(err as Error).message})`;
      }
    },
    filterSync: (record, ctx) => filter.sync(record, ctx),
    targets,
  };
}

/** Compiles one lookup: its `when`, and the expression giving the ids to get or the values to search. */
function compileLookup(def: LookupDef, index: number, functions: ReadonlyMap<string, MappingFunction>): CompiledLookup {
  const at = `lookups/${index}`;
  const text = def.id ?? def.find?.value;
  if (!text) throw new SyncError('fatal', `${at}: a lookup needs \`id\` or \`find\``, { rule: def.name });
  const keysExpr = compileOrFatal(text, def.id ? `${at}/id` : `${at}/find/value`, functions);
  const when = condition(def.when !== undefined ? compileOrFatal(def.when, `${at}/when`, functions) : undefined, 'when', `lookup ${def.name}`);
  return {
    def,
    when: (record, ctx) => when.run(record, ctx),
    async keys(record, ctx) {
      let v: unknown;
      try {
        v = await evaluateExpression(keysExpr, record, { root: record, ctx });
      } catch (err) {
        throw mappingError({ flow: ctx.flow, recordKey: ctx.recordKey, target: `lookup ${def.name}` }, def.id ? 'id' : 'find.value', text, undefined, (err as Error).message, err);
      }
      const list = Array.isArray(v) ? v : [v];
      return [...new Set(list.filter((x) => x !== undefined && x !== null && String(x).trim() !== '').map((x) => String(x)))];
    },
  };
}

function compileTarget(
  def: TargetDef,
  index: number,
  functions: ReadonlyMap<string, MappingFunction>,
  valueMaps: ReadonlyMap<string, ValueMap>,
  lineage: boolean,
): CompiledTargetWithSync {
  const at = `targets/${index}`;
  let compiledMapping: CompiledMapping;
  try {
    compiledMapping = compileMapping(def.mapping, { functions, valueMaps, lineage, at: `${at}/mapping` });
  } catch (err) {
    throw new SyncError('fatal', (err as Error).message, {}, { cause: err });
  }
  const when = condition(def.when !== undefined ? compileOrFatal(def.when, `${at}/when`, functions) : undefined, 'when', def.name);

  const { plans, build, runSync: runPlans } = compiledMapping;
  const sinkFor = (ctx: MappingContext, errors?: Sink['errors']): Sink => ({
    values: new Array(plans.length),
    lineage: [],
    errors,
    flow: ctx.flow,
    target: def.name,
    recordKey: ctx.recordKey,
  });

  const runSync = (record: Fields, ctx: MappingContext, sink: Sink): boolean => {
    const env: EvalEnv = { root: record, ctx };
    try {
      runPlans(record, env, sink);
      return true;
    } catch (err) {
      if (err === NEEDS_ASYNC) return false;
      throw err;
    }
  };
  const runAsync = async (record: Fields, ctx: MappingContext, sink: Sink): Promise<void> => {
    const env: EvalEnv = { root: record, ctx };
    for (const p of plans) await p.runAsync(record, env, sink, '', '');
  };

  const mapSync = (record: Fields, ctx: MappingContext): MappedRecord | undefined => {
    const sink = sinkFor(ctx);
    return runSync(record, ctx, sink) ? { fields: build(sink.values), lineage: sink.lineage } : undefined;
  };

  const target: CompiledTargetWithSync = {
    def,
    when: (record, ctx) => when.run(record, ctx),
    whenSync: (record, ctx) => when.sync(record, ctx),
    mapSync,
    map(record, ctx) {
      let done: MappedRecord | undefined;
      try {
        done = mapSync(record, ctx);
      } catch (err) {
        return Promise.reject(err);
      }
      if (done) return Promise.resolve(done);
      const sink = sinkFor(ctx);
      return runAsync(record, ctx, sink).then(() => ({ fields: build(sink.values), lineage: sink.lineage }));
    },
    async mapAll(record, ctx): Promise<MappingOutcome> {
      let sink = sinkFor(ctx, []);
      if (!runSync(record, ctx, sink)) {
        sink = sinkFor(ctx, []);
        await runAsync(record, ctx, sink);
      }
      return { fields: build(sink.values), lineage: sink.lineage, errors: sink.errors ?? [] };
    },
  };
  if (def.writeBack) target.writeBack = compileWriteBack(def, at, functions);
  if (def.forEach !== undefined) {
    const eachExpr = compileOrFatal(def.forEach, `${at}/forEach`, functions);
    target.forEach = async (record, ctx) => {
      let v: unknown;
      try {
        v = await evaluateExpression(eachExpr, record, { root: record, ctx });
      } catch (err) {
        throw mappingError({ flow: ctx.flow, recordKey: ctx.recordKey, target: def.name }, 'forEach', eachExpr.text, undefined, `the expression failed: ${(err as Error).message ?? String(err)}`, err);
      }
      if (v === undefined || v === null) return [];
      return Array.isArray(v) ? v : [v];
    };
  }
  if (def.match?.link !== undefined) {
    const linkExpr = compileOrFatal(def.match.link, `${at}/match/link`, functions);
    target.link = async (record, ctx) => {
      let v: unknown;
      try {
        v = await evaluateExpression(linkExpr, record, { root: record, ctx });
      } catch (err) {
        throw mappingError({ flow: ctx.flow, recordKey: ctx.recordKey, target: def.name }, 'match.link', linkExpr.text, undefined, `the expression failed: ${(err as Error).message ?? String(err)}`, err);
      }
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      return null;
    };
  }
  return target;
}

function compileWriteBack(def: TargetDef, at: string, functions: ReadonlyMap<string, MappingFunction>): NonNullable<CompiledTarget['writeBack']> {
  const wb = def.writeBack!;
  const label = `${def.name} write-back`;
  const idExpr = wb.id !== undefined ? compileOrFatal(wb.id, `${at}/writeBack/id`, functions) : undefined;
  const fields = Object.entries(wb.mapping).map(([field, text]) => [field, compileOrFatal(text, `${at}/writeBack/mapping/${field}`, functions)] as const);
  const evaluate = async (expr: CompiledExpression, field: string, source: Fields, result: Fields, ctx: MappingContext): Promise<unknown> => {
    try {
      // The write's outcome is the context (`CustomerNo`), with `$source` and `$result` bound as well.
      return await evaluateExpression(expr, result, { root: source, result, ctx });
    } catch (err) {
      throw mappingError({ flow: ctx.flow, recordKey: ctx.recordKey, target: label }, field, expr.text, undefined, `the expression failed: ${(err as Error).message ?? String(err)}`, err);
    }
  };
  return {
    async id(source, result, ctx) {
      // Without an id expression the record written back to is the source record itself.
      if (!idExpr) return ctx.recordKey ?? null;
      const v = await evaluate(idExpr, 'id', source, result, ctx);
      if (typeof v === 'string' && v.trim() !== '') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      return null;
    },
    async map(source, result, ctx) {
      const out: Fields = {};
      for (const [field, expr] of fields) {
        const v = await evaluate(expr, field, source, result, ctx);
        if (v !== undefined) out[field] = v;
      }
      return out;
    },
  };
}
