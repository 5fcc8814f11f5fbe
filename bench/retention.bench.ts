/**
 * Retention benchmark: does the database stay the same size once history is purged as fast as it is
 * written? Pushes a million events through the store API on SQLite and on PostgreSQL, with the
 * server's retention runner (engine/retention.ts) purging on its timer, and samples the database's
 * size and the history tables' row counts over time.
 *
 *   npx tsx bench/retention.bench.ts [--events 1000000] [--stores sqlite,postgres] [--window 60s]
 *     [--every 10s] [--batch 500] [--lanes 4] [--records 20000] [--rate 0] [--sample-seconds 15]
 *     [--pg-vacuum auto|after-purge] [--write no] [--section <title>]
 *
 * Each event goes through the calls a worker makes, in batches rather than over HTTP, so a million
 * take minutes instead of hours: `ingest` (inbox row + job), `claimJobs`, then `completeJob` with the
 * run, the three traces a one-target flow writes (trigger, map, write: the record, the mapped fields
 * with their lineage, the target id; about seven trace keys) and the cross-reference link and hash.
 * No connector and no HTTP: what is measured is the store's growth, not the engine's speed. `--lanes`
 * such loops run at once (their concurrent completions commit together, as a worker's do). Events
 * update `--records` distinct records (a company's customers, not a million new ones), so the
 * cross-reference, which retention does not purge, stays the size of the customer base. `--rate`
 * offers that many events per second (default: as fast as the store takes them).
 *
 * Retention: finished jobs, delivery ids and runs are kept `--window` (production: days; here seconds,
 * so a million events cross the window many times) and purged every `--every`, in batches of 500.
 * After the window has filled, the tables hold about (events/s × (window + every)) events' worth of
 * rows, and the file (SQLite: freed pages are reused; PostgreSQL: autovacuum marks deleted rows' space
 * free for new ones) stops growing. Every claimed job must complete: the purge never removes a job
 * that is queued or running (the run fails loudly otherwise).
 *
 * Writes a section of bench/RESULTS.md (`--section`, default "Retention over a million events").
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { openStore, createPostgresDatabase, dropPostgresDatabase, type Store } from '../src/store/index.js';
import type { InboxEvent, JobCompletion, JobRow } from '../src/store/types.js';
import { RetentionRunner, retentionPolicy } from '../src/engine/retention.js';
import { parseDuration } from '../src/engine/durations.js';
import { prepare } from './engine-setup.js';
import { loadAverage, machine, markdownTable, writeSection } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const EVENTS = Number(args.get('events') ?? 1_000_000);
const STORES = (args.get('stores') ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
const WINDOW = args.get('window') ?? '60s';
const EVERY = args.get('every') ?? '10s';
const BATCH = Number(args.get('batch') ?? 500);
const LANES = Number(args.get('lanes') ?? 4);
const RECORDS = Number(args.get('records') ?? 20_000);
const SAMPLE_MS = Number(args.get('sample-seconds') ?? 15) * 1000;
/** Events per second offered, all lanes together (0: as fast as the store takes them). */
const RATE = Number(args.get('rate') ?? 0);
const SECTION = args.get('section') ?? 'Retention over a million events';
/** PostgreSQL: `auto` leaves dead rows to the server's autovacuum; `after-purge` vacuums the history tables after each purge pass, as autovacuum would (use it when the server runs with autovacuum off). */
const PG_VACUUM = (args.get('pg-vacuum') ?? 'auto') as 'auto' | 'after-purge';
const PG_ADMIN = process.env.SYNCLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FLOW = 'bench';
const TABLES = ['inbox', 'jobs', 'runs', 'traces', 'trace_keys', 'xref'] as const;

/** One look at the database while the events flow. */
interface Sample {
  seconds: number;
  events: number;
  /** Events completed per second since the previous sample. */
  rate: number;
  /** Database size on disk: SQLite file + WAL; PostgreSQL pg_database_size. */
  bytes: number;
  rows: Record<(typeof TABLES)[number], number>;
  /** Purged so far by the retention runner. */
  purgedRuns: number;
  load: string;
}

/** Reads sizes and exact row counts over its own connection, so the measurement never waits on the store's writer. */
interface Gauge {
  sample(): Promise<{ bytes: number; rows: Sample['rows'] }>;
  close(): Promise<void>;
}

