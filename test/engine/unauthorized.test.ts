/**
 * A refused credential ('unauthorized': a wrong password, a revoked client) is not the record's
 * fault: the connection is marked unhealthy, its flows' jobs wait unclaimed without spending
 * attempts (never dead-lettered), and a later successful Test resumes them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { HEALTH_KEY, readHealth } from '../../src/engine/connection-health.js';
import { decideRetry, retryPolicy } from '../../src/engine/retry.js';
import { SyncError } from '../../src/core/errors.js';
import { engineFixture, queueDrained, sinkConnection, waitFor, type EngineFixture } from '../support/engine.js';

describe('unauthorized connections', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('is never dead-lettered by the retry policy, however many attempts were made', () => {
    const d = decideRetry(retryPolicy({ maxAttempts: 2, nonRetryable: ['unauthorized'] }), 50, new SyncError('unauthorized', 'wrong password'));
    expect(d.action).toBe('retry');
  });

  it('pauses the flows of a connection whose credential is refused, spends no attempts, and resumes after a successful Test', async () => {
    f = await engineFixture('sqlite');
    await saveConnection(f.store, f.hub.connectors, { name: 'sink', type: 'http', settings: { ...sinkConnection(f.sink.url), healthPath: '/contacts' } }, 'test');
    // The sink refuses the credential for every write, as a vendor does after a password change.
    f.sink.faults.add({ method: 'POST', path: '^/contacts', fault: { status: 401, body: { error: { code: 'invalid_credentials', message: 'bad password' } } } });
    for (const n of [1, 2, 3]) {
      const res = await f.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': `u-${n}` }, rawBody: Buffer.from(JSON.stringify({ id: `u${n}`, email: `u${n}@example.com`, name: `U ${n}` })) });
      expect(res.status).toBe(202);
    }
    await f.hub.startWorkers(1, { idlePollMs: 20, concurrency: 1 }, false);
    await waitFor(async () => (await readHealth(f!.store, 'sink')) !== null, 'the connection to be marked unhealthy');
    const health = await readHealth(f.store, 'sink');
    expect(health).toMatchObject({ status: 'unauthorized', message: expect.stringContaining('401') });

    // Paused: well past the flow's backoff (10 ms, 4 attempts) nothing more is tried and nothing is dead-lettered.
    const callsWhenPaused = f.sink.calls;
    await new Promise((r) => setTimeout(r, 1500));
    expect(f.sink.calls).toBe(callsWhenPaused);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(await f.store.queueStats()).toMatchObject({ queued: 3, running: 0, deadLetters: 0 });
    const runs = await f.store.listRuns({ flow: 'contacts-to-sink', limit: 50 });
    for (const r of runs) expect(r.error?.kind).toBe('unauthorized');
    const jobs = await Promise.all([...new Set(runs.map((r) => r.jobId))].map((id) => f!.store.getJob(id)));
    for (const j of jobs) expect(j!.attempts).toBe(0);

    // A Test that still fails keeps them paused; once the credential is fixed, a successful Test resumes them.
    f.sink.faults.clear();
    f.sink.faults.add({ method: 'GET', path: '^/contacts', count: 1, fault: { status: 401 } });
    expect((await f.hub.testConnection('sink')).ok).toBe(false);
    expect(await readHealth(f.store, 'sink')).not.toBeNull();
    expect((await f.hub.testConnection('sink')).ok).toBe(true);
    expect(await readHealth(f.store, 'sink')).toBeNull();
    await waitFor(() => queueDrained(f!.store), 'the paused jobs to run');
    expect(f.sink.records('contacts').map((r) => r.email).sort()).toEqual(['u1@example.com', 'u2@example.com', 'u3@example.com']);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect((await f.store.listAudit({ limit: 10 })).some((a) => a.action === 'connection.resume' && a.target === 'connection:sink')).toBe(true);
  });

  it('clears a mark another process set, even while this process has the connection cached as healthy', async () => {
    f = await engineFixture('sqlite');
    await saveConnection(f.store, f.hub.connectors, { name: 'sink', type: 'http', settings: { ...sinkConnection(f.sink.url), healthPath: '/contacts' } }, 'test');
    expect((await f.hub.testConnection('sink')).ok).toBe(true);
    // A worker process marks it (it saw a 401); this API process read "healthy" less than a second ago.
    await f.store.setConnectionState('sink', HEALTH_KEY, { status: 'unauthorized', message: 'POST /contacts → 401', at: new Date().toISOString() });
    expect((await f.hub.testConnection('sink')).ok).toBe(true);
    expect(await readHealth(f.store, 'sink')).toBeNull();
  });
});
