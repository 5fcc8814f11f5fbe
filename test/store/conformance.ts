/**
 * The Store conformance suite: every adapter must pass the same tests. Adapters run it from their
 * own test files (sqlite.test.ts, postgres.test.ts) with a factory for fresh, empty stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SerializedError } from '../../src/core/errors.js';
import { SecretBox, SecretDecryptError } from '../../src/store/secrets.js';
import type { JobRow, NewJob, RunInput, Store, TraceInput } from '../../src/store/types.js';

/** The master key conformance stores are opened with. */
export const TEST_MASTER_KEY = '0f'.repeat(32);

/** A fresh empty store plus ways to reach the same database again. */
export interface StoreHarness {
  store: Store;
  /** Closes every store of this harness and removes the database. */
  cleanup(): Promise<void>;
  /** Another Store instance (own connection/pool) on the same database; closed by cleanup(). */
  reopen?(options?: { masterKey?: string }): Promise<Store>;
  /** Runs raw SQL on the database (to check what is stored at rest). */
  raw?(sqlText: string): Promise<Array<Record<string, unknown>>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runFor(job: JobRow, status: RunInput['status'] = 'succeeded', durationMs = 5): RunInput {
  const started = new Date(Date.now() - durationMs);
  return {
    jobId: job.id,
    flow: job.flow,
    flowVersion: job.flowVersion,
    trigger: job.kind,
    status,
    recordKey: job.recordKey,
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + durationMs).toISOString(),
  };
}

function newJob(flow: string, payload: NewJob['payload'] = {}, extra: Partial<NewJob> = {}): NewJob {
  return { flow, flowVersion: 1, kind: 'manual', payload, maxAttempts: 3, ...extra };
}

const invalidEmail: SerializedError = {
  kind: 'invalid_data',
  message: 'Email is not valid',
  details: { system: 'sage100', vendorCode: 'CI_Invalid', field: 'EmailAddress' },
};

/** Waits until `check` passes or `ms` elapse (for asynchronous notifications). */
async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}

