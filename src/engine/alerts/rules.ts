/**
 * Rule evaluation: one handler per rule kind (a table, not a switch), each reading what it needs from
 * the store and returning what fires now, one entry per subject. The store turns that into opened,
 * ongoing and resolved alerts (AlertStore.recordEvaluation), so a handler never decides dedupe.
 */
import type { FlowDef } from '../../core/flow.js';
import type { AlertFiring, AlertRuleRow, RunSample } from '../../store/alerts/types.js';
import type { Store } from '../../store/types.js';
import { flowConnections, readHealth } from '../connection-health.js';
import { parseDuration } from '../durations.js';
import { anomalyFiring, defaultMinChange, errorRateSeries, fieldFiring, lagSeries, volumeSeries, type Series } from './anomalies.js';
import { formatMs, formatShare, headline, plural } from './explain.js';
import { quantile } from './robust-stats.js';
import { isRuleKind, ruleSpecs, type RuleKind, type RuleParams } from './specs.js';
import { layoutStart, type WindowLayout } from './windows.js';

/** An active flow as rules see it. */
export interface FlowInfo {
  name: string;
  def: FlowDef;
}

/** What a rule handler can read. */
export interface RuleContext {
  store: Store;
  /** Evaluation time (epoch ms). */
  now: number;
  /** The active flows and their current definitions. */
  flows: FlowInfo[];
}

type Handler<K extends RuleKind> = (ctx: RuleContext, params: RuleParams<K>) => Promise<AlertFiring[]>;

const ERROR_STATUSES = new Set(['failed', 'retrying', 'dead']);
/** Failures that are the record's fault, not the connection's. */
const RECORD_FAULTS = new Set(['invalid_data', 'not_found', 'conflict']);
const iso = (ms: number) => new Date(ms).toISOString();
/** A rule's minimum change, in the unit the series of its metric holds. */
const CHANGE_UNIT = { volume: 1, error_rate: 0.01, lag: 1000 } as const;
const runLink = (r: { id: string }, i: number) => ({ label: `Example run ${i + 1}`, path: `/runs/${encodeURIComponent(r.id)}` });

/** The flows a rule looks at: the one it names (an error if it is not active), else every active flow. */
function flowsOf(ctx: RuleContext, flow: string | undefined): FlowInfo[] {
  if (!flow) return ctx.flows;
  const f = ctx.flows.find((x) => x.name === flow);
  if (!f) throw new Error(`flow "${flow}" is not deployed or not active`);
  return [f];
}

