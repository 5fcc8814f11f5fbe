/**
 * Engine benchmark: webhook → inbox → worker → generic http connector → local HTTP sink, on SQLite
 * and on PostgreSQL. Measures sustained events/s (a burst pushed as fast as the server accepts it)
 * and end-to-end latency p50/p99 at a steady 200 events/s (sent time → stored in the sink).
 *
 *   npx tsx bench/engine.bench.ts [--events 20000] [--stores sqlite,postgres] [--rounds 1]
 *     [--workers 1,2,4] [--sink-latency-ms 0,50] [--concurrency 64] [--profile 1] [--timeline 1] [--jit 1] [--section <title>]
 *     [--durability power-loss|process-crash] [--runtime bundle|tsx] [--warmup 30000] [--write no]
 *
 * `--workers` runs the server (HTTP + one worker) plus N-1 worker-only processes on the same store;
 * `--sink-latency-ms` makes the sink answer every call that much later (an I/O-bound target);
 * `--concurrency` is jobs in flight per worker; `--profile 1` counts every PostgreSQL statement the
 * Syncline processes send during the burst (bench/pg-profile.ts) and prints the statements per event;
 * `--timeline 1` records where each job's time goes during the burst (bench/job-timeline.ts) and prints it.
 * `--jit 1` runs the Syncline processes with V8's compile trace and prints, per process, the TurboFan
 * compiles and deoptimisations during the burst (bench/jit-activity.ts): the check that the warm-up was long enough.
 * CPU per event during the burst is measured for each Syncline process, the database's backends and
 * this process (load generator and sink), from /proc, so runs on a loaded machine still compare; at the
 * steady 200 events/s, for the Syncline processes together and the database's backends.
 * `--runtime bundle` (default) runs `syncline start|worker` from the built bundle, as users run it;
 * `tsx` runs the sources through bench/engine-server.ts (always so with `--profile 1` or `--timeline 1`).
 * `--warmup` events go through first, untimed (V8 optimises the hot paths meanwhile; default 30,000,
 * or 3,000 per worker with `--sink-latency-ms` above 0: after 3,000, the default until 2026-12-07, each process
 * still compiled 166-305 functions during a 10,000-event burst; bench/RESULTS.md, "Functions made per call").
 * `--durability` sets SQLite's commit durability for the Syncline processes (default power-loss).
 * Every combination of stores × workers × sink latency is run; `--rounds N` runs them all N times in
 * turn and adds a row per combination with the median of its rounds. Writes its table into bench/RESULTS.md
 * under "## Engine" for the default single-worker run, under `--section` when given, else (and always
 * with `--write no`) only prints it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { WebhookSender } from './webhook-sender.js';
import { startHttpSink } from '../src/sandbox/http-sink/index.js';
import { createPostgresDatabase, dropPostgresDatabase } from '../src/store/index.js';
import { prepare, startSyncline, stopProcess, waitForCount, type BenchRuntime } from './engine-setup.js';
import { loadAverage, machine, markdownTable, percentile, procStats, writeSection } from './report.js';
import type { StatementProfile } from './pg-profile.js';
import { summarizeTimelines, type timelineSnapshot } from './job-timeline.js';
import { JIT_TRACE_FLAGS, JitActivity } from './jit-activity.js';
import pg from 'pg';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const EVENTS = Number(args.get('events') ?? 20_000);
const STORES = (args.get('stores') ?? 'sqlite,postgres').split(',');
const WORKERS = (args.get('workers') ?? '1').split(',').map(Number);
const SINK_LATENCIES = (args.get('sink-latency-ms') ?? '0').split(',').map(Number);
const CONCURRENCY = Number(args.get('concurrency') ?? 64);
/**
 * Events sent (and delivered) before the burst is timed: `--warmup`, else 30,000 with a fast sink and
 * 3,000 per worker with a slow one, whose runs the sink's latency bounds, not the JIT (30,000 events at
 * 150 a second would take minutes). Per worker because the workers share the warm-up: with 3,000 in all,
 * each of four workers ran 750 and then made 89-110 TurboFan compiles (1.0-1.3 s optimising) during the
 * burst, which the four-worker figure paid for (bench/RESULTS.md, "The slow sink's warm-up, per worker").
 * Until 2026-12-07 20:00 UTC 3,000 in all with a slow sink; until 11:00 3,000 throughout (200 until 2026-12-06 16:00).
 */
