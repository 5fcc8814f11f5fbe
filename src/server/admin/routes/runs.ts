/** Runs, one run's trace, and one record's journey across systems. */
import type { RunFilter, RunStatus, TraceRow, XrefId } from '../../../store/types.js';
import { awaitRun } from '../../../engine/run-handle.js';
import { defineRoute, notFound, type AnyRoute } from '../route.js';
import { arr, idParams, iso, jobSchema, obj, runSchema, runStatusSchema, traceSchema, xrefIdSchema } from '../schemas.js';
import { runView, runViews } from '../run-view.js';

const runQuery = obj(
  {
    flow: { type: 'string' },
    status: runStatusSchema,
    since: iso,
    until: iso,
    key: { type: 'string', minLength: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    before: { type: 'string' },
    /** Leave out polls that found nothing (the console's default). */
    hideEmptyPolls: { type: 'boolean', default: false },
  },
  ['flow', 'status', 'since', 'until', 'key', 'limit', 'before', 'hideEmptyPolls'],
);

/** Ids and emails are stored lowercased in trace keys. */
const normaliseKey = (key: string) => key.trim().toLowerCase();

/** The run routes. */
export const runRoutes: AnyRoute[] = [
  defineRoute<Record<string, never>, { flow?: string; status?: RunStatus; since?: string; until?: string; key?: string; limit?: number; before?: string; hideEmptyPolls?: boolean }>({
    method: 'GET',
    url: '/runs',
    access: 'viewer',
    summary:
      'Runs, newest first, filtered by flow, status, time, or any id or email a run touched (page with `before`; `hideEmptyPolls` leaves out polls that found nothing). Each run says who its record is, who started it, why it was skipped, its mapping warnings and who refused it.',
    tag: 'runs',
    schema: { querystring: runQuery, response: { 200: arr(runSchema) } },
    async handler({ query, ctx }) {
      const filter: RunFilter = { ...query, ...(query.key ? { key: normaliseKey(query.key) } : {}) };
      return runViews(ctx.store, await ctx.store.listRuns(filter));
    },
  }),
  defineRoute<{ id: string }>({
    method: 'GET',
    url: '/runs/:id',
    access: 'viewer',
    summary: 'One run with every trace step (trigger → filter → map → write → write-back).',
    tag: 'runs',
    schema: { params: idParams, response: { 200: obj({ run: runSchema, traces: arr(traceSchema) }) } },
    async handler({ params, ctx }) {
      const run = await ctx.store.getRun(params.id);
      if (!run) throw notFound(`run ${params.id}`);
      const traces = await ctx.store.listTraces(run.id);
      const asked = run.trigger === 'replay' || run.trigger === 'manual' ? await ctx.store.jobRequesters([run.jobId]) : new Map<string, string>();
      return { run: runView(run, traces, asked.get(run.jobId)), traces };
    },
  }),
  defineRoute<{ id: string }>({
    method: 'GET',
    url: '/jobs/:id',
    access: 'viewer',
    summary: 'One job\'s state (queued, running, done, dead): how a replay or a manual run is going.',
    tag: 'runs',
    schema: { params: idParams, response: { 200: jobSchema } },
    async handler({ params, ctx }) {
      const job = await ctx.store.getJob(params.id);
      if (!job) throw notFound(`job ${params.id}`);
      const { payload: _payload, leaseOwner: _owner, leaseExpiresAt: _lease, ...rest } = job;
      return rest;
    },
  }),
  defineRoute<{ handle: string }, { wait?: number }>({
    method: 'GET',
    url: '/runs/handles/:handle',
    access: 'viewer',
    summary: 'How a manual run (the handle `POST /flows/{name}/run` answered) is going, counting the records it queued; `wait` (seconds) holds the answer until the run and all its records are finished.',
    tag: 'runs',
    schema: {
      params: obj({ handle: { type: 'string', minLength: 1, maxLength: 100 } }),
      querystring: obj({ wait: { type: 'integer', minimum: 0, maximum: 300, default: 0 } }, ['wait']),
      response: {
        200: obj({
          handle: { type: 'string' },
          flow: { type: 'string' },
          status: { enum: ['queued', 'running', 'done', 'failed'] },
          queued: { type: 'integer' },
          done: { type: 'integer' },
          deadLettered: { type: 'integer' },
          pending: { type: 'integer' },
        }),
      },
    },
    async handler({ params, query, ctx }) {
      const progress = await awaitRun(ctx.store, params.handle, { timeoutMs: (query.wait ?? 0) * 1000 });
      if (!progress) throw notFound(`run handle ${params.handle}`);
      return progress;
    },
  }),
  defineRoute<{ key: string }, { limit?: number }>({
    method: 'GET',
    url: '/records/:key/trace',
    access: 'viewer',
    summary: 'Every step that touched a record, across systems, oldest first: found by any of its ids or an email, widened through the cross-reference.',
    tag: 'runs',
    schema: {
      params: obj({ key: { type: 'string', minLength: 1, maxLength: 300 } }),
      querystring: obj({ limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } }, ['limit']),
      response: { 200: obj({ key: { type: 'string' }, ids: arr(xrefIdSchema), steps: arr(traceSchema) }) },
    },
    async handler({ params, query, ctx }) {
      const key = normaliseKey(params.key);
      const limit = query.limit ?? 200;
      const steps = new Map<string, TraceRow>();
      const add = (rows: TraceRow[]) => rows.forEach((r) => steps.set(r.id, r));
      add(await ctx.store.findTraces(key, limit));
      // The same real-world record has other ids on other systems; follow the cross-reference one hop.
      const ids = new Map<string, XrefId>();
      for (const t of [...steps.values()]) {
        if (!t.connection || !t.entity || !t.externalId) continue;
        for (const id of await ctx.store.xrefLinked({ connection: t.connection, entity: t.entity, id: t.externalId })) ids.set(`${id.connection}\u0000${id.entity}\u0000${id.id}`, id);
      }
      const searched = new Set([key]);
      for (const id of ids.values()) {
        const k = normaliseKey(id.id);
        if (searched.has(k)) continue;
        searched.add(k);
        add(await ctx.store.findTraces(k, limit));
      }
      const ordered = [...steps.values()].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)).slice(-limit);
      return { key: params.key, ids: [...ids.values()], steps: ordered };
    },
  }),
];
