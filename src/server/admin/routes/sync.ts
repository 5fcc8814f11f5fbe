/** Two-way pairs (decision 0009): the review queue, reconciliations, and the replay and cost previews. */
import { SyncError } from '../../../core/errors.js';
import type { JsonValue } from '../../../core/json.js';
import type { ReviewStatus } from '../../../store/sync/types.js';
import { ApiError, defineRoute, notFound, type AnyRoute } from '../route.js';
import { anyJson, arr, idParams, nameParams, obj } from '../schemas.js';

const str = { type: 'string' };
const nullableStr = { anyOf: [str, { type: 'null' }] };
const int = { type: 'integer' };
const openObject = { type: 'object', additionalProperties: true };

const reviewSchema = obj({
  id: str, flow: str, aId: str, bId: str, field: str, aValue: anyJson, bValue: anyJson, aStamp: nullableStr, bStamp: nullableStr,
  status: { type: 'string', enum: ['open', 'resolved', 'applied'] }, value: anyJson, resolvedBy: nullableStr, resolvedAt: nullableStr, createdAt: str,
});
const runSchema = obj({ id: str, flow: str, status: { type: 'string', enum: ['running', 'ready', 'failed'] }, actor: str, summary: { anyOf: [openObject, { type: 'null' }] }, startedAt: str, finishedAt: nullableStr });
const diffSchema = obj({
  runId: str, seq: int, kind: { type: 'string', enum: ['missing_a', 'missing_b', 'field', 'orphan'] }, aId: nullableStr, bId: nullableStr, field: nullableStr,
  aValue: anyJson, bValue: anyJson, ownerValue: anyJson, status: { type: 'string', enum: ['open', 'queued', 'skipped'] },
});
const fieldPreview = obj({ field: str, write: anyJson, now: anyJson, changes: { type: 'boolean' } });
const replayPreviewSchema = obj({
  deadLetter: str, flow: str, version: int,
  targets: arr(obj({ target: str, connection: str, entity: str, id: nullableStr, action: { type: 'string', enum: ['create', 'update', 'unchanged', 'skipped', 'fails'] }, fields: arr(fieldPreview), error: str }, ['error'])),
});
const costSchema = obj({
  flow: str, mode: { type: 'string', enum: ['load', 'reconcile'] }, records: { type: 'object', additionalProperties: int },
  lines: arr(obj({ connection: str, reads: int, writes: int, calls: int, remaining: { anyOf: [int, { type: 'null' }] }, limit: { anyOf: [int, { type: 'null' }] }, fits: { type: 'boolean' } })),
  assumptions: arr(str),
});

