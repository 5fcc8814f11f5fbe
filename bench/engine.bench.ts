/**
 * Engine benchmark: webhook → inbox → worker → generic http connector → local HTTP sink, on SQLite
 * and on PostgreSQL. Measures sustained events/s (a burst pushed as fast as the server accepts it)
 * and end-to-end latency p50/p99 at a steady 200 events/s (sent time → stored in the sink).
 *
 *   npx tsx bench/engine.bench.ts [--events 20000] [--stores sqlite,postgres]
 *
 * Writes its table into bench/RESULTS.md under "## Engine".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { openStore } from '../src/store/index.js';
import { SynclineHub } from '../src/engine/hub.js';
import { httpConnector } from '../src/connectors/http/index.js';

/** Engine tests and benchmarks need only the generic connector. */
const connectors = new Map([[httpConnector.type, httpConnector]]);
import { saveConnection } from '../src/engine/connection-settings.js';
import { startHttpSink, type RunningHttpSink } from '../src/sandbox/http-sink/index.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../src/store/index.js';
import { pino } from 'pino';
import { machine, percentile, writeSection } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const EVENTS = Number(args.get('events') ?? 20_000);
const STORES = (args.get('stores') ?? 'sqlite,postgres').split(',');
const RATE = 200;
const RATE_SECONDS = 15;
const PG_ADMIN = process.env.SYNCLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const FLOW = `name: bench
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

async function prepare(url: string, sink: RunningHttpSink): Promise<void> {
  const store = await openStore({ url, masterKey: 'b'.repeat(64) });
  const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
  await saveConnection(store, hub.connectors, { name: 'sink', type: 'http', settings: { baseUrl: sink.url, rateLimits: { perSecond: 100_000, concurrent: 128 }, entities: [{ name: 'contacts', idField: 'id', recordsPath: 'data', paths: { create: '/contacts', update: '/contacts/{id}', find: '/contacts?{field}={value}' } }] } }, 'bench');
  await hub.deployFlow(FLOW, 'bench');
  await store.close();
}

function startServer(url: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [...(process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []), '--import', 'tsx', path.join('bench', 'engine-server.ts')], { env: { ...process.env, SYNCLINE_DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\S+)/.exec(d.toString());
      if (m) resolve({ child, base: m[1] });
    });
  });
}

async function waitForCount(sink: RunningHttpSink, n: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (sink.count() < n) {
    if (Date.now() > end) throw new Error(`only ${sink.count()} of ${n} records arrived`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(kind: string): Promise<Record<string, string | number>> {
  let url: string;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-bench-'));
    url = `sqlite:${path.join(dir, 'bench.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `syncline_bench_${Date.now()}`;
    url = await createPostgresDatabase(PG_ADMIN, name);
    cleanup = () => dropPostgresDatabase(PG_ADMIN, name);
  }
  const sink = await startHttpSink();
  await prepare(url, sink);
  const { child, base } = await startServer(url);
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const hook = `${base}/hooks/bench`;
  const send = async (i: number) => {
    const body = JSON.stringify({ id: `e${i}`, email: `User${i}@Example.com`, name: `User ${i}`, sent_at: Date.now() });
    const res = await request(hook, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-delivery-id': `d${i}` }, dispatcher: agent });
    await res.body.dump();
    if (res.statusCode !== 202) throw new Error(`webhook answered ${res.statusCode}`);
  };
  try {
    // Warm-up.
    await Promise.all(Array.from({ length: 200 }, (_, i) => send(1_000_000 + i)));
    await waitForCount(sink, 200, 60_000);
    sink.reset();

    // Throughput: push EVENTS with 64 requests in flight, time until the last one is stored.
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < EVENTS) await send(next++);
      }),
    );
    const accepted = performance.now();
    await waitForCount(sink, EVENTS, 300_000);
    const done = performance.now();
    const throughput = EVENTS / ((done - t0) / 1000);
    const intake = EVENTS / ((accepted - t0) / 1000);
    sink.reset();

    // Latency at a steady rate.
    const total = RATE * RATE_SECONDS;
    const start = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sends.push(send(2_000_000 + i));
    }
    await Promise.all(sends);
    await waitForCount(sink, total, 60_000);
    const lat = sink.records('contacts').map((r) => Date.parse(String(r.createdAt)) - Number(r.sent_at));
    return {
      store: kind,
      events: EVENTS,
      'intake events/s': Math.round(intake),
      'end-to-end events/s': Math.round(throughput),
      [`p50 ms @${RATE}/s`]: percentile(lat, 0.5),
      [`p99 ms @${RATE}/s`]: percentile(lat, 0.99),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await agent.close();
    await sink.close();
    await cleanup();
  }
}

const rows = [];
for (const kind of STORES) {
  console.error(`benchmarking ${kind}…`);
  rows.push(await run(kind));
  console.table([rows[rows.length - 1]]);
}
writeSection('Engine', `Webhook → inbox → worker → generic http connector → local HTTP sink. One server process (one worker, 64 jobs in flight); the load generator and the sink run in a second process.\n\nCommand: \`npx tsx bench/engine.bench.ts --events ${EVENTS}\`\n\n${machine()}`, rows);
