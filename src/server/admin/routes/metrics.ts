/** The dashboard summary: per-flow counts and latency over the last hour and day, series for charts, queue, connection health, API budget and table sizes. */
import { readHealth } from '../../../engine/connection-health.js';
import type { FlowStats, RunRow } from '../../../store/types.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { summarySchema } from '../schemas.js';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
/** Runs read to draw the charts; beyond this the charts show the newest runs only (the counts above them stay exact). */
const SERIES_RUN_LIMIT = 5000;

const emptyStats = { runs: 0, succeeded: 0, failed: 0, dead: 0, skipped: 0, p50Ms: null, p99Ms: null };
const statsOf = (s: FlowStats | undefined) => (s ? { runs: s.runs, succeeded: s.succeeded, failed: s.failed, dead: s.dead, skipped: s.skipped, p50Ms: s.p50Ms, p99Ms: s.p99Ms } : emptyStats);

/** Buckets runs into `count` equal slots ending now. */
export function series(runs: RunRow[], now: number, spanMs: number, count: number) {
  const bucketMs = spanMs / count;
  const start = now - spanMs;
  const out = { start: new Date(start).toISOString(), bucketMs, runs: Array<number>(count).fill(0), succeeded: Array<number>(count).fill(0), failed: Array<number>(count).fill(0) };
  for (const r of runs) {
    const i = Math.floor((Date.parse(r.finishedAt) - start) / bucketMs);
    if (i < 0 || i >= count) continue;
    out.runs[i] += 1;
    if (r.status === 'succeeded') out.succeeded[i] += 1;
    if (r.status === 'failed' || r.status === 'dead') out.failed[i] += 1;
  }
  return out;
}

/** The metrics routes. */
export const metricsRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET',
    url: '/metrics/summary',
    access: 'viewer',
    summary: 'Everything the Overview page shows, in one call.',
    tag: 'metrics',
    schema: { response: { 200: summarySchema } },
    async handler({ ctx }) {
      const now = Date.now();
      const [flows, hourStats, dayStats, groups, queue, connections, budget, sizes, backlog] = await Promise.all([
        ctx.store.listFlows(),
        ctx.store.flowStats(new Date(now - HOUR).toISOString()),
        ctx.store.flowStats(new Date(now - DAY).toISOString()),
        ctx.store.deadLetterGroups(),
        ctx.store.queueStats(),
        ctx.store.listConnections(),
        ctx.hub.apiBudget().catch(() => []),
        ctx.hub.storeSizes(),
        ctx.hub.backlog(),
      ]);
      const perFlow = await Promise.all(
        flows.map(async (f) => {
          const runs = await ctx.store.listRuns({ flow: f.name, since: new Date(now - DAY).toISOString(), limit: SERIES_RUN_LIMIT });
          return {
            flow: f.name,
            status: f.status,
            currentVersion: f.currentVersion,
            hour: statsOf(hourStats.find((s) => s.flow === f.name)),
            day: statsOf(dayStats.find((s) => s.flow === f.name)),
            openDeadLetters: groups.filter((g) => g.flow === f.name).reduce((n, g) => n + g.count, 0),
            hourSeries: series(runs, now, HOUR, 12),
            daySeries: series(runs, now, DAY, 24),
          };
        }),
      );
      return {
        generatedAt: new Date(now).toISOString(),
        flows: perFlow,
        queue,
        // Backpressure figures: unfinished work, how long the oldest waiting job has waited, the bounds.
        backlog: { pending: backlog.pending, ageMs: Math.round(backlog.ageMs), limits: backlog.limits, flows: backlog.flows.map((f) => ({ ...f, ageMs: Math.round(f.ageMs) })) },
        connections: await Promise.all(
          connections.map(async (c) => {
            const b = budget.find((x) => x.connection === c.name);
            const health = await readHealth(ctx.store, c.name).catch(() => null);
            return { name: c.name, type: c.type, lastCheck: ctx.checks.get(c.name), health, budget: b ? { used: b.used, limit: b.limit, resetAt: b.resetAt } : null };
          }),
        ),
        tables: sizes.tables.map((t) => ({ table: t.table, rows: t.rows, bytes: t.bytes })),
        databaseBytes: sizes.databaseBytes,
      };
    },
  }),
];
