/** runFlowTests and formatTestReport: what `syncline flow test FLOW.yaml` runs and prints. */
import { isDeepStrictEqual } from 'node:util';
import type { FlowDef, FlowTestCase } from '../core/flow.js';
import type { CompiledFlow, EntityResolver, FlowTestCaseResult, FlowTestReport, MappingContext, TargetTestResult } from './types.js';
import { compileFlow } from './compile.js';
import { previewFlow } from './preview.js';

/** Extra context for flow tests (a stub cross-reference, a pinned clock). */
export type FlowTestContext = Partial<Omit<MappingContext, 'flow'>>;

/** The record key used in messages for a test case: the input's Id/id, else the case name. */
function keyOf(c: FlowTestCase): string {
  const id = c.input.Id ?? c.input.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : c.name;
}

/**
 * Runs the mapping over each case and compares with its expectations: `filtered`, the listed fields of each
 * target in `expect` (fields not listed are not compared), and `invalidField` (some mapping or validation
 * error must name that field; otherwise any error fails the case).
 */
export async function runFlowTests(def: FlowDef, cases: FlowTestCase[], entities?: EntityResolver, context: FlowTestContext = {}): Promise<FlowTestReport> {
  const compiled: CompiledFlow = compileFlow(def);
  const results: FlowTestCaseResult[] = [];
  for (const c of cases) {
    const preview = await previewFlow(def, c.input, { ...context, flow: def.name, recordKey: context.recordKey ?? keyOf(c), entities, compiled });
    const problems: string[] = [];
    const wantFiltered = c.filtered === true;
    if (wantFiltered && preview.passedFilter) problems.push('expected the filter to skip this record, but it passed');
    if (!wantFiltered && !preview.passedFilter) problems.push('the filter skipped this record');
    const targets: TargetTestResult[] = preview.targets.map((t) => {
      const expected = c.expect?.[t.name];
      const diffs = [];
      if (expected && !wantFiltered) {
        for (const [field, value] of Object.entries(expected)) {
          const actual = t.fields ? t.fields[field] : undefined;
          if (!isDeepStrictEqual(normalise(actual), normalise(value))) diffs.push({ field, expected: value, actual });
        }
      }
      return { name: t.name, fields: t.fields, diffs, errors: t.errors };
    });
    for (const name of Object.keys(c.expect ?? {})) {
      const t = targets.find((x) => x.name === name);
      if (!t) problems.push(`expect names target "${name}", which the flow does not have`);
      else if (t.fields === null && preview.passedFilter && t.errors.length === 0) problems.push(`target "${name}" did not run (its when condition was false)`);
    }
    const allErrors = targets.flatMap((t) => t.errors);
    if (c.invalidField !== undefined) {
      if (!allErrors.some((e) => e.details.field === c.invalidField || e.details.field?.endsWith(`.${c.invalidField}`))) {
        problems.push(`expected a validation error on ${c.invalidField}, but there was none`);
      }
    } else {
      for (const e of allErrors) problems.push(e.message);
    }
    const ok = problems.length === 0 && targets.every((t) => t.diffs.length === 0);
    results.push({ name: c.name, ok, passedFilter: preview.passedFilter, problems, targets });
  }
  const passed = results.filter((r) => r.ok).length;
  return { flow: def.name, passed, failed: results.length - passed, cases: results };
}

/** JSON round trip so `Date`s and decimals compare as they would be written. */
function normalise(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** Options for formatTestReport. */
export interface FormatOptions {
  /** ANSI colours (green passes, red failures). Default false. */
  color?: boolean;
}

function show(v: unknown): string {
  return v === undefined ? '(not mapped)' : JSON.stringify(v);
}

/** A readable report: one line per case, and for failures the expected and actual value of every differing field. */
export function formatTestReport(report: FlowTestReport, options: FormatOptions = {}): string {
  const paint = (code: number, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const green = (s: string) => paint(32, s);
  const red = (s: string) => paint(31, s);
  const lines: string[] = [];
  const summary = `${report.passed} passed, ${report.failed} failed`;
  lines.push(`flow ${report.flow}: ${report.failed > 0 ? red(summary) : green(summary)}`);
  for (const c of report.cases) {
    lines.push(`  ${c.ok ? green('✓') : red('✗')} ${c.name}`);
    if (c.ok) continue;
    for (const p of c.problems) lines.push(`      ${p}`);
    for (const t of c.targets) {
      for (const d of t.diffs) {
        lines.push(`      ${t.name}.${d.field}`);
        lines.push(`        expected: ${green(show(d.expected))}`);
        lines.push(`        actual:   ${red(show(d.actual))}`);
      }
    }
  }
  return lines.join('\n');
}
