/**
 * Runs as people read them: who the record is (name, e-mail, company), who started the run (the
 * system or a user), why a skipped record was skipped in the flow's own words, the values a mapping
 * function turned into nothing, and who refused a failed record. Computed here from the run's trace
 * steps so the console, the CLI and scripts get the same answer.
 */
import { SYSTEM_ACTOR } from '../../core/actors.js';
import type { RunRow, Store, TraceRow } from '../../store/types.js';
import { plainReason, refusedBy, type RefusedBy } from './dead-letter-reason.js';
import { isEmptyIdentity, mergeIdentity, recordIdentity, type RecordIdentity } from './record-identity.js';

/** A run with what people need to read it. */
export interface RunView extends RunRow {
  /** The record's name, e-mail and company, when its source record (or what it mapped to) shows them. */
  record?: RecordIdentity;
  /** `system` for automatic runs (events, polls, schedules), else the user who replayed or ran it (absent when no longer known). */
  startedBy?: string;
  /** For a skipped record: why, in the flow's own words (its `filterReason`, else its filter). */
  skipReason?: string;
  /** Values a mapping function or value map turned into nothing, one sentence each. */
  warnings?: string[];
  /** For a failed run: who refused the record. */
  refusedBy?: RefusedBy;
  /** For a failed run: why, who refused it and what to do, in plain words. */
  reason?: string;
}

/** The steps a run list reads: the source record, its parent re-read, the filter, and each mapping. */
export const VIEW_STEPS = ['trigger', 'refresh', 'filter', 'map:'];

/** Why the filter step skipped the record, in the flow's words. */
export function skipReasonOf(step: TraceRow): string | undefined {
  const after = (step.after ?? {}) as { reason?: unknown; filter?: unknown };
  if (typeof after.reason === 'string' && after.reason !== '') return after.reason;
  if (typeof after.filter === 'string') return `the flow's filter \`${after.filter}\` is false for this record`;
  return "the flow's filter left it out";
}

/** The mapping warnings of a run's map steps (`customer: Phone: $phoneE164 gave null for …`). */
export function warningsOf(steps: TraceRow[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (!s.step.startsWith('map:')) continue;
    for (const l of s.lineage ?? []) if (l.warning) out.push(`${s.step.slice(4)}: ${l.field}: ${l.warning}`);
  }
  return out;
}

/** One run's view from its steps (all of them, or at least VIEW_STEPS) and who asked for its job. */
export function runView(run: RunRow, steps: TraceRow[], requester: string | undefined): RunView {
  // Replays and manual runs are someone's request (the demo's own runs name the system); the rest are automatic.
  const startedBy = run.trigger === 'replay' || run.trigger === 'manual' ? requester : SYSTEM_ACTOR;
  const view: RunView = { ...run, ...(startedBy ? { startedBy } : {}) };
  // The parent re-read (source.refreshOn) is the record the flow ran on; the trigger step the row that changed.
  const source = steps.find((s) => s.step === 'refresh' && s.status === 'ok') ?? steps.find((s) => s.step === 'trigger');
  let identity = source ? recordIdentity(source.after) : {};
  for (const s of steps) if (s.step.startsWith('map:') && s.status === 'ok') identity = mergeIdentity(identity, recordIdentity(s.after));
  if (!isEmptyIdentity(identity)) view.record = identity;
  const filter = steps.find((s) => s.step === 'filter' && s.status === 'skipped');
  if (run.status === 'skipped' && filter) view.skipReason = skipReasonOf(filter);
  const warnings = warningsOf(steps);
  if (warnings.length) view.warnings = warnings;
  if (run.error) {
    const by = refusedBy(run.error);
    if (by) view.refusedBy = by;
    view.reason = plainReason(run.error);
  }
  return view;
}

/** Views of many runs with two store reads (their steps, and who asked for replays and manual runs). */
export async function runViews(store: Store, runs: RunRow[]): Promise<RunView[]> {
  const steps = await store.tracesOfRuns(
    runs.map((r) => r.id),
    VIEW_STEPS,
  );
  const byRun = new Map<string, TraceRow[]>();
  for (const s of steps) {
    const list = byRun.get(s.runId);
    if (list) list.push(s);
    else byRun.set(s.runId, [s]);
  }
  const asked = runs.filter((r) => r.trigger === 'replay' || r.trigger === 'manual').map((r) => r.jobId);
  const requesters = await store.jobRequesters([...new Set(asked)]);
  return runs.map((r) => runView(r, byRun.get(r.id) ?? [], requesters.get(r.jobId)));
}
