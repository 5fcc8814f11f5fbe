/**
 * SQLite across processes: several OS processes on one file (a server and its restart after
 * kill -9, or CLI commands next to a running server) must never take the same job, and a killed
 * process's leases must expire and be re-claimed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { NewJob, Store } from '../../src/store/types.js';
import { TEST_MASTER_KEY } from './conformance.js';
import { bundledScript } from '../support/bundled-script.js';

const WORKER = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));
/** The worker's bundle, made before the tests start it. */
let workerScript = '';

function startWorker(args: string[]): { child: ChildProcess; firstLine: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [workerScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`worker exited (${code}) without output: ${err}`));
    });
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, firstLine, exit };
}

describe('SQLite store shared by several processes', () => {
  let dir: string;
  let url: string;
  let store: Store;

  beforeAll(async () => {
    workerScript = await bundledScript(WORKER);
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'syncline-mp-'));
    url = `sqlite:${join(dir, 'store.db')}`;
    store = await openStore({ url, masterKey: TEST_MASTER_KEY });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jobs = (n: number): NewJob[] => Array.from({ length: n }, (_, i) => ({ flow: 'f', flowVersion: 1, kind: 'manual', payload: i, maxAttempts: 3 }));

  it('never gives one job to two processes', async () => {
    const total = 240;
    await store.enqueue(jobs(total));
    const workers = ['p1', 'p2', 'p3'].map((id) => startWorker([url, id, 'drain']));
    const results = await Promise.all(workers.map((w) => w.firstLine));
    await Promise.all(workers.map((w) => w.exit));
    const completed = results.flatMap((line) => JSON.parse(line) as string[]);
    expect(completed).toHaveLength(total);
    expect(new Set(completed).size).toBe(total);
    expect(await store.queueStats()).toMatchObject({ queued: 0, running: 0 });
    expect(await store.listRuns({ limit: 1000 })).toHaveLength(total);
  });

  it('re-claims the jobs of a process killed with SIGKILL once their leases expire', async () => {
    await store.enqueue(jobs(15));
    const holder = startWorker([url, 'doomed', 'hold', '300']);
    const held = JSON.parse(await holder.firstLine) as string[];
    expect(held).toHaveLength(10);
    holder.child.kill('SIGKILL');
    await holder.exit;

    // The 5 never claimed are available at once; the killed worker's 10 only after their lease.
    const now = await store.claimJobs({ workerId: 'survivor', limit: 50, leaseMs: 60_000 });
    expect(now).toHaveLength(5);
    await new Promise((r) => setTimeout(r, 400));
    const later = await store.claimJobs({ workerId: 'survivor', limit: 50, leaseMs: 60_000 });
    expect(later.map((j) => j.id).sort()).toEqual([...held].sort());
    expect(later.every((j) => j.attempts === 2)).toBe(true);
  });
});
