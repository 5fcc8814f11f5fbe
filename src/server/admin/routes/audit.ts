/** The audit log (admin only). */
import { defineRoute, type AnyRoute } from '../route.js';
import { arr, auditSchema, obj } from '../schemas.js';

/** The audit routes. */
export const auditRoutes: AnyRoute[] = [
  defineRoute<Record<string, never>, { limit?: number; before?: string; actor?: string; action?: string }>({
    method: 'GET',
    url: '/audit',
    access: 'admin',
    summary: 'Audit log, newest first: who did what to what, and when (page with `before`; filter by `actor`, and by `action`: one action, or a family ending in a dot such as `flow.`).',
    tag: 'audit',
    schema: {
      querystring: obj({ limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 }, before: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string', pattern: '^[a-z_.]+$', maxLength: 100 } }, ['limit', 'before', 'actor', 'action']),
      response: { 200: arr(auditSchema) },
    },
    async handler({ query, ctx }) {
      return ctx.store.listAudit(query);
    },
  }),
];
