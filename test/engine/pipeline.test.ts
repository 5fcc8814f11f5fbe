/**
 * The spine end to end on both stores: webhook → inbox → worker → http connector → HTTP sink.
 * Duplicates, dead letters, replays, SIGKILLed workers and competing worker processes.
 */
import { killProcess, startWorkerProcess } from '../support/worker-process.js';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineFixture, flowYaml, queueDrained, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';
import { signWebhook } from '../../src/engine/intake.js';

const kinds = ['sqlite', 'postgres'] as const;

function post(f: EngineFixture, body: unknown, headers: Record<string, string> = {}) {
  const raw = Buffer.from(JSON.stringify(body));
  return f.hub.intake.receive('contacts-to-sink', { headers, rawBody: raw });
}

describe.each(kinds)('engine pipeline on %s', (kind) => {
  let run = true;
  let f: EngineFixture | null = null;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('engine pipeline on postgres');
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(killProcess));
    await f?.close();
    f = null;
  });

  it('moves a webhook record to the sink once, even when delivered twice', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    const first = await post(f, { id: 'c1', email: ' Ada@Example.com ', name: 'Ada Lovelace' }, { 'x-delivery-id': 'd-1' });
    const again = await post(f, { id: 'c1', email: ' Ada@Example.com ', name: 'Ada Lovelace' }, { 'x-delivery-id': 'd-1' });
    expect(first).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    expect(again).toEqual({ status: 202, body: { accepted: 0, duplicates: 1 } });
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    const rows = f.sink.records('contacts');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace', source_id: 'c1' });
    // The same record sent again under a new delivery id updates (through the cross-reference), never duplicates.
    await post(f, { id: 'c1', email: 'ada@example.com', name: 'Ada King' }, { 'x-delivery-id': 'd-2' });
    await waitFor(async () => (await queueDrained(f!.store)) && f!.sink.records('contacts')[0]?.name === 'Ada King', 'the update');
    expect(f.sink.records('contacts')).toHaveLength(1);
    const runs = await f.store.listRuns({ key: 'ada@example.com' });
    expect(runs.length).toBe(2);
  });

  it('sends invalid data to the dead-letter queue at once, and a fixed replay lands once', async () => {
    if (!run) return;
    f = await engineFixture(kind, { required: { contacts: ['name'] } });
    await post(f, { id: 'c2', email: 'grace@example.com' }, { 'x-delivery-id': 'bad-1' });
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(async () => (await f!.store.listDeadLetters({ status: 'open' })).length === 1, 'a dead letter');
    const [dl] = await f.store.listDeadLetters({ status: 'open' });
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.attempts).toBe(1);
    expect(dl.error.message).toMatch(/name/);
    expect(dl.recordKey).toBe('c2');
    expect(f.sink.records('contacts')).toHaveLength(0);
    await f.store.updateDeadLetterPayload(dl.id, { record: { id: 'c2', email: 'grace@example.com', name: 'Grace Hopper' }, id: 'c2' }, 'test');
    const replayed = await f.store.replayDeadLetters([dl.id], 'test');
    expect(replayed).toHaveLength(1);
    await waitFor(() => f!.sink.records('contacts').length === 1, 'the replayed record');
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    expect(f.sink.records('contacts')).toMatchObject([{ email: 'grace@example.com', name: 'Grace Hopper' }]);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });

  it('runs two jobs about one record one after the other, so they make one target record', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    // The two versions carry different emails, so the match key cannot find the other's record: only
    // serialisation (the second job seeing the first one's cross-reference) prevents a second create.
    await f.hub.deployFlow(flowYaml('xref-only'), 'test');
    f.sink.faults.add({ method: 'POST', path: '^/contacts', fault: { latencyMs: 150 } });
    const send = (n: number) => f!.hub.intake.receive('xref-only', { headers: { 'x-delivery-id': `same-${n}` }, rawBody: Buffer.from(JSON.stringify({ id: 'same', email: `v${n}@example.com`, name: `Version ${n}` })) });
    await send(1);
    await send(2);
    await f.hub.startWorkers(1, { idlePollMs: 20, concurrency: 8 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    expect(f.sink.records('contacts')).toHaveLength(1);
    expect(f.sink.records('contacts')[0]).toMatchObject({ name: 'Version 2' });
  });

  it('lets only one of two records with the same match key create the target', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    f.sink.faults.add({ method: 'POST', path: '^/contacts', fault: { latencyMs: 150 } });
    const batch = [
      { id: 'lead-a', email: 'Shared@Example.com', name: 'From A' },
      { id: 'lead-b', email: 'shared@example.com', name: 'From B' },
    ];
    await post(f, batch, { 'x-delivery-id': 'pair' });
    await f.hub.startWorkers(1, { idlePollMs: 20, concurrency: 8 }, false);
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    expect(f.sink.records('contacts')).toHaveLength(1);
  });

  it('skips a write whose payload equals the last one written (no-op and echo suppression)', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    const record = { id: 'n1', email: 'noop@example.com', name: 'Same' };
    await post(f, record, { 'x-delivery-id': 'n-1' });
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(async () => (await queueDrained(f!.store)) && f!.sink.records('contacts').length === 1, 'the first write');
    const callsAfterFirst = f.sink.calls;
    await post(f, record, { 'x-delivery-id': 'n-2' });
    await waitFor(async () => (await f!.store.listRuns({ flow: 'contacts-to-sink' })).length === 2, 'the second run');
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    expect(f.sink.calls).toBe(callsAfterFirst);
    const [latest] = await f.store.listRuns({ flow: 'contacts-to-sink', limit: 1 });
    const steps = await f.store.listTraces(latest.id);
    expect(steps.find((t) => t.step === 'write:contact')?.status).toBe('unchanged');
  });

  it('retries transient failures with backoff and writes once', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    f.sink.faults.add({ method: 'POST', path: '^/contacts', count: 2, fault: { status: 503, body: { error: 'unavailable' } } });
    await post(f, { id: 'c3', email: 'alan@example.com', name: 'Alan Turing' }, { 'x-delivery-id': 'r-1' });
    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(() => f!.sink.records('contacts').length === 1, 'the record after retries');
    await waitFor(() => queueDrained(f!.store), 'the queue to drain');
    const runs = await f.store.listRuns({ flow: 'contacts-to-sink' });
    expect(runs.map((r) => r.status).sort()).toEqual(['retrying', 'retrying', 'succeeded']);
  });

  it('rejects a wrong signature and a stale timestamp', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    process.env.TEST_HOOK_SECRET = 's3cret';
    await f.hub.deployFlow(flowYaml().replace('type: webhook', 'type: webhook\n  secret: env:TEST_HOOK_SECRET'), 'test');
    const body = Buffer.from(JSON.stringify({ id: 'x', email: 'x@example.com', name: 'X' }));
    const ts = String(Math.floor(Date.now() / 1000));
    const good = await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('s3cret', ts, body) }, rawBody: body });
    expect(good.status).toBe(202);
    const wrong = await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('other', ts, body) }, rawBody: body });
    expect(wrong.status).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const stale = await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-syncline-timestamp': old, 'x-syncline-signature': signWebhook('s3cret', old, body) }, rawBody: body });
    expect(stale.status).toBe(401);
    expect(stale.body.message).toMatch(/tolerance/);
  });

  it('loses nothing and duplicates nothing when a worker is killed with SIGKILL mid-batch', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    const total = 200;
    for (let i = 0; i < total; i += 50) {
      const batch = Array.from({ length: 50 }, (_, k) => ({ id: `k${i + k}`, email: `person${i + k}@example.com`, name: `Person ${i + k}` }));
      const raw = Buffer.from(JSON.stringify(batch));
      const res = await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': `batch-${i}` }, rawBody: raw });
      expect(res.body.accepted).toBe(50);
    }
    // Slow the target so the kill lands while writes are in flight.
    f.sink.faults.add({ path: '^/contacts', fault: { latencyMs: 15 } });
    const first = await startWorkerProcess(f.url, { LEASE_MS: '1500' });
    children.push(first);
    await waitFor(() => f!.sink.records('contacts').length >= 40, 'some writes before the kill');
    await killProcess(first);
    const afterKill = f.sink.records('contacts').length;
    expect(afterKill).toBeLessThan(total);
    f.sink.faults.clear();
    const second = await startWorkerProcess(f.url, { LEASE_MS: '1500' });
    children.push(second);
    await waitFor(() => queueDrained(f!.store), 'the restarted worker to finish', 60_000);
    const rows = f.sink.records('contacts');
    const emails = new Set(rows.map((r) => r.email));
    expect(emails.size).toBe(total);
    expect(rows).toHaveLength(total);
    expect(await f.store.listDeadLetters({ status: 'open' })).toHaveLength(0);
  });

  // Only PostgreSQL serves several worker processes at once; the test is defined for that store alone.
  if (kind === 'postgres') it('never runs the same job twice with two worker processes', async () => {
    if (!run) return;
    f = await engineFixture(kind);
    const total = 300;
    const batch = Array.from({ length: total }, (_, k) => ({ id: `p${k}`, email: `p${k}@example.com`, name: `P ${k}` }));
    await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': 'pg-batch' }, rawBody: Buffer.from(JSON.stringify(batch)) });
    const [a, b] = await Promise.all([startWorkerProcess(f.url, { LEASE_MS: '30000' }), startWorkerProcess(f.url, { LEASE_MS: '30000' })]);
    children.push(a, b);
    await waitFor(() => queueDrained(f!.store), 'both workers to finish', 60_000);
    const runs = await f.store.listRuns({ flow: 'contacts-to-sink', limit: 10_000 });
    const perJob = new Map<string, number>();
    for (const r of runs) perJob.set(r.jobId, (perJob.get(r.jobId) ?? 0) + 1);
    expect(perJob.size).toBe(total);
    expect([...perJob.values()].every((n) => n === 1)).toBe(true);
    expect(f.sink.records('contacts')).toHaveLength(total);
  });
});
