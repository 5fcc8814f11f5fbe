/**
 * Stuck work, on both stores: a job whose worker died holding its lease is taken again once the lease
 * expires, and a poison record that fails every attempt ends in the dead-letter queue after its
 * maximum attempts without holding up the records queued behind it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';

const FLOW = 'contacts-to-sink';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`stuck work (${kind})`, async () => {
    const run = kind === 'sqlite' || (await requirePostgres(`stuck work on ${kind}`));
    let f: EngineFixture | undefined;
    afterEach(async () => {
      await f?.close();
      f = undefined;
    });

    const ingest = async (records: Array<{ id: string; email: string; name: string }>, deliveryId: string) => {
      const res = await f!.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': deliveryId }, rawBody: Buffer.from(JSON.stringify(records)) });
      expect(res.status).toBe(202);
    };

    it.runIf(run)('takes a job again when the worker holding it stopped renewing its lease', async () => {
      f = await engineFixture(kind);
      await ingest([{ id: 'lease-1', email: 'lease@example.com', name: 'Lease' }], 'lease');
      // A worker claims the job and dies at once: it never renews, completes or fails it.
      const [held] = await f.store.claimJobs({ workerId: 'dead-worker', limit: 10, leaseMs: 300 });
      expect(held.attempts).toBe(1);
      expect((await f.store.queueStats()).running).toBe(1);
      // While the lease is valid nobody else may take it.
      expect(await f.store.claimJobs({ workerId: 'eager-worker', limit: 10, leaseMs: 300 })).toEqual([]);
      await f.hub.startWorkers(1, { idlePollMs: 20, leaseMs: 5000 }, false);
      await waitFor(() => queueDrained(f!.store), 'the expired job to be run again', 20_000);
      const job = await f.store.getJob(held.id);
      expect(job?.status).toBe('done');
      expect(job?.attempts).toBe(2);
      expect(f.sink.records('contacts').map((r) => r.email)).toEqual(['lease@example.com']);
      // The dead worker's late completion is refused: the outcome is recorded once.
      expect(await f.store.completeJob({ jobId: held.id, workerId: 'dead-worker', run: { jobId: held.id, flow: FLOW, flowVersion: held.flowVersion, trigger: 'event', status: 'succeeded', recordKey: 'lease-1', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), error: null, stats: {} }, traces: [] })).toBe(false);
    });

    it.runIf(run)('dead-letters a poison record after its maximum attempts while the records behind it complete', async () => {
      f = await engineFixture(kind);
      // Every lookup of the poison record's email fails with a 503: retryable, forever.
      f.sink.faults.add({ method: 'GET', path: 'email=poison%40example\\.com', fault: { status: 503, body: { error: 'unavailable' } } });
      await ingest([{ id: 'poison', email: 'poison@example.com', name: 'Poison' }], 'poison');
      const others = Array.from({ length: 60 }, (_, i) => ({ id: `ok-${i}`, email: `ok${i}@example.com`, name: `Ok ${i}` }));
      await ingest(others, 'others');
      // One job at a time: if the poison blocked the queue head, nothing behind it could run.
      await f.hub.startWorkers(1, { concurrency: 1, idlePollMs: 10, leaseMs: 5000 }, false);
      await waitFor(() => queueDrained(f!.store), 'the queue to drain', 60_000);

      const [dead, ...more] = await f.store.listDeadLetters({ status: 'open' });
      expect(more).toEqual([]);
      expect(dead.recordKey).toBe('poison');
      expect(dead.errorKind).toBe('retryable');
      expect(dead.attempts).toBe(4); // flowYaml's errorPolicy.maxAttempts
      const emails = f.sink.records('contacts').map((r) => r.email);
      expect(new Set(emails).size).toBe(60);
      expect(emails).toHaveLength(60);
      expect(emails).not.toContain('poison@example.com');
      // The others finished while the poison was still being retried (it was queued first).
      const runs = await f.store.listRuns({ flow: FLOW, limit: 1000 });
      const poisonRuns = runs.filter((r) => r.recordKey === 'poison').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      expect(poisonRuns.map((r) => r.status)).toEqual(['retrying', 'retrying', 'retrying', 'dead']);
      const okFinished = runs.filter((r) => r.recordKey !== 'poison' && r.status === 'succeeded');
      expect(okFinished).toHaveLength(60);
      const firstFailure = poisonRuns[0].finishedAt;
      const deadAt = poisonRuns[3].finishedAt;
      expect(okFinished.filter((r) => r.finishedAt > firstFailure && r.finishedAt <= deadAt).length).toBeGreaterThan(0);
    }, 90_000);
  });
}
