/** Dead letters: grouped by error, listed, shown, edited, replayed (one or many), discarded. The store audits each change with the actor, atomically with it. */
import type { JsonValue } from '../../../core/json.js';
import type { DeadLetterRow, DeadLetterStatus } from '../../../store/types.js';
import { groupReason, plainReason, refusedBy } from '../dead-letter-reason.js';
import { isEmptyIdentity, recordIdentity } from '../record-identity.js';
import { ApiError, defineRoute, notFound, type AdminContext, type AnyRoute } from '../route.js';
import { anyJson, arr, deadLetterGroupSchema, deadLetterSchema, idParams, obj } from '../schemas.js';

/** A dead letter with its reason in plain words, who refused it, and who the record is. */
const view = (d: DeadLetterRow) => {
  const record = recordIdentity(d.payload);
  const by = refusedBy(d.error);
  return { ...d, reason: plainReason(d.error), ...(isEmptyIdentity(record) ? {} : { record }), ...(by ? { refusedBy: by } : {}) };
};

async function mustOpen(ctx: AdminContext, id: string): Promise<DeadLetterRow> {
  const d = await ctx.store.getDeadLetter(id);
  if (!d) throw notFound(`dead letter ${id}`);
  if (d.status !== 'open') throw new ApiError(409, 'not_open', `dead letter ${id} is already ${d.status}`);
  return d;
}

const idsBody = obj({ ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1000 }, signature: { type: 'string' }, flow: { type: 'string' } }, ['ids', 'signature', 'flow']);
const replayedSchema = obj({ replayed: arr(obj({ id: { type: 'string' }, jobId: { type: 'string' } })) });

// Bulk actions take explicit ids or a whole group (signature, optionally within one flow).
async function resolveIds(ctx: AdminContext, body: { ids?: string[]; signature?: string; flow?: string }): Promise<string[]> {
  if (body.ids?.length) return body.ids;
  if (!body.signature) throw new ApiError(400, 'no_selection', 'send "ids" or a "signature" (with an optional "flow")');
  const rows = await ctx.store.listDeadLetters({ status: 'open', signature: body.signature, flow: body.flow, limit: 1000 });
  return rows.map((r) => r.id);
}

/** The dead-letter routes. */
export const deadLetterRoutes: AnyRoute[] = [
  defineRoute<Record<string, never>, { flow?: string }>({
    method: 'GET',
    url: '/dead-letters/groups',
    access: 'viewer',
    summary: 'Open dead letters grouped by error signature, with counts and the reason in plain words.',
    tag: 'dead-letters',
    schema: { querystring: obj({ flow: { type: 'string' } }, ['flow']), response: { 200: arr(deadLetterGroupSchema) } },
    async handler({ query, ctx }) {
      // Each group's reason comes from one of its letters, whose error says who refused it (a handful of groups, one read each).
      const groups = await ctx.store.deadLetterGroups(query.flow);
      return Promise.all(
        groups.map(async (g) => {
          const [example] = await ctx.store.listDeadLetters({ status: 'open', signature: g.signature, flow: g.flow, limit: 1 });
          return { ...g, reason: example ? plainReason(example.error) : groupReason(g.errorKind, g.example) };
        }),
      );
    },
  }),
  defineRoute<Record<string, never>, { flow?: string; status?: DeadLetterStatus; signature?: string; limit?: number; offset?: number }>({
    method: 'GET',
    url: '/dead-letters',
    access: 'viewer',
    summary: 'Dead letters, filtered by flow, status (default open) and signature.',
    tag: 'dead-letters',
    schema: {
      querystring: obj(
        {
          flow: { type: 'string' },
          status: { type: 'string', enum: ['open', 'replayed', 'discarded', 'superseded'], default: 'open' },
          signature: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          offset: { type: 'integer', minimum: 0, default: 0 },
        },
        ['flow', 'status', 'signature', 'limit', 'offset'],
      ),
      response: { 200: arr(deadLetterSchema) },
    },
    async handler({ query, ctx }) {
      return (await ctx.store.listDeadLetters(query)).map(view);
    },
  }),
  defineRoute<{ id: string }>({
    method: 'GET',
    url: '/dead-letters/:id',
    access: 'viewer',
    summary: 'One dead letter: payload, error, reason in plain words.',
    tag: 'dead-letters',
    schema: { params: idParams, response: { 200: deadLetterSchema } },
    async handler({ params, ctx }) {
      const d = await ctx.store.getDeadLetter(params.id);
      if (!d) throw notFound(`dead letter ${params.id}`);
      return view(d);
    },
  }),
  defineRoute<{ id: string }, Record<string, never>, { payload: JsonValue }>({
    method: 'PUT',
    url: '/dead-letters/:id/payload',
    access: 'operator',
    summary: 'Edit the payload of an open dead letter before replaying it.',
    tag: 'dead-letters',
    schema: { params: idParams, body: obj({ payload: anyJson }), response: { 200: deadLetterSchema } },
    async handler({ params, body, ctx, principal }) {
      await mustOpen(ctx, params.id);
      await ctx.store.updateDeadLetterPayload(params.id, body.payload, principal!.user.username);
      return view((await ctx.store.getDeadLetter(params.id))!);
    },
  }),
  defineRoute<{ id: string }>({
    method: 'POST',
    url: '/dead-letters/:id/replay',
    access: 'operator',
    summary: 'Replay one dead letter on its flow\'s current version (as a new job).',
    tag: 'dead-letters',
    schema: { params: idParams, response: { 200: replayedSchema } },
    async handler({ params, ctx, principal }) {
      await mustOpen(ctx, params.id);
      const replayed = await ctx.store.replayDeadLetters([params.id], principal!.user.username);
      return { replayed };
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { ids?: string[]; signature?: string; flow?: string }>({
    method: 'POST',
    url: '/dead-letters/replay',
    access: 'operator',
    summary: 'Replay many open dead letters: by ids, or a whole group by signature.',
    tag: 'dead-letters',
    schema: { body: idsBody, response: { 200: replayedSchema } },
    async handler({ body, ctx, principal }) {
      const ids = await resolveIds(ctx, body);
      const replayed = ids.length ? await ctx.store.replayDeadLetters(ids, principal!.user.username) : [];
      return { replayed };
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { ids?: string[]; signature?: string; flow?: string }>({
    method: 'POST',
    url: '/dead-letters/discard',
    access: 'operator',
    summary: 'Discard open dead letters (by ids or by signature); they stay listed as discarded.',
    tag: 'dead-letters',
    schema: { body: idsBody, response: { 200: obj({ discarded: { type: 'integer' } }) } },
    async handler({ body, ctx, principal }) {
      const ids = await resolveIds(ctx, body);
      const discarded = ids.length ? await ctx.store.discardDeadLetters(ids, principal!.user.username) : 0;
      return { discarded };
    },
  }),
];
