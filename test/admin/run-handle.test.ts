/**
 * `GET /api/v1/runs/handles/:handle`: a manual run's progress counting the records it queued, held
 * with `wait` until everything is finished. The jobs are moved through the store as workers would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunInput } from '../../src/store/types.js';
import { startHarness, testHub, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ hub: (store) => testHub(store) });
});
afterAll(async () => h?.close());

const viewer = () => h.clients.viewer.session;

function run(jobId: string, stats: Record<string, unknown>): RunInput {
  const now = new Date().toISOString();
  return { jobId, flow: 'f', flowVersion: 1, trigger: 'manual', status: 'succeeded', recordKey: null, startedAt: now, finishedAt: now, stats: stats as never };
}

async function finish(jobId: string, stats: Record<string, unknown> = {}): Promise<void> {
  const claimed = await h.store.claimJobs({ workerId: 'w', limit: 1, leaseMs: 60_000 });
  expect(claimed.map((j) => j.id)).toContain(jobId);
  expect(await h.store.completeJob({ jobId, workerId: 'w', run: run(jobId, stats), traces: [] })).toBe(true);
}

describe('run handles', () => {
  it('reports queued, then running while its records are pending, then done', async () => {
    const [read] = await h.store.enqueue([{ flow: 'f', flowVersion: 1, kind: 'manual', payload: { read: 'changes' }, maxAttempts: 1 }]);
    const first = await h.call('GET', `/api/v1/runs/handles/${read}`, viewer());
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ handle: read, flow: 'f', status: 'queued', queued: 0, done: 0, deadLettered: 0, pending: 0 });

    const [record] = await h.store.enqueue([{ flow: 'f', flowVersion: 1, kind: 'event', payload: {}, maxAttempts: 1 }]);
    await finish(read, { queuedJobIds: [record] });
    expect((await h.call('GET', `/api/v1/runs/handles/${read}`, viewer())).json()).toMatchObject({ status: 'running', queued: 1, pending: 1, done: 0 });

    // The record job finishes while a caller waits on the handle.
    const waiting = h.call('GET', `/api/v1/runs/handles/${read}?wait=10`, viewer());
    setTimeout(() => void finish(record), 300);
    const res = await waiting;
    expect(res.json()).toMatchObject({ handle: read, status: 'done', queued: 1, done: 1, pending: 0, deadLettered: 0 });
  });

  it('answers 404 for an unknown handle, and refuses a wait above 300 s', async () => {
    expect((await h.call('GET', '/api/v1/runs/handles/nope', viewer())).statusCode).toBe(404);
    const [read] = await h.store.enqueue([{ flow: 'f', flowVersion: 1, kind: 'manual', payload: {}, maxAttempts: 1 }]);
    expect((await h.call('GET', `/api/v1/runs/handles/${read}?wait=301`, viewer())).statusCode).toBe(400);
  });
});
