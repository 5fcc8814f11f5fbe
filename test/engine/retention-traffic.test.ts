/**
 * Retention while traffic flows, on both stores. Purge passes run back to back with every cutoff at
 * "now" and small batches, while webhooks arrive (and are repeated) and a worker runs jobs against a
 * slow sink, so every pass meets queued and running jobs. Nothing unfinished may go: a queued job and
 * its delivery id, a job held running by another worker, and an open dead letter with its run and
 * traces all survive; every accepted event reaches the sink exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RetentionRunner, retentionPolicy } from '../../src/engine/retention.js';
import type { PurgeResult } from '../../src/store/types.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';

const FLOW = 'contacts-to-sink';
const WAVES = 8;
const PER_WAVE = 20;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.runIf(kind === 'sqlite' || (await requirePostgres('retention under traffic')))(`retention under traffic on ${kind}`, () => {
    let f: EngineFixture | null = null;
    afterEach(async () => {
      await f?.close();
      f = null;
    });

    const post = (deliveryId: string, record: Record<string, unknown>) => f!.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': deliveryId }, rawBody: Buffer.from(JSON.stringify(record)) });
    const person = (i: number) => ({ id: `c${i}`, email: `p${i}@example.com`, name: `Person ${i}` });

    it('purges finished history while events flow and never removes unfinished work', async () => {
      // The sink refuses a contact without a name (invalid data: dead-lettered at once) and answers slowly, so jobs stay running a while.
      f = await engineFixture(kind, { required: { contacts: ['name'] } });
      f.sink.faults.add({ method: 'POST', path: '^/contacts', fault: { latencyMs: 20 } });
      const retention = new RetentionRunner(f.store, retentionPolicy({ jobs: '0ms', inbox: '0ms', runs: '0ms', batchSize: 5 }), pino({ level: 'silent' }));
      const purged: Omit<PurgeResult, 'complete'> = { jobs: 0, inbox: 0, runs: 0, traces: 0, loginCounters: 0, reconciliations: 0, reconcileDiffs: 0, alerts: 0, deadLetters: 0, batchData: 0 };
      const purge = async () => {
        const r = await retention.runOnce();
        for (const k of Object.keys(purged) as Array<keyof typeof purged>) purged[k] += r[k];
      };

      // Before any worker runs: one job stays queued, one is held running by another worker (its lease
      // is long, and nothing in this process will take it).
      expect((await post('held-1', person(1001))).body).toEqual({ accepted: 1, duplicates: 0 });
      const [held] = await f.store.claimJobs({ workerId: 'elsewhere', limit: 1, leaseMs: 600_000, flows: [FLOW] });
      expect(held?.recordKey).toBe('c1001');
      expect((await post('queued-1', person(1000))).body).toEqual({ accepted: 1, duplicates: 0 });
      await purge();
      expect(await f.store.queueStats()).toMatchObject({ queued: 1, running: 1 });
      // Their delivery ids are still known: repeats are dropped.
      expect((await post('queued-1', person(1000))).body).toEqual({ accepted: 0, duplicates: 1 });
      expect((await post('held-1', person(1001))).body).toEqual({ accepted: 0, duplicates: 1 });

      // Traffic: waves of events (each delivered twice), one without a name, while purges run back to back.
      await f.hub.startWorkers(1, { idlePollMs: 20, concurrency: 8 }, false);
      let purging = true;
      let passesDuringTraffic = 0;
      const purger = (async () => {
        while (purging) {
          await purge();
          passesDuringTraffic++;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      for (let w = 0; w < WAVES; w++) {
        for (let i = w * PER_WAVE; i < (w + 1) * PER_WAVE; i++) {
          const record = i === 7 ? { id: 'c7', email: 'p7@example.com' } : person(i);
          expect((await post(`d${i}`, record)).status).toBe(202);
          // A repeat: dropped while the first is unfinished or not yet purged; accepted again once purged (then an update, never a second record).
          expect((await post(`d${i}`, record)).status).toBe(202);
        }
      }
      // Every valid event of the traffic plus the queued one reaches the sink (the held one is completed below, by its holder).
      const expected = WAVES * PER_WAVE - 1 /* c7 */ + 1; /* queued-1 */
      await waitFor(() => f!.sink.records('contacts').length >= expected, `${expected} records in the sink`, 120_000);
      await waitFor(async () => (await f!.store.queueStats()).queued === 0, 'no job left queued', 120_000);
      await waitFor(() => passesDuringTraffic >= 3 && purged.runs > 0 && purged.jobs > 0 && purged.inbox > 0, 'purges that deleted history during the traffic', 60_000);
      purging = false;
      await purger;

      // Exactly once: one record per email, none for the invalid event.
      const emails = f.sink.records('contacts').map((r) => r.email as string);
      expect(emails).toHaveLength(expected);
      expect(new Set(emails).size).toBe(expected);
      expect(emails).not.toContain('p7@example.com');
      // The job held running by the other worker survived every pass: its holder completes it.
      expect((await f.store.getJob(held.id))?.status).toBe('running');
      expect(await f.store.completeJob({ jobId: held.id, workerId: 'elsewhere', run: { jobId: held.id, flow: FLOW, flowVersion: held.flowVersion, trigger: 'event', status: 'succeeded', recordKey: held.recordKey, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() }, traces: [] })).toBe(true);
      // The open dead letter keeps its job, run and traces (a repeat of d7 accepted after a purge made a second one).
      const [dead] = await f.store.listDeadLetters({ status: 'open' });
      expect(dead).toMatchObject({ recordKey: 'c7', errorKind: 'invalid_data' });
      expect((await f.store.getJob(dead.jobId))?.status).toBe('dead');
      expect((await f.store.listRuns({ flow: FLOW, status: 'dead' })).map((r) => r.jobId)).toContain(dead.jobId);
      expect((await f.store.findTraces('p7@example.com')).length).toBeGreaterThan(0);
      await waitFor(() => queueDrained(f!.store), 'the queue to drain', 60_000);
      // Once everything is finished, purging leaves only the dead letters' history.
      await waitFor(
        async () => {
          await purge();
          const left = await f!.store.listRuns({ flow: FLOW });
          return left.length > 0 && left.every((r) => r.status === 'dead');
        },
        "only the dead letters' runs left",
        60_000,
      );
    }, 300_000);
  });
}
