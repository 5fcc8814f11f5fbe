/**
 * The database goes away for a moment: PostgreSQL terminates every connection of a running
 * `syncline start` and two `syncline worker` processes (pg_terminate_backend, what a failover or an
 * idle-connection killer does), several times, while webhooks arrive. No process may exit, webhooks
 * must be accepted again within seconds, and every acknowledged record must reach the target once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture, flowYaml, queueDrained, TEST_MASTER_KEY, waitFor, type EngineFixture } from '../support/engine.js';
import { requirePostgres } from '../support/postgres.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'syncline-dbloss-')), 'syncline.yaml');
writeFileSync(configFile, 'leaseMs: 5000\n');

/** Starts `syncline <args>` and resolves once its stderr shows `ready`; returns the process and that line. */
function startCli(args: string[], url: string, ready: RegExp): Promise<{ child: ChildProcess; line: string; output: () => string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/syncline.js'), ...args, '--database', url], {
    cwd: root,
    // A short lease, so a job whose worker lost its outcome to a killed connection is taken again soon even on a loaded machine.
    env: { ...process.env, SYNCLINE_CONFIG: configFile, SYNCLINE_MASTER_KEY: TEST_MASTER_KEY, SYNCLINE_PORT: '0', SYNCLINE_LOG_LEVEL: 'warn', SYNCLINE_WORKER_CONCURRENCY: '8' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`syncline ${args[0]} not ready in 60 s:\n${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = ready.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, line: m[0], output: () => err });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`syncline ${args[0]} exited early (${code ?? signal}):\n${err}`));
    });
  });
}

/** Terminates every backend connected to the database except the caller's; returns how many. */
async function terminateBackends(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const name = new URL(url).pathname.slice(1);
    const res = await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    return res.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL connections terminated under load', async () => {
  const run = await requirePostgres('connection loss on PostgreSQL');
  let f: EngineFixture | null = null;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await gone;
      }
    }
    await f?.close();
    f = null;
  });

  it.runIf(run)('keeps the server and two workers serving, and loses nothing acknowledged', async () => {
    f = await engineFixture('postgres');
    const server = await startCli(['start'], f.url, /running at (http:\/\/[^ ]+) /);
    const base = /running at (http:\/\/[^ ]+) /.exec(server.line)![1];
    const workers = await Promise.all([0, 1].map(() => startCli(['worker', '--no-schedule'], f!.url, /worker \d+ started/)));
    children.push(server.child, ...workers.map((w) => w.child));
    const all = [server, ...workers];

    const accepted = new Set<string>();
    const acceptedAt: number[] = [];
    let sent = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const id = `r${sent++}`;
        const res = await fetch(`${base}/hooks/contacts-to-sink`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-delivery-id': `d-${id}` },
          body: JSON.stringify({ id, email: `${id}@example.com`, name: `Person ${id}` }),
        }).catch(() => null);
        if (res?.status === 202) {
          accepted.add(id);
          acceptedAt.push(Date.now());
        }
        await res?.arrayBuffer().catch(() => undefined);
        await sleep(20);
      }
    })();

    let lastKill = 0;
    for (let round = 0; round < 4; round++) {
      await sleep(1200);
      expect(await terminateBackends(f.url)).toBeGreaterThan(0);
      lastKill = Date.now();
    }
    // Accepted again within seconds of the last kill.
    await waitFor(() => acceptedAt.some((t) => t > lastKill + 100), 'a webhook accepted after the last kill', 10_000);
    // Enough traffic to mean something, however slow the machine (a count, not a rate).
    await waitFor(() => accepted.size > 20, 'more than 20 webhooks accepted', 60_000);
    loading = false;
    await load;

    for (const p of all) expect(p.child.exitCode, `a process exited:\n${p.output()}`).toBeNull();
    expect(accepted.size).toBeGreaterThan(20);
    await waitFor(() => queueDrained(f!.store), 'the workers to drain the queue', 60_000);
    const rows = f.sink.records('contacts');
    const ids = rows.map((r) => String(r.source_id));
    for (const id of accepted) expect(ids, `acknowledged record ${id} was lost`).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await f.store.listDeadLetters({ status: 'open' })).toHaveLength(0);
    for (const p of all) expect(p.child.exitCode, `a process exited:\n${p.output()}`).toBeNull();
  }, 120_000);
});

describe('SQLite: the jobs of a process that died are taken again at start', () => {
  let f: EngineFixture | null = null;
  afterEach(async () => {
    await f?.close();
    f = null;
  });

  it('releases the leases of dead local processes at once and leaves a live process its leases', async () => {
    f = await engineFixture('sqlite');
    const deliver = (id: string) =>
      f!.hub.intake.receive('contacts-to-sink', { headers: { 'x-delivery-id': id }, rawBody: Buffer.from(JSON.stringify({ id, email: `${id}@example.com`, name: id })) });
    await deliver('orphan');
    await deliver('held');
    // A process that ran and ended (as after kill -9), and one still running.
    const ended = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => ended.once('exit', r));
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const host = os.hostname();
      expect(await f.store.claimJobs({ workerId: `${host}:${ended.pid}:dead`, limit: 1, leaseMs: 60_000 })).toHaveLength(1);
      expect(await f.store.claimJobs({ workerId: `${host}:${alive.pid}:live`, limit: 1, leaseMs: 60_000 })).toHaveLength(1);
      await f.hub.startWorkers(1, { idlePollMs: 50 }, false);
      await waitFor(() => f!.sink.records('contacts').length === 1, 'the orphaned job to run', 10_000);
      await sleep(300);
      expect(f.sink.records('contacts').map((r) => r.source_id)).toEqual(['orphan']);
      expect((await f.store.queueStats()).running).toBe(1);
    } finally {
      alive.kill('SIGKILL');
    }
  });
});

describe('a store lookup failing inside a mapping', () => {
  it('retries the record instead of dead-lettering it as invalid data', async () => {
    const f = await engineFixture('sqlite');
    try {
      const flow = flowYaml('lookup-flow').replace('      source_id: id', `      source_id: id\n      linked: { expr: "$xref('shop', 'customer', id, 'sink', 'contacts')" }`);
      await f.hub.deployFlow(flow, 'test');
      // The record's context (its cross-reference links, which $xref reads) comes from one store read.
      const real = f.store.readRecordContext.bind(f.store);
      let failures = 1;
      f.store.readRecordContext = async (...args) => {
        if (failures-- > 0) throw new Error('Connection terminated unexpectedly');
        return real(...args);
      };
      await f.hub.intake.receive('lookup-flow', { headers: { 'x-delivery-id': 'l1' }, rawBody: Buffer.from(JSON.stringify({ id: 'l1', email: 'l1@example.com', name: 'L' })) });
      await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
      await waitFor(() => queueDrained(f.store), 'the record to be retried and written', 20_000);
      expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
      expect(f.sink.records('contacts').map((r) => r.source_id)).toEqual(['l1']);
      const runs = await f.store.listRuns({ flow: 'lookup-flow', limit: 10 });
      expect(runs.map((r) => r.status).sort()).toEqual(['retrying', 'succeeded']);
    } finally {
      await f.close();
    }
  });
});
