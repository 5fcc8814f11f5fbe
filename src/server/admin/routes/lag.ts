/** A flow's end-to-end lag: source event time → target written, as p50/p99 and a series for the console's chart. */
import { percentileOf } from '../lag-stats.js';
import { defineRoute, notFound, type AnyRoute } from '../route.js';
import { arr, iso, nameParams, obj } from '../schemas.js';

/** Samples read per request: the newest runs within the window. */
const LAG_SAMPLE_LIMIT = 2000;
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

/** The lag routes. */
export const lagRoutes: AnyRoute[] = [
  defineRoute<{ name: string }, { minutes?: number }>({
    method: 'GET',
    url: '/flows/:name/lag',
    access: 'viewer',
    summary: "A flow's end-to-end lag (the source's event time to the end of the run that wrote the target) over the last `minutes` (default 60): p50, p99 and the samples, oldest first.",
    tag: 'metrics',
    schema: { params: nameParams, querystring: obj({ minutes: { type: 'integer', minimum: 1, maximum: 10080 } }, ['minutes']), response: { 200: lagSchema } },
    async handler({ params, query, ctx }) {
      if (!(await ctx.store.getFlow(params.name))) throw notFound(`flow "${params.name}"`);
      const since = new Date(Date.now() - (query.minutes ?? 60) * 60_000).toISOString();
      const samples = (await ctx.store.flowLag(params.name, since, LAG_SAMPLE_LIMIT)).reverse();
      const lags = samples.map((s) => s.lagMs);
      return { flow: params.name, since, count: samples.length, p50Ms: percentileOf(lags, 0.5), p99Ms: percentileOf(lags, 0.99), samples };
    },
  }),
];
