/**
 * Engine benchmark: webhook → inbox → worker → generic http connector → local HTTP sink, on SQLite
 * and on PostgreSQL. Measures sustained events/s (a burst pushed as fast as the server accepts it)
 * and end-to-end latency p50/p99 at a steady 200 events/s (sent time → stored in the sink).
 *
 *   npx tsx bench/engine.bench.ts [--events 20000] [--stores sqlite,postgres] [--durability power-loss|process-crash] [--write no]
 *
 * Writes its table into bench/RESULTS.md under "## Engine" (not with `--write no`). The server's CPU
 * seconds and peak RSS come from /proc; senders answered 503 (backpressure) wait Retry-After and resend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { startHttpSink } from '../src/sandbox/http-sink/index.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../src/store/index.js';
import { prepare, startServer, waitForCount } from './engine-setup.js';
import { loadAverage, machine, percentile, procStats, writeSection } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const EVENTS = Number(args.get('events') ?? 20_000);
const STORES = (args.get('stores') ?? 'sqlite,postgres').split(',');
const DURABILITY = args.get('durability');
const WRITE = args.get('write') !== 'no';
const RATE = 200;
const RATE_SECONDS = 15;
const PG_ADMIN = process.env.SYNCLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
  const { child, base } = await startServer(url, DURABILITY ? { SYNCLINE_DURABILITY: DURABILITY } : {});
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const hook = `${base}/hooks/bench`;
  const send = async (i: number) => {
    const body = JSON.stringify({ id: `e${i}`, email: `User${i}@Example.com`, name: `User ${i}`, sent_at: Date.now() });
    for (;;) {
      const res = await request(hook, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-delivery-id': `d${i}` }, dispatcher: agent });
      await res.body.dump();
      if (res.statusCode === 202) return;
      if (res.statusCode !== 503) throw new Error(`webhook answered ${res.statusCode}`);
      await new Promise((r) => setTimeout(r, Number(res.headers['retry-after'] ?? 1) * 1000));
    }
  };
  try {
    // Warm-up.
    await Promise.all(Array.from({ length: 200 }, (_, i) => send(1_000_000 + i)));
    await waitForCount(sink, 200, 60_000);
    sink.reset();

    // Throughput: push EVENTS with 64 requests in flight, time until the last one is stored.
    const cpu0 = procStats(child.pid!).cpuSeconds;
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
    const server = procStats(child.pid!);
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
      'server CPU ms/event': Math.round(((server.cpuSeconds - cpu0) * 1000 * 100) / EVENTS) / 100,
      'server peak RSS MiB': server.peakRssMiB,
      durability: DURABILITY ?? 'power-loss',
      'load avg': loadAverage(),
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
if (WRITE) writeSection('Engine', `Webhook → inbox → worker → generic http connector → local HTTP sink. One server process (one worker, 64 jobs in flight); the load generator and the sink run in a second process.\n\nCommand: \`npx tsx bench/engine.bench.ts --events ${EVENTS}\`\n\n${machine()}`, rows);
