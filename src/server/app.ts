/**
 * The HTTP server: webhook intake, health and readiness, Prometheus metrics, the admin API and the
 * console. Built from a hub so tests and the CLI assemble it the same way.
 */
import { readiness } from './health.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { SynclineHub } from '../engine/hub.js';
import { webhookRoutes } from './webhooks.js';
import { CONSOLE_DIR } from './paths.js';
import type { AlertEvaluatorOptions } from '../engine/alerts/evaluator.js';

/** Options for the server. */
export interface AppOptions {
  hub: SynclineHub;
  logger?: PinoLogger;
  /** Serve the console from this folder (web/dist). */
  consoleDir?: string;
  secureCookies?: boolean;
  /** Register the admin API and console (default true). */
  admin?: boolean;
  /** The alert evaluator's interval and the console address its notifications link to. */
  alerts?: AlertEvaluatorOptions;
}

/** Builds (but does not start) the Fastify app. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    // One log line per webhook would cost more than the webhook; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    trustProxy: false,
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 400 ? 'bad_request' : status >= 500 ? 'internal_error' : (err.code ?? 'error');
    return reply.code(status).send({ error: code, message: status >= 500 ? 'internal error; see the server log' : err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  const { hub } = options;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness(hub);
    return reply.code(r.status).send(r.body);
  });
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(await hub.metricsText()));
  await webhookRoutes(app, hub.intake, hub.outbound);
  if (options.admin !== false) {
    // Loaded only by processes that serve them (a webhook-only server or a worker never does).
    const { adminApi, serveConsole } = await import('./admin/index.js');
    await adminApi(app, { hub, logger: options.logger, secureCookies: options.secureCookies, checkConnectionsAtStart: true, alerts: options.alerts });
    await serveConsole(app, options.consoleDir ?? CONSOLE_DIR);
  }
  return app;
}
