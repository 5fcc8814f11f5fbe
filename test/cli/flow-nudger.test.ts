/**
 * The demo's flow nudger: after an event in a system it runs the slow-polling flows reading that
 * system, but never queues a second read of a flow while its last one still waits in the queue (that
 * read will see the event too); once the last read has started, the next event queues a new one.
 */
import { describe, expect, it } from 'vitest';
import { FlowNudger } from '../../src/cli/demo/flow-nudger.js';
import type { SynclineHub } from '../../src/engine/hub.js';

function fakeHub() {
  const jobs = new Map<string, { flow: string; status: 'queued' | 'running' | 'done' }>();
  const hub = {
    store: {
      listFlows: async () => [{ name: 'shop-orders', status: 'active', currentVersion: 1 }, { name: 'crm-leads', status: 'active', currentVersion: 1 }],
      getJob: async (id: string) => (jobs.has(id) ? { id, status: jobs.get(id)!.status } : null),
    },
    flows: {
      get: async (name: string) => ({
        def: name === 'shop-orders' ? { trigger: { type: 'webhook', reconcileEvery: '2m' }, source: { connection: 'shop' } } : { trigger: { type: 'poll', every: '5m' }, source: { connection: 'crm' } },
      }),
    },
    runFlowNow: async (flow: string) => {
      const jobId = String(jobs.size + 1);
      jobs.set(jobId, { flow, status: 'queued' });
      return { jobId };
    },
  };
  return { hub: hub as unknown as SynclineHub, jobs };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('FlowNudger', () => {
  it('queues one read per flow at a time: a read still waiting covers the next events', async () => {
    const { hub, jobs } = fakeHub();
    const nudger = new FlowNudger(hub, { delayMs: 0 });
    expect((await nudger.load()).map((f) => f.flow)).toEqual(['shop-orders', 'crm-leads']);
    const reads = (flow: string) => [...jobs.values()].filter((j) => j.flow === flow);

    nudger.nudge('shop');
    await tick();
    expect(reads('shop-orders')).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      nudger.nudge('shop');
      await tick();
    }
    expect(reads('shop-orders')).toHaveLength(1);
    expect(reads('crm-leads')).toHaveLength(0);

    // The read started: it may have read past the next event, so that event queues a new one.
    jobs.get('1')!.status = 'running';
    nudger.nudge('shop');
    await tick();
    expect(reads('shop-orders')).toHaveLength(2);
    await nudger.stop();
  });
});
