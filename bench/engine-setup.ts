/**
 * Shared by the engine benchmarks (engine.bench.ts, overload.bench.ts): the benchmark flow, preparing
 * a store with the sink connection, and starting bench/engine-server.ts as its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
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
  const store = await openStore({ url, masterKey: 'b'.repeat(64) });
  const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
  await saveConnection(store, hub.connectors, { name: 'sink', type: 'http', settings: { baseUrl: sink.url, rateLimits: { perSecond: 100_000, concurrent: 128 }, entities: [{ name: 'contacts', idField: 'id', recordsPath: 'data', paths: { create: '/contacts', update: '/contacts/{id}', find: '/contacts?{field}={value}' } }] } }, 'bench');
  await hub.deployFlow(FLOW, 'bench');
  await store.close();
}

/** Starts the server process (extra environment on top of ours); resolves with its base URL once it listens. */
export function startServer(url: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []), '--import', 'tsx', path.join('bench', 'engine-server.ts')], { env: { ...process.env, SYNCLINE_DATABASE_URL: url, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\S+)/.exec(d.toString());
      if (m) resolve({ child, base: m[1] });
    });
  });
}

/** Waits until the sink holds n records. */
export async function waitForCount(sink: RunningHttpSink, n: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (sink.count() < n) {
    if (Date.now() > end) throw new Error(`only ${sink.count()} of ${n} records arrived`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

