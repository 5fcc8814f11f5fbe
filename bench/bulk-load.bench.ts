/**
 * Bulk initial load benchmark (issue 6): 100,000 ERP customers → Salesforce Accounts (Bulk API 2.0)
 * and Pardot prospects (Import API), on embedded SQLite. The ERP is Sage 100 (read through the real
 * ODBC driver) or, with `--erp sagex3`, Sage X3 (read through the REST api1: `$query` pages followed
 * through `$links.$next`, with the connector's totals per customer). Records wall time, API calls per
 * system (from the emulators' own counters) and peak memory.
 *
 * Syncline runs as users run it: `syncline load` from the built bundle (`npm run build:server`) in its
 * own process, then a `syncline worker` process settles the vendor jobs; each one's peak RSS and CPU
 * seconds come from /proc, so neither this script nor tsx's loader is in the figures. The emulators
 * run in a third process.
 *
 *   npx tsx bench/bulk-load.bench.ts [--customers 100000] [--page 5000] [--batch 50000] [--erp sage100|sagex3] [--rest-page 1000] [--write no] [--node-flags "--max-old-space-size=160"] [--worker-flags "--trace-gc"]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openStore } from '../src/store/index.js';
import { SynclineHub } from '../src/engine/hub.js';
import { builtInConnectors } from '../src/server/connectors.js';
import { saveConnection } from '../src/engine/connection-settings.js';
import { BULK_BATCH, BULK_PAGE } from '../src/engine/bulk-load.js';
import { sandboxConnections } from '../src/cli/demo/connections.js';
import { loadAverage, machine, procStats, writeSection } from './report.js';
import { BENCH_MASTER_KEY, bundleIsCurrent, LAUNCHER, startSyncline } from './engine-setup.js';
import { SAGE100_BULK_FLOW as SAGE100_FLOW, X3_BULK_FLOW as X3_FLOW } from './bulk-flows.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const CUSTOMERS = Number(args.get('customers') ?? 100_000);
const PAGE = Number(args.get('page') ?? BULK_PAGE);
const BATCH = Number(args.get('batch') ?? BULK_BATCH);
const WRITE = args.get('write') !== 'no';
const ERP = args.get('erp') ?? 'sage100';
const REST_PAGE = Number(args.get('rest-page') ?? 1000);
/** Node flags for the load process (a heap cap, `--trace-gc` for its live set), e.g. `--node-flags "--max-old-space-size=160"`; a heap cap applies to the settling worker too. */
const NODE_FLAGS = (args.get('node-flags') ?? '').split(' ').filter(Boolean);
const HEAP_CAP = NODE_FLAGS.filter((f) => f.startsWith('--max-old-space-size')).join(' ');
/** Node flags for the settling worker only, e.g. `--worker-flags "--trace-gc"` (its live set after full collections is then reported). */
const WORKER_FLAGS = (args.get('worker-flags') ?? '').split(' ').filter(Boolean);
if (ERP !== 'sage100' && ERP !== 'sagex3') throw new Error(`--erp must be sage100 or sagex3 (got ${ERP})`);



interface Endpoints {
  salesforce: { url: string };
  pardot: { url: string; businessUnitId: string };
  sage100: { endpointUrl: string; odbcConnectionString: string; companyCode: string; url: string };
  sagex3?: { url: string; endpoint: string; poolAlias: string };
}

/** Starts the emulators in a child process (their memory and CPU are not Syncline's; a heap limit given to Syncline in NODE_OPTIONS is not theirs). */
function startEmulators(customers: number): Promise<{ child: ChildProcess; endpoints: Endpoints }> {
  // The X3 emulator keeps every seeded customer and its documents: at 1,000,000 customers it outgrows V8's default heap (it ran out at 4 GB after 350,000 were read).
  const heap = customers > 200_000 ? `--max-old-space-size=${Math.min(16_384, Math.round(customers / 50))}` : '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/emulators-process.ts'], { env: { ...process.env, NODE_OPTIONS: heap, SAGE_CUSTOMERS: String(customers), ERP }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`emulators exited with ${c}`)));
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ child, endpoints: JSON.parse(buf.slice(0, nl)) as Endpoints });
    });
  });
}