/** The engine's classified errors as HTTP answers. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SyncError) {
      const status = err.kind === 'not_found' ? 404 : err.kind === 'conflict' ? 409 : err.kind === 'invalid_data' ? 400 : 500;
      if (status !== 500) throw new ApiError(status, err.kind, err.message);
    }
    if (err instanceof Error && /^no flow named/.test(err.message)) throw notFound(err.message.replace(/^no flow named "(.*)" is deployed$/, 'flow $1'));
    throw err;
  }
}

/** The two-way sync routes. */
export const syncRoutes: AnyRoute[] = [
  defineRoute<Record<string, never>, { flow?: string; status?: ReviewStatus; limit?: number }>({
    method: 'GET',
    url: '/reviews',
    access: 'viewer',
    summary: 'Conflicts of two-way pairs waiting for a person (rule ask), with both values and both stamps.',
    tag: 'sync',
    schema: {
      querystring: obj({ flow: str, status: { type: 'string', enum: ['open', 'resolved', 'applied'], default: 'open' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }, ['flow', 'status', 'limit']),
      response: { 200: arr(reviewSchema) },
    },
    async handler({ query, ctx }) {
      return ctx.store.sync.listReviews(query);
    },
  }),
  defineRoute<{ id: string }, Record<string, never>, { choose?: 'a' | 'b'; value?: JsonValue }>({
    method: 'POST',
    url: '/reviews/:id/resolve',
    access: 'operator',
    summary: 'Settle a conflict: keep side a\'s or side b\'s value (`choose`), or give a `value`; the pair is written through the queue.',
    tag: 'sync',
    schema: { params: idParams, body: obj({ choose: { type: 'string', enum: ['a', 'b'] }, value: anyJson }, ['choose', 'value']), response: { 200: obj({ review: reviewSchema, jobId: str }) } },
    async handler({ params, body, ctx, principal }) {
      const choice = body.choose ? { choose: body.choose } : 'value' in body ? { value: body.value ?? null } : null;
      if (!choice) throw new ApiError(400, 'no_choice', 'send "choose": "a" or "b", or a "value"');
      return answer(() => ctx.hub.resolveReview(params.id, choice, principal!.user.username));
    },
  }),
  defineRoute<{ name: string }>({
    method: 'POST',
    url: '/flows/:name/reconcile',
    access: 'operator',
    summary: 'Compare both sides of a two-way pair by the mapped fields and keep the differences for review (nothing is written).',
    tag: 'sync',
    schema: { params: nameParams, response: { 200: runSchema } },
    async handler({ params, ctx, principal }) {
      return answer(() => ctx.hub.reconcile(params.name, principal!.user.username));
    },
  }),
  defineRoute<{ name: string }, { limit?: number }>({
    method: 'GET',
    url: '/flows/:name/reconciliations',
    access: 'viewer',
    summary: 'Reconciliations of a flow, newest first, with their counts and drift.',
    tag: 'sync',
    schema: { params: nameParams, querystring: obj({ limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }, ['limit']), response: { 200: arr(runSchema) } },
    async handler({ params, query, ctx }) {
      return ctx.store.sync.listReconcileRuns(params.name, query.limit ?? 20);
    },
  }),
  defineRoute<{ id: string }, { status?: 'open' | 'queued' | 'skipped'; afterSeq?: number; limit?: number }>({
    method: 'GET',
    url: '/reconciliations/:id',
    access: 'viewer',
    summary: 'One reconciliation and a page of its differences (missing either side, differing fields with the owner\'s value, orphans).',
    tag: 'sync',
    schema: {
      params: idParams,
      querystring: obj({ status: { type: 'string', enum: ['open', 'queued', 'skipped'] }, afterSeq: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } }, ['status', 'afterSeq', 'limit']),
      response: { 200: obj({ run: runSchema, differences: arr(diffSchema) }) },
    },
    async handler({ params, query, ctx }) {
      const run = await ctx.store.sync.getReconcileRun(params.id);
      if (!run) throw notFound(`reconciliation ${params.id}`);
      return { run, differences: await ctx.store.sync.listDiffs(params.id, query) };
    },
  }),
  defineRoute<{ id: string }, Record<string, never>, { all?: boolean; seqs?: number[] }>({
    method: 'POST',
    url: '/reconciliations/:id/apply',
    access: 'operator',
    summary: 'Apply all open differences (`all: true`) or the numbered ones (`seqs`) through the normal queue; the rest stay open.',
    tag: 'sync',
    schema: {
      params: idParams,
      body: obj({ all: { type: 'boolean' }, seqs: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 100000 } }, ['all', 'seqs']),
      response: { 200: obj({ applied: arr(int), jobIds: arr(str) }) },
    },
    async handler({ params, body, ctx, principal }) {
      const selection = body.all ? ({ all: true } as const) : body.seqs ? { seqs: body.seqs } : null;
      if (!selection) throw new ApiError(400, 'no_selection', 'send "all": true or the "seqs" to apply');
      return answer(() => ctx.hub.applyReconcile(params.id, selection, principal!.user.username));
    },
  }),
  defineRoute<{ id: string }>({
    method: 'GET',
    url: '/dead-letters/:id/preview',
    access: 'viewer',
    summary: 'What replaying this dead letter would write (current flow version) next to what the target holds now, field by field.',
    tag: 'dead-letters',
    schema: { params: idParams, response: { 200: replayPreviewSchema } },
    async handler({ params, ctx }) {
      const p = await answer(() => ctx.hub.previewReplay(params.id));
      if (!p) throw notFound(`dead letter ${params.id}`);
      return p;
    },
  }),
  defineRoute<{ name: string }, { mode?: 'load' | 'reconcile'; records?: number }>({
    method: 'GET',
    url: '/flows/:name/cost-preview',
    access: 'viewer',
    summary: 'API calls an initial load or a reconciliation would spend per connection, against what is left of today\'s budget.',
    tag: 'sync',
    schema: {
      params: nameParams,
      querystring: obj({ mode: { type: 'string', enum: ['load', 'reconcile'], default: 'load' }, records: { type: 'integer', minimum: 0 } }, ['mode', 'records']),
      response: { 200: costSchema },
    },
    async handler({ params, query, ctx }) {
      const flow = await ctx.store.getFlow(params.name);
      if (!flow) throw notFound(`flow ${params.name}`);
      // `records` applies to every connection of the flow (each side of a pair, or the source).
      const v = await ctx.store.getFlowVersion(params.name, flow.currentVersion);
      const def = v?.definition as { source?: { connection: string }; sync?: { a: { connection: string }; b: { connection: string } } } | undefined;
      const names = def?.sync ? [def.sync.a.connection, def.sync.b.connection] : def?.source ? [def.source.connection] : [];
      const records = query.records !== undefined ? Object.fromEntries(names.map((n) => [n, query.records!])) : undefined;
      return answer(() => ctx.hub.costPreview(params.name, query.mode ?? 'load', records));
    },
  }),
];
