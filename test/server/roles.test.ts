/**
 * Scale-out roles as an operator deploys them (the compose file and Kubernetes manifests run exactly
 * these commands): three `syncline migrate` at once, an API node that accepts webhooks but runs no
 * jobs (`start --no-worker`), and a `worker` with its own /healthz, /readyz and /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { flowYaml, sinkConnection, TEST_MASTER_KEY, waitFor } from '../support/engine.js';

const available = await requirePostgres('API and worker roles');

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function syncline(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ['bin/syncline.js', ...args], { env, cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function urlFrom(p: Proc, pattern: RegExp): Promise<string> {
  let exited = false;
  void p.exited.then(() => (exited = true));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && !exited) {
    const m = pattern.exec(p.output());
    if (m) return m[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no URL in the output of the process (${exited ? 'it exited' : 'timed out'}):\n${p.output()}`);
}

describe.runIf(available)('API and worker roles on PostgreSQL', () => {
  const procs: Proc[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-roles-'));
  let sink: RunningHttpSink | undefined;
  let drop: (() => Promise<void>) | undefined;

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await sink?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates once from three processes at once, then splits webhooks (API node) from jobs (worker)', async () => {
    const db = await createTestDatabase('syncline_roles');
    drop = db.drop;
    sink = await startHttpSink();
    const flows = path.join(dir, 'flows');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(flows);
    writeFileSync(path.join(flows, 'contacts.yaml'), flowYaml());
    const configFile = path.join(dir, 'syncline.yaml');
    writeFileSync(configFile, stringify({ connections: { sink: { type: 'http', settings: sinkConnection(sink.url) }, shop: { type: 'http', settings: sinkConnection(sink.url) } } }));
    const env = { ...process.env, SYNCLINE_DATABASE_URL: db.url, SYNCLINE_MASTER_KEY: TEST_MASTER_KEY, SYNCLINE_CONFIG: configFile, SYNCLINE_LOG_LEVEL: 'warn' };

    const migrations = [0, 1, 2].map(() => syncline(['migrate'], env));
    procs.push(...migrations);
    const codes = await Promise.all(migrations.map((m) => m.exited));
    expect(codes, migrations.map((m) => m.output()).join('\n')).toEqual([0, 0, 0]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = (await client.query('select name, count(*)::int as n from kysely_migration group by name')).rows as Array<{ name: string; n: number }>;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await client.end();
    }

    const api = syncline(['start', '--no-worker', '--port', '0', '--flows', flows], env);
    procs.push(api);
    const apiUrl = await urlFrom(api, /running at (http:\/\/[^\s]+) /);
    const post = (id: string) =>
      fetch(`${apiUrl}/hooks/contacts-to-sink`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-delivery-id': id }, body: JSON.stringify({ id, email: `${id}@example.com`, name: id }) });
    expect((await post('a1')).status).toBe(202);
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);
    // Nobody runs jobs yet: the API node only accepts them.
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.records('contacts')).toHaveLength(0);

    const worker = syncline(['worker', '--health-port', '0', '--no-schedule'], env);
    procs.push(worker);
    const health = await urlFrom(worker, /health at (http:\/\/[^\s]+)\/healthz/);
    await waitFor(() => sink!.records('contacts').length === 1, 'the worker to deliver the queued event', 60_000);
    expect(await (await fetch(`${health}/healthz`)).json()).toMatchObject({ status: 'ok', role: 'worker' });
    expect(await (await fetch(`${health}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'postgres' });
    expect(await (await fetch(`${health}/metrics`)).text()).toMatch(/syncline_jobs_done_total\{flow="contacts-to-sink"\} 1/);

    // SIGTERM drains the worker: it exits cleanly.
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 240_000);
});