function warmupFor(sinkLatencyMs: number, workers: number): number {
  return Number(args.get('warmup') ?? (sinkLatencyMs > 0 ? 3_000 * workers : 30_000));
}
const PROFILE = args.get('profile') === '1';
const TIMELINE = args.get('timeline') === '1';
const JIT = args.get('jit') === '1';
/** Times the whole set of configurations is run, in turn; with more than one, a median row per configuration follows. */
const ROUNDS = Number(args.get('rounds') ?? 1);
const RUNTIME = (args.get('runtime') ?? 'bundle') as BenchRuntime;
const SECTION = args.get('write') === 'no' ? null : (args.get('section') ?? (args.has('workers') || args.has('rounds') || args.has('sink-latency-ms') || args.has('concurrency') || args.has('durability') ? null : 'Engine'));
// The Syncline processes read it as `syncline start` does (SYNCLINE_DURABILITY); they inherit this environment.
if (args.has('durability')) process.env.SYNCLINE_DURABILITY = args.get('durability');
const RATE = 200;
const RATE_SECONDS = 15;
const PG_ADMIN = process.env.SYNCLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A Syncline process of the benchmark; `base` is set for the one with the HTTP server. */
interface BenchProcess {
  child: ChildProcess;
  base: string | null;
  profileFile: string | null;
  timelineFile: string | null;
  /** V8's compiles and deoptimisations as the process printed them (`--jit 1`), else null. */
  jit: JitActivity | null;
  /** Sends a line to the process and waits for its acknowledgement. */
  command(line: 'reset' | 'dump'): Promise<void>;
}

async function startProcess(url: string, role: 'server' | 'worker', index: number, profileDir: string | null, timelineDir: string | null): Promise<BenchProcess> {
  const profileFile = profileDir ? path.join(profileDir, `p${index}.json`) : null;
  const timelineFile = timelineDir ? path.join(timelineDir, `t${index}.json`) : null;
  // The statement profile and the job timeline hook the process from inside, which only bench/engine-server.ts does.
  const runtime: BenchRuntime = profileFile || timelineFile ? 'tsx' : RUNTIME;
  const env: Record<string, string> = { ...(profileFile ? { PG_PROFILE: profileFile } : {}), ...(timelineFile ? { JOB_TIMELINE: timelineFile } : {}) };
  const { child, base } = await startSyncline(url, role, { runtime, concurrency: CONCURRENCY, env, stdin: true, nodeArgs: JIT ? JIT_TRACE_FLAGS : [] });
  const jit = JIT ? new JitActivity() : null;
  let out = '';
  const acks: Array<{ line: string; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    jit?.push(text);
    // Only an acknowledgement is looked for, so output while none is awaited (the compile trace) is not kept.
    if (acks.length === 0) return;
    out += text;
    for (const a of [...acks]) {
      if (out.includes(`${a.line} done`)) {
        out = out.replace(`${a.line} done`, '');
        acks.splice(acks.indexOf(a), 1);
        a.resolve();
      }
    }
  });
  return {
    child,
    base,
    profileFile,
    timelineFile,
    jit,
    command: (line) =>
      new Promise<void>((done) => {
        acks.push({ line, resolve: done });
        child.stdin!.write(`${line}\n`);
      }),
  };
}