/** Total API calls an emulator counted (its control endpoint); `api` keeps only the X3 emulator's REST or SOAP calls. */
async function calls(url: string, api?: 'soap' | 'rest'): Promise<number> {
  // Salesforce and Pardot answer with a total; Sage 100 and Sage X3 with the list of calls.
  const body = (await (await fetch(`${url}/__sandbox/calls`)).json()) as { total?: number; calls?: Array<{ api?: string }> };
  return body.total ?? body.calls?.filter((c) => !api || c.api === api).length ?? NaN;
}

/** What the load process printed and measured. */
interface LoadRun {
  /** The load command's last stdout line (`loaded N records in S s: ...`). */
  summary: string;
  exitedAfterS: number;
  peakRssMiB: number;
  cpuSeconds: number;
  /** Peak RSS by the phase its progress line named last (reading, mapping, writing). */
  byPhase: Record<string, number>;
  /** With `--node-flags --trace-gc`: the largest heap left after a full GC (the live set), by phase. */
  liveByPhase: Record<string, number>;
}

/**
 * Runs `syncline load <flow>` as users do: the built CLI (dist/bundle, started by the bin/syncline launcher) in its
 * own process in an empty folder, configured by environment. Its memory is sampled from /proc every
 * 100 ms (VmRSS by phase, VmHWM for the peak), so the figure is the product's, not this script's.
 */
function runLoad(url: string): Promise<LoadRun> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'syncline-bulk-run-'));
  const env = { ...process.env, NODE_OPTIONS: '', SYNCLINE_NODE_FLAGS: NODE_FLAGS.join(' '), SYNCLINE_DATABASE_URL: url, SYNCLINE_MASTER_KEY: BENCH_MASTER_KEY, SYNCLINE_LOG_LEVEL: 'warn' };
  const t0 = Date.now();
  const child = spawn(LAUNCHER, ['load', 'bulk-customers', '--page-size', String(PAGE), '--batch-size', String(BATCH)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: LoadRun = { summary: '', exitedAfterS: 0, peakRssMiB: 0, cpuSeconds: 0, byPhase: {}, liveByPhase: {} };
  let phase = 'start';
  const sample = () => {
    try {
      const s = procStats(child.pid!);
      run.peakRssMiB = Math.max(run.peakRssMiB, s.peakRssMiB);
      run.cpuSeconds = s.cpuSeconds;
      run.byPhase[phase] = Math.max(run.byPhase[phase] ?? 0, s.rssMiB);
    } catch {
      // exited between two samples
    }
  };
  sample();
  const sampler = setInterval(sample, 100);
  // A long load (1,000,000 customers) may be stopped before it ends: its memory so far is on record every 30 s.
  const report = setInterval(() => console.error(`[bench] load process after ${((Date.now() - t0) / 1000).toFixed(0)} s: peak RSS ${run.peakRssMiB} MiB, CPU ${run.cpuSeconds.toFixed(1)} s, RSS by phase ${JSON.stringify(run.byPhase)}`), 30_000);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    let nl;
    while ((nl = err.indexOf('\n')) >= 0) {
      const line = err.slice(0, nl);
      err = err.slice(nl + 1);
      process.stderr.write(`${line}\n`);
      const m = /^\[[\d.]+s\] (\w+):/.exec(line);
      if (m) phase = m[1];
    }
  });
  let out = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      // --trace-gc: `Mark-Compact 120.1 (150.2) -> 80.3 (140.0) MB`; what is left is the live set.
      const gc = /Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
      if (gc) run.liveByPhase[phase] = Math.max(run.liveByPhase[phase] ?? 0, Math.round(Number(gc[1])));
      else out += `${line}\n`;
    }
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearInterval(sampler);
      clearInterval(report);
      rmSync(cwd, { recursive: true, force: true });
      run.exitedAfterS = (Date.now() - t0) / 1000;
      run.summary = (out + partial).split('\n').filter((l) => l.startsWith('loaded ')).pop() ?? '';
      if (code === 0) resolve(run);
      else reject(new Error(`syncline load exited ${code}: ${out}`));
    });
  });
}

