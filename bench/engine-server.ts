/**
 * The Syncline side of the engine benchmark, run as its own process so the load generator and the
 * sink do not share its CPU: server + one worker on the store named by SYNCLINE_DATABASE_URL.
 * Prints `listening <url>` when ready. With BENCH_ROLE=worker it runs only a worker (no HTTP server)
 * and prints `working`, so the benchmark can add worker processes on the same store.
 * With PG_PROFILE=<file> it counts every PostgreSQL statement; `reset` and `dump` lines on stdin
 * restart the count and write it to the file. With JOB_TIMELINE=<file> it records where each job's
 * time goes (bench/job-timeline.ts), reset and dumped by the same lines.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { SynclineHub } from '../src/engine/hub.js';
import { openStore, poolSizeFor } from '../src/store/index.js';
import { httpConnector } from '../src/connectors/http/index.js';
import { profilePostgres, profileSnapshot, resetProfile } from './pg-profile.js';
import { resetTimeline, timelineSnapshot, traceJobs } from './job-timeline.js';

/** Engine tests and benchmarks need only the generic connector. */
const connectors = new Map([[httpConnector.type, httpConnector]]);
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';

const profileFile = process.env.PG_PROFILE;
const timelineFile = process.env.JOB_TIMELINE;
if (profileFile) profilePostgres(profileFile);
if (timelineFile) traceJobs();
if (profileFile || timelineFile) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'reset') {
      if (profileFile) resetProfile();
      if (timelineFile) resetTimeline();
    }
    if (line === 'dump') {
      if (profileFile) writeFileSync(profileFile, JSON.stringify(profileSnapshot()));
      if (timelineFile) writeFileSync(timelineFile, JSON.stringify(timelineSnapshot()));
    }
    if (line === 'reset' || line === 'dump') process.stdout.write(`${line} done\n`);
  });
}

const concurrency = Number(process.env.CONCURRENCY ?? 64);
// Durability and backpressure from the environment as `syncline start` reads them (SYNCLINE_DURABILITY, SYNCLINE_MAX_BACKLOG[_PER_FLOW]).
const config = loadConfig({ cwd: os.tmpdir() });
const store = await openStore({ url: process.env.SYNCLINE_DATABASE_URL!, masterKey: 'b'.repeat(64), poolSize: poolSizeFor(concurrency), durability: config.durability });
const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }), backpressure: config.backpressure });
const app = process.env.BENCH_ROLE === 'worker' ? null : await buildApp({ hub, admin: false });
await app?.listen({ host: '127.0.0.1', port: 0 });
await hub.startWorkers(1, { concurrency, idlePollMs: 20 }, false);
if (app) {
  const addr = app.server.address();
  process.stdout.write(`listening http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
} else process.stdout.write('working\n');
process.on('SIGTERM', () => {
  void (async () => {
    await app?.close();
    await hub.stop();
    await store.close();
    process.exit(0);
  })();
});