/** Statements per event from the processes' profiles, biggest share of time first. */
function readProfiles(files: string[], events: number): { perEvent: number; msPerEvent: number; top: Array<{ statement: string; perEvent: number; msPerEvent: number }> } {
  const merged = new Map<string, { calls: number; totalMs: number }>();
  for (const f of files) {
    for (const s of JSON.parse(readFileSync(f, 'utf8')) as StatementProfile[]) {
      const e = merged.get(s.statement) ?? { calls: 0, totalMs: 0 };
      e.calls += s.calls;
      e.totalMs += s.totalMs;
      merged.set(s.statement, e);
    }
  }
  const all = [...merged.entries()].sort((a, b) => b[1].calls - a[1].calls);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    perEvent: round(all.reduce((n, [, v]) => n + v.calls, 0) / events),
    msPerEvent: round(all.reduce((n, [, v]) => n + v.totalMs, 0) / events),
    top: all.slice(0, 20).map(([statement, v]) => ({ statement, perEvent: round(v.calls / events), msPerEvent: round(v.totalMs / events) })),
  };
}

/** CPU seconds used so far by each Syncline process, the database's backends (by pid) and this process. */
interface CpuSample {
  syncline: number[];
  backends: Map<number, number>;
  bench: number;
}

async function sampleCpu(procs: BenchProcess[], database: string | null): Promise<CpuSample> {
  const backends = new Map<number, number>();
  if (database) {
    const client = new pg.Client({ connectionString: PG_ADMIN });
    await client.connect();
    try {
      const res = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
      for (const { pid } of res.rows) {
        try {
          backends.set(pid, procStats(pid).cpuSeconds);
        } catch {
          // The backend ended meanwhile.
        }
      }
    } finally {
      await client.end();
    }
  }
  const own = process.cpuUsage();
  return { syncline: procs.map((p) => procStats(p.child.pid!).cpuSeconds), backends, bench: (own.user + own.system) / 1e6 };
}

/** CPU ms per event between two samples: each Syncline process, the database backends together (a backend that started in between counts whole), and this process. */
function cpuPerEvent(a: CpuSample, b: CpuSample, events: number): { syncline: number[]; postgres: number; bench: number } {
  const ms = (s: number) => Math.round((s * 1000 * 100) / events) / 100;
  let pgSeconds = 0;
  for (const [pid, after] of b.backends) pgSeconds += after - (a.backends.get(pid) ?? 0);
  return { syncline: b.syncline.map((v, i) => ms(v - a.syncline[i])), postgres: ms(pgSeconds), bench: ms(b.bench - a.bench) };
}

