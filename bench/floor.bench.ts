/**
 * The floor of the engine benchmark's workload on this machine: the same load generator and sink as
 * bench/engine.bench.ts drive bench/floor-server.ts (the event's I/O and Syncline's rows, without the
 * engine) and the Syncline server on SQLite, in turn, and the table gives each one's CPU per event.
 * The floor's figure bounds what any engine built on these libraries could reach here: with the load
 * generator's own CPU per event `g` and the server's `s`, two cores carry at most 2000 / (s + g)
 * events/s, and one server thread at most 1000 / s.
 *   npx tsx bench/floor.bench.ts [--events 10000] [--rounds 3] [--servers floor,floor-queue,syncline] [--write no]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { WebhookSender } from './webhook-sender.js';
import { startHttpSink, type RunningHttpSink } from '../src/sandbox/http-sink/index.js';
import { prepare, ROOT, startSyncline, stopProcess, waitForCount } from './engine-setup.js';
import { loadAverage, machine, percentile, procStats, writeSection } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const EVENTS = Number(args.get('events') ?? 10_000);
const WARMUP = Number(args.get('warmup') ?? 3_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const CONCURRENCY = 64;
/** `floor`: the floor server with Syncline's rows; `floor-queue`: with only the queue's rows; `syncline`: the built server. */
type ServerKind = 'floor' | 'floor-queue' | 'syncline';
const SERVERS = (args.get('servers') ?? 'floor,floor-queue,syncline').split(',') as ServerKind[];

/** Starts the floor server on a fresh SQLite file; resolves with its base URL once it listens. */
function startFloor(file: string, sink: RunningHttpSink, rows: 'all' | 'queue'): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'floor-server.ts')], {
    env: { ...process.env, FLOOR_DB: file, FLOOR_SINK: sink.url, FLOOR_ROWS: rows, CONCURRENCY: String(CONCURRENCY) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`floor server exited ${c}`)));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, base: m[1] });
    });
  });
}

async function run(server: ServerKind): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-floor-'));
  const file = path.join(dir, 'bench.db');
  const sink = await startHttpSink();
  let child: ChildProcess;
  let base: string;
  if (server !== 'syncline') {
    ({ child, base } = await startFloor(file, sink, server === 'floor' ? 'all' : 'queue'));
  } else {
    await prepare(`sqlite:${file}`, sink);
    const started = await startSyncline(`sqlite:${file}`, 'server', { concurrency: CONCURRENCY });
    child = started.child;
    base = started.base!;
  }
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const sender = new WebhookSender(`${base}/hooks/bench`, agent);
  const send = (i: number) => sender.send(i);
  const burst = async (from: number, count: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await send(from + next++);
    }));
  };
  try {
    const load = loadAverage();
    await burst(1_000_000, WARMUP);
    // Not reset: a reset starts the sink's ids again at 1, and the hub would take new records for the warm-up's.
    await waitForCount(sink, WARMUP, 300_000);
    const before = { server: procStats(child.pid!).cpuSeconds, bench: process.cpuUsage() };
    const t0 = performance.now();
    await burst(0, EVENTS);
    await waitForCount(sink, WARMUP + EVENTS, 300_000);
    const seconds = (performance.now() - t0) / 1000;
    const benchCpu = process.cpuUsage(before.bench);
    const perEvent = (s: number) => Math.round((s * 1000 * 100) / EVENTS) / 100;
    const serverMs = perEvent(procStats(child.pid!).cpuSeconds - before.server);
    const benchMs = perEvent((benchCpu.user + benchCpu.system) / 1e6);
    return {
      server,
      events: EVENTS,
      'end-to-end events/s': Math.round(EVENTS / seconds),
      'CPU ms/event, server': serverMs,
      'CPU ms/event, load generator + sink': benchMs,
      'two-core bound, events/s': Math.round(2000 / (serverMs + benchMs)),
      'load avg at start': load,
    };
  } finally {
    await stopProcess(child);
    await agent.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Array<Record<string, unknown>> = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const server of SERVERS) {
    console.error(`round ${round} of ${ROUNDS}: ${server}…`);
    rows.push({ round, ...(await run(server)) });
  }
}
for (const server of SERVERS) {
  const mine = rows.filter((r) => r.server === server);
  const median = (col: string) => percentile(mine.map((r) => Number(r[col])), 0.5, 0.01);
  rows.push({ round: 'median', server, events: EVENTS, 'end-to-end events/s': median('end-to-end events/s'), 'CPU ms/event, server': median('CPU ms/event, server'), 'CPU ms/event, load generator + sink': median('CPU ms/event, load generator + sink'), 'two-core bound, events/s': median('two-core bound, events/s') });
}
console.table(rows);
if (args.get('write') !== 'no') {
  writeSection('Floor of the engine workload', `The engine benchmark's load generator and sink against bench/floor-server.ts (the event's I/O and Syncline's rows, no engine) and the Syncline server on SQLite, in turn.\n\nCommand: \`npx tsx bench/floor.bench.ts --events ${EVENTS} --rounds ${ROUNDS} --servers ${SERVERS.join(',')}\`\n\n${machine()}`, rows);
}