function sqliteGauge(file: string): Gauge {
  const db = new Database(file, { readonly: true });
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return {
    async sample() {
      const rows = Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n])) as Sample['rows'];
      return { bytes: size(file) + size(`${file}-wal`), rows };
    },
    async close() {
      db.close();
    },
  };
}

async function postgresGauge(url: string): Promise<Gauge> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async sample() {
      const counts = await client.query<Record<string, string>>(`select ${TABLES.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')}, pg_database_size(current_database()) as bytes`);
      const r = counts.rows[0];
      return { bytes: Number(r.bytes), rows: Object.fromEntries(TABLES.map((t) => [t, Number(r[t])])) as Sample['rows'] };
    },
    close: () => client.end(),
  };
}

/** One server setting (`show <name>`). */
async function showSetting(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query<Record<string, string>>(`show ${name}`)).rows[0])[0];
  } finally {
    await client.end();
  }
}

/** The outcome a one-target flow's worker commits for one event (sizes as the record runner writes them). */
function completionOf(job: JobRow, workerId: string): JobCompletion {
  const payload = job.payload as { id: string; email: string; name: string; sent_at: string };
  const now = new Date().toISOString();
  const source = { connection: 'sink', entity: 'contacts', id: payload.id };
  const target = { connection: 'sink', entity: 'contacts', id: `t-${payload.id}` };
  const keys = [payload.id.toLowerCase(), payload.email];
  const fields = { email: payload.email, name: payload.name, sent_at: payload.sent_at, source_id: payload.id };
  return {
    jobId: job.id,
    workerId,
    run: { jobId: job.id, flow: FLOW, flowVersion: job.flowVersion, trigger: 'event', status: 'succeeded', recordKey: job.recordKey, startedAt: now, finishedAt: now, stats: { writes: 1, apiCalls: 2 } },
    traces: [
      { step: 'trigger', status: 'ok', connection: 'sink', entity: 'contacts', externalId: payload.id, after: payload, keys },
      {
        step: 'map:contact',
        status: 'ok',
        connection: 'sink',
        entity: 'contacts',
        after: fields,
        lineage: [
          { field: 'email', sources: ['email'], rule: '$lowercase(email)', value: payload.email },
          { field: 'name', sources: ['name'], rule: 'copy name', value: payload.name },
          { field: 'sent_at', sources: ['sent_at'], rule: 'copy sent_at', value: payload.sent_at },
          { field: 'source_id', sources: ['id'], rule: 'copy id', value: payload.id },
        ],
        keys,
      },
      { step: 'write:contact', status: 'ok', connection: 'sink', entity: 'contacts', externalId: target.id, keys: [...keys, target.id] },
    ],
    xref: [{ a: source, b: target }],
    hashes: [{ target, hash: `h${job.id.slice(-12)}` }],
  };
}