async function run(kind: string, workers: number, sinkLatencyMs: number): Promise<Record<string, string | number>> {
  const warmup = warmupFor(sinkLatencyMs, workers);
  let url: string;
  let cleanup: () => Promise<void>;
  let database: string | null = null;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-bench-'));
    url = `sqlite:${path.join(dir, 'bench.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `syncline_bench_${Date.now()}`;
    database = name;
    url = await createPostgresDatabase(PG_ADMIN, name);
    cleanup = () => dropPostgresDatabase(PG_ADMIN, name);
  }
  const sink = await startHttpSink();
  await prepare(url, sink);
  if (sinkLatencyMs > 0) {
    const res = await request(`${sink.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ fault: { latencyMs: sinkLatencyMs } }), headers: { 'content-type': 'application/json' } });
    await res.body.dump();
  }
  const profileDir = PROFILE && kind === 'postgres' ? mkdtempSync(path.join(os.tmpdir(), 'syncline-pgprof-')) : null;
  const timelineDir = TIMELINE ? mkdtempSync(path.join(os.tmpdir(), 'syncline-timeline-')) : null;
  const procs: BenchProcess[] = [await startProcess(url, 'server', 0, profileDir, timelineDir)];
  for (let i = 1; i < workers; i++) procs.push(await startProcess(url, 'worker', i, profileDir, timelineDir));
  const base = procs[0].base!;
  const load = loadAverage();
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const hook = `${base}/hooks/bench`;
  // One worker falls behind a 64-sender warm-up, and past the backlog bound the server answers 503:
  // the sender waits and resends, as a real one does.
  const sender = new WebhookSender(hook, agent);
  const send = (i: number) => sender.send(i);
  try {
    // Warm-up: the burst measures the engine as it runs for days, after V8 has optimised its hot code,
    // so the warm-up goes through the same paths at the same concurrency first.
    let warmed = 0;
    await Promise.all(
      Array.from({ length: Math.min(64, warmup) }, async () => {
        while (warmed < warmup) await send(1_000_000 + warmed++);
      }),
    );
    // The sink is not reset between phases: a reset starts its ids again at 1, and the hub, which keeps
    // the warm-up's links, would take each new record for an earlier one and merge their links.
    await waitForCount(sink, warmup, 300_000);
    if (profileDir || timelineDir) await Promise.all(procs.map((p) => p.command('reset')));

    // Throughput: push EVENTS with 64 requests in flight, time until the last one is stored.
    const cpuBefore = await sampleCpu(procs, database);
    const t0 = performance.now();
    const burstFrom = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < EVENTS) await send(next++);
      }),
    );
    const accepted = performance.now();
    await waitForCount(sink, warmup + EVENTS, 300_000);
    const done = performance.now();
    const burstTo = Date.now();
    const cpu = cpuPerEvent(cpuBefore, await sampleCpu(procs, database), EVENTS);
    // Memory beside the throughput it was measured at (issue 20): each process's RSS as the burst ends, and its peak so far.
    const memory = procs.map((p) => procStats(p.child.pid!)).map((m) => `${m.rssMiB} (${m.peakRssMiB})`);
    const throughput = EVENTS / ((done - t0) / 1000);
    const intake = EVENTS / ((accepted - t0) / 1000);
    let profile: ReturnType<typeof readProfiles> | null = null;
    if (profileDir || timelineDir) await Promise.all(procs.map((p) => p.command('dump')));
    const jit = procs.map((p) => p.jit?.between(burstFrom, burstTo) ?? null);
    if (JIT) console.error(`V8 during the burst, per process: ${jit.map((j) => `${j!.compiles} TurboFan compiles (${j!.compileMs} ms optimising), ${j!.deopts} deoptimisations`).join('; ')}`);
    if (timelineDir) {
      const t = summarizeTimelines(procs.map((p) => JSON.parse(readFileSync(p.timelineFile!, 'utf8')) as ReturnType<typeof timelineSnapshot>));
      console.error(`Job timeline during the burst: mean jobs in flight per process ${t.meanInFlight.join(', ')} (of ${CONCURRENCY}); ${t.claimsPerJob} claims per job, ${t.emptyClaimShare} % of claims empty`);
      console.table(t.phases);
    }
    if (profileDir) {
      profile = readProfiles(procs.map((p) => p.profileFile!), EVENTS);
      console.error(`PostgreSQL statements per event: ${profile.perEvent} (${profile.msPerEvent} ms of client-side wait per event, summed over concurrent statements)`);
      console.table(profile.top);
    }

    // Latency at a steady rate, and what an event costs there: with no concurrency to group, every
    // statement and wake-up is paid per event (bench/RESULTS.md, "Empty claims at a steady rate").
    const total = RATE * RATE_SECONDS;
    const steadyBefore = await sampleCpu(procs, database);
    const start = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sends.push(send(2_000_000 + i));
    }
    await Promise.all(sends);
    // A store that cannot keep up with the rate drains its backlog here; the percentiles then include that wait.
    await waitForCount(sink, warmup + EVENTS + total, 600_000);
    const steady = cpuPerEvent(steadyBefore, await sampleCpu(procs, database), total);
    if (sender.refused > 0) console.error(`${sender.refused} webhooks were refused for the moment (503) and sent again after Retry-After (warm-up included)`);
    const lat = sink
      .records('contacts')
      .filter((r) => Number(String(r.source_id).slice(1)) >= 2_000_000)
      .map((r) => Date.parse(String(r.createdAt)) - Number(r.sent_at));
    return {
      store: kind,
      workers,
      'jobs in flight/worker': CONCURRENCY,
      'sink ms': sinkLatencyMs,
      events: EVENTS,
      'intake events/s': Math.round(intake),
      'end-to-end events/s': Math.round(throughput),
      [`p50 ms @${RATE}/s`]: percentile(lat, 0.5),
      [`p99 ms @${RATE}/s`]: percentile(lat, 0.99),
      [`CPU ms/event @${RATE}/s, Syncline processes${database ? ' / PostgreSQL' : ''}`]: `${Math.round(steady.syncline.reduce((a, b) => a + b, 0) * 100) / 100}${database ? ` / ${steady.postgres}` : ''}`,
      ...(profile ? { 'statements/event': profile.perEvent } : {}),
      ...(JIT ? { 'TurboFan compiles in the burst, Syncline processes': jit.map((j) => j!.compiles).join(' + ') } : {}),
      'CPU ms/event, Syncline processes': cpu.syncline.join(' + '),
      'RSS MiB after the burst (peak), Syncline processes': memory.join(' + '),
      ...(database ? { 'CPU ms/event, PostgreSQL backends': cpu.postgres } : {}),
      'CPU ms/event, load generator + sink': cpu.bench,
      'load avg at start': load,
    };
  } finally {
    await Promise.all(procs.map(({ child }) => stopProcess(child)));
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (timelineDir) rmSync(timelineDir, { recursive: true, force: true });
    await agent.close();
    await sink.close();
    await cleanup();
  }
}

