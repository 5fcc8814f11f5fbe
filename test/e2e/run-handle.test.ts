/**
 * `run now` gives a handle whose completion, including every record the run queued, can be awaited:
 * through the engine (awaitRun), the admin API (`GET /runs/handles/:handle?wait=`) and the CLI
 * (`syncline flow run --wait`, which calls awaitRun). Real hub, workers and emulators.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitRun, runProgress } from '../../src/engine/run-handle.js';
import { CI_Item } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { TEST_MASTER_KEY } from '../support/engine.js';

const FLOW = 'catalogue';

describe('awaiting a manual run with the records it queued', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW], sageSeed: { items: 4, orders: 0 } });
  }, 60_000);
  afterAll(async () => f?.close());

  it('is running until the read and every record job are finished, then done with the counts', async () => {
    const { jobId } = await f.hub.runFlowNow(FLOW, 'test');
    const early = await runProgress(f.store, jobId);
    expect(early?.status === 'queued' || early?.status === 'running').toBe(true);
    const done = await awaitRun(f.store, jobId, { timeoutMs: 30_000, pollMs: 50 });
    const items = f.sage.db.list(CI_Item).length;
    expect(done).toMatchObject({ handle: jobId, flow: FLOW, status: 'done', pending: 0, deadLettered: 0 });
    expect(done!.queued).toBe(items);
    expect(done!.done).toBe(items);
    // Every record job really is finished: the products are in Salesforce.
    expect([...f.salesforce.state.org.table('Product2').values()].filter((p) => p.Sage100_Item_Code__c).length).toBeGreaterThanOrEqual(items);
    expect(await runProgress(f.store, 'no-such-handle')).toBeNull();
  });

  it('a second run queues nothing new and is done at once', async () => {
    const { jobId } = await f.hub.runFlowNow(FLOW, 'test');
    const done = await awaitRun(f.store, jobId, { timeoutMs: 30_000, pollMs: 50 });
    expect(done).toMatchObject({ status: 'done', queued: 0 });
  });

  it('the admin API answers the handle and waits on it', async () => {
    const { jobId } = await f.hub.runFlowNow(FLOW, 'test');
    // The route itself is a thin wrapper over awaitRun; check the handler end to end via the route table.
    const { runRoutes } = await import('../../src/server/admin/routes/runs.js');
    const route = runRoutes.find((r) => r.url === '/runs/handles/:handle')!;
    expect(route.access).toBe('viewer');
    const app = Fastify();
    app.get('/h/:handle', async (req) => route.handler({ params: req.params, query: { wait: 30 }, ctx: { store: f.store, hub: f.hub }, principal: null, reply: undefined, body: undefined } as never));
    const res = await app.inject({ method: 'GET', url: `/h/${jobId}` });
    expect(res.json()).toMatchObject({ handle: jobId, status: 'done', pending: 0 });
    await app.close();
  });

  it('syncline flow run --wait returns once the record the run queued is written, and says so', async () => {
    // A new item in Sage: the run queues exactly one record, which this hub's worker writes.
    f.sage.advanceClock(60_000);
    f.sage.createItem({ ItemCode: 'WAIT-1', ItemCodeDesc: 'Awaited widget', StandardUnitPrice: '9.50' });
    // Asynchronous on purpose: the worker of this process must keep running while the CLI waits.
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/syncline.js', 'flow', 'run', FLOW, '--wait', '--timeout', '60'], {
      cwd: process.cwd(),
      env: { ...process.env, SYNCLINE_DATABASE_URL: f.url, SYNCLINE_MASTER_KEY: TEST_MASTER_KEY },
      timeout: 90_000,
    });
    expect(stdout).toMatch(new RegExp(`run \\S+ of ${FLOW}: done; 1 records queued, 1 done, 0 dead-lettered`));
    expect([...f.salesforce.state.org.table('Product2').values()].filter((p) => p.Sage100_Item_Code__c === 'WAIT-1')).toHaveLength(1);
  }, 120_000);
});