async function runStore(kind: 'sqlite' | 'postgres'): Promise<{ samples: Sample[]; seconds: number; completed: number; autovacuum: string | null; vacuums: number; vacuumSeconds: number; purgeSeconds: number; purgedRuns: number; perRow: string }> {
  let url: string;
  let cleanup: () => Promise<void>;
  let gauge: Gauge;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-retention-'));
    const file = path.join(dir, 'bench.db');
    url = `sqlite:${file}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
    await prepare(url, { url: 'http://127.0.0.1:9' });
    gauge = sqliteGauge(file);
  } else {
    const name = `syncline_retention_${Date.now().toString(36)}`;
    url = await createPostgresDatabase(PG_ADMIN, name);
    cleanup = () => dropPostgresDatabase(PG_ADMIN, name);
    await prepare(url, { url: 'http://127.0.0.1:9' });
    gauge = await postgresGauge(url);
  }
  const autovacuum = kind === 'postgres' ? await showSetting(url, 'autovacuum') : null;
  const store: Store = await openStore({ url, masterKey: 'b'.repeat(64), poolSize: LANES * 2 + 2 });
  const flowVersion = (await store.getFlow(FLOW))!.currentVersion;
  const policy = retentionPolicy({ jobs: WINDOW, inbox: WINDOW, runs: WINDOW, every: EVERY });
  const logger = pino({ level: 'silent' });
  const retention = new RetentionRunner(store, policy, logger);
  let purgedRuns = 0;
  let vacuums = 0;
  let vacuumMs = 0;
  const vacuumClient = kind === 'postgres' && PG_VACUUM === 'after-purge' ? new pg.Client({ connectionString: url }) : null;
  await vacuumClient?.connect();
  // Count what the runner purges: wrap its store call, the one thing it does. A pass ends with a call
  // that reports `complete`; that is when autovacuum's stand-in runs.
  const purge = store.purgeHistory.bind(store);
  let purgeMs = 0;
  store.purgeHistory = async (c) => {
    const began = performance.now();
    const r = await purge(c);
    purgeMs += performance.now() - began;
    purgedRuns += r.runs;
    if (r.complete && vacuumClient) {
      const v = performance.now();
      await vacuumClient.query('vacuum inbox, jobs, runs, traces, trace_keys');
      vacuumMs += performance.now() - v;
      vacuums++;
    }
    return r;
  };

  const start = Date.now();
  let sent = 0;
  let completed = 0;
  const samples: Sample[] = [];
  let last = { at: start, completed: 0 };
  const sample = async () => {
    const { bytes, rows } = await gauge.sample();
    const now = Date.now();
    const s: Sample = {
      seconds: Math.round((now - start) / 1000),
      events: completed,
      rate: Math.round(((completed - last.completed) * 1000) / Math.max(1, now - last.at)),
      bytes,
      rows,
      purgedRuns,
      load: loadAverage().split(' ')[0],
    };
    last = { at: now, completed };
    samples.push(s);
    console.log(`${kind} ${JSON.stringify(s)}`);
  };
  let sampling = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = sampling.then(sample).catch((err: unknown) => console.error(`sample failed: ${(err as Error).message}`));
  }, SAMPLE_MS);
  retention.start();

  const lane = async (n: number) => {
    const workerId = `bench-${n}`;
    for (;;) {
      // Paced: a batch leaves when the offered rate says it is due.
      if (RATE > 0 && sent < EVENTS) {
        const due = start + (sent / RATE) * 1000;
        if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const from = sent;
      const count = Math.min(BATCH, EVENTS - from);
      if (count > 0) {
        sent += count;
        const events: InboxEvent[] = [];
        for (let i = from; i < from + count; i++) {
          const id = `c${i % RECORDS}`;
          events.push({ flow: FLOW, deliveryId: `e${i}`, recordKey: id, payload: { id, email: `p${i % RECORDS}@example.com`, name: `Person ${i % RECORDS}`, sent_at: new Date().toISOString() } });
        }
        await store.ingest(events, { flowVersion, maxAttempts: 3 });
      }
      const jobs = await store.claimJobs({ workerId, limit: BATCH, leaseMs: 300_000, flows: [FLOW] });
      if (jobs.length === 0 && count === 0) return;
      const done = await Promise.all(jobs.map((j) => store.completeJob(completionOf(j, workerId))));
      const lost = done.filter((ok) => !ok).length;
      if (lost) throw new Error(`${lost} claimed jobs could not be completed: the purge touched unfinished work`);
      completed += jobs.length;
    }
  };
  await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
  const seconds = (Date.now() - start) / 1000;
  clearInterval(sampler);
  await sampling;
  await sample();
  await retention.stop();
  const stats = await store.queueStats();
  if (stats.queued + stats.running !== 0) throw new Error(`work left behind: ${JSON.stringify(stats)}`);
  // What one row of each table costs on disk with its indexes (PostgreSQL tells per table).
  const end = samples[samples.length - 1];
  const tableBytes = (await store.tableSizes()).filter((t) => t.bytes !== null && (end.rows as Record<string, number>)[t.table] > 0);
  const perRow = tableBytes.map((t) => `${t.table} ${Math.round(t.bytes! / (end.rows as Record<string, number>)[t.table])} B`).join(', ');
  await store.close();
  await vacuumClient?.end();
  await gauge.close();
  await cleanup();
  return { samples, seconds, completed, autovacuum, vacuums, vacuumSeconds: vacuumMs / 1000, purgeSeconds: purgeMs / 1000, purgedRuns, perRow };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const blocks: string[] = [];
const windowMs = parseDuration(WINDOW) + parseDuration(EVERY);
for (const kind of STORES) {
  const loadBefore = loadAverage();
  const r = await runStore(kind);
  const loadAfter = loadAverage();
  // "Filled": the first sample taken two windows in, by when the first window's rows have been purged.
  const filled = r.samples.find((s) => s.seconds * 1000 >= 2 * windowMs) ?? r.samples[r.samples.length - 1];
  const after = r.samples.filter((s) => s.seconds >= filled.seconds);
  const maxAfter = Math.max(...after.map((s) => s.bytes));
  const end = r.samples[r.samples.length - 1];
  // About ten rows: one at each tenth of the events, and the filled mark.
  const shown = r.samples.filter((s, i) => s === filled || i === r.samples.length - 1 || Math.floor(s.events / (EVENTS / 10)) !== Math.floor((r.samples[i - 1]?.events ?? -1) / (EVENTS / 10)));
  const table = markdownTable(
    shown.map((s) => ({
      s: s.seconds,
      events: s.events.toLocaleString('en'),
      'events/s': s.rate,
      'database MiB': mib(s.bytes),
      inbox: s.rows.inbox,
      jobs: s.rows.jobs,
      runs: s.rows.runs,
      traces: s.rows.traces,
      trace_keys: s.rows.trace_keys,
      xref: s.rows.xref,
      'runs purged': s.purgedRuns.toLocaleString('en'),
      load: s.load,
    })),
  );
  const summary =
    `**${kind}**: ${r.completed.toLocaleString('en')} events in ${r.seconds.toFixed(0)} s (${Math.round(r.completed / r.seconds)} events/s), load average ${loadBefore} before, ${loadAfter} after. ` +
    `Window filled at ${filled.seconds} s (${mib(filled.bytes)} MiB); largest after that ${mib(maxAfter)} MiB (${((maxAfter / filled.bytes - 1) * 100).toFixed(0)}% over), at the end ${mib(end.bytes)} MiB ` +
    `with ${end.events.toLocaleString('en')} events pushed (${(end.events / Math.max(1, filled.events)).toFixed(1)}× the events at the filled mark). Every claimed job completed; none left queued or running.` +
    (kind === 'postgres' ? ` Server autovacuum: ${r.autovacuum}; ${PG_VACUUM === 'after-purge' ? `the bench ran \`vacuum\` on the history tables after each purge pass (${r.vacuums} times), standing in for it, ${r.vacuumSeconds.toFixed(0)} s in all` : 'no vacuum by the bench'}.` : '') +
    ` Per event kept (at the filled mark, one run per event): ${(filled.rows.traces / Math.max(1, filled.rows.runs)).toFixed(1)} traces, ${(filled.rows.trace_keys / Math.max(1, filled.rows.runs)).toFixed(1)} trace keys, ${(filled.bytes / 1024 / Math.max(1, filled.rows.runs)).toFixed(1)} KiB of database (everything included).` +
    (r.perRow ? ` On disk per row at the end, indexes and dead space included: ${r.perRow}.` : '') +
    ` The purge took ${r.purgeSeconds.toFixed(0)} s of the ${r.seconds.toFixed(0)} s (wall time of its store calls, overlapping the traffic) to delete ${r.purgedRuns.toLocaleString('en')} events' history: ${((r.purgeSeconds * 1e6) / Math.max(1, r.purgedRuns)).toFixed(0)} ms per 1,000 events.`;
  console.log(`\n${summary}\n\n${table}\n`);
  blocks.push(`${summary}\n\n${table}`);
}