/** Target name → records written, from the load's summary line (`...: account 0, prospect 0; ...`). */
function writtenIn(summary: string): Record<string, number> {
  const list = /s: (.*?); \d+ handed/.exec(summary)?.[1] ?? '';
  return Object.fromEntries(list.split(', ').map((x) => x.split(' ')).map(([k, v]) => [k, Number(v)]));
}

async function main(): Promise<void> {
  if (!bundleIsCurrent()) throw new Error('dist/bundle is older than src/: run `npm run build:server` first (the benchmark measures the built CLI)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-bulk-'));
  const url = `sqlite:${path.join(dir, 'hub.db')}`;
  console.error(`seeding ${CUSTOMERS} ${ERP === 'sagex3' ? 'Sage X3' : 'Sage 100'} customers in the emulator process…`);
  const { child, endpoints } = await startEmulators(CUSTOMERS);
  let worker: ChildProcess | undefined;
  try {
    const x3 = ERP === 'sagex3' ? endpoints.sagex3 : undefined;
    {
      // Connections and the flow, saved as an operator would before running `syncline load`.
      const store = await openStore({ url, masterKey: BENCH_MASTER_KEY });
      const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
      const conns = x3 ? sandboxConnections({ salesforce: endpoints.salesforce, pardot: endpoints.pardot, sagex3: x3 }) : sandboxConnections(endpoints);
      if (x3) {
        conns.sagex3.settings.pageSize = REST_PAGE;
        conns.sagex3.settings.rateLimits = { perSecond: 10_000, concurrent: 8 };
      }
      for (const [name, c] of Object.entries(conns)) await saveConnection(store, hub.connectors, { name, type: c.type, settings: c.settings }, 'bench');
      await hub.deployFlow(x3 ? X3_FLOW : SAGE100_FLOW, 'bench');
      await hub.stop();
      await store.close();
    }
    const erpCalls = () => (x3 ? calls(x3.url, 'rest') : calls(endpoints.sage100.url));
    const loadStart = loadAverage();
    const before = { sf: await calls(endpoints.salesforce.url), pardot: await calls(endpoints.pardot.url), erp: await erpCalls() };
    const t0 = Date.now();
    const load = await runLoad(url);
    const written = writtenIn(load.summary);
    const queued = Number(/; (\d+) handed to the queue/.exec(load.summary)?.[1] ?? NaN);
    // Bulk API jobs and imports were submitted and queued as batch checks: a worker process finishes them.
    const started = await startSyncline(url, 'worker', { concurrency: 4, env: { NODE_OPTIONS: HEAP_CAP }, nodeArgs: WORKER_FLAGS });
    worker = started.child;
    const settle = { peakRssMiB: 0, cpuSeconds: 0, liveMB: 0, rss: [] as number[] };
    // --trace-gc in --worker-flags: the heap a full collection left (the worker's live set), largest seen.
    worker.stdout!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(.*/g)) {
        settle.liveMB = Math.max(settle.liveMB, Math.round(Number(m[1])));
        process.stderr.write(`[worker gc] ${m[0]}\n`);
      }
    });
    let lastSample = 0;
    const sampleWorker = () => {
      const s = procStats(worker!.pid!);
      settle.peakRssMiB = Math.max(settle.peakRssMiB, s.peakRssMiB);
      settle.cpuSeconds = s.cpuSeconds;
      // RSS every 5 s while it settles: whether the peak comes from one batch or grows batch after batch.
      if (Date.now() - lastSample >= 5000) {
        lastSample = Date.now();
        settle.rss.push(s.rssMiB);
      }
    };
    const store = await openStore({ url, masterKey: BENCH_MASTER_KEY });
    try {
      for (;;) {
        sampleWorker();
        const q = await store.queueStats();
        if (q.queued === 0 && q.running === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      sampleWorker();
      for (const r of await store.listRuns({ flow: 'bulk-customers', limit: 10_000 })) {
        if (r.trigger === 'batch' && r.stats && typeof r.stats.target === 'string') written[r.stats.target] = (written[r.stats.target] ?? 0) + Number(r.stats.written ?? 0);
      }
    } finally {
      await store.close();
    }
    const wall = (Date.now() - t0) / 1000;
    const row = {
      customers: CUSTOMERS,
      page: PAGE,
      batch: BATCH,
      read: Number(/loaded (\d+) records/.exec(load.summary)?.[1] ?? NaN),
      'accounts written': written.account,
      'prospects written': written.prospect,
      'handed to queue': queued,
      'submitted s': load.exitedAfterS.toFixed(1),
      'wall s': wall.toFixed(1),
      'Salesforce calls': (await calls(endpoints.salesforce.url)) - before.sf,
      'Pardot calls': (await calls(endpoints.pardot.url)) - before.pardot,
      [x3 ? 'X3 REST calls' : 'Sage 100 eBWS calls']: (await erpCalls()) - before.erp,
      'load peak RSS MiB': load.peakRssMiB,
      'load CPU s': load.cpuSeconds.toFixed(1),
      'settling worker peak RSS MiB': settle.peakRssMiB,
      'settling worker CPU s': settle.cpuSeconds.toFixed(1),
      ...(settle.liveMB ? { 'settling worker live heap MB': settle.liveMB } : {}),
      ...(NODE_FLAGS.length ? { 'node flags': NODE_FLAGS.join(' ') } : {}),
      'load avg start': loadStart,
      'load avg end': loadAverage(),
    };
    console.table([row]);
    console.log(JSON.stringify(row));
    console.log(`load process peak RSS by phase, MiB: ${JSON.stringify(load.byPhase)}`);
    console.log(`settling worker RSS every 5 s, MiB: ${settle.rss.join(' ')}`);
    if (Object.keys(load.liveByPhase).length) console.log(`load process live heap after full GCs (largest), by phase, MB: ${JSON.stringify(load.liveByPhase)}`);
    console.log(`Pardot calls by family: ${JSON.stringify(((await (await fetch(`${endpoints.pardot.url}/__sandbox/calls`)).json()) as { byFamily?: unknown }).byFamily)}`);
    if (!WRITE) return;
    const size = CUSTOMERS === 100_000 ? '' : ` (${CUSTOMERS.toLocaleString('en')} customers)`;
    const measured = 'Syncline runs as users run it: `syncline load bulk-customers` from the built bundle in its own process (memory: its VmHWM; CPU: its user + system seconds), then a `syncline worker` process settles the vendor jobs. The emulators run in a third process; API calls are their own counts (token calls included).';
    writeSection(
      x3 ? `Bulk initial load from Sage X3${size}` : `Bulk initial load${size}`,
      x3
        ? `${CUSTOMERS.toLocaleString('en')} Sage X3 customers read through the REST api1 (\`$query\` pages of ${REST_PAGE.toLocaleString('en')} followed through \`$links.$next\`, source pages of ${PAGE.toLocaleString('en')}, vendor jobs of ${BATCH.toLocaleString('en')} per target; per customer the connector also reads its invoices, open items and orders for \`totals\`) and loaded into Salesforce Accounts (Bulk API 2.0 upsert on SageX3_Customer_No__c) and Pardot prospects, Syncline on embedded SQLite. ${measured}\n\nCommand: \`npx tsx bench/bulk-load.bench.ts --erp sagex3 --customers ${CUSTOMERS} --page ${PAGE} --batch ${BATCH}\`\n\n${machine()}`
        : `${CUSTOMERS.toLocaleString('en')} Sage 100 customers read through the SQLite ODBC driver (source pages of ${PAGE.toLocaleString('en')}, vendor jobs of ${BATCH.toLocaleString('en')} per target) and loaded into Salesforce Accounts (Bulk API 2.0 upsert on Sage100_Customer_No__c) and Pardot prospects (Import API), Syncline on embedded SQLite. ${measured}\n\nCommand: \`npx tsx bench/bulk-load.bench.ts --customers ${CUSTOMERS} --page ${PAGE} --batch ${BATCH}\`\n\n${machine()}`,
      [row],
    );
  } finally {
    worker?.removeAllListeners('exit');
    worker?.kill('SIGTERM');
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
