/**
 * The admin API: every route the console and the CLI use, under /api/v1, each with its least role,
 * its request and response schemas, and an audit row for every change. The route table is the one
 * description: it registers the routes, validates requests and responses, and builds
 * /api/v1/openapi.json.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from '../../core/connector.js';
import type { JsonObject } from '../../core/json.js';
import type { Hub } from '../../engine/hub-types.js';
import { Authenticator, type AuthenticatorOptions } from '../auth/authenticator.js';
import { accessGuard } from '../auth/guard.js';
import { ConnectionChecks } from './connection-checks.js';
import { PendingAuthorizations } from './pending-authorizations.js';
import { lazyRequestValidators, lazyResponseChecks } from './lazy-schemas.js';
import { buildOpenApi } from './openapi.js';
import { strictNumericParams } from './numeric-params.js';
import { ApiError, defineRoute, type AdminContext, type AnyRoute, type Call } from './route.js';
import { alertRoutes } from './routes/alerts.js';
import { auditRoutes } from './routes/audit.js';
import { AlertEvaluator, type AlertEvaluatorOptions, type SendAlert } from '../../engine/alerts/evaluator.js';
import { sendAlert } from '../alerts/send.js';
import { authRoutes } from './routes/auth.js';
import { connectionRoutes } from './routes/connections.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { flowRoutes } from './routes/flows.js';
import { flowBuildingRoutes } from './routes/flow-building.js';
import { metricsRoutes } from './routes/metrics.js';
import { lagRoutes } from './routes/lag.js';
import { runRoutes } from './routes/runs.js';
import { syncRoutes } from './routes/sync.js';
import { userRoutes } from './routes/users.js';
import { errorSchema } from './schemas.js';

export { ApiError, type AdminContext, type AdminRoute, type AnyRoute } from './route.js';
export { buildOpenApi } from './openapi.js';
export { serveConsole } from './static.js';

/** Where the API is mounted. */
export const API_PREFIX = '/api/v1';

/** What the admin API needs. */
export interface AdminApiDeps {
  /** The running hub (its store holds users, sessions, tokens and the audit log). */
  hub: Hub;
  /** Where unexpected (500) errors are logged; the request logger when omitted. */
  logger?: Pick<Logger, 'error'>;
  /** Send the session cookie with the Secure flag (set when served over HTTPS). */
  secureCookies?: boolean;
  /** Session lifetime and sign-in throttle tuning. */
  auth?: AuthenticatorOptions;
  /** Test every connection once at start, in the background; the result is the health the console shows until the next Test. */
  checkConnectionsAtStart?: boolean;
  /** The alert evaluator's interval and console address; `start: false` leaves it to `POST /alerts/evaluate`. */
  alerts?: AlertEvaluatorOptions & { start?: boolean; send?: SendAlert };
}

/** Tests every connection (one at a time: a start-up must not burst every vendor) and records the results. */
async function checkConnectionsAtStart(ctx: AdminContext): Promise<void> {
  for (const c of await ctx.store.listConnections()) {
    let result;
    try {
      result = await ctx.hub.testConnection(c.name);
    } catch (err) {
      result = { ok: false, message: (err as Error).message };
    }
    ctx.checks.record(c.name, { ...result, info: { ...result.info, checked: 'at start-up' } });
  }
}

const openApiRoute = defineRoute({
  method: 'GET',
  url: '/openapi.json',
  access: 'public',
  summary: 'This document.',
  tag: 'meta',
  schema: { response: { 200: { type: 'object', additionalProperties: true } } },
  async handler() {
    return buildOpenApi(adminRoutes);
  },
});

/** Every admin route, as registered (under /api/v1). */
export const adminRoutes: AnyRoute[] = [
  ...authRoutes,
  ...connectionRoutes,
  ...flowBuildingRoutes,
  ...flowRoutes,
  ...runRoutes,
  ...deadLetterRoutes,
  ...syncRoutes,
  ...metricsRoutes,
  ...lagRoutes,
  ...alertRoutes,
  ...auditRoutes,
  ...userRoutes,
  openApiRoute,
];

/** Registers the admin API on `app` under /api/v1. */
export async function adminApi(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const ctx: AdminContext = {
    hub: deps.hub,
    store: deps.hub.store,
    auth: new Authenticator(deps.hub.store, deps.auth),
    secureCookies: deps.secureCookies ?? false,
    checks: new ConnectionChecks(),
    authorizations: new PendingAuthorizations(),
    alerts: new AlertEvaluator({ store: deps.hub.store, logger: app.log, send: deps.alerts?.send ?? sendAlert }, deps.alerts),
  };
  // The evaluator runs in the server process, beside the API that manages its rules (decision 0016).
  if (deps.alerts?.start !== false) {
    ctx.alerts.start();
    app.addHook('onClose', async () => ctx.alerts.stop());
  }
  if (deps.checkConnectionsAtStart) void checkConnectionsAtStart(ctx).catch((err: unknown) => (deps.logger ?? console).error({ err }, 'start-up connection check failed'));

  await app.register(
    async (api) => {
      api.decorateRequest('principal', null);
      // Deploys may send the YAML text itself.
      api.addContentTypeParser(['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
      api.setValidatorCompiler(lazyRequestValidators());
      api.setSerializerCompiler(lazyResponseChecks());
      api.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
        if (err instanceof ApiError) return reply.code(err.statusCode).send({ error: err.code, message: err.message, ...err.extra });
        if ((err as FastifyError).validation) return reply.code(400).send({ error: 'invalid_request', message: err.message });
        const status = (err as FastifyError).statusCode ?? 500;
        if (status < 500) return reply.code(status).send({ error: (err as FastifyError).code ?? 'bad_request', message: err.message });
        (deps.logger ?? request.log).error({ err, url: request.url }, 'admin API error');
        return reply.code(500).send({ error: 'internal', message: 'internal error; see the server log' });
      });
      api.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }));

      for (const route of adminRoutes) {
        api.route({
          method: route.method,
          url: route.url,
          schema: { ...route.schema, response: { ...route.schema.response, '4xx': errorSchema, '5xx': errorSchema } },
          onRequest: accessGuard(ctx.auth, route.access, { allowPendingPasswordChange: route.allowPendingPasswordChange }),
          preValidation: strictNumericParams(route.schema),
          handler: async (request, reply) => {
            const principal = request.principal;
            const call: Call<unknown, unknown, unknown> = {
              params: request.params,
              query: request.query,
              body: request.body,
              principal,
              request,
              reply,
              ctx,
              audit: (action: string, target: string, details?: JsonObject) =>
                ctx.store.audit({
                  actor: principal?.user.username ?? 'anonymous',
                  action,
                  target,
                  details: { ...details, via: principal?.via ?? 'none', ip: request.ip },
                }),
            };
            return route.handler(call);
          },
        });
      }
    },
    { prefix: API_PREFIX },
  );
}