const rows: Array<Record<string, unknown>> = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of STORES) {
    for (const sinkLatency of SINK_LATENCIES) {
      for (const workers of WORKERS) {
        console.error(`benchmarking ${kind}, ${workers} worker(s), sink ${sinkLatency} ms${ROUNDS > 1 ? `, round ${round} of ${ROUNDS}` : ''}…`);
        rows.push({ ...(ROUNDS > 1 ? { round } : {}), ...(await run(kind, workers, sinkLatency)) });
        console.table([rows[rows.length - 1]]);
      }
    }
  }
}
if (ROUNDS > 1) rows.push(...medianRows(rows));

/**
 * One row per configuration with the median of its rounds' rates and p99s: the rounds run the
 * configurations in turn, so a machine whose speed drifts weighs on each alike, and the median
 * rather than the best round is the figure an aim is judged by.
 */
function medianRows(rounds: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const r of rounds) {
    const key = `${String(r.store)}/${String(r.workers)}/${String(r['sink ms'])}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    // The lower middle of an even count, as percentile() takes it.
    const of = (column: string) => percentile(g.map((r) => Number(r[column])), 0.5);
    return {
      round: `median of ${g.length}`,
      store: g[0].store,
      workers: g[0].workers,
      'jobs in flight/worker': g[0]['jobs in flight/worker'],
      'sink ms': g[0]['sink ms'],
      events: g[0].events,
      'intake events/s': of('intake events/s'),
      'end-to-end events/s': of('end-to-end events/s'),
      [`p50 ms @${RATE}/s`]: of(`p50 ms @${RATE}/s`),
      [`p99 ms @${RATE}/s`]: of(`p99 ms @${RATE}/s`),
    };
  });
}
const command = `npx tsx ${process.argv.slice(1).map((a) => path.relative(process.cwd(), a) || a).join(' ')}`.replace(/\S*engine\.bench\.ts/, 'bench/engine.bench.ts');
console.log(`Command: \`${command}\`\n\n${machine()}\n\n${markdownTable(rows)}`);
if (SECTION === 'Engine') {
  writeSection('Engine', `Webhook → inbox → worker → generic http connector → local HTTP sink. One server process (one worker, 64 jobs in flight); the load generator and the sink run in a second process.\n\nCommand: \`npx tsx bench/engine.bench.ts --events ${EVENTS}\`\n\n${machine()}`, rows);
} else if (SECTION) {
  writeSection(SECTION, `Command: \`${command}\`\n\n${machine()}`, rows);
}