const handlers: { [K in RuleKind]: Handler<K> } = {
  async dead_letter_group(ctx, p) {
    const out: AlertFiring[] = [];
    for (const g of await ctx.store.deadLetterGroups(p.flow)) {
      if (g.count < p.minCount) continue;
      const examples = await ctx.store.listDeadLetters({ status: 'open', flow: g.flow, signature: g.signature, limit: 3 });
      out.push({
        subject: `${g.flow}|${g.signature}`,
        severity: 'warning',
        title: `${plural(g.count, 'record')} of ${g.flow} failing: ${headline(g.example, 70)}`,
        text:
          `A new group of dead letters on flow "${g.flow}": ${plural(g.count, 'record')} failed the same way (${g.errorKind}, signature ${g.signature}). ` +
          `Example error: ${g.example}. The records wait in the dead-letter queue to be fixed and replayed; this alert resolves when none of the group is open.`,
        details: { flow: g.flow, signature: g.signature, errorKind: g.errorKind, count: g.count, example: g.example },
        links: [
          { label: 'The dead letters of this group', path: `/dead-letters?flow=${encodeURIComponent(g.flow)}&signature=${encodeURIComponent(g.signature)}` },
          ...examples.filter((d) => d.recordKey).map((d, i) => ({ label: `Example record ${i + 1}`, path: `/trace/${encodeURIComponent(d.recordKey!)}` })),
        ],
      });
    }
    return out;
  },

  async connection_unhealthy(ctx, p) {
    const connections = (await ctx.store.listConnections()).map((c) => c.name).filter((n) => !p.connection || n === p.connection);
    if (p.connection && connections.length === 0) throw new Error(`connection "${p.connection}" does not exist`);
    const since = ctx.now - parseDuration(p.window);
    const failures = (await ctx.store.alerts.runSamples(iso(since))).filter((r) => ERROR_STATUSES.has(r.status) && r.errorConnection && !RECORD_FAULTS.has(r.errorKind ?? ''));
    const out: AlertFiring[] = [];
    for (const name of connections) {
      const users = ctx.flows.filter((f) => f.def.source && flowConnections(f.def).includes(name)).map((f) => f.name);
      const health = await readHealth(ctx.store, name);
      if (health) {
        out.push({
          subject: name,
          severity: 'critical',
          title: `Connection ${name}: credential refused`,
          text:
            `The credential of connection "${name}" was refused at ${health.at}: ${health.message}. ` +
            `${users.length ? `Its flows (${users.join(', ')}) wait without spending attempts` : 'Flows using it wait'} until a Test of the connection succeeds.`,
          details: { connection: name, status: 'unauthorized', message: health.message, at: health.at, flows: users },
          links: [{ label: 'Connections', path: '/connections' }],
        });
        continue;
      }
      const mine = failures.filter((r) => r.errorConnection === name);
      if (mine.length < p.minFailures) continue;
      const kinds = [...new Set(mine.map((r) => r.errorKind))].join(', ');
      out.push({
        subject: name,
        severity: 'warning',
        title: `Connection ${name} failing: ${plural(mine.length, 'failed attempt')} in ${p.window}`,
        text:
          `${plural(mine.length, 'attempt')} calling connection "${name}" failed in the last ${p.window} (${kinds}; at least ${p.minFailures} alert). ` +
          `Latest error: ${mine[0].errorMessage ?? 'unknown'}. The records are retried with back-off; this alert resolves when fewer failures remain in the window.`,
        details: { connection: name, failures: mine.length, kinds, window: p.window, latestError: mine[0].errorMessage ?? null, flows: users },
        links: [...mine.slice(0, 3).map(runLink), { label: 'Connections', path: '/connections' }],
      });
    }
    return out;
  },

  async api_budget(ctx, p) {
    const day = iso(ctx.now).slice(0, 10);
    const out: AlertFiring[] = [];
    for (const u of await ctx.store.listApiUsage(day)) {
      if ((p.connection && u.connection !== p.connection) || !u.limit || u.limit <= 0) continue;
      const share = u.used / u.limit;
      if (share * 100 < p.percent) continue;
      const reset = u.resetAt ? `; it resets at ${iso(u.resetAt)}` : '; it resets at midnight UTC';
      out.push({
        subject: u.connection,
        severity: share >= 1 ? 'critical' : 'warning',
        title: `Connection ${u.connection} used ${formatShare(share)} of its daily API budget`,
        text:
          `Connection "${u.connection}" has used ${u.used} of its ${u.limit} API calls today (${formatShare(share)}), at or over the ${p.percent}% threshold${reset}. ` +
          `${share >= 1 ? 'Calls now wait for the reset.' : 'Calls wait for the reset once it is spent.'}`,
        details: { connection: u.connection, used: u.used, limit: u.limit, share, percent: p.percent, day },
        links: [{ label: 'Connections', path: '/connections' }],
      });
    }
    return out;
  },

  async flow_lag(ctx, p) {
    const since = iso(ctx.now - parseDuration(p.window));
    const out: AlertFiring[] = [];
    for (const f of flowsOf(ctx, p.flow)) {
      const lags = (await ctx.store.flowLag(f.name, since, 5000)).map((s) => s.lagMs);
      const q = quantile(lags, p.percentile / 100);
      if (q === null || q <= p.seconds * 1000) continue;
      out.push({
        subject: f.name,
        severity: 'warning',
        title: `Lag of ${f.name}: p${p.percentile} ${formatMs(q)} (threshold ${formatMs(p.seconds * 1000)})`,
        text:
          `The p${p.percentile} end-to-end lag of flow "${f.name}" over the last ${p.window} is ${formatMs(q)} across ${plural(lags.length, 'record')} ` +
          `(median ${formatMs(quantile(lags, 0.5)!)}), over the ${formatMs(p.seconds * 1000)} threshold: records reach their target later than they should.`,
        details: { flow: f.name, percentile: p.percentile, lagMs: q, medianMs: quantile(lags, 0.5), records: lags.length, thresholdMs: p.seconds * 1000, window: p.window },
        links: [{ label: `Lag of ${f.name}`, path: `/flows/${encodeURIComponent(f.name)}` }],
      });
    }
    return out;
  },

  async flow_error_rate(ctx, p) {
    const since = iso(ctx.now - parseDuration(p.window));
    const runs = await ctx.store.alerts.runSamples(since, p.flow);
    const out: AlertFiring[] = [];
    for (const f of flowsOf(ctx, p.flow)) {
      const attempts = runs.filter((r) => r.flow === f.name && r.status !== 'skipped');
      const failed = attempts.filter((r) => ERROR_STATUSES.has(r.status));
      if (attempts.length < p.minRuns || attempts.length === 0) continue;
      const share = failed.length / attempts.length;
      if (share * 100 < p.percent || failed.length === 0) continue;
      out.push({
        subject: f.name,
        severity: 'warning',
        title: `Error rate of ${f.name}: ${formatShare(share)} (threshold ${p.percent}%)`,
        text:
          `${plural(failed.length, 'attempt')} of ${attempts.length} on flow "${f.name}" failed in the last ${p.window} (${formatShare(share)}), at or over the ${p.percent}% threshold. ` +
          `Latest error: ${failed[0].errorMessage ?? 'unknown'}.`,
        details: { flow: f.name, attempts: attempts.length, failed: failed.length, share, percent: p.percent, window: p.window },
        links: [...failed.slice(0, 3).map(runLink), { label: `Failed runs of ${f.name}`, path: `/runs?flow=${encodeURIComponent(f.name)}&status=failed` }],
      });
    }
    return out;
  },

  async reconcile_drift(ctx, p) {
    const pairs = flowsOf(ctx, p.flow).filter((f) => f.def.sync);
    if (p.flow && pairs.length === 0) throw new Error(`flow "${p.flow}" is not a two-way pair`);
    const out: AlertFiring[] = [];
    for (const f of pairs) {
      const latest = (await ctx.store.sync.listReconcileRuns(f.name, 10)).find((r) => r.status === 'ready');
      const drift = Number(latest?.summary?.drift ?? 0);
      if (!latest || drift < p.minRecords) continue;
      out.push({
        subject: f.name,
        severity: 'warning',
        title: `Reconciliation of ${f.name} found ${plural(drift, 'drifted record')}`,
        text:
          `The reconciliation of two-way pair "${f.name}" that finished at ${latest.finishedAt ?? latest.startedAt} found ${plural(drift, 'record')} that differ between the two sides ` +
          `(at least ${p.minRecords} alert). Review and apply its differences; this alert resolves when a later reconciliation finds less drift.`,
        details: { flow: f.name, reconciliation: latest.id, drift, summary: latest.summary ?? {} },
        links: [{ label: `Reconciliations of ${f.name}`, path: `/flows/${encodeURIComponent(f.name)}` }],
      });
    }
    return out;
  },

  async anomaly(ctx, p) {
    const layout: WindowLayout = { ms: parseDuration(p.window), history: p.windows, now: ctx.now };
    const since = iso(layoutStart(layout));
    const out: AlertFiring[] = [];
    for (const f of flowsOf(ctx, p.flow)) {
      let series: Series;
      let runs: RunSample[] = [];
      if (p.metric === 'lag') {
        series = lagSeries(layout, await ctx.store.flowLag(f.name, since, 50_000));
      } else {
        runs = await ctx.store.alerts.runSamples(since, f.name);
        series = p.metric === 'volume' ? volumeSeries(layout, runs) : errorRateSeries(layout, runs);
      }
      const latestStart = ctx.now - layout.ms;
      const inLatest = runs.filter((r) => Date.parse(r.startedAt) >= latestStart);
      const examples = p.metric === 'error_rate' ? [...inLatest.filter((r) => ERROR_STATUSES.has(r.status)), ...inLatest] : inLatest;
      // Rules state the change in runs, percentage points or seconds; the series hold runs, shares and ms.
      const minChange = p.minChange === undefined ? defaultMinChange(p.metric) : p.minChange * CHANGE_UNIT[p.metric];
      const firing = anomalyFiring({
        flow: f.name,
        metric: p.metric,
        layout,
        windowText: p.window,
        series,
        threshold: p.threshold,
        direction: p.direction,
        minChange,
        minHistory: p.minHistory,
        examples,
      });
      if (firing) out.push(firing);
    }
    return out;
  },

  async field_anomaly(ctx, p) {
    const [f] = flowsOf(ctx, p.flow);
    const target = p.target ?? f.def.targets[0]?.name;
    if (!target || !f.def.targets.some((t) => t.name === target)) throw new Error(`flow "${p.flow}" has no target "${p.target ?? ''}"`);
    const layout: WindowLayout = { ms: parseDuration(p.window), history: p.windows, now: ctx.now };
    const samples = (await ctx.store.alerts.mappedSamples(f.name, iso(layoutStart(layout)))).filter((s) => s.step === `map:${target}`);
    const firing = fieldFiring({ flow: f.name, target, field: p.field, check: p.check, layout, windowText: p.window, samples, threshold: p.threshold, minChange: p.minChange, minHistory: p.minHistory });
    return firing ? [firing] : [];
  },
};

/** Problems with a rule's kind and params, one line each naming the param; empty when valid. */
export function ruleProblems(kind: string, params: Record<string, unknown>): string[] {
  if (!isRuleKind(kind)) return [`kind: "${kind}" is not a rule kind (one of ${Object.keys(ruleSpecs).join(', ')})`];
  const problems = ruleSpecs[kind].problems(params);
  for (const key of ['window'] as const) {
    const v = params[key];
    if (typeof v === 'string') {
      try {
        parseDuration(v);
      } catch (err) {
        problems.push(`${key}: ${(err as Error).message}`);
      }
    }
  }
  return problems;
}

/** What fires now for a rule; throws (naming the problem) when it cannot be evaluated. */
export async function evaluateRule(rule: Pick<AlertRuleRow, 'kind' | 'params'>, ctx: RuleContext): Promise<AlertFiring[]> {
  if (!isRuleKind(rule.kind)) throw new Error(`unknown rule kind "${rule.kind}"`);
  const kind: RuleKind = rule.kind;
  const params = ruleSpecs[kind].parse(rule.params, 'alert rule');
  return (handlers[kind] as Handler<RuleKind>)(ctx, params as never);
}
