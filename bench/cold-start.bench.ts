/**
 * Cold start: how long `syncline start` takes from spawn to its first accepted webhook, and how much
 * memory it holds once idle. The store is prepared beforehand (migrated, one webhook flow deployed),
 * as after the first start of an install; each boot then spawns `bin/syncline start` (the launcher; the
 * compiled dist/ when built, else the TypeScript sources through tsx), posts a webhook every 10 ms
 * until one is answered 202, and reads the CPU time the process used until then (which, unlike the
 * wall time, does not grow with what else runs on the machine) and its resident memory 3 s later.
 *
 *   npx tsx bench/cold-start.bench.ts [--boots 10] [--from-source] [--cpu-prof <dir>]
 *
 * `--cpu-prof <dir>` writes each boot's V8 CPU profile there (open in Chrome DevTools, or summarise
 * with `npx tsx bench/profile-summary.ts <file>`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { httpConnector } from '../src/connectors/http/index.js';
import { SynclineHub } from '../src/engine/hub.js';
import { openStore } from '../src/store/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MASTER_KEY = 'f'.repeat(64);
const FLOW = `name: cold-start
trigger:
  type: webhook
  unsigned: true
source:
  connection: shop
  entity: order
targets:
  - name: copy
    connection: shop
    entity: orders
    mapping:
      id: id
    match:
      keys: [id]
`;

const args = process.argv.slice(2);
const boots = Number(args[args.indexOf('--boots') + 1] || 10) || 10;
const fromSource = args.includes('--from-source');
const profileDir = args.includes('--cpu-prof') ? path.resolve(args[args.indexOf('--cpu-prof') + 1]) : null;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process in MiB, from /proc. */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

async function prepare(dir: string): Promise<string> {
  const url = `sqlite:${path.join(dir, 'cold.db')}`;
  const store = await openStore({ url, masterKey: MASTER_KEY });
  const hub = new SynclineHub({ store, connectors: new Map([[httpConnector.type, httpConnector]]), logger: pino({ level: 'silent' }) });
  await store.putConnection({ name: 'shop', type: 'http', settings: { baseUrl: 'http://127.0.0.1:9', entities: [{ name: 'orders', idField: 'id', paths: { create: '/orders' } }] }, secrets: {} }, 'bench');
  await hub.deployFlow(FLOW, 'bench');
  await hub.stop();
  await store.close();
  return url;
}

async function boot(url: string, dir: string): Promise<{ ms: number; cpu: number; rss: number }> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  // The launcher, as users start it; it takes extra Node options from SYNCLINE_NODE_FLAGS.
  const child = spawn(path.join(root, 'bin/syncline'), ['start'], {
    cwd: dir,
    env: { ...process.env, SYNCLINE_NODE_FLAGS: profileDir ? `--cpu-prof --cpu-prof-dir=${profileDir}` : '', SYNCLINE_DATABASE_URL: url, SYNCLINE_PORT: String(port), SYNCLINE_MASTER_KEY: MASTER_KEY, SYNCLINE_LOG_LEVEL: 'warn', SYNCLINE_FROM_SOURCE: fromSource ? '1' : '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`syncline exited (${child.exitCode}):\n${err}`);
      const res = await fetch(`http://127.0.0.1:${port}/hooks/cold-start`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-delivery-id': `boot-${port}-${i}` }, body: '{"id":"1"}' }).catch(() => null);
      if (res?.status === 202) break;
      if (res) await res.arrayBuffer();
      if (Number(process.hrtime.bigint() - started) / 1e6 > 60_000) throw new Error(`no webhook accepted in 60 s:\n${err}`);
      await sleep(10);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = cpuMs(child.pid!);
    // Idle: the worker has run the job (its target is unreachable, so it retries in the background now and then).
    await sleep(3000);
    return { ms, cpu, rss: rssMiB(child.pid!) };
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-cold-'));
try {
  const url = await prepare(dir);
  const times: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < boots; i++) {
    const r = await boot(url, dir);
    times.push(r.ms);
    rss.push(r.rss);
    cpu.push(r.cpu);
    console.error(`boot ${i + 1}/${boots}: ${r.ms.toFixed(0)} ms to the first accepted webhook (${r.cpu} ms of CPU), idle RSS ${r.rss.toFixed(0)} MiB`);
  }
  const fmt = (n: number) => n.toFixed(0);
  console.log('| runs | boots | median ms | min ms | max ms | median CPU ms to first webhook | median idle RSS MiB |');
  console.log(`| ${fromSource ? 'TypeScript sources (tsx)' : 'compiled dist/'} | ${boots} | ${fmt(median(times))} | ${fmt(Math.min(...times))} | ${fmt(Math.max(...times))} | ${fmt(median(cpu))} | ${fmt(median(rss))} |`);
  console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