const intro = [
  `Command: \`npx tsx bench/retention.bench.ts ${process.argv.slice(2).join(' ')}\`. ${EVENTS.toLocaleString('en')} events per store through the store API (ingest, claim, complete: the calls a worker makes), in batches of ${BATCH}, ${LANES} loops at once, ${RATE > 0 ? `offered at ${RATE} events/s` : 'as fast as the store takes them'}, no HTTP and no connector, so a million take minutes rather than hours; each event writes what a one-target flow writes (inbox row, job, run, 3 traces, about 7 trace keys, a cross-reference link and hash) and updates one of ${RECORDS.toLocaleString('en')} records. The server's retention runner purges finished jobs, delivery ids and runs older than ${WINDOW} every ${EVERY} (production: days; seconds here so the window is crossed many times). Sizes: SQLite file + WAL, PostgreSQL \`pg_database_size\`; rows are exact counts, sampled every ${SAMPLE_MS / 1000} s over separate connections.`,
  `${machine()} PostgreSQL on the same machine. **The machine was shared with other engineers' test runs** (load average beside each sample): events/s is this machine's share, not the store's capacity; the sizes do not depend on it beyond the rows one window holds.`,
  ...blocks,
].join('\n\n');
if (args.get('write') !== 'no') writeSection(SECTION, intro, []);
console.log(intro);
