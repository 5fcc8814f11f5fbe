/**
 * Regressions for defects the reliability suite found, each pinned at the smallest scale:
 * - a webhook body nested deeper than the stack allows crashed the request with a 500 (the payload's
 *   JSON.stringify in the store overflowed) instead of a 400;
 * - a mapped value holding a lone surrogate was retried as "URI malformed" until its attempts ran out,
 *   instead of going to the dead-letter queue at once as invalid data;
 * - a flow with maxAttempts N ran only N - 1 times (the worker counted the claim twice).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BODY_DEPTH, nestedDeeperThan } from '../../src/engine/intake.js';
import { engineFixture, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';
import { deeplyNested } from './hostile-inputs.js';

const FLOW = 'contacts-to-sink';

describe('reliability regressions', () => {
  let f: EngineFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('measures nesting without recursion, at the boundary', () => {
    expect(nestedDeeperThan(JSON.parse(deeplyNested(MAX_BODY_DEPTH, 'array')), MAX_BODY_DEPTH)).toBe(false);
    expect(nestedDeeperThan(JSON.parse(deeplyNested(MAX_BODY_DEPTH + 1, 'array')), MAX_BODY_DEPTH)).toBe(true);
    expect(nestedDeeperThan(JSON.parse(deeplyNested(200_000, 'object')), MAX_BODY_DEPTH)).toBe(true);
    expect(nestedDeeperThan({ a: 'x', b: [1, 2, { c: null }] }, 3)).toBe(false);
  });

  it('refuses a record nested 100,000 levels deep with a 400, storing nothing', async () => {
    f = await engineFixture('sqlite');
    const raw = `[{"id":"deep","email":"deep@example.com","extra":${deeplyNested(100_000, 'object')}}]`;
    const res = await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'deep' }, rawBody: Buffer.from(raw) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_payload');
    expect(await f.store.queueStats()).toMatchObject({ queued: 0, running: 0 });
  });

  it('dead-letters a lone surrogate at once as invalid data naming the field', async () => {
    f = await engineFixture('sqlite');
    const raw = JSON.stringify([{ id: 'sur', email: 'sur@example.com', name: 'bad \uD800 name' }]);
    expect((await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'sur' }, rawBody: Buffer.from(raw) })).status).toBe(202);
    await f.hub.startWorkers(1, { idlePollMs: 10 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    const [dead, ...more] = await f.store.listDeadLetters({ status: 'open' });
    expect(more).toEqual([]);
    expect(dead.errorKind).toBe('invalid_data');
    expect(dead.attempts).toBe(1);
    expect(dead.error.message).toMatch(/"name".*not valid Unicode/);
    expect(f.sink.records('contacts')).toEqual([]);
  });

  it('runs a failing record exactly maxAttempts times', async () => {
    f = await engineFixture('sqlite');
    f.sink.faults.add({ method: 'GET', path: 'email=', fault: { status: 503 } });
    await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'fail' }, rawBody: Buffer.from(JSON.stringify([{ id: 'fail', email: 'fail@example.com' }])) });
    await f.hub.startWorkers(1, { idlePollMs: 10 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    const runs = await f.store.listRuns({ flow: FLOW, limit: 100 });
    expect(runs.map((r) => r.stats?.attempt).sort()).toEqual([1, 2, 3, 4]);
    const [dead] = await f.store.listDeadLetters({ status: 'open' });
    expect(dead.attempts).toBe(4);
    expect(dead.error.message).toMatch(/503/);
  });
});

describe('rate limits do not use up attempts', () => {
  let f: EngineFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('retries past maxAttempts while the target answers 429, then lands the record once', async () => {
    f = await engineFixture('sqlite');
    // maxAttempts is 4 in the test flow; the target throttles the first 6 lookups.
    f.sink.faults.add({ method: 'GET', path: 'email=', count: 6, fault: { status: 429, headers: { 'retry-after': '0' } } });
    await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'busy' }, rawBody: Buffer.from(JSON.stringify([{ id: 'busy', email: 'busy@example.com' }])) });
    await f.hub.startWorkers(1, { idlePollMs: 10 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain', 30_000);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.sink.records('contacts').map((r) => r.email)).toEqual(['busy@example.com']);
    const runs = await f.store.listRuns({ flow: FLOW, limit: 100 });
    expect(runs.filter((r) => r.status === 'retrying')).toHaveLength(6);
  });
});

describe('crashed attempts', () => {
  let f: EngineFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const crashClaim = async (store: EngineFixture['store']) => {
    // A worker claims the job and is killed at once: no run is recorded, the lease just expires.
    const [held] = await store.claimJobs({ workerId: `killed-${Math.random()}`, limit: 1, leaseMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    return held;
  };

  it('do not use up the attempts of a record that then fails transiently', async () => {
    f = await engineFixture('sqlite');
    await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'crashy' }, rawBody: Buffer.from(JSON.stringify([{ id: 'crashy', email: 'crashy@example.com' }])) });
    for (let i = 0; i < 3; i++) expect((await crashClaim(f.store)).attempts).toBe(i + 1);
    // The fourth claim (maxAttempts is 4) meets one transient 503: it must be retried, not dead-lettered.
    f.sink.faults.add({ method: 'GET', path: 'email=', count: 1, fault: { status: 503 } });
    await f.hub.startWorkers(1, { idlePollMs: 10 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.sink.records('contacts').map((r) => r.email)).toEqual(['crashy@example.com']);
  });

  it('do not use up attempts when the process is killed from outside again and again (the chaos run on SQLite)', async () => {
    f = await engineFixture('sqlite');
    await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'unlucky' }, rawBody: Buffer.from(JSON.stringify([{ id: 'unlucky', email: 'unlucky@example.com' }])) });
    // Killed at seven claims (more than maxAttempts 4), then two transient failures: still retried.
    for (let i = 0; i < 7; i++) await crashClaim(f.store);
    f.sink.faults.add({ method: 'GET', path: 'email=', count: 2, fault: { status: 503 } });
    await f.hub.startWorkers(1, { idlePollMs: 10 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.sink.records('contacts').map((r) => r.email)).toEqual(['unlucky@example.com']);
  });

  it('still end a record that kills its worker every time', async () => {
    f = await engineFixture('sqlite');
    f.sink.faults.add({ method: 'GET', path: 'email=', fault: { status: 503 } });
    await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'killer' }, rawBody: Buffer.from(JSON.stringify([{ id: 'killer', email: 'killer@example.com' }])) });
    // maxAttempts 4: interruptions past 3 × 4 mark the record as what kills the process.
    for (let i = 0; i < 13; i++) await crashClaim(f.store);
    await f.hub.startWorkers(1, { idlePollMs: 10 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    const [dead] = await f.store.listDeadLetters({ status: 'open' });
    expect(dead.recordKey).toBe('killer');
    expect(dead.attempts).toBe(14);
  });
});
