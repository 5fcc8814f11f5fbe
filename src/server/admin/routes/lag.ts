/** End-to-end lag (source event time → target written): one flow's p50/p99 and series for its chart, and every flow's p50/p99 for the Overview. */
import { percentileOf } from '../lag-stats.js';
import { defineRoute, notFound, type AnyRoute } from '../route.js';
import { arr, iso, nameParams, obj } from '../schemas.js';

/** Samples read per request: the newest runs within the window. */
const LAG_SAMPLE_LIMIT = 2000;
/** Samples read per flow for the Overview's figures (the newest runs; the flow page reads more). */
const OVERVIEW_SAMPLE_LIMIT = 500;
const num = { type: 'number' } as const;
const nullableNum = { type: ['number', 'null'] } as const;

/** Response of GET /flows/:name/lag. */
export const lagSchema = obj({
  flow: { type: 'string' },
  since: iso,
  count: { type: 'integer' },
  p50Ms: nullableNum,
  p99Ms: nullableNum,
  samples: arr(obj({ at: iso, lagMs: num })),
});

/** Response of GET /metrics/lag: one row per deployed flow. */
export const lagOverviewSchema = obj({
  since: iso,
  flows: arr(obj({ flow: { type: 'string' }, count: { type: 'integer' }, p50Ms: nullableNum, p99Ms: nullableNum })),
});

const minutesQuery = obj({ minutes: { type: 'integer', minimum: 1, maximum: 10080 } }, ['minutes']);
const sinceMinutes = (minutes: number | undefined) => new Date(Date.now() - (minutes ?? 60) * 60_000).toISOString();

/** The lag routes. */
export const lagRoutes: AnyRoute[] = [
  defineRoute<{ name: string }, { minutes?: number }>({
    method: 'GET',
    url: '/flows/:name/lag',
    access: 'viewer',
    summary: "A flow's end-to-end lag (the source's event time to the end of the run that wrote the target) over the last `minutes` (default 60): p50, p99 and the samples, oldest first.",
    tag: 'metrics',
    schema: { params: nameParams, querystring: minutesQuery, response: { 200: lagSchema } },
    async handler({ params, query, ctx }) {
      if (!(await ctx.store.getFlow(params.name))) throw notFound(`flow "${params.name}"`);
      const since = sinceMinutes(query.minutes);
      const samples = (await ctx.store.flowLag(params.name, since, LAG_SAMPLE_LIMIT)).reverse();
      const lags = samples.map((s) => s.lagMs);
      return { flow: params.name, since, count: samples.length, p50Ms: percentileOf(lags, 0.5), p99Ms: percentileOf(lags, 0.99), samples };
    },
  }),
  defineRoute<Record<string, never>, { minutes?: number }>({
    method: 'GET',
    url: '/metrics/lag',
    access: 'viewer',
    summary: "Every flow's end-to-end lag over the last `minutes` (default 60): p50 and p99 of its newest 500 record runs, for the Overview (one call instead of one per flow).",
    tag: 'metrics',
    schema: { querystring: minutesQuery, response: { 200: lagOverviewSchema } },
    async handler({ query, ctx }) {
      const since = sinceMinutes(query.minutes);
      const flows = await ctx.store.listFlows();
      return {
        since,
        flows: await Promise.all(
          flows.map(async (f) => {
            const lags = (await ctx.store.flowLag(f.name, since, OVERVIEW_SAMPLE_LIMIT)).map((s) => s.lagMs);
            return { flow: f.name, count: lags.length, p50Ms: percentileOf(lags, 0.5), p99Ms: percentileOf(lags, 0.99) };
          }),
        ),
      };
    },
  }),
];
