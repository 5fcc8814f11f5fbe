/**
 * Memory soak (issue 20): a steady webhook rate for a fixed time against the engine server on SQLite
 * (its own process; the load generator and the sink here), recording the server's RSS and V8 heap
 * (from its /metrics) after a warm-up and at the end, and samples in between. Growth from start to
 * end under a constant load is what a leak looks like.
 *
 *   npx tsx bench/soak.bench.ts [--rate 500] [--seconds 180] [--warmup 15]
 *
 * Prints a Markdown table; it does not write bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { WebhookSender } from './webhook-sender.js';
import { startHttpSink } from '../src/sandbox/http-sink/index.js';
import { prepare, startServer, stopProcess, waitForCount } from './engine-setup.js';
import { loadAverage, markdownTable, percentile, procStats } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const RATE = Number(args.get('rate') ?? 500);
const SECONDS = Number(args.get('seconds') ?? 180);
const WARMUP = Number(args.get('warmup') ?? 15);

/** The server's own memory figures from its Prometheus endpoint (prom-client default metrics). */
async function serverMemory(base: string): Promise<{ rssMiB: number; heapUsedMiB: number; heapTotalMiB: number }> {
  const res = await request(`${base}/metrics`);
  const text = await res.body.text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { rssMiB: Math.round(metric('process_resident_memory_bytes')), heapUsedMiB: Math.round(metric('nodejs_heap_size_used_bytes')), heapTotalMiB: Math.round(metric('nodejs_heap_size_total_bytes')) };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-soak-'));
const url = `sqlite:${path.join(dir, 'bench.db')}`;
const sink = await startHttpSink();
await prepare(url, sink);
const { child, base } = await startServer(url);
const agent = new Agent({ connections: 64, pipelining: 1 });
// A refused event (503 past the backlog bound) is sent again after Retry-After, as a sender would.
const sender = new WebhookSender(`${base}/hooks/bench`, agent);
const send = (i: number) => sender.send(i);
const samples: Array<Record<string, string | number>> = [];
try {
  const total = RATE * SECONDS;
  const start = performance.now();
  const sends: Promise<void>[] = [];
  let startMem: Awaited<ReturnType<typeof serverMemory>> | null = null;
  let cpuAtStart = 0;
  let nextSample = WARMUP;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sends.push(send(i));
    const elapsed = (performance.now() - start) / 1000;
    if (elapsed >= nextSample) {
      const mem = await serverMemory(base);
      if (!startMem) {
        startMem = mem;
        cpuAtStart = procStats(child.pid!).cpuSeconds;
      }
      samples.push({ 's': Math.round(elapsed), 'sent': i + 1, 'stored': sink.count(), 'RSS MiB': mem.rssMiB, 'heap used MiB': mem.heapUsedMiB, 'heap total MiB': mem.heapTotalMiB, 'load avg': loadAverage() });
      nextSample += Math.max(15, Math.round(SECONDS / 12));
    }
  }
  await Promise.all(sends);
  await waitForCount(sink, total, 300_000);
  const sentFor = (performance.now() - start) / 1000;
  const endMem = await serverMemory(base);
  const cpu = procStats(child.pid!);
  samples.push({ 's': Math.round(sentFor), 'sent': total, 'stored': sink.count(), 'RSS MiB': endMem.rssMiB, 'heap used MiB': endMem.heapUsedMiB, 'heap total MiB': endMem.heapTotalMiB, 'load avg': loadAverage() });
  const lat = sink.records('contacts').map((r) => Date.parse(String(r.createdAt)) - Number(r.sent_at));
  console.log(markdownTable(samples));
  console.log('');
  console.log(
    markdownTable([
      {
        rate: RATE,
        seconds: SECONDS,
        'sent in s': Math.round(sentFor),
        'refused, then resent': sender.refused,
        'p50 ms': percentile(lat, 0.5),
        'p99 ms': percentile(lat, 0.99),
        'RSS MiB start → end': `${startMem?.rssMiB} → ${endMem.rssMiB}`,
        'heap used MiB start → end': `${startMem?.heapUsedMiB} → ${endMem.heapUsedMiB}`,
        'server peak RSS MiB': cpu.peakRssMiB,
        'server CPU ms/event (after warm-up)': Math.round(((cpu.cpuSeconds - cpuAtStart) * 1000 * 100) / (total * (1 - WARMUP / SECONDS))) / 100,
      },
    ]),
  );
} finally {
  await stopProcess(child);
  await agent.close();
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
}
