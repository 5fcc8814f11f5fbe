/**
 * Shared by the engine benchmarks (engine.bench.ts, overload.bench.ts): the benchmark flow, preparing
 * a store with the sink connection, and starting bench/engine-server.ts as its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openStore } from '../src/store/index.js';
import { SynclineHub } from '../src/engine/hub.js';
import { httpConnector } from '../src/connectors/http/index.js';
import { saveConnection } from '../src/engine/connection-settings.js';
import type { RunningHttpSink } from '../src/sandbox/http-sink/index.js';

/** Engine tests and benchmarks need only the generic connector. */
const connectors = new Map([[httpConnector.type, httpConnector]]);

export const FLOW = `name: bench
trigger: { type: webhook, unsigned: true }
source: { connection: sink, entity: contacts }
targets:
  - name: contact
    connection: sink
    entity: contacts
    mapping:
      email: { expr: "$lowercase(email)" }
      name: name
      sent_at: sent_at
      source_id: id
    # Exactly-once needs a key a retried write can find its record by (flow validation refuses a creating target without one).
    match: { keys: [email] }
`;

/** Migrates the store, saves the sink connection and deploys the flow (the sink need not be running: only its URL is stored). */
export async function prepare(url: string, sink: Pick<RunningHttpSink, 'url'>): Promise<void> {
  const store = await openStore({ url, masterKey: BENCH_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
  await saveConnection(store, hub.connectors, { name: 'sink', type: 'http', settings: { baseUrl: sink.url, rateLimits: { perSecond: 100_000, concurrent: 128 }, entities: [{ name: 'contacts', idField: 'id', recordsPath: 'data', paths: { create: '/contacts', update: '/contacts/{id}', find: '/contacts?{field}={value}' } }] } }, 'bench');
  await hub.deployFlow(FLOW, 'bench');
  await store.close();
}

/** How a benchmark runs Syncline: `bundle` is what users run (`syncline start|worker` from dist/bundle), `tsx` the TypeScript sources through bench/engine-server.ts (needed for the in-process PostgreSQL statement profile). */
export type BenchRuntime = 'bundle' | 'tsx';

/** The repository root. */
export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** The `syncline` command as installed (bin/syncline): it starts Node with the product's runtime settings. */
export const LAUNCHER = path.join(ROOT, 'bin', 'syncline');
/** The master key every benchmark process shares (the store's secrets are encrypted with it). */
export const BENCH_MASTER_KEY = 'b'.repeat(64);

/**
 * Starts one Syncline process on the store at `url`: `server` (HTTP + one worker) or `worker` (a worker
 * only). Resolves with its base URL (null for a worker) once it serves. With the bundle runtime the
 * process is `bin/syncline start|worker` (the launcher, which execs Node) in an empty folder, configured by environment as a
 * deployment would be, so its CPU and memory are the product's, not the TypeScript loader's.
 */
export function startSyncline(url: string, role: 'server' | 'worker', options: { runtime?: BenchRuntime; concurrency?: number; env?: Record<string, string>; stdin?: boolean; nodeArgs?: string[] } = {}): Promise<{ child: ChildProcess; base: string | null }> {
  const runtime = options.runtime ?? 'bundle';
  const concurrency = options.concurrency ?? 64;
  // BENCH_NODE_ARGS: extra Node/V8 options for the Syncline processes (tracing, heap flags), space-separated.
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const profile = [...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []), ...extra, ...(options.nodeArgs ?? [])];
  let command = process.execPath;
  let args: string[];
  let cwd = process.cwd();
  // The launcher takes extra Node options from SYNCLINE_NODE_FLAGS, after its own defaults.
  const launcherEnv: Record<string, string> = {};
  if (runtime === 'bundle') {
    if (!bundleIsCurrent()) throw new Error('dist/bundle is older than src/: run `npm run build:server` first (the benchmark measures the built server)');
    cwd = mkdtempSync(path.join(os.tmpdir(), 'syncline-bench-run-'));
    command = LAUNCHER;
    args = [role === 'server' ? 'start' : 'worker'];
    if (profile.length > 0) launcherEnv.SYNCLINE_NODE_FLAGS = profile.join(' ');
  } else {
    args = [...profile, '--import', 'tsx', path.join(ROOT, 'bench', 'engine-server.ts')];
  }
  const env = {
    ...process.env,
    ...launcherEnv,
    SYNCLINE_DATABASE_URL: url,
    SYNCLINE_MASTER_KEY: BENCH_MASTER_KEY,
    SYNCLINE_HOST: '127.0.0.1',
    SYNCLINE_PORT: '0',
    SYNCLINE_WORKER_CONCURRENCY: String(concurrency),
    SYNCLINE_LOG_LEVEL: 'warn',
    BENCH_ROLE: role,
    CONCURRENCY: String(concurrency),
    ...options.env,
  };
  const child = spawn(command, args, { cwd, env, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`${role} exited ${c}`)));
    let out = '';
    const ready = (d: Buffer) => {
      out += d.toString();
      // engine-server prints `listening <url>` / `working`; the CLI says where it runs on stderr.
      const m = /listening (\S+)|Syncline is running at (\S+)|working|worker \d+ started/.exec(out);
      if (!m) return;
      child.stdout!.off('data', ready);
      child.stderr!.off('data', ready);
      resolve({ child, base: m[1] ?? m[2] ?? null });
    };
    child.stdout!.on('data', ready);
    child.stderr!.on('data', ready);
  });
}

/** True when the bundle was built after the last change to src/ (what bin/syncline.js checks before running it). */
export function bundleIsCurrent(): boolean {
  const stamp = path.join(ROOT, 'dist', '.built');
  if (!existsSync(stamp)) return false;
  const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  return newest(path.join(ROOT, 'src')) <= statSync(stamp).mtimeMs;
}

/** Starts the server process (extra environment on top of ours); resolves with its base URL once it listens. */
export async function startServer(url: string, env: Record<string, string> = {}, runtime: BenchRuntime = 'bundle'): Promise<{ child: ChildProcess; base: string }> {
  const { child, base } = await startSyncline(url, 'server', { runtime, env });
  return { child, base: base! };
}

/** Waits until the sink holds n records. */
export async function waitForCount(sink: RunningHttpSink, n: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (sink.count() < n) {
    if (Date.now() > end) throw new Error(`only ${sink.count()} of ${n} records arrived`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Stops a benchmark's child process (SIGTERM: it drains as in production) and waits until it has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
