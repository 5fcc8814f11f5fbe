/**
 * Backpressure under overload (issue 20): many concurrent webhook senders push as fast as the server
 * answers, for a fixed time, against the engine server on SQLite with a backlog bound and without.
 * Senders behave as webhook senders do: a 503 is waited out (Retry-After) and the same delivery is
 * sent again. The backlog (unfinished jobs) is sampled from the database file by this process.
 * Shows that with a bound the backlog stays at it while delivered events/s stay at the maximum, and
 * that every accepted event is delivered once.
 *
 *   npx tsx bench/overload.bench.ts [--senders 128] [--seconds 30] [--bounds 2000,0] [--rounds 1] [--durability power-loss|process-crash]
 *
 * Prints one row per run (Markdown); it does not write bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Agent } from 'undici';
import { WebhookSender } from './webhook-sender.js';
import { startHttpSink } from '../src/sandbox/http-sink/index.js';
import { prepare, startServer, stopProcess, waitForCount } from './engine-setup.js';
import { loadAverage, markdownTable, percentile, procStats } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const SENDERS = Number(args.get('senders') ?? 128);
const SECONDS = Number(args.get('seconds') ?? 30);
const BOUNDS = (args.get('bounds') ?? '2000,0').split(',').map(Number);
const ROUNDS = Number(args.get('rounds') ?? 1);
const DURABILITY = args.get('durability') ?? 'power-loss';

async function run(bound: number): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-overload-'));
  const file = path.join(dir, 'bench.db');
  const url = `sqlite:${file}`;
  const sink = await startHttpSink();
  await prepare(url, sink);
  // The global bound off: the per-flow bound is the one measured.
  const { child, base } = await startServer(url, { SYNCLINE_MAX_BACKLOG_PER_FLOW: String(bound), SYNCLINE_MAX_BACKLOG: '0', SYNCLINE_DURABILITY: DURABILITY });
  const reader = new BetterSqlite3(file, { readonly: true });
  const backlogQuery = reader.prepare(`select count(*) as n from jobs where status in ('queued', 'running')`);
  const agent = new Agent({ connections: SENDERS, pipelining: 1 });
  const hook = `${base}/hooks/bench`;
  const sender = new WebhookSender(hook, agent);
  let next = 0;
  let stop = false;
  try {
    const samples: Array<{ t: number; backlog: number; delivered: number }> = [];
    const cpu0 = procStats(child.pid!).cpuSeconds;
    const t0 = performance.now();
    const sampler = setInterval(() => samples.push({ t: performance.now() - t0, backlog: (backlogQuery.get() as { n: number }).n, delivered: sink.count() }), 250);
    const senders = Array.from({ length: SENDERS }, async () => {
      while (!stop) await sender.send(next++);
    });
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    stop = true;
    await Promise.all(senders);
    clearInterval(sampler);
    const server = procStats(child.pid!);
    const window = (performance.now() - t0) / 1000;
    // Delivered rate over the second half of the run, once the backlog has built up (or hit its bound).
    const half = samples.filter((s) => s.t >= (SECONDS * 1000) / 2);
    const deliveredRate = half.length > 1 ? (half[half.length - 1].delivered - half[0].delivered) / ((half[half.length - 1].t - half[0].t) / 1000) : NaN;
    const backlogEnd = samples[samples.length - 1]?.backlog ?? 0;
    const lat = sink.records('contacts').map((r) => Date.parse(String(r.createdAt)) - Number(r.sent_at));
    await waitForCount(sink, sender.accepted, 600_000);
    const delivered = sink.count();
    const distinct = new Set(sink.records('contacts').map((r) => r.email)).size;
    return {
      bound: bound || 'none',
      senders: SENDERS,
      's': SECONDS,
      'accepted/s': Math.round(sender.accepted / window),
      'refused (503)/s': Math.round(sender.refused / window),
      'delivered/s (2nd half)': Math.round(deliveredRate),
      'max backlog': Math.max(...samples.map((s) => s.backlog)),
      'backlog at end': backlogEnd,
      'p99 accepted→stored ms (during run)': percentile(lat, 0.99),
      'accepted = delivered once': sender.accepted === delivered && distinct === delivered ? 'yes' : `NO (${sender.accepted} accepted, ${delivered} delivered, ${distinct} distinct)`,
      'server CPU s': Math.round((server.cpuSeconds - cpu0) * 10) / 10,
      'server peak RSS MiB': server.peakRssMiB,
      'load avg': loadAverage(),
    };
  } finally {
    stop = true;
    reader.close();
    await stopProcess(child);
    await agent.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const bound of BOUNDS) {
    console.error(`overload: bound ${bound || 'none'}, round ${r + 1}…`);
    rows.push(await run(bound));
    console.error(JSON.stringify(rows[rows.length - 1]));
  }
}
console.log(markdownTable(rows));
