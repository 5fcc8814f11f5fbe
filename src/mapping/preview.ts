/** previewFlow: a flow's mapping run over one sample record without writing anything (console, admin API). */
import type { SerializedError } from '../core/errors.js';
import { toSyncError } from '../core/errors.js';
import type { FlowDef } from '../core/flow.js';
import type { Fields } from '../core/json.js';
import type { LineageEntry } from '../core/lineage.js';
import type { CompiledFlow, EntityResolver, MappingContext } from './types.js';
import { compileFlow } from './compile.js';
import { validateRecord } from './validate.js';

/** Options for previewFlow: context for `$xref` (without one, `$xref` gives null) and the clock, target schemas for validation, a compiled flow to reuse. */
export interface PreviewOptions extends Partial<MappingContext> {
  /** Target schemas; when given, the mapped fields are validated as the write would be. */
  entities?: EntityResolver;
  /** Reuse an already compiled flow (it must come from the same `def`). */
  compiled?: CompiledFlow;
}

/** One target in a preview (the engine's MappingPreview is this type). */
export interface TargetPreview {
  name: string;
  connection: string;
  entity: string;
  /** The fields as they would be written, or null when the target's `when` is false or the filter rejected the record. */
  fields: Fields | null;
  lineage: LineageEntry[];
  errors: SerializedError[];
}

/** The result of a preview: whether the filter passed and what each target would receive. */
export interface FlowPreview {
  passedFilter: boolean;
  targets: TargetPreview[];
}

/** Runs the filter, each target's `when` and mapping, and validation (when schemas are given) over a sample. */
export async function previewFlow(def: FlowDef, sample: Fields, options: PreviewOptions = {}): Promise<FlowPreview> {
  const { entities, compiled: given, ...rest } = options;
  // Offline (console preview, flow tests) there may be no cross-reference: then every record counts as unlinked.
  const ctx: MappingContext = { ...rest, flow: rest.flow ?? def.name };
  if (!ctx.xref) ctx.xref = async () => null;
  const compiled = given ?? compileFlow(def);
  let passedFilter: boolean;
  try {
    passedFilter = await compiled.filter(sample, ctx);
  } catch (err) {
    return {
      passedFilter: false,
      targets: def.targets.map((t) => ({ name: t.name, connection: t.connection, entity: t.entity, fields: null, lineage: [], errors: [toSyncError(err).toJSON()] })),
    };
  }
  const targets: TargetPreview[] = [];
  for (const t of compiled.targets) {
    const base = { name: t.def.name, connection: t.def.connection, entity: t.def.entity };
    if (!passedFilter) {
      targets.push({ ...base, fields: null, lineage: [], errors: [] });
      continue;
    }
    try {
      // A forEach target is previewed for its first element (the engine writes one per element).
      const first = t.forEach ? (await t.forEach(sample, ctx))[0] : undefined;
      const rec = t.forEach ? (first === undefined ? null : { ...sample, item: first as Fields[string] }) : sample;
      if (!rec || !(await t.when(rec, ctx))) {
        targets.push({ ...base, fields: null, lineage: [], errors: [] });
        continue;
      }
      const out = await t.mapAll(rec, ctx);
      const errors = out.errors.map((e) => e.toJSON());
      const spec = entities?.(t.def.connection, t.def.entity);
      if (spec) {
        const verb = t.def.write?.verb ?? 'upsert';
        for (const e of validateRecord(out.fields, spec, { flow: ctx.flow, target: t.def.name, recordKey: ctx.recordKey, verb })) errors.push(e.toJSON());
      }
      targets.push({ ...base, fields: out.fields, lineage: out.lineage, errors });
    } catch (err) {
      targets.push({ ...base, fields: null, lineage: [], errors: [toSyncError(err).toJSON()] });
    }
  }
  return { passedFilter, targets };
}