/** Registers the whole suite for one adapter. */
export function runStoreConformance(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    async function claimOne(workerId = 'w1', leaseMs = 30_000): Promise<JobRow> {
      const [job] = await store.claimJobs({ workerId, limit: 1, leaseMs });
      expect(job).toBeDefined();
      return job;
    }

    describe('migrations', () => {
      it('are idempotent', async () => {
        await store.migrate();
        await store.migrate();
        expect(await store.listFlows()).toEqual([]);
      });
    });

    describe('connections', () => {
      it('round-trips settings and secrets, and never lists secret values', async () => {
        const row = await store.putConnection(
          { name: 'sage', type: 'sage100', settings: { host: 'h', port: 1 }, secrets: { password: 'hunter2', apiKey: 'k-123' } },
          'alice',
        );
        expect(row).toMatchObject({ name: 'sage', type: 'sage100', settings: { host: 'h', port: 1 }, secretNames: ['apiKey', 'password'] });
        expect(row).not.toHaveProperty('secrets');

        const full = await store.getConnection('sage');
        expect(full?.secrets).toEqual({ password: 'hunter2', apiKey: 'k-123' });
        expect(full?.settings).toEqual({ host: 'h', port: 1 });

        const list = await store.listConnections();
        expect(list).toHaveLength(1);
        expect(list[0]).not.toHaveProperty('secrets');
        expect(JSON.stringify(list)).not.toContain('hunter2');
        expect(list[0].secretNames).toEqual(['apiKey', 'password']);
        expect(await store.getConnection('nope')).toBeNull();
      });

      it('stores secrets encrypted at rest with a fresh IV per value', async () => {
        if (!h.raw) return;
        await store.putConnection({ name: 'a', type: 't', settings: {}, secrets: { one: 'same-value', two: 'same-value' } });
        const rows = await h.raw("select secrets from connections where name = 'a'");
        const text = String(rows[0].secrets);
        expect(text).not.toContain('same-value');
        const stored = JSON.parse(text) as Record<string, string>;
        expect(stored.one).toMatch(/^v1:/);
        expect(stored.one).not.toEqual(stored.two);
      });

      it('merges secrets on update, removes a secret set to empty, keeps createdAt', async () => {
        const first = await store.putConnection({ name: 'c', type: 't', settings: { a: 1 }, secrets: { x: '1', y: '2' } });
        await sleep(5);
        const second = await store.putConnection({ name: 'c', type: 't', settings: { a: 2 }, secrets: { x: '', z: '3' } });
        expect(second.createdAt).toBe(first.createdAt);
        expect(second.updatedAt > first.updatedAt).toBe(true);
        expect(second.secretNames).toEqual(['y', 'z']);
        expect((await store.getConnection('c'))?.secrets).toEqual({ y: '2', z: '3' });
        expect((await store.getConnection('c'))?.settings).toEqual({ a: 2 });
      });

      it('fails clearly, naming the connection, under the wrong master key', async () => {
        if (!h.reopen) return;
        await store.putConnection({ name: 'pardot-prod', type: 'pardot', settings: {}, secrets: { clientSecret: 's3cret' } });
        const other = await h.reopen({ masterKey: 'ab'.repeat(32) });
        const err = await other.getConnection('pardot-prod').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SecretDecryptError);
        expect(String((err as Error).message)).toContain('pardot-prod');
        expect(String((err as Error).message)).toContain('clientSecret');
        // Listing needs no decryption, so it still works.
        expect((await other.listConnections()).map((c) => c.name)).toEqual(['pardot-prod']);
        // And the right key, on another instance, still decrypts.
        const same = await h.reopen({ masterKey: TEST_MASTER_KEY });
        expect((await same.getConnection('pardot-prod'))?.secrets).toEqual({ clientSecret: 's3cret' });
      });

      it('rotates the master key: every secret and state value re-encrypted, readable only with the new key', async () => {
        if (!h.reopen) return;
        await store.putConnection({ name: 'sf', type: 'salesforce', settings: { a: 1 }, secrets: { privateKey: 'pem', clientSecret: 'cs' } });
        await store.putConnection({ name: 'sage', type: 'sage100', settings: {}, secrets: { password: 'p;w}d' } });
        await store.setConnectionState('sf', 'salesforce.oauth.token', { accessToken: 'tok', refreshToken: 'ref' });
        const newKey = 'cd'.repeat(32);
        const result = await store.rotateMasterKey(new SecretBox({ masterKey: newKey }), 'ops');
        expect(result).toEqual({ connections: 2, secrets: 3, stateValues: 1, channelSecrets: 0 });
        const rotated = await h.reopen({ masterKey: newKey });
        expect((await rotated.getConnection('sf'))?.secrets).toEqual({ privateKey: 'pem', clientSecret: 'cs' });
        expect((await rotated.getConnection('sage'))?.secrets).toEqual({ password: 'p;w}d' });
        expect(await rotated.getConnectionState('sf', 'salesforce.oauth.token')).toEqual({ accessToken: 'tok', refreshToken: 'ref' });
        const old = await h.reopen({ masterKey: TEST_MASTER_KEY });
        await expect(old.getConnection('sf')).rejects.toBeInstanceOf(SecretDecryptError);
        expect((await rotated.listAudit({ limit: 5 })).map((e) => e.action)).toContain('keys.rotate');
      });

      it('deletes connections with their state, and audits every change', async () => {
        await store.putConnection({ name: 'c', type: 't', settings: {}, secrets: {} }, 'alice');
        await store.putConnection({ name: 'c', type: 't', settings: {}, secrets: { k: 'v' } }, 'bob');
        await store.setConnectionState('c', 'token', { access: 'x', exp: 5 });
        expect(await store.deleteConnection('c', 'carol')).toBe(true);
        expect(await store.deleteConnection('c', 'carol')).toBe(false);
        expect(await store.getConnection('c')).toBeNull();
        expect(await store.getConnectionState('c', 'token')).toBeUndefined();
        const audit = await store.listAudit({});
        expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
          ['carol', 'connection.delete', 'connection:c'],
          ['bob', 'connection.update', 'connection:c'],
          ['alice', 'connection.create', 'connection:c'],
        ]);
        expect(JSON.stringify(audit)).not.toContain('"v"');
        // Filtered by one action, or by a family of actions (a prefix ending in a dot).
        expect((await store.listAudit({ action: 'connection.update' })).map((a) => a.actor)).toEqual(['bob']);
        await store.audit({ actor: 'dave', action: 'connectionx.other', target: 'x' });
        expect((await store.listAudit({ action: 'connection.' })).map((a) => a.action)).toEqual(['connection.delete', 'connection.update', 'connection.create']);
      });

      it('keeps per-connection state as JSON', async () => {
        await store.putConnection({ name: 'c', type: 't', settings: {}, secrets: {} });
        expect(await store.getConnectionState('c', 'k')).toBeUndefined();
        await store.setConnectionState('c', 'k', { n: 1, list: [1, 'a'] });
        expect(await store.getConnectionState('c', 'k')).toEqual({ n: 1, list: [1, 'a'] });
        await store.setConnectionState('c', 'k', 42);
        expect(await store.getConnectionState('c', 'k')).toBe(42);
        await store.setConnectionState('c', 'nothing', null);
        expect(await store.getConnectionState('c', 'nothing')).toBeNull();
      });

      it('keeps the last discovered schema of a connection, replaced by the next, and drops it with the connection', async () => {
        await store.putConnection({ name: 's', type: 't', settings: {}, secrets: {} });
        expect(await store.getConnectionSchema('s')).toBeNull();
        const entities = [{ name: 'Lead', idField: 'Id', fields: [{ name: 'Email', type: 'email' as const, maxLength: 80 }], operations: ['read' as const] }];
        await store.saveConnectionSchema({ connection: 's', type: 't', entities, discoveredAt: '2026-12-01T10:00:00.000Z' });
        expect(await store.getConnectionSchema('s')).toEqual({ connection: 's', type: 't', entities, discoveredAt: '2026-12-01T10:00:00.000Z' });
        await store.saveConnectionSchema({ connection: 's', type: 't', entities: [], discoveredAt: '2026-12-02T10:00:00.000Z' });
        expect(await store.getConnectionSchema('s')).toMatchObject({ entities: [], discoveredAt: '2026-12-02T10:00:00.000Z' });
        await store.deleteConnection('s');
        expect(await store.getConnectionSchema('s')).toBeNull();
      });

      it('keeps a vendor job\'s data in numbered parts outside the job rows, replaces a part, and drops them all together', async () => {
        expect(await store.readBatchPart('b1', 0)).toBeNull();
        await store.saveBatchPart('b1', 0, '{"records":[{"id":"C1"}]}');
        await store.saveBatchPart('b1', 1, 'second');
        await store.saveBatchPart('b2', 0, 'other batch');
        await store.saveBatchPart('b1', 1, 'second, again');
        expect(await store.readBatchPart('b1', 0)).toBe('{"records":[{"id":"C1"}]}');
        expect(await store.readBatchPart('b1', 1)).toBe('second, again');
        await store.deleteBatchData('b1');
        expect(await store.readBatchPart('b1', 0)).toBeNull();
        expect(await store.readBatchPart('b1', 1)).toBeNull();
        expect(await store.readBatchPart('b2', 0)).toBe('other batch');
      });

      it('encrypts connection state at rest (OAuth access and refresh tokens live there)', async () => {
        if (!h.raw) return;
        await store.putConnection({ name: 'sf', type: 't', settings: {}, secrets: {} });
        const token = { accessToken: '00Dxx!AQ-access-token-value', refreshToken: '5Aep-refresh-token-value', instanceUrl: 'https://x.my.salesforce.com' };
        await store.setConnectionState('sf', 'oauth', token);
        const rows = await h.raw("SELECT value FROM connection_state WHERE connection = 'sf'");
        expect(rows).toHaveLength(1);
        const atRest = JSON.stringify(rows);
        expect(atRest).not.toContain('access-token-value');
        expect(atRest).not.toContain('refresh-token-value');
        expect(await store.getConnectionState('sf', 'oauth')).toEqual(token);
        // Bound to its connection and key: copied to another key it does not decrypt.
        if (h.reopen) {
          const wrong = await h.reopen({ masterKey: '1e'.repeat(32) });
          await expect(wrong.getConnectionState('sf', 'oauth')).rejects.toBeInstanceOf(SecretDecryptError);
        }
      });
    });

    describe('flows', () => {
      const deploy = (source: string, hash = source) =>
        store.deployFlow({ flow: 'leads', source, definition: { name: 'leads', source }, hash, deployedBy: 'alice' });

      it('creates a version only when the hash changes', async () => {
        const v1 = await deploy('a');
        expect(v1.created).toBe(true);
        expect(v1.version).toMatchObject({ flow: 'leads', version: 1, source: 'a', hash: 'a', deployedBy: 'alice', definition: { name: 'leads', source: 'a' } });
        const again = await deploy('a');
        expect(again).toMatchObject({ created: false, version: { version: 1 } });
        const v2 = await deploy('b');
        expect(v2).toMatchObject({ created: true, version: { version: 2 } });
        // Going back to old text is a change relative to the current version: a new version.
        const v3 = await deploy('a');
        expect(v3).toMatchObject({ created: true, version: { version: 3 } });
        expect((await store.getFlow('leads'))?.currentVersion).toBe(3);
        expect((await store.listFlowVersions('leads')).map((v) => v.version)).toEqual([3, 2, 1]);
        expect((await store.getFlowVersion('leads', 2))?.source).toBe('b');
        expect(await store.getFlowVersion('leads', 9)).toBeNull();
        expect(await store.getFlow('other')).toBeNull();
      });

      it('changes status, audits deploys and status changes', async () => {
        await deploy('a');
        expect((await store.getFlow('leads'))?.status).toBe('active');
        await store.setFlowStatus('leads', 'paused', 'bob');
        expect((await store.listFlows()).map((f) => [f.name, f.status])).toEqual([['leads', 'paused']]);
        await expect(store.setFlowStatus('missing', 'paused')).rejects.toThrow(/missing/);
        const audit = await store.listAudit({});
        expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
          ['bob', 'flow.status', 'flow:leads'],
          ['alice', 'flow.deploy', 'flow:leads'],
        ]);
        expect(audit[0].details).toEqual({ status: 'paused' });
      });

      it('gives concurrent deploys of different text distinct versions', async () => {
        const results = await Promise.all(['a', 'b', 'c', 'd'].map((s) => deploy(s)));
        const versions = results.map((r) => r.version.version).sort();
        expect(versions).toEqual([1, 2, 3, 4]);
      });
    });

    describe('inbox', () => {
      it('drops repeated delivery ids within a batch and across batches', async () => {
        const first = await store.ingest(
          [
            { flow: 'f', deliveryId: 'd1', payload: { n: 1 }, recordKey: 'r1' },
            { flow: 'f', deliveryId: 'd1', payload: { n: 2 } },
            { flow: 'f', deliveryId: 'd2', payload: { n: 3 } },
            { flow: 'g', deliveryId: 'd1', payload: { n: 4 } },
          ],
          { flowVersion: 7, maxAttempts: 5 },
        );
        expect(first.accepted).toBe(3);
        expect(first.duplicates).toBe(1);
        expect(first.jobIds).toHaveLength(3);
        const job = await store.getJob(first.jobIds[0]);
        expect(job).toMatchObject({ flow: 'f', flowVersion: 7, kind: 'event', payload: { n: 1 }, recordKey: 'r1', maxAttempts: 5, status: 'queued', attempts: 0 });

        const second = await store.ingest(
          [
            { flow: 'f', deliveryId: 'd2', payload: {} },
            { flow: 'f', deliveryId: 'd3', payload: {} },
          ],
          { flowVersion: 7, maxAttempts: 5 },
        );
        expect(second).toMatchObject({ accepted: 1, duplicates: 1 });
        expect((await store.queueStats()).queued).toBe(4);
      });

      it('enqueues jobs of the kind asked for (schedule ticks go through the inbox as poll jobs)', async () => {
        const r = await store.ingest([{ flow: 'f', deliveryId: 'tick:2026-01-01T00:00', payload: { slot: 1 } }], { flowVersion: 1, maxAttempts: 1, kind: 'poll' });
        expect((await store.getJob(r.jobIds[0]))?.kind).toBe('poll');
        const again = await store.ingest([{ flow: 'f', deliveryId: 'tick:2026-01-01T00:00', payload: { slot: 1 } }], { flowVersion: 1, maxAttempts: 1, kind: 'poll' });
        expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
      });

      it('handles batches larger than one statement', async () => {
        const events = Array.from({ length: 1234 }, (_, i) => ({ flow: 'f', deliveryId: `d${i % 1000}`, payload: { i } }));
        const result = await store.ingest(events, { flowVersion: 1, maxAttempts: 3 });
        expect(result).toMatchObject({ accepted: 1000, duplicates: 234 });
        expect(new Set(result.jobIds).size).toBe(1000);
        expect((await store.queueStats()).queued).toBe(1000);
      });

      it('takes calls arriving together as if one after the other: each delivery id once, for the first call that carries it', async () => {
        const calls = Array.from({ length: 12 }, (_, i) => [
          { flow: 'f', deliveryId: `own${i}`, payload: { i } },
          { flow: 'f', deliveryId: `shared${i % 3}`, payload: { i } },
        ]);
        const results = await Promise.all(calls.map((events, i) => store.ingest(events, { flowVersion: 1, maxAttempts: 2 + (i % 2) })));
        expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(15);
        expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(9);
        expect(results.slice(0, 3).map((r) => r.accepted)).toEqual([2, 2, 2]);
        expect(results.slice(3).every((r) => r.accepted === 1 && r.duplicates === 1)).toBe(true);
        const jobs = await Promise.all(results.flatMap((r) => r.jobIds).map((j) => store.getJob(j)));
        expect(new Set(jobs.map((j) => j!.id)).size).toBe(15);
        // Each job carries its own call's settings and payload.
        expect(jobs.filter((j) => j!.maxAttempts === 3).length).toBe(results.filter((_, i) => i % 2 === 1).reduce((n, r) => n + r.accepted, 0));
        const own5 = await store.getJob(results[5].jobIds[0]);
        expect(own5).toMatchObject({ payload: { i: 5 }, maxAttempts: 3, status: 'queued' });
      });

      it('counts concurrent deliveries of the same event once', async () => {
        const stores = h.reopen ? [store, await h.reopen(), await h.reopen()] : [store, store, store];
        const batches = await Promise.all(
          stores.map((s) => s.ingest([{ flow: 'f', deliveryId: 'same', payload: {} }], { flowVersion: 1, maxAttempts: 3 })),
        );
        expect(batches.reduce((n, b) => n + b.accepted, 0)).toBe(1);
        expect((await store.queueStats()).queued).toBe(1);
      });
    });

    describe('queue', () => {
      it('claims due jobs only, up to the limit, for the requested flows', async () => {
        const future = new Date(Date.now() + 3_600_000).toISOString();
        await store.enqueue([newJob('a', 1), newJob('a', 2), newJob('b', 3), newJob('a', 4, { runAt: future })]);
        expect(await store.queueStats()).toEqual({ queued: 4, running: 0, delayed: 1, deadLetters: 0 });

        const onlyB = await store.claimJobs({ workerId: 'w1', limit: 10, leaseMs: 30_000, flows: ['b'] });
        expect(onlyB.map((j) => j.payload)).toEqual([3]);
        const one = await store.claimJobs({ workerId: 'w1', limit: 1, leaseMs: 30_000 });
        expect(one).toHaveLength(1);
        expect(one[0]).toMatchObject({ status: 'running', leaseOwner: 'w1', attempts: 1 });
        expect(one[0].leaseExpiresAt! > new Date().toISOString()).toBe(true);
        const rest = await store.claimJobs({ workerId: 'w2', limit: 10, leaseMs: 30_000 });
        expect(rest).toHaveLength(1);
        expect(await store.claimJobs({ workerId: 'w3', limit: 10, leaseMs: 30_000 })).toEqual([]);
        expect(await store.claimJobs({ workerId: 'w3', limit: 10, leaseMs: 30_000, flows: [] })).toEqual([]);
        expect(await store.queueStats()).toEqual({ queued: 1, running: 3, delayed: 1, deadLetters: 0 });
      });

      it('reports the backlog (queued, delayed and running jobs) in all and per flow, with the oldest due job', async () => {
        expect(await store.backlog(true)).toEqual({ pending: 0, oldestDueAt: null, flows: [] });
        const t = Date.now();
        const oldest = new Date(t - 5000).toISOString();
        await store.enqueue([
          newJob('a', 1, { runAt: oldest }),
          newJob('a', 2, { runAt: new Date(t - 1000).toISOString() }),
          newJob('b', 3, { runAt: new Date(t + 3_600_000).toISOString() }),
        ]);
        const [claimed] = await store.claimJobs({ workerId: 'w1', limit: 1, leaseMs: 30_000, flows: ['a'] });
        expect(claimed.payload).toBe(1);
        const done = await store.enqueue([newJob('c', 4)]);
        const [c] = await store.claimJobs({ workerId: 'w1', limit: 1, leaseMs: 30_000, flows: ['c'] });
        expect(c.id).toBe(done[0]);
        await store.completeJob({ jobId: c.id, workerId: 'w1', run: { jobId: c.id, flow: 'c', flowVersion: 1, trigger: 'manual', status: 'succeeded', recordKey: null, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() }, traces: [] });
        // Finished jobs are not backlog; a delayed job is, but it is not waiting yet.
        const totals = await store.backlog(false);
        expect(totals).toMatchObject({ pending: 3, flows: null });
        expect(Date.parse(totals.oldestDueAt!)).toBe(t - 1000);
        const perFlow = await store.backlog(true);
        expect(perFlow.flows!.sort((x, y) => x.flow.localeCompare(y.flow))).toEqual([
          { flow: 'a', pending: 2, oldestDueAt: new Date(t - 1000).toISOString() },
          { flow: 'b', pending: 1, oldestDueAt: null },
        ]);
      });

      it('claims in run_at order', async () => {
        const t = Date.now();
        await store.enqueue([
          newJob('a', 'late', { runAt: new Date(t - 1000).toISOString() }),
          newJob('a', 'early', { runAt: new Date(t - 5000).toISOString() }),
          newJob('a', 'middle', { runAt: new Date(t - 3000).toISOString() }),
        ]);
        const [first] = await store.claimJobs({ workerId: 'w', limit: 1, leaseMs: 30_000 });
        expect(first.payload).toBe('early');
        const rest = await store.claimJobs({ workerId: 'w', limit: 5, leaseMs: 30_000 });
        expect(rest.map((j) => j.payload)).toEqual(['middle', 'late']);
      });

      it('re-claims a job whose lease expired and refuses the old holder’s completion', async () => {
        await store.enqueue([newJob('a', { n: 1 })]);
        const job = await claimOne('dead-worker', 50);
        await sleep(150);
        const [again] = await store.claimJobs({ workerId: 'w2', limit: 5, leaseMs: 30_000 });
        expect(again?.id).toBe(job.id);
        expect(again.attempts).toBe(2);
        expect(again.leaseOwner).toBe('w2');

        expect(await store.completeJob({ jobId: job.id, workerId: 'dead-worker', run: runFor(job), traces: [] })).toBe(false);
        expect(await store.retryJob({ jobId: job.id, workerId: 'dead-worker', runAt: new Date().toISOString(), error: invalidEmail, run: runFor(job, 'retrying'), traces: [] })).toBe(false);
        expect(await store.deadLetterJob({ jobId: job.id, workerId: 'dead-worker', error: invalidEmail, run: runFor(job, 'dead'), traces: [] })).toBe(false);
        expect(await store.listRuns({})).toEqual([]);

        expect(await store.completeJob({ jobId: job.id, workerId: 'w2', run: runFor(again), traces: [] })).toBe(true);
        expect(await store.completeJob({ jobId: job.id, workerId: 'w2', run: runFor(again), traces: [] })).toBe(false);
        expect((await store.getJob(job.id))?.status).toBe('done');
        const runs = await store.listRuns({});
        expect(runs).toHaveLength(1);
        expect(runs[0].attempt).toBe(2);
      });

      it('does not re-claim a job whose lease is still valid', async () => {
        await store.enqueue([newJob('a')]);
        await claimOne('w1', 60_000);
        expect(await store.claimJobs({ workerId: 'w2', limit: 5, leaseMs: 1000 })).toEqual([]);
      });

      it('lists lease holders and ends the leases of the ones named, so their jobs are claimed at once', async () => {
        await store.enqueue([newJob('a'), newJob('a')]);
        await claimOne('dead', 60_000);
        await claimOne('alive', 60_000);
        expect(await store.leaseOwners()).toEqual(['alive', 'dead']);
        expect(await store.expireLeases([])).toBe(0);
        expect(await store.expireLeases(['dead'])).toBe(1);
        const again = await store.claimJobs({ workerId: 'w2', limit: 5, leaseMs: 30_000 });
        expect(again.map((j) => j.attempts)).toEqual([2]);
        expect(await store.leaseOwners()).toEqual(['alive', 'w2']);
      });

      it('renews leases the worker still holds and reports the ones it lost', async () => {
        await store.enqueue([newJob('a'), newJob('a')]);
        const mine = await store.claimJobs({ workerId: 'w1', limit: 2, leaseMs: 50 });
        const [keep, lose] = mine;
        await sleep(120);
        const stolen = await store.claimJobs({ workerId: 'w2', limit: 1, leaseMs: 30_000 });
        // w2 takes the earliest; make `lose` the one it took.
        const lostId = stolen[0].id;
        const keptId = lostId === keep.id ? lose.id : keep.id;
        const lostIds = await store.renewLeases({ workerId: 'w1', jobIds: [keptId, lostId, 'nope'], leaseMs: 60_000 });
        expect(lostIds.sort()).toEqual([lostId, 'nope'].sort());
        const kept = await store.getJob(keptId);
        expect(kept!.leaseExpiresAt! > new Date(Date.now() + 30_000).toISOString()).toBe(true);
        expect(await store.claimJobs({ workerId: 'w3', limit: 5, leaseMs: 1000 })).toEqual([]);
      });

      it('never gives the same job to two concurrent claimers', async () => {
        const total = 300;
        await store.enqueue(Array.from({ length: total }, (_, i) => newJob('a', i)));
        const stores = h.reopen ? [store, await h.reopen(), await h.reopen(), await h.reopen()] : [store, store, store, store];
        const claimed: string[][] = stores.map(() => []);
        await Promise.all(
          stores.map(async (s, i) => {
            while (true) {
              const jobs = await s.claimJobs({ workerId: `w${i}`, limit: 7, leaseMs: 60_000 });
              if (jobs.length === 0) break;
              for (const j of jobs) {
                expect(j.leaseOwner).toBe(`w${i}`);
                claimed[i].push(j.id);
              }
            }
          }),
        );
        const all = claimed.flat();
        expect(all).toHaveLength(total);
        expect(new Set(all).size).toBe(total);
        expect((await store.queueStats()).running).toBe(total);
      });

      it('completes a job with its run, traces, xref links, hashes and follow-up jobs atomically', async () => {
        await store.enqueue([newJob('a', { Email: 'x@y.com' }, { kind: 'event', recordKey: 'P-1' })]);
        const job = await claimOne();
        const traces: TraceInput[] = [
          { step: 'trigger', status: 'ok', keys: ['P-1', 'X@Y.com'] },
          {
            step: 'write:customer',
            status: 'ok',
            connection: 'sage',
            entity: 'AR_Customer',
            externalId: '01-ABC',
            before: null,
            after: { Name: 'X' },
            lineage: [{ field: 'Name', sources: ['FirstName'], rule: 'copy FirstName', value: 'X' }],
            keys: ['01-ABC', 'x@y.com'],
          },
        ];
        const ok = await store.completeJob({
          jobId: job.id,
          workerId: 'w1',
          run: { ...runFor(job), stats: { writes: 1 } },
          traces,
          xref: [{ a: { connection: 'pardot', entity: 'prospect', id: 'P-1' }, b: { connection: 'sage', entity: 'AR_Customer', id: '01-ABC' } }],
          hashes: [{ target: { connection: 'sage', entity: 'AR_Customer', id: '01-ABC' }, hash: 'h1' }],
          enqueue: [newJob('b', { follow: true })],
        });
        expect(ok).toBe(true);
        expect((await store.getJob(job.id))).toMatchObject({ status: 'done', leaseOwner: null, leaseExpiresAt: null });
        const [run] = await store.listRuns({});
        expect(run).toMatchObject({ jobId: job.id, flow: 'a', status: 'succeeded', recordKey: 'P-1', attempt: 1, stats: { writes: 1 }, trigger: 'event' });
        expect(await store.getRun(run.id)).toEqual(run);
        const stored = await store.listTraces(run.id);
        expect(stored.map((t) => t.step)).toEqual(['trigger', 'write:customer']);
        expect(stored[1]).toMatchObject({ runId: run.id, flow: 'a', connection: 'sage', entity: 'AR_Customer', externalId: '01-ABC', after: { Name: 'X' }, before: null });
        expect(stored[1].lineage).toEqual(traces[1].lineage);
        expect(stored[0].keys).toEqual(['p-1', 'x@y.com']);
        expect(await store.xrefFind({ connection: 'pardot', entity: 'prospect', id: 'P-1' }, 'sage', 'AR_Customer')).toBe('01-ABC');
        expect(await store.getTargetHash({ connection: 'sage', entity: 'AR_Customer', id: '01-ABC' })).toBe('h1');
        const [follow] = await store.claimJobs({ workerId: 'w1', limit: 5, leaseMs: 1000 });
        expect(follow).toMatchObject({ flow: 'b', payload: { follow: true } });
      });

      it('runs the jobs of one record in order: a later one waits while an earlier one is queued, retrying or running', async () => {
        const t = new Date(Date.now() - 1000).toISOString();
        await store.enqueue([newJob('a', 'o1-placed', { recordKey: 'order-1', runAt: t }), newJob('a', 'o2', { recordKey: 'order-2', runAt: t })]);
        await store.enqueue([newJob('a', 'o1-shipped', { recordKey: 'order-1', runAt: t }), newJob('a', 'no-key', { runAt: t })]);
        // Concurrent claimers (other connections on PostgreSQL) never take a record's later job.
        const stores = h.reopen ? [store, await h.reopen(), await h.reopen()] : [store, store, store];
        const firstRound = (await Promise.all(stores.map((s, i) => s.claimJobs({ workerId: `w${i}`, limit: 10, leaseMs: 60_000 })))).flat();
        expect(firstRound.map((j) => j.payload).sort()).toEqual(['no-key', 'o1-placed', 'o2']);
        const placed = firstRound.find((j) => j.payload === 'o1-placed')!;
        const err: SerializedError = { kind: 'retryable', message: 'HTTP 503', details: { status: 503 } };
        // Retrying (due again at once) still holds the later one back, and comes first itself.
        await store.retryJob({ jobId: placed.id, workerId: placed.leaseOwner!, runAt: new Date(Date.now() - 500).toISOString(), error: err, run: runFor(placed, 'retrying'), traces: [] });
        const again = await store.claimJobs({ workerId: 'w9', limit: 10, leaseMs: 60_000 });
        expect(again.map((j) => j.payload)).toEqual(['o1-placed']);
        expect(await store.claimJobs({ workerId: 'w9', limit: 10, leaseMs: 60_000 })).toEqual([]);
        // Once it ends (done, or dead-lettered), the next change of the record runs.
        await store.deadLetterJob({ jobId: again[0].id, workerId: 'w9', error: err, run: runFor(again[0], 'dead'), traces: [] });
        expect((await store.claimJobs({ workerId: 'w9', limit: 10, leaseMs: 60_000 })).map((j) => j.payload)).toEqual(['o1-shipped']);
      });

      it('puts a retried job back with its error and records the attempt', async () => {
        await store.enqueue([newJob('a', 1)]);
        const job = await claimOne();
        const err: SerializedError = { kind: 'retryable', message: 'HTTP 503', details: { status: 503 } };
        const later = new Date(Date.now() + 200).toISOString();
        expect(await store.retryJob({ jobId: job.id, workerId: 'w1', runAt: later, error: err, run: { ...runFor(job, 'retrying'), error: err }, traces: [{ step: 'write:x', status: 'failed', error: err }] })).toBe(true);
        const waiting = await store.getJob(job.id);
        expect(waiting).toMatchObject({ status: 'queued', runAt: later, lastError: err, leaseOwner: null, attempts: 1 });
        expect((await store.queueStats()).delayed).toBe(1);
        expect(await store.claimJobs({ workerId: 'w1', limit: 1, leaseMs: 1000 })).toEqual([]);
        await sleep(250);
        const again = await claimOne('w2');
        expect(again).toMatchObject({ id: job.id, attempts: 2 });
        const runs = await store.listRuns({ status: 'retrying' });
        expect(runs).toHaveLength(1);
        expect(runs[0].error).toEqual(err);
        expect((await store.listTraces(runs[0].id))[0].error).toEqual(err);
      });

      it('records outcomes finished together exactly as one by one: runs, traces, merged links, hashes, lost leases', async () => {
        const total = 24;
        await store.enqueue(Array.from({ length: total }, (_, i) => newJob('a', i, { kind: 'event', recordKey: `R${i}` })));
        const jobs = await store.claimJobs({ workerId: 'w1', limit: total, leaseMs: 60_000 });
        expect(jobs).toHaveLength(total);
        const x = (connection: string, i: string | number) => ({ connection, entity: 'contact', id: String(i) });
        const err: SerializedError = { kind: 'retryable', message: 'HTTP 503', details: { status: 503 } };
        const outcomes = await Promise.all(
          jobs.map((job, i) => {
            const common = {
              jobId: job.id,
              // Job 0 reports for a worker that does not hold it: nothing of it may be recorded.
              workerId: i === 0 ? 'w-other' : 'w1',
              traces: [{ step: 'trigger', status: 'ok' as const, keys: [`R${i}`, `k${i}@x.com`] }, { step: 'write:t', status: 'ok' as const, externalId: `T${i}` }],
              // Chains across jobs: src i → tgt i, and every fourth job also joins tgt i to tgt i-1, merging groups.
              xref: [{ a: x('src', i), b: x('tgt', i) }, ...(i % 4 === 3 ? [{ a: x('tgt', i), b: x('tgt', i - 1) }] : [])],
              hashes: [{ target: x('tgt', i), hash: `h${i}` }],
            };
            return i % 5 === 4
              ? store.retryJob({ ...common, runAt: new Date(Date.now() + 60_000).toISOString(), error: err, run: { ...runFor(job, 'retrying'), error: err } })
              : store.completeJob({ ...common, run: runFor(job) });
          }),
        );
        expect(outcomes[0]).toBe(false);
        expect(outcomes.slice(1).every(Boolean)).toBe(true);
        expect((await store.getJob(jobs[0].id))).toMatchObject({ status: 'running', leaseOwner: 'w1' });
        expect(await store.listRuns({ jobId: jobs[0].id })).toEqual([]);
        expect(await store.xrefFind(x('src', 0), 'tgt', 'contact')).toBeNull();
        for (let i = 1; i < total; i++) {
          const job = (await store.getJob(jobs[i].id))!;
          expect(job.status).toBe(i % 5 === 4 ? 'queued' : 'done');
          if (i % 5 === 4) expect(job.lastError).toEqual(err);
          const runs = await store.listRuns({ jobId: jobs[i].id });
          expect(runs).toHaveLength(1);
          expect(runs[0]).toMatchObject({ status: i % 5 === 4 ? 'retrying' : 'succeeded', attempt: 1, recordKey: `R${i}` });
          expect((await store.listTraces(runs[0].id)).map((t) => t.step)).toEqual(['trigger', 'write:t']);
          expect((await store.listRuns({ key: `k${i}@x.com` })).map((r) => r.id)).toEqual([runs[0].id]);
          expect(await store.getTargetHash(x('tgt', i))).toBe(`h${i}`);
          expect(await store.xrefFind(x('src', i), 'tgt', 'contact')).not.toBeNull();
        }
        // src 3 and tgt 3 joined tgt 2's group, which holds src 2: four ids, one group.
        expect((await store.xrefLinked(x('src', 3))).map((r) => `${r.connection}:${r.id}`)).toEqual(['src:2', 'src:3', 'tgt:2', 'tgt:3']);
        expect((await store.xrefLinked(x('src', 1))).map((r) => `${r.connection}:${r.id}`)).toEqual(['src:1', 'tgt:1']);
      });

      it('moves a job to the dead letters with its signature and payload', async () => {
        await store.enqueue([newJob('a', { Email: 'bad' }, { kind: 'event', recordKey: 'R1', maxAttempts: 4 })]);
        const job = await claimOne();
        expect(await store.deadLetterJob({ jobId: job.id, workerId: 'w1', error: invalidEmail, run: { ...runFor(job, 'dead'), error: invalidEmail }, traces: [] })).toBe(true);
        expect((await store.getJob(job.id))).toMatchObject({ status: 'dead', lastError: invalidEmail });
        const [letter] = await store.listDeadLetters({});
        expect(letter).toMatchObject({
          jobId: job.id,
          flow: 'a',
          flowVersion: 1,
          recordKey: 'R1',
          payload: { Email: 'bad' },
          error: invalidEmail,
          errorKind: 'invalid_data',
          signature: 'invalid_data:sage100:CI_Invalid:EmailAddress',
          status: 'open',
          attempts: 1,
          replayJobId: null,
        });
        expect(await store.getDeadLetter(letter.id)).toEqual(letter);
        expect((await store.queueStats()).deadLetters).toBe(1);
        expect(await store.deadLetterJob({ jobId: job.id, workerId: 'w1', error: invalidEmail, run: runFor(job, 'dead'), traces: [] })).toBe(false);
      });
    });

    describe('polls and watermarks', () => {
      it('advances the watermark and enqueues the poll’s jobs together', async () => {
        expect(await store.getWatermark('f', 'prospect')).toBeNull();
        const ids = await store.commitPoll({ flow: 'f', watermarkKey: 'prospect', watermark: { at: '2026-01-01T00:00:00.000Z', key: '9' }, jobs: [newJob('f', 1), newJob('f', 2)] });
        expect(ids).toHaveLength(2);
        expect(await store.getWatermark('f', 'prospect')).toEqual({ at: '2026-01-01T00:00:00.000Z', key: '9' });
        await store.commitPoll({ flow: 'f', watermarkKey: 'prospect', watermark: { at: '2026-01-02T00:00:00.000Z', extra: { page: 'p2' } }, jobs: [] });
        expect(await store.getWatermark('f', 'prospect')).toEqual({ at: '2026-01-02T00:00:00.000Z', extra: { page: 'p2' } });
        expect(await store.getWatermark('f', 'other')).toBeNull();
        expect((await store.queueStats()).queued).toBe(2);
      });

      it('passes poll records through the inbox, dropping ones already seen, in the watermark’s transaction', async () => {
        const eventJob = { flowVersion: 2, maxAttempts: 4 };
        const first = await store.commitPoll({
          flow: 'f',
          watermarkKey: 'k',
          watermark: { at: '2026-01-01T00:00:00.000Z' },
          jobs: [],
          events: [
            { flow: 'f', deliveryId: 'P1@t1', payload: { id: 'P1' }, recordKey: 'P1' },
            { flow: 'f', deliveryId: 'P2@t1', payload: { id: 'P2' } },
          ],
          eventJob,
        });
        expect(first).toHaveLength(2);
        // The overlap window re-reads P2 unchanged and P1 changed again.
        const second = await store.commitPoll({
          flow: 'f',
          watermarkKey: 'k',
          watermark: { at: '2026-01-01T00:00:05.000Z' },
          jobs: [],
          events: [
            { flow: 'f', deliveryId: 'P2@t1', payload: { id: 'P2' } },
            { flow: 'f', deliveryId: 'P1@t2', payload: { id: 'P1' } },
          ],
          eventJob,
        });
        expect(second).toHaveLength(1);
        expect(await store.getJob(second[0])).toMatchObject({ kind: 'event', flowVersion: 2, maxAttempts: 4, payload: { id: 'P1' } });
        expect(await store.getWatermark('f', 'k')).toEqual({ at: '2026-01-01T00:00:05.000Z' });
        await expect(
          store.commitPoll({ flow: 'f', watermarkKey: 'k', watermark: { at: '2026-01-02T00:00:00.000Z' }, jobs: [newJob('f')], events: [{ flow: 'f', deliveryId: 'x', payload: {} }] }),
        ).rejects.toThrow(/eventJob/);
        expect(await store.getWatermark('f', 'k')).toEqual({ at: '2026-01-01T00:00:05.000Z' });
        expect((await store.queueStats()).queued).toBe(3);
      });

      it('rolls back the jobs when the watermark cannot be written', async () => {
        await store.commitPoll({ flow: 'f', watermarkKey: 'k', watermark: { at: '2026-01-01T00:00:00.000Z' }, jobs: [] });
        // A BigInt cannot be serialised, so the watermark write fails after the jobs were inserted.
        const broken = { at: '2026-02-01T00:00:00.000Z', extra: { n: 1n } } as unknown as { at: string };
        await expect(store.commitPoll({ flow: 'f', watermarkKey: 'k', watermark: broken, jobs: [newJob('f', 1), newJob('f', 2)] })).rejects.toThrow();
        expect((await store.queueStats()).queued).toBe(0);
        expect(await store.getWatermark('f', 'k')).toEqual({ at: '2026-01-01T00:00:00.000Z' });
      });
    });

    describe('end-to-end lag', () => {
      it('measures succeeded record runs from the payload\'s source time (else the queue time) to the run\'s end', async () => {
        const started = Date.now();
        const at = new Date(started - 3_000).toISOString();
        await store.ingest([{ flow: 'lag', deliveryId: 'a', payload: { record: {}, id: '1', at } as never, recordKey: '1' }], { flowVersion: 1, maxAttempts: 3 });
        await store.ingest([{ flow: 'lag', deliveryId: 'b', payload: { record: {}, id: '2' } as never, recordKey: '2' }], { flowVersion: 1, maxAttempts: 3 });
        for (let i = 0; i < 2; i++) {
          const job = await claimOne();
          expect(await store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job), traces: [] })).toBe(true);
        }
        // The queued record's lag is at most the time the test took, however slow the machine (a few ms for the clocks' rounding).
        const took = Date.now() - started;
        const samples = await store.flowLag('lag', new Date(Date.now() - 60_000).toISOString());
        expect(samples).toHaveLength(2);
        const lags = samples.map((x) => x.lagMs).sort((a, b) => a - b);
        expect(lags[0]).toBeLessThanOrEqual(took + 5);
        expect(lags[1]).toBeGreaterThanOrEqual(2_900);
        expect(await store.flowLag('other', new Date(Date.now() - 60_000).toISOString())).toEqual([]);
      });
    });

    describe('job notifications', () => {
      it('wakes listeners on ingest, enqueue and retry, and stops after unsubscribe', async () => {
        let calls = 0;
        const off = await store.onJobsAvailable(() => calls++);
        await store.ingest([{ flow: 'f', deliveryId: 'n1', payload: {} }], { flowVersion: 1, maxAttempts: 3 });
        expect(await eventually(() => calls >= 1)).toBe(true);
        const before = calls;
        await store.enqueue([newJob('f')]);
        expect(await eventually(() => calls > before)).toBe(true);
        const job = await claimOne();
        const beforeRetry = calls;
        await store.retryJob({ jobId: job.id, workerId: 'w1', runAt: new Date().toISOString(), error: invalidEmail, run: runFor(job, 'retrying'), traces: [] });
        expect(await eventually(() => calls > beforeRetry)).toBe(true);
        await off();
        const after = calls;
        await store.enqueue([newJob('f')]);
        await sleep(200);
        expect(calls).toBe(after);
      });

      it('wakes listeners when a job that held back its record\'s next job ends (done, with or without links, or dead), and only then', async () => {
        // The worker claims after a notification, not after each job it ends: a job held back behind
        // its record's earlier job is claimable only once that one ends, and nothing else announces it.
        const t = new Date(Date.now() - 1000).toISOString();
        let calls = 0;
        const off = await store.onJobsAvailable(() => calls++);
        const settle = async (): Promise<number> => {
          await sleep(150);
          return calls;
        };
        const held = async (key: string): Promise<JobRow> => {
          await store.enqueue([newJob('a', `${key}-1`, { recordKey: key, runAt: t }), newJob('a', `${key}-2`, { recordKey: key, runAt: t })]);
          const claimed = await store.claimJobs({ workerId: 'w1', limit: 10, leaseMs: 60_000 });
          expect(claimed.map((j) => j.payload)).toEqual([`${key}-1`]);
          return claimed[0];
        };
        const link = (n: string) => [{ a: { connection: 'src', entity: 'e', id: n }, b: { connection: 'dst', entity: 'e', id: `${n}-t` } }];
        const ended: Array<[string, (job: JobRow) => Promise<boolean>]> = [
          ['done', (job) => store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job), traces: [] })],
          ['done with links', (job) => store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job), traces: [], xref: link(job.id) })],
          ['dead', (job) => store.deadLetterJob({ jobId: job.id, workerId: 'w1', error: invalidEmail, run: runFor(job, 'dead'), traces: [] })],
        ];
        for (const [how, end] of ended) {
          const first = await held(`r-${how}`);
          const before = await settle();
          expect(await end(first), how).toBe(true);
          expect(await eventually(() => calls > before), `a wake when the held job's predecessor ended (${how})`).toBe(true);
          const [next] = await store.claimJobs({ workerId: 'w1', limit: 10, leaseMs: 60_000 });
          expect(next.payload).toBe(`r-${how}-2`);
          // The last job of its record holds nothing back: ending it wakes no one.
          const quiet = await settle();
          expect(await end(next), how).toBe(true);
          expect(await settle(), `no wake when no job of the record waits (${how})`).toBe(quiet);
        }
        await off();
      });

      it('does not wake listeners for a batch of duplicates', async () => {
        await store.ingest([{ flow: 'f', deliveryId: 'dup', payload: {} }], { flowVersion: 1, maxAttempts: 3 });
        await sleep(100);
        let calls = 0;
        const off = await store.onJobsAvailable(() => calls++);
        await store.ingest([{ flow: 'f', deliveryId: 'dup', payload: {} }], { flowVersion: 1, maxAttempts: 3 });
        await sleep(200);
        expect(calls).toBe(0);
        await off();
      });

      it('wakes listeners of other store instances on PostgreSQL', async () => {
        if (store.kind !== 'postgres' || !h.reopen) return;
        const other = await h.reopen();
        let calls = 0;
        const off = await other.onJobsAvailable(() => calls++);
        await store.enqueue([newJob('f')]);
        expect(await eventually(() => calls >= 1)).toBe(true);
        await off();
      });
    });

    describe('deferred jobs', () => {
      it('puts a held job back with a new payload and run time, without counting the attempt or recording a run', async () => {
        await store.enqueue([newJob('f', { batch: { checks: 0 } })]);
        const job = await claimOne();
        expect(job.attempts).toBe(1);
        const later = new Date(Date.now() + 60_000).toISOString();
        expect(await store.deferJob({ jobId: job.id, workerId: 'other', runAt: later, payload: {} })).toBe(false);
        expect(await store.deferJob({ jobId: job.id, workerId: 'w1', runAt: later, payload: { batch: { checks: 1 } } })).toBe(true);
        const row = await store.getJob(job.id);
        expect(row).toMatchObject({ status: 'queued', attempts: 0, runAt: later, leaseOwner: null, payload: { batch: { checks: 1 } } });
        expect(await store.claimJobs({ workerId: 'w1', limit: 5, leaseMs: 30_000 })).toEqual([]);
        expect(await store.listRuns({ jobId: job.id, flow: 'f' })).toEqual([]);
      });
    });

    describe('shared rate limits', () => {
      it('hands out at most N call slots per key and frees one on release', async () => {
        const a = await store.tryAcquireCallSlot('conn-a', 2);
        const b = await store.tryAcquireCallSlot('conn-a', 2);
        expect(a).not.toBeNull();
        expect(b).not.toBeNull();
        expect(await store.tryAcquireCallSlot('conn-a', 2)).toBeNull();
        // Another key has its own slots.
        const other = await store.tryAcquireCallSlot('conn-b', 1);
        expect(other).not.toBeNull();
        a!.release();
        a!.release(); // idempotent: frees one slot, not two
        const c = await store.tryAcquireCallSlot('conn-a', 2);
        expect(c).not.toBeNull();
        expect(await store.tryAcquireCallSlot('conn-a', 2)).toBeNull();
        b!.release();
        c!.release();
        other!.release();
      });

      it('gives concurrent tries for one key distinct slots', async () => {
        const got = await Promise.all(Array.from({ length: 8 }, () => store.tryAcquireCallSlot('burst', 3)));
        expect(got.filter((g) => g !== null)).toHaveLength(3);
        for (const g of got) g?.release();
      });

      it('takes slots for callers arriving together in one try, and leaves no lock behind after heavy reuse (PostgreSQL)', async () => {
        if (store.kind !== 'postgres' || !h.raw) return;
        const advisoryLocks = async () =>
          (await h.raw!("select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())"))[0].n as number;
        const got = await Promise.all(Array.from({ length: 8 }, () => store.tryAcquireCallSlot('together', 3)));
        expect(got.filter((g) => g !== null)).toHaveLength(3);
        expect(await advisoryLocks()).toBe(3);
        for (const g of got) g?.release();
        // Many callers taking and giving back slots (reused, lingering, unlocked in batches): every lock
        // taken is unlocked once, so none is left behind.
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let i = 0; i < 40; i++) {
              const slot = await store.tryAcquireCallSlot('churn', 4);
              if (slot) {
                await sleep(Math.random() * 3);
                slot.release();
              } else await sleep(2);
            }
          }),
        );
        let n = await advisoryLocks();
        for (let i = 0; i < 100 && n > 0; i++) {
          await sleep(20);
          n = await advisoryLocks();
        }
        expect(n).toBe(0);
      });

      it('shares call slots between store instances on PostgreSQL, and frees them when a session dies', async () => {
        if (store.kind !== 'postgres' || !h.reopen || !h.raw) return;
        const other = await h.reopen();
        const held = [await other.tryAcquireCallSlot('pardot', 2), await other.tryAcquireCallSlot('pardot', 2)];
        expect(held.every((x) => x !== null)).toBe(true);
        expect(await store.tryAcquireCallSlot('pardot', 2)).toBeNull();
        // Exactly the two locks are held: the one-query try never takes more than one slot.
        const locks = await h.raw("select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())");
        expect(locks[0].n).toBe(2);
        held[0]!.release();
        let mine = null;
        for (let i = 0; i < 50 && !mine; i++) {
          mine = await store.tryAcquireCallSlot('pardot', 2);
          if (!mine) await sleep(10);
        }
        expect(mine).not.toBeNull();
        mine!.release();
        // A process that dies (its session ends) leaves no slot taken.
        await h.raw("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'syncline call slots' and datname = current_database()");
        const again = [await store.tryAcquireCallSlot('pardot', 2), await store.tryAcquireCallSlot('pardot', 2)];
        expect(again.every((x) => x !== null)).toBe(true);
        for (const x of again) x!.release();
      });

      it('reserves calls under a per-second rate with a one-second burst', async () => {
        const waits: number[] = [];
        const started = Date.now();
        for (let i = 0; i < 6; i++) waits.push(await store.reserveCallRate('rated', 5));
        const took = Date.now() - started;
        expect(waits.slice(0, 5).every((w) => w < 50)).toBe(true);
        // The sixth call of the second starts one interval (200 ms) after the first, less the time the calls took
        // (asserted against the time taken, so a loaded machine cannot fail it; a few ms for the clocks' rounding).
        expect(waits[5]).toBeGreaterThanOrEqual(200 - took - 5);
        expect(waits[5]).toBeLessThanOrEqual(200);
        expect(await store.reserveCallRate('other-rated', 5)).toBe(0);
      });

      it('spaces concurrent reservations one interval apart after the burst, as if made one by one', async () => {
        const started = Date.now();
        const waits = (await Promise.all(Array.from({ length: 10 }, () => store.reserveCallRate('together', 5)))).sort((a, b) => a - b);
        const took = Date.now() - started;
        expect(waits.slice(0, 5).every((w) => w < 50)).toBe(true);
        for (let i = 5; i < 10; i++) {
          expect(waits[i]).toBeGreaterThanOrEqual(200 * (i - 4) - took - 5);
          expect(waits[i]).toBeLessThanOrEqual(200 * (i - 4));
        }
      });

      it('counts daily API usage atomically, capped near a limit, with the vendor figure adopted', async () => {
        const day = '2026-03-01';
        expect(await store.addApiUsage({ connection: 'p', day, add: 3, limit: 10 })).toMatchObject({ used: 3, limit: 10, granted: true });
        await Promise.all(Array.from({ length: 4 }, () => store.addApiUsage({ connection: 'p', day, add: 1 })));
        expect((await store.addApiUsage({ connection: 'p', day, add: 0 })).used).toBe(7);
        const capped = await Promise.all(Array.from({ length: 5 }, () => store.addApiUsage({ connection: 'p', day, add: 1, cap: 9 })));
        expect(capped.filter((c) => c.granted)).toHaveLength(2);
        expect((await store.addApiUsage({ connection: 'p', day, add: 1, cap: 9 })).used).toBe(9);
        expect(await store.addApiUsage({ connection: 'p', day, add: 0, reportedUsed: 42, limit: 100, resetAt: 1_800_000_000_000 })).toMatchObject({ used: 42, limit: 100, resetAt: 1_800_000_000_000 });
        await store.addApiUsage({ connection: 'q', day, add: 1 });
        await store.addApiUsage({ connection: 'p', day: '2026-03-02', add: 5 });
        expect(await store.listApiUsage(day)).toEqual([
          { connection: 'p', day, used: 42, limit: 100, resetAt: 1_800_000_000_000 },
          { connection: 'q', day, used: 1, limit: null, resetAt: null },
        ]);
      });

      it('counts a call once when a vendor report already includes calls another process has not flushed', async () => {
        const day = '2026-03-03';
        // Process A flushed 10 calls, process B made 5 it has not flushed; the vendor then reports 15.
        await store.addApiUsage({ connection: 'v', day, add: 10, limit: 100 });
        expect((await store.addApiUsage({ connection: 'v', day, add: 0, reportedUsed: 15 })).used).toBe(15);
        // B's flush must not add its 5 on top of the vendor figure that already holds them.
        expect((await store.addApiUsage({ connection: 'v', day, add: 5 })).used).toBe(15);
        // Calls after the report count on top of whichever figure is higher.
        expect((await store.addApiUsage({ connection: 'v', day, add: 2 })).used).toBe(17);
        // Other tools on the same credential: the vendor's higher figure wins, and the cap holds against it.
        expect((await store.addApiUsage({ connection: 'v', day, add: 0, reportedUsed: 99 })).used).toBe(99);
        expect(await store.addApiUsage({ connection: 'v', day, add: 1, cap: 100 })).toMatchObject({ granted: true });
        expect(await store.addApiUsage({ connection: 'v', day, add: 1, cap: 100 })).toMatchObject({ granted: false, used: 100 });
      });

      it('tells listeners which connection was written or deleted, on every instance', async () => {
        const seen: string[] = [];
        const off = await store.onConnectionChanged((n) => seen.push(n));
        const other = store.kind === 'postgres' && h.reopen ? await h.reopen() : null;
        const seenElsewhere: string[] = [];
        const offOther = other ? await other.onConnectionChanged((n) => seenElsewhere.push(n)) : null;
        await store.putConnection({ name: 'watched', type: 't', settings: {}, secrets: { k: 'v1' } });
        await store.putConnection({ name: 'watched', type: 't', settings: {}, secrets: { k: 'v2' } });
        await store.deleteConnection('watched');
        expect(await eventually(() => seen.filter((n) => n === 'watched').length >= 2)).toBe(true);
        if (other) expect(await eventually(() => seenElsewhere.includes('watched'))).toBe(true);
        await off();
        await offOther?.();
        const count = seen.length;
        await store.putConnection({ name: 'later', type: 't', settings: {}, secrets: {} });
        await sleep(100);
        expect(seen).toHaveLength(count);
      });
    });

    describe('runs and traces', () => {
      async function finish(flow: string, status: RunInput['status'], keys: string[], durationMs: number): Promise<string> {
        await store.enqueue([newJob(flow)]);
        const job = await claimOne();
        await store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job, status, durationMs), traces: [{ step: 'write:t', status: 'ok', keys }] });
        const [run] = await store.listRuns({ flow, limit: 1 });
        return run.id;
      }

      it('lists runs newest first with filters and paging', async () => {
        const r1 = await finish('a', 'succeeded', ['k1'], 10);
        const r2 = await finish('b', 'skipped', ['k2', 'shared@x.com'], 10);
        const r3 = await finish('a', 'failed', ['Shared@X.com'], 10);
        expect((await store.listRuns({})).map((r) => r.id)).toEqual([r3, r2, r1]);
        expect((await store.listRuns({ flow: 'a' })).map((r) => r.id)).toEqual([r3, r1]);
        expect((await store.listRuns({ status: 'skipped' })).map((r) => r.id)).toEqual([r2]);
        expect((await store.listRuns({ key: 'SHARED@x.com' })).map((r) => r.id)).toEqual([r3, r2]);
        expect((await store.listRuns({ key: 'nothing' }))).toEqual([]);
        expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual([r3]);
        expect((await store.listRuns({ before: r3, limit: 1 })).map((r) => r.id)).toEqual([r2]);
        expect((await store.listRuns({ since: '2000-01-01T00:00:00Z', until: new Date(Date.now() + 60_000).toISOString() }))).toHaveLength(3);
        expect((await store.listRuns({ since: new Date(Date.now() + 60_000).toISOString() }))).toEqual([]);
        expect(await store.getRun('missing')).toBeNull();
      });

      it('finds trace steps by any key, case-insensitively, newest first', async () => {
        await finish('a', 'succeeded', ['P-1', 'a@b.com'], 1);
        await finish('a', 'succeeded', ['P-2', 'A@B.com'], 1);
        const found = await store.findTraces('a@B.COM');
        expect(found).toHaveLength(2);
        expect(found[0].keys).toEqual(['p-2', 'a@b.com']);
        expect(found[0].id > found[1].id).toBe(true);
        expect(await store.findTraces('a@b.com', 1)).toHaveLength(1);
        expect(await store.findTraces('p-1')).toHaveLength(1);
        expect(await store.findTraces('zzz')).toEqual([]);
      });

      it('indexes a key once per run, and still finds every step of the run that carries it', async () => {
        await store.enqueue([newJob('steps')]);
        const job = await claimOne();
        const traces = [
          { step: 'trigger', status: 'ok' as const, keys: ['S-1', 'c@d.com'] },
          { step: 'map:t', status: 'ok' as const, keys: ['s-1', 'C@D.com'] },
          { step: 'note', status: 'ok' as const, keys: ['other'] },
          { step: 'write:t', status: 'ok' as const, keys: ['s-1', 'c@d.com', 'T-9'] },
        ];
        await store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job, 'succeeded', 1), traces });
        // Four distinct keys, so four search rows (one per key and run), not one per step and key (eight).
        await expect.poll(async () => (await store.tableSizes()).find((t) => t.table === 'trace_keys')?.rows, { timeout: 15_000, interval: 250 }).toBe(4);
        expect((await store.findTraces('C@D.COM')).map((t) => t.step)).toEqual(['write:t', 'map:t', 'trigger']);
        expect((await store.findTraces('t-9')).map((t) => t.step)).toEqual(['write:t']);
        expect((await store.findTraces('other')).map((t) => t.step)).toEqual(['note']);
        expect((await store.findTraces('s-1', 2)).map((t) => t.step)).toEqual(['write:t', 'map:t']);
        expect((await store.listRuns({ key: 't-9' })).map((r) => r.jobId)).toEqual([job.id]);

        // A later run with the same key: the newest steps come first, and a limit takes them from the newest run.
        await store.enqueue([newJob('steps')]);
        const later = await claimOne();
        await store.completeJob({ jobId: later.id, workerId: 'w1', run: runFor(later, 'succeeded', 1), traces: [{ step: 'trigger', status: 'ok', keys: ['s-1'] }, { step: 'write:t', status: 'ok', keys: ['s-1', 'T-10'] }] });
        const newest = await store.findTraces('s-1', 2);
        expect(newest.map((t) => [t.step, t.keys])).toEqual([['write:t', ['s-1', 't-10']], ['trigger', ['s-1']]]);
        expect((await store.findTraces('s-1')).map((t) => t.step)).toEqual(['write:t', 'trigger', 'write:t', 'map:t', 'trigger']);
      });

      it('hides polls that found nothing when asked, keeping record runs and polls that read records', async () => {
        const read = async (kind: 'poll' | 'manual', records: number): Promise<string> => {
          await store.enqueue([newJob('p', { read: 'changes' }, { kind })]);
          const job = await claimOne();
          await store.completeJob({ jobId: job.id, workerId: 'w1', run: { ...runFor(job), stats: { attempt: 1, pages: 1, records, queuedJobIds: [] } }, traces: [] });
          return (await store.listRuns({ flow: 'p', limit: 1 }))[0].id;
        };
        const emptyPoll = await read('poll', 0);
        const busyPoll = await read('poll', 3);
        const emptyManual = await read('manual', 0);
        await store.enqueue([newJob('p', { record: {} }, { kind: 'event', recordKey: 'R-1' })]);
        const job = await claimOne();
        await store.completeJob({ jobId: job.id, workerId: 'w1', run: { ...runFor(job), stats: { attempt: 1 } }, traces: [] });
        const recordRun = (await store.listRuns({ flow: 'p', limit: 1 }))[0].id;
        expect((await store.listRuns({ flow: 'p' })).map((r) => r.id)).toEqual([recordRun, emptyManual, busyPoll, emptyPoll]);
        expect((await store.listRuns({ flow: 'p', hideEmptyPolls: true })).map((r) => r.id)).toEqual([recordRun, busyPoll]);
      });

      it('reads the named steps of many runs at once, a name ending in ":" standing for every step it begins', async () => {
        const ids: string[] = [];
        for (const n of [1, 2, 3]) {
          await store.enqueue([newJob('s')]);
          const job = await claimOne();
          const traces: TraceInput[] = [
            { step: 'trigger', status: 'ok', after: { n } },
            { step: 'filter', status: 'skipped', after: { reason: `r${n}` } },
            { step: 'map:a', status: 'ok', lineage: [{ field: 'Phone', sources: ['Phone'], rule: '$phoneE164(Phone)', value: null, warning: 'lost' }] },
            { step: 'write:a', status: 'ok' },
            { step: 'mapx', status: 'ok' },
          ];
          await store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job), traces });
          ids.push((await store.listRuns({ flow: 's', limit: 1 }))[0].id);
        }
        const steps = await store.tracesOfRuns([ids[0], ids[2]], ['trigger', 'map:']);
        expect(steps.map((t) => `${t.runId === ids[0] ? 1 : 3}:${t.step}`)).toEqual(['1:trigger', '1:map:a', '3:trigger', '3:map:a']);
        expect(steps[1].lineage?.[0].warning).toBe('lost');
        expect(await store.tracesOfRuns([], ['trigger'])).toEqual([]);
        expect(await store.tracesOfRuns([ids[1]], ['filter'])).toMatchObject([{ step: 'filter', after: { reason: 'r2' } }]);
      });

      it('tells who asked for a replay (from its audit row) and for a manual run (from its payload)', async () => {
        await store.enqueue([newJob('w', { record: { Email: 'x' } }, { kind: 'event' })]);
        const failed = await claimOne();
        await store.deadLetterJob({ jobId: failed.id, workerId: 'w1', error: invalidEmail, run: runFor(failed, 'dead'), traces: [] });
        const [letter] = await store.listDeadLetters({ flow: 'w' });
        const [replayed] = await store.replayDeadLetters([letter.id], 'carol');
        const [manual] = await store.enqueue([newJob('w', { read: 'all', reason: 'manual run by dave', requestedBy: 'dave' })]);
        const [event] = await store.enqueue([newJob('w', { record: {} }, { kind: 'event' })]);
        const who = await store.jobRequesters([replayed.jobId, manual, event, 'missing']);
        expect(Object.fromEntries(who)).toEqual({ [replayed.jobId]: 'carol', [manual]: 'dave' });
        expect((await store.jobRequesters([])).size).toBe(0);
      });

      it('computes per-flow counts and latency percentiles', async () => {
        const durations = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000];
        for (const d of durations) await finish('a', 'succeeded', [], d);
        await finish('b', 'dead', [], 5);
        await finish('b', 'skipped', [], 7);
        const stats = await store.flowStats(new Date(Date.now() - 3_600_000).toISOString());
        expect(stats).toEqual([
          { flow: 'a', runs: 10, succeeded: 10, failed: 0, dead: 0, skipped: 0, p50Ms: 50, p99Ms: 1000 },
          { flow: 'b', runs: 2, succeeded: 0, failed: 0, dead: 1, skipped: 1, p50Ms: 5, p99Ms: 7 },
        ]);
        expect(await store.flowStats(new Date(Date.now() + 3_600_000).toISOString())).toEqual([]);
      });
    });

    describe('cross-reference', () => {
      const id = (connection: string, i: string) => ({ connection, entity: 'contact', id: i });

      it('links ids into groups and merges groups when two are linked', async () => {
        expect(await store.xrefLinked(id('pardot', '1'))).toEqual([id('pardot', '1')]);
        await store.link([{ a: id('pardot', '1'), b: id('salesforce', 'S1') }]);
        await store.link([{ a: id('salesforce', 'S1'), b: id('sage', 'C1') }]);
        await store.link([{ a: id('tims', 'T1'), b: id('clarity', 'K1') }]);
        expect((await store.xrefLinked(id('sage', 'C1'))).map((x) => x.connection)).toEqual(['pardot', 'sage', 'salesforce']);
        expect((await store.xrefLinked(id('tims', 'T1'))).map((x) => x.connection)).toEqual(['clarity', 'tims']);
        // Linking across the two groups merges them.
        await store.link([{ a: id('clarity', 'K1'), b: id('pardot', '1') }]);
        const all = await store.xrefLinked(id('tims', 'T1'));
        expect(all.map((x) => x.connection)).toEqual(['clarity', 'pardot', 'sage', 'salesforce', 'tims']);
        expect(await store.xrefLinked(id('pardot', '1'))).toEqual(all);
        expect(await store.xrefFind(id('tims', 'T1'), 'sage', 'contact')).toBe('C1');
        expect(await store.xrefFind(id('tims', 'T1'), 'sage', 'invoice')).toBeNull();
        expect(await store.xrefFind(id('nobody', 'x'), 'sage', 'contact')).toBeNull();
        // Relinking is a no-op.
        await store.link([{ a: id('pardot', '1'), b: id('sage', 'C1') }]);
        expect(await store.xrefLinked(id('pardot', '1'))).toEqual(all);
      });

      it('reads a record\'s linked ids with their last hashes in one call, answering as xrefFind and getTargetHash do', async () => {
        await store.link([{ a: id('pardot', 'P1'), b: id('sage', 'C1') }]);
        await store.link([{ a: id('sage', 'C1'), b: id('x3', 'A1') }]);
        await store.enqueue([newJob('a', 1)]);
        const job = await claimOne();
        await store.completeJob({ jobId: job.id, workerId: 'w1', run: runFor(job), traces: [], hashes: [{ target: id('sage', 'C1'), hash: 'hc1' }] });
        const ctx = await store.readRecordContext(id('pardot', 'P1'));
        expect(ctx.linked).toEqual([
          { ...id('pardot', 'P1'), hash: null },
          { ...id('sage', 'C1'), hash: 'hc1' },
          { ...id('x3', 'A1'), hash: null },
        ]);
        for (const l of ctx.linked) {
          expect(await store.xrefFind(id('pardot', 'P1'), l.connection, l.entity)).toBe(l.id);
          expect(await store.getTargetHash(l)).toBe(l.hash);
        }
        expect(await store.readRecordContext(id('pardot', 'nobody'))).toEqual({ linked: [] });
      });

      it('keeps one group under concurrent links of the same ids', async () => {
        const stores = h.reopen ? [store, await h.reopen(), await h.reopen()] : [store, store, store];
        await Promise.all(
          stores.map((s, i) => s.link([{ a: id('a', 'x'), b: id('b', 'y') }, { a: id('b', 'y'), b: id(`c${i}`, 'z') }])),
        );
        expect((await store.xrefLinked(id('a', 'x'))).map((x) => x.connection)).toEqual(['a', 'b', 'c0', 'c1', 'c2']);
      });
    });

    describe('dead letters', () => {
      async function kill(flow: string, payload: NewJob['payload'], error: SerializedError = invalidEmail, recordKey?: string): Promise<string> {
        await store.enqueue([newJob(flow, payload, { maxAttempts: 6, recordKey })]);
        const job = await claimOne();
        await store.deadLetterJob({ jobId: job.id, workerId: 'w1', error, run: runFor(job, 'dead'), traces: [] });
        const [letter] = await store.listDeadLetters({ flow, limit: 1 });
        return letter.id;
      }
      const notFound: SerializedError = { kind: 'not_found', message: 'no such customer', details: { system: 'sage100' } };

      it('lists and groups open letters by signature', async () => {
        const a = await kill('f', 1);
        const b = await kill('f', 2);
        const c = await kill('f', 3, notFound);
        await kill('g', 4);
        expect((await store.listDeadLetters({ flow: 'f' })).map((d) => d.id)).toEqual([c, b, a]);
        expect((await store.listDeadLetters({ signature: 'not_found:sage100' })).map((d) => d.id)).toEqual([c]);
        expect((await store.listDeadLetters({ flow: 'f', limit: 1, offset: 1 })).map((d) => d.id)).toEqual([b]);
        expect(await store.deadLetterGroups('f')).toEqual([
          { signature: 'invalid_data:sage100:CI_Invalid:EmailAddress', errorKind: 'invalid_data', flow: 'f', count: 2, example: 'Email is not valid' },
          { signature: 'not_found:sage100', errorKind: 'not_found', flow: 'f', count: 1, example: 'no such customer' },
        ]);
        expect((await store.deadLetterGroups()).reduce((n, g) => n + g.count, 0)).toBe(4);
      });

      it('replays the edited payload on the flow’s current version, atomically and once', async () => {
        await store.deployFlow({ flow: 'f', source: 'v1', definition: {}, hash: 'h1', deployedBy: 'alice' });
        const id = await kill('f', { Email: 'bad' });
        await store.deployFlow({ flow: 'f', source: 'v2', definition: {}, hash: 'h2', deployedBy: 'alice' });
        await store.updateDeadLetterPayload(id, { Email: 'good@x.com' }, 'bob');
        expect((await store.getDeadLetter(id))?.payload).toEqual({ Email: 'good@x.com' });

        const [replayed] = await store.replayDeadLetters([id], 'bob');
        expect(replayed.id).toBe(id);
        const job = await store.getJob(replayed.jobId);
        expect(job).toMatchObject({ flow: 'f', flowVersion: 2, kind: 'replay', payload: { Email: 'good@x.com' }, maxAttempts: 6, status: 'queued', attempts: 0 });
        expect(await store.getDeadLetter(id)).toMatchObject({ status: 'replayed', replayJobId: replayed.jobId });
        expect((await store.queueStats()).deadLetters).toBe(0);
        expect(await store.replayDeadLetters([id], 'bob')).toEqual([]);
        const audit = await store.listAudit({ actor: 'bob' });
        expect(audit.map((a) => [a.action, a.target])).toEqual([
          ['dead_letter.replay', `dead_letter:${id}`],
          ['dead_letter.edit', `dead_letter:${id}`],
        ]);
        expect(audit[0].details).toMatchObject({ jobId: replayed.jobId, flowVersion: 2 });
      });

      it('enqueues a letter once when two replays race', async () => {
        const id = await kill('f', 1);
        const stores = h.reopen ? [store, await h.reopen()] : [store, store];
        const results = await Promise.allSettled(stores.map((s) => s.replayDeadLetters([id], 'ops')));
        const jobs = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
        expect(jobs).toHaveLength(1);
        expect((await store.queueStats()).queued).toBe(1);
        expect((await store.listAudit({ actor: 'ops' })).filter((a) => a.action === 'dead_letter.replay')).toHaveLength(1);
      });

      it('keeps one open letter per record: a newer failure supersedes the older', async () => {
        // Two change events of one lead read the same record twice; both runs fail the same way.
        const first = await kill('f', { Id: 'L1', v: 1 }, invalidEmail, 'L1');
        const second = await kill('f', { Id: 'L1', v: 1 }, invalidEmail, 'L1');
        const other = await kill('f', { Id: 'L2' }, invalidEmail, 'L2');
        const keyless = [await kill('f', { n: 1 }), await kill('f', { n: 2 })];
        expect((await store.getDeadLetter(first))?.status).toBe('superseded');
        expect((await store.listDeadLetters({ flow: 'f', status: 'open' })).map((d) => d.id).sort()).toEqual([second, other, ...keyless].sort());
        expect((await store.queueStats()).deadLetters).toBe(4);
        expect(await store.deadLetterGroups('f')).toEqual([expect.objectContaining({ count: 4 })]);
        // A superseded letter cannot be replayed; the open one carries the newest version.
        expect(await store.replayDeadLetters([first], 'ops')).toEqual([]);
        expect((await store.listDeadLetters({ status: 'superseded' })).map((d) => d.id)).toEqual([first]);
        // Another flow's letter about the same record is its own.
        const elsewhere = await kill('g', { Id: 'L1' }, invalidEmail, 'L1');
        expect((await store.getDeadLetter(second))?.status).toBe('open');
        expect((await store.getDeadLetter(elsewhere))?.status).toBe('open');
      });

      it('discards open letters only and audits it', async () => {
        const a = await kill('f', 1);
        const b = await kill('f', 2);
        await store.replayDeadLetters([b], 'ops');
        expect(await store.discardDeadLetters([a, b, 'missing'], 'ops')).toBe(1);
        expect((await store.getDeadLetter(a))?.status).toBe('discarded');
        expect((await store.getDeadLetter(b))?.status).toBe('replayed');
        expect(await store.replayDeadLetters([a], 'ops')).toEqual([]);
        expect((await store.listDeadLetters({ status: 'discarded' })).map((d) => d.id)).toEqual([a]);
        expect((await store.listAudit({ actor: 'ops' })).map((x) => x.action)).toEqual(['dead_letter.discard', 'dead_letter.replay']);
        await expect(store.updateDeadLetterPayload('missing', {}, 'ops')).rejects.toThrow(/missing/);
      });
    });

    describe('users, sessions and API tokens', () => {
      it('creates, finds, updates and counts users', async () => {
        expect(await store.countUsers()).toBe(0);
        const admin = await store.createUser({ username: 'admin', role: 'admin', passwordHash: 'scrypt$1', mustChangePassword: true });
        expect(admin).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true, disabled: false, lastLoginAt: null });
        await store.createUser({ username: 'viewer', role: 'viewer', passwordHash: 'scrypt$2' });
        await expect(store.createUser({ username: 'admin', role: 'viewer', passwordHash: 'x' })).rejects.toThrow();
        expect(await store.getUser(admin.id)).toEqual(admin);
        expect(await store.getUser('admin')).toEqual(admin);
        expect(await store.getUser('nobody')).toBeNull();
        const login = new Date().toISOString();
        await store.updateUser(admin.id, { mustChangePassword: false, passwordHash: 'scrypt$3', lastLoginAt: login, role: 'operator', disabled: true });
        expect(await store.getUser(admin.id)).toMatchObject({ mustChangePassword: false, passwordHash: 'scrypt$3', lastLoginAt: login, role: 'operator', disabled: true });
        expect((await store.listUsers()).map((u) => u.username)).toEqual(['admin', 'viewer']);
        expect(await store.countUsers()).toBe(2);
      });

      it('stores sessions and API tokens by hash', async () => {
        const user = await store.createUser({ username: 'u', role: 'operator', passwordHash: 'x' });
        const now = new Date().toISOString();
        const session = { idHash: 'sh', userId: user.id, csrfToken: 'csrf', expiresAt: new Date(Date.now() + 1000).toISOString(), createdAt: now };
        await store.createSession(session);
        expect(await store.getSession('sh')).toEqual(session);
        await store.deleteSession('sh');
        expect(await store.getSession('sh')).toBeNull();

        await store.createApiToken({ id: 't1', userId: user.id, name: 'ci', tokenHash: 'th1', createdAt: now });
        await store.createApiToken({ id: 't2', userId: user.id, name: 'cli', tokenHash: 'th2', createdAt: now });
        expect(await store.findApiToken('th1')).toEqual({ id: 't1', userId: user.id, name: 'ci', tokenHash: 'th1', createdAt: now, lastUsedAt: null, revoked: false });
        expect(await store.findApiToken('nope')).toBeNull();
        await store.revokeApiToken('t1');
        expect((await store.findApiToken('th1'))?.revoked).toBe(true);
        expect((await store.listApiTokens(user.id)).map((t) => t.id)).toEqual(['t1', 't2']);
        expect(await store.listApiTokens('other')).toEqual([]);
        expect(await store.listApiTokens()).toHaveLength(2);
      });
    });

    describe('concurrent writes', () => {
      it('a failing write does not undo or fail the writes running beside it', async () => {
        const results = await Promise.allSettled([
          store.createUser({ username: 'dup', role: 'viewer', passwordHash: 'x' }),
          store.enqueue([newJob('f', 1)]),
          store.createUser({ username: 'dup', role: 'viewer', passwordHash: 'y' }),
          store.audit({ actor: 'a', action: 'x', target: 't' }),
          store.ingest([{ flow: 'f', deliveryId: 'd', payload: {} }], { flowVersion: 1, maxAttempts: 1 }),
          store.setFlowStatus('no-such-flow', 'paused'),
        ]);
        // Which of the two same-name users wins may vary (PostgreSQL runs them on separate connections).
        expect([results[0].status, results[2].status].sort()).toEqual(['fulfilled', 'rejected']);
        expect([results[1], results[3], results[4]].map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        expect(results[5].status).toBe('rejected');
        expect(await store.countUsers()).toBe(1);
        expect((await store.getUser('dup'))?.passwordHash).toBe(results[0].status === 'fulfilled' ? 'x' : 'y');
        expect((await store.queueStats()).queued).toBe(2);
        expect(await store.listAudit({})).toHaveLength(1);
      });
    });

    describe('audit log', () => {
      it('lists entries newest first, by actor, with paging', async () => {
        await store.audit({ actor: 'a', action: 'x.one', target: 't1', details: { n: 1 } });
        await store.audit({ actor: 'b', action: 'x.two', target: 't2' });
        await store.audit({ actor: 'a', action: 'x.three', target: 't3' });
        const all = await store.listAudit({});
        expect(all.map((e) => e.action)).toEqual(['x.three', 'x.two', 'x.one']);
        expect(all[2].details).toEqual({ n: 1 });
        expect((await store.listAudit({ actor: 'a' })).map((e) => e.action)).toEqual(['x.three', 'x.one']);
        expect((await store.listAudit({ before: all[0].id, limit: 1 })).map((e) => e.action)).toEqual(['x.two']);
      });
    });

    describe('retention', () => {
      const future = (ms = 60_000) => new Date(Date.now() + ms).toISOString();
      const everything = () => ({ jobsBefore: future(), inboxBefore: future(), runsBefore: future(), batchSize: 2 });

      async function finish(deliveryId: string, how: 'done' | 'dead' | 'queued'): Promise<string> {
        const r = await store.ingest([{ flow: 'ret', deliveryId, payload: { id: deliveryId }, recordKey: deliveryId }], { flowVersion: 1, maxAttempts: 3 });
        const jobId = r.jobIds[0];
        if (how === 'queued') return jobId;
        const claimed = await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 30_000, flows: ['ret'] });
        const job = claimed.find((j) => j.id === jobId)!;
        for (const other of claimed.filter((j) => j.id !== jobId)) await store.retryJob({ jobId: other.id, workerId: 'w', runAt: new Date().toISOString(), error: invalidEmail, run: runFor(other, 'retrying'), traces: [] });
        const traces: TraceInput[] = [{ step: 'write:t', status: how === 'done' ? 'ok' : 'failed', keys: [`${deliveryId}@example.com`] }];
        if (how === 'done') expect(await store.completeJob({ jobId, workerId: 'w', run: runFor(job), traces })).toBe(true);
        else expect(await store.deadLetterJob({ jobId, workerId: 'w', error: invalidEmail, run: runFor(job, 'dead'), traces })).toBe(true);
        return jobId;
      }

      it('purges finished history in batches and keeps unfinished work and open dead letters', async () => {
        for (let i = 0; i < 5; i++) await finish(`done-${i}`, 'done');
        const deadJob = await finish('dead-1', 'dead');
        const queuedJob = await finish('queued-1', 'queued');
        expect((await store.listRuns({ flow: 'ret' })).length).toBe(6 + 0);
        // Sign-in counters: one that says nothing any more, one whose lock is still in force.
        const now = Date.now();
        await store.updateLoginCounters(['user:old', 'user:locked'], () => ({
          counters: new Map([
            ['user:old', { failures: 2, lockedUntil: 0, lastFailure: now }],
            ['user:locked', { failures: 5, lockedUntil: now + 3_600_000, lastFailure: now }],
          ]),
          result: null,
        }));

        let total = { jobs: 0, inbox: 0, runs: 0, traces: 0, loginCounters: 0 };
        for (let i = 0; i < 20; i++) {
          const r = await store.purgeHistory({ ...everything(), maxBatches: 2 });
          total = { jobs: total.jobs + r.jobs, inbox: total.inbox + r.inbox, runs: total.runs + r.runs, traces: total.traces + r.traces, loginCounters: total.loginCounters + r.loginCounters };
          if (r.complete) break;
        }
        expect(total).toEqual({ jobs: 5, inbox: 6, runs: 5, traces: 5, loginCounters: 1 });
        const counters = await store.updateLoginCounters(['user:locked'], (m) => ({ counters: new Map(), result: m }));
        expect(counters.get('user:locked')?.failures).toBe(5);
        // The queued job and its inbox row stay: a repeat of its delivery is still dropped.
        expect((await store.getJob(queuedJob))?.status).toBe('queued');
        const repeat = await store.ingest([{ flow: 'ret', deliveryId: 'queued-1', payload: {} }], { flowVersion: 1, maxAttempts: 3 });
        expect(repeat.accepted).toBe(0);
        // The dead letter's job, run and trace stay until it is handled.
        expect((await store.getJob(deadJob))?.status).toBe('dead');
        const runs = await store.listRuns({ flow: 'ret' });
        expect(runs.map((r) => r.status)).toEqual(['dead']);
        expect(await store.findTraces('dead-1@example.com')).toHaveLength(1);
        expect(await store.findTraces('done-1@example.com')).toHaveLength(0);
        // A purged delivery id is forgotten: the same delivery is accepted again.
        const again = await store.ingest([{ flow: 'ret', deliveryId: 'done-1', payload: {} }], { flowVersion: 1, maxAttempts: 3 });
        expect(again.accepted).toBe(1);
      });

      it("purges a bulk load's batch data once no queued, running or dead batch job names it", async () => {
        const batchJob = (id: string) => ({ flow: 'ret', flowVersion: 1, kind: 'batch' as const, payload: { batch: { target: 't', data: { id, count: 1 } } }, maxAttempts: 3 });
        const [queued] = await store.enqueue([batchJob('00000000-0000-4000-8000-00000000000a')]);
        const [dead] = await store.enqueue([batchJob('00000000-0000-4000-8000-00000000000b')]);
        const claimed = await store.claimJobs({ workerId: 'w', limit: 10, leaseMs: 30_000, flows: ['ret'] });
        const deadRow = claimed.find((j) => j.id === dead)!;
        expect(await store.deadLetterJob({ jobId: dead, workerId: 'w', error: invalidEmail, run: runFor(deadRow, 'dead'), traces: [] })).toBe(true);
        const back = claimed.find((j) => j.id === queued)!;
        await store.retryJob({ jobId: queued, workerId: 'w', runAt: new Date().toISOString(), error: invalidEmail, run: runFor(back, 'retrying'), traces: [] });
        for (const id of ['a', 'b', 'c']) for (let part = 0; part < 3; part++) await store.saveBatchPart(`00000000-0000-4000-8000-00000000000${id}`, part, `part ${part}`);

        // Younger than the cutoff: everything stays.
        const past = new Date(Date.now() - 86_400_000).toISOString();
        expect((await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, batchSize: 2 })).batchData).toBe(0);
        let purged = 0;
        for (let i = 0; i < 10; i++) {
          const r = await store.purgeHistory(everything());
          purged += r.batchData;
          if (r.complete) break;
        }
        // Only the batch no job names (a load that died before queueing it) goes, all three parts.
        expect(purged).toBe(3);
        expect(await store.readBatchPart('00000000-0000-4000-8000-00000000000c', 0)).toBeNull();
        expect(await store.readBatchPart('00000000-0000-4000-8000-00000000000a', 2)).toBe('part 2');
        expect(await store.readBatchPart('00000000-0000-4000-8000-00000000000b', 0)).toBe('part 0');
      });

      it('keeps what is younger than the cutoffs, and at most maxRunsPerFlow runs per flow', async () => {
        for (let i = 0; i < 4; i++) await finish(`young-${i}`, 'done');
        const past = new Date(Date.now() - 86_400_000).toISOString();
        const none = await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, batchSize: 100 });
        expect(none).toEqual({ jobs: 0, inbox: 0, runs: 0, traces: 0, loginCounters: 0, reconciliations: 0, reconcileDiffs: 0, alerts: 0, deadLetters: 0, batchData: 0, complete: true });
        const capped = await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, maxRunsPerFlow: 1, batchSize: 100 });
        expect(capped.runs).toBe(3);
        expect(await store.listRuns({ flow: 'ret' })).toHaveLength(1);
      });

      it('purges handled dead letters with their dead jobs after the runs cutoff, and keeps open ones', async () => {
        const kept = await finish('dl-open', 'dead');
        const handled = await finish('dl-discarded', 'dead');
        const [open, discarded] = await Promise.all(['dl-open', 'dl-discarded'].map(async (k) => (await store.listDeadLetters({ flow: 'ret', limit: 10 })).find((d) => d.recordKey === k)!.id));
        await store.discardDeadLetters([discarded], 'ops');
        const past = new Date(Date.now() - 86_400_000).toISOString();
        // Younger than the cutoff: kept.
        expect((await store.purgeHistory({ jobsBefore: past, inboxBefore: past, runsBefore: past, batchSize: 10 })).deadLetters).toBe(0);
        let purged = 0;
        for (let i = 0; i < 10; i++) {
          const r = await store.purgeHistory({ ...everything(), maxBatches: 1 });
          purged += r.deadLetters;
          if (r.complete) break;
        }
        expect(purged).toBe(1);
        expect(await store.getDeadLetter(discarded)).toBeNull();
        expect(await store.getJob(handled)).toBeNull();
        expect((await store.getDeadLetter(open))?.status).toBe('open');
        expect((await store.getJob(kept))?.status).toBe('dead');
        expect((await store.listRuns({ flow: 'ret' })).map((r) => r.jobId)).toEqual([kept]);
      });

      it('gives each kind of history its own batch budget, so runs falling behind do not hold back jobs and delivery ids', async () => {
        for (let i = 0; i < 3; i++) await finish(`fair-${i}`, 'done');
        const r = await store.purgeHistory({ ...everything(), batchSize: 1, maxBatches: 1 });
        expect(r).toMatchObject({ runs: 1, traces: 1, jobs: 1, inbox: 1, complete: false });
      });

      it('reports the size of the history tables and of the whole database', async () => {
        await finish('sized-1', 'done');
        const sizes = await store.tableSizes();
        expect(sizes.map((t) => t.table).sort()).toEqual(['audit_log', 'batch_data', 'dead_letters', 'inbox', 'jobs', 'runs', 'trace_keys', 'traces', 'xref']);
        // Exact on SQLite; PostgreSQL's statistics count the rows once the writing connection reports (within seconds), no ANALYZE needed.
        const rowsOf = async (table: string) => (await store.tableSizes()).find((t) => t.table === table)?.rows;
        await expect.poll(() => rowsOf('runs'), { timeout: 15_000, interval: 250 }).toBe(1);
        await expect.poll(() => rowsOf('trace_keys'), { timeout: 15_000, interval: 250 }).toBe(1);
        const database = await store.databaseBytes();
        if (store.kind === 'postgres') {
          for (const t of sizes) expect(t.bytes, t.table).toBeGreaterThan(0);
          expect(database).toBeGreaterThan(sizes.reduce((n, t) => n + t.bytes!, 0));
        } else {
          // SQLite cannot tell a table's bytes without reading all its pages; the file's size is known,
          // and each table takes at least a page.
          expect(sizes.every((t) => t.bytes === null)).toBe(true);
          expect(database).toBeGreaterThan(4096 * sizes.length);
        }
      });
    });
  });
}
