/** Webhook routes: POST /hooks/:flow, raw body kept for signature checks, answered only after the inbox commit. */
import type { FastifyInstance } from 'fastify';
import type { Intake } from '../engine/intake.js';
import type { OutboundIntake } from '../engine/outbound-intake.js';

/** Largest body the webhook route reads at all; each flow may set a lower limit (default 1 MiB). */
export const WEBHOOK_ROUTE_LIMIT = 10 * 1024 * 1024;

/** Registers the webhook routes in their own encapsulated context (raw-body parsing only here). */
export async function webhookRoutes(app: FastifyInstance, intake: Intake, outbound?: OutboundIntake): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_ROUTE_LIMIT }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { flow: string } }>('/hooks/:flow', { bodyLimit: WEBHOOK_ROUTE_LIMIT }, async (req, reply) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const res = await intake.receive(req.params.flow, { headers: req.headers, rawBody });
        if (res.retryAfterSeconds !== undefined) void reply.header('retry-after', String(res.retryAfterSeconds));
        return await reply.code(res.status).send(res.body);
      } catch (err) {
        // Intake answers every bad request itself; what throws is the store (a lost database
        // connection, a failover). Nothing was acknowledged, so the sender is told to retry.
        req.log.warn({ err: (err as Error).message, flow: req.params.flow }, 'webhook not stored; asked the sender to retry');
        return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'the delivery could not be stored just now; send it again' });
      }
    });
    if (!outbound) return;
    // Senders that cannot sign (Salesforce outbound messages): the secret is in the path, the answer is the sender's own acknowledgement.
    scope.post<{ Params: { flow: string; secret: string } }>('/hooks/:flow/:secret', { bodyLimit: WEBHOOK_ROUTE_LIMIT }, async (req, reply) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const res = await outbound.receive(req.params.flow, req.params.secret, { headers: req.headers, rawBody });
        return await reply.code(res.status).header('content-type', res.contentType).send(res.body);
      } catch (err) {
        req.log.warn({ err: (err as Error).message, flow: req.params.flow }, 'outbound message not stored; not acknowledged, so the sender retries');
        return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: 'the delivery could not be stored just now' });
      }
    });
  });
}
