/**
 * Backpressure: past the backlog bound a webhook is answered 503 with Retry-After and nothing is
 * stored; once the workers have drained the backlog the same delivery is accepted, and every event
 * accepted is delivered exactly once. On both stores (the backlog is read from the store).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';

const FLOW = 'contacts-to-sink';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.runIf(kind === 'sqlite' || (await requirePostgres('backpressure')))(`backpressure on ${kind}`, () => {
    let f: EngineFixture | null = null;
    let app: FastifyInstance | null = null;
    afterEach(async () => {
      await app?.close();
      await f?.close();
      app = null;
      f = null;
    });

    const post = (i: number) =>
      app!.inject({ method: 'POST', url: `/hooks/${FLOW}`, headers: { 'content-type': 'application/json', 'x-delivery-id': `d${i}` }, payload: { id: `c${i}`, email: `p${i}@example.com`, name: `P ${i}` } });

    it('answers 503 with Retry-After at the per-flow bound, stores nothing refused, and accepts again once drained', async () => {
      f = await engineFixture(kind, {}, { backpressure: { maxBacklogPerFlow: 5, maxBacklog: 0, retryAfterSeconds: 3, refreshMs: 10 } });
      app = await buildApp({ hub: f.hub, admin: false });
      // No workers yet: the backlog only grows.
      for (let i = 0; i < 5; i++) expect((await post(i)).statusCode).toBe(202);
      const refused = await post(5);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('3');
      expect(refused.json()).toMatchObject({ error: 'backlog_full' });
      expect((await f.store.queueStats()).queued).toBe(5);
      // The figure the admin API and /metrics show.
      const backlog = await f.hub.backlog();
      expect(backlog.flows).toEqual([expect.objectContaining({ flow: FLOW, pending: 5 })]);
      expect(backlog.ageMs).toBeGreaterThanOrEqual(0);
      expect(await f.hub.metricsText()).toMatch(/syncline_webhooks_refused_total\{flow="contacts-to-sink"\} 1/);

      await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
      await waitFor(() => queueDrained(f!.store), 'the backlog to drain');
      // The refused delivery, sent again as a sender would after Retry-After, is now accepted.
      await waitFor(async () => (await post(5)).statusCode === 202, 'the bound to admit again');
      await waitFor(() => f!.sink.records('contacts').length === 6, 'all six records in the sink');
      expect(new Set(f.sink.records('contacts').map((r) => r.email)).size).toBe(6);
    });

    it('applies the global bound across flows', async () => {
      f = await engineFixture(kind, {}, { backpressure: { maxBacklogPerFlow: 0, maxBacklog: 2, refreshMs: 10 } });
      app = await buildApp({ hub: f.hub, admin: false });
      expect((await post(1)).statusCode).toBe(202);
      expect((await post(2)).statusCode).toBe(202);
      const refused = await post(3);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json().message).toMatch(/all flows/);
    });
  });
}
