/**
 * The chaos run: the emulators in their own process, Syncline in several (a webhook server and two or
 * more workers on PostgreSQL, or one embedded process on SQLite), real traffic (signed form-fill
 * webhooks and leads converted in Salesforce), and while it flows: workers and the server killed with
 * SIGKILL and restarted, vendor faults at configured rates, tokens expired, webhooks repeated and
 * reordered. Then the queue drains and the audit compares every system with what the events imply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase } from '../support/postgres.js';
import type { SynclineHub } from '../../src/engine/hub.js';
import { audit, type AuditResult } from './audit.js';
import { generateEvents, seededRandom, shuffleWindows, type ConvertedEvent, type FormEvent } from './events.js';
import { DEFAULT_FAULT_RATES, faultRules, type FaultRates } from './faults.js';
import { killHard, openLog, startChild } from './processes.js';
import { WebhookSender, type SenderStats } from './sender.js';
import { FORM_FLOW, JOURNEY_FLOW, prepareStore } from './setup.js';
import type { ConvertedLeadInput, EmulatorEndpoints, EmulatorState } from './types.js';

/** Settings of one chaos run. */
export interface ChaosOptions {
  /** Events to send (form fills + converted leads). */
  events: number;
  /** Store kind: PostgreSQL with separate server and worker processes, or embedded SQLite in one process. */
  store: 'postgres' | 'sqlite';
  /** Worker processes on PostgreSQL (at least 2). */
  workers: number;
  /** Seed of the event generator and of the chaos schedule. */
  seed: number;
  /** Vendor fault probabilities. */
  faults: FaultRates;
  /** Share of webhook deliveries sent a second time (same delivery id). */
  duplicateRate: number;
  /** Share of events that are invalid on purpose. */
  invalidRate: number;
  /** Share of events that are form fills (the rest are converted leads). */
  formShare: number;
  /** Mean time between SIGKILLs of a worker (PostgreSQL) or of the single process (SQLite), ms; 0 disables. */
  killEveryMs: number;
  /** Mean time between SIGKILL restarts of the webhook server (PostgreSQL), ms; 0 disables. */
  serverRestartEveryMs: number;
  /**
   * Mean time between database-connection kills, ms; 0 disables. PostgreSQL: every connection of the
   * run's database is terminated (pg_terminate_backend, as a failover or an idle-connection killer
   * does) while the processes keep running. SQLite has no connection to lose; its equivalent is the
   * embedded process killed mid-write (SIGKILL) and started again, which reclaims its leases at start.
   */
  dbKillEveryMs: number;
  /** How often every vendor token is expired, ms; 0 disables. */
  expireTokensEveryMs: number;
  /** Webhook deliveries in flight at once. */
  senderConcurrency: number;
  /** Events sent per second (form fills and conversions together), so the traffic overlaps the chaos; 0 = as fast as possible. */
  ratePerSec: number;
  /** Longest wait for the queue to drain after the traffic, ms. */
  drainTimeoutMs: number;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** Default settings (the full run). */
export const DEFAULT_CHAOS: ChaosOptions = {
  events: 10_000,
  store: 'postgres',
  workers: 2,
  seed: 1,
  faults: DEFAULT_FAULT_RATES,
  duplicateRate: 0.05,
  invalidRate: 0.02,
  formShare: 0.7,
  killEveryMs: 3000,
  serverRestartEveryMs: 7000,
  dbKillEveryMs: 5000,
  expireTokensEveryMs: 4000,
  senderConcurrency: 24,
  ratePerSec: 150,
  drainTimeoutMs: 600_000,
  log: () => undefined,
};

/** Everything a chaos run measured. */
export interface ChaosReport {
  options: Omit<ChaosOptions, 'log'>;
  audit: AuditResult;
  sender: SenderStats;
  formFills: number;
  convertedLeads: number;
  duplicatesSent: number;
  workerKills: number;
  serverRestarts: number;
  /** Database-connection kills (PostgreSQL: backends terminated; SQLite: the process killed mid-write). */
  dbConnectionKills: number;
  tokenExpiries: number;
  faultsInjected: Record<string, number>;
  /** Jobs parked by a daily-limit error until the vendor's reset, released when the run simulated that reset. */
  parkedUntilReset: number;
  /** Jobs still backing off when the faults ended, made due at once rather than waited for. */
  retriesMadeDue: number;
  drained: boolean;
  trafficSeconds: number;
  totalSeconds: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const post = (url: string, body?: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one chaos run and returns its report (it does not decide pass or fail). */
export async function runChaos(input: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o: ChaosOptions = { ...DEFAULT_CHAOS, ...input, faults: { ...DEFAULT_CHAOS.faults, ...input.faults } };
  const t0 = Date.now();
  const rnd = seededRandom(o.seed * 7919 + 1);
  const runId = `${Date.now().toString(36)}${o.seed}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-chaos-'));
  const log = openLog(path.join(dir, 'processes.log'));
  const secret = `chaos-secret-${runId}`;
  o.log(`chaos run ${runId}: ${o.events} events on ${o.store}; process logs in ${log.path as string}`);

  const cleanups: Array<() => Promise<void>> = [];
  const emu = await startChild('emulators-main.ts', {}, log);
  cleanups.push(() => new Promise<void>((r) => (emu.process.exitCode !== null ? r() : (emu.process.once('exit', () => r()), emu.process.kill('SIGTERM')))));
  const endpoints = JSON.parse(emu.firstLine) as EmulatorEndpoints;

  let url: string;
  if (o.store === 'postgres') {
    const db = await createTestDatabase('syncline_chaos');
    url = db.url;
    cleanups.push(db.drop);
  } else {
    url = `sqlite:${path.join(dir, 'chaos.db')}`;
  }
  let hub: SynclineHub | null = null;
  const children = new Set<ChildProcess>();
  try {
    // The runner's own connections are named, so the database-connection kills spare the observer.
    hub = await prepareStore(o.store === 'postgres' ? `${url}?application_name=${RUNNER_APP}` : url, endpoints);
    const store = hub.store;
    const port = await freePort();
    const hubUrl = `http://127.0.0.1:${port}`;
    const env = { SYNCLINE_DATABASE_URL: url, PORT: String(port), CHAOS_WEBHOOK_SECRET: secret };
    const start = async (role: string): Promise<ChildProcess> => {
      // Like a process manager: a process that could not start (its database connection was killed
      // while it opened the store) is started again.
      let c;
      for (let attempt = 1; ; attempt++) {
        try {
          c = await startChild('hub-main.ts', { ...env, CHAOS_ROLE: role }, log);
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
          o.log(`  ${role} did not start (${(err as Error).message}); starting it again`);
        }
      }
      children.add(c.process);
      c.process.once('exit', () => children.delete(c.process));
      return c.process;
    };
    const stop = async (c: ChildProcess) => {
      await killHard(c);
      children.delete(c);
    };
    // The processes, by role. On SQLite one embedded process does everything (the default install).
    let server: ChildProcess | null = null;
    const workers: ChildProcess[] = [];
    if (o.store === 'postgres') {
      server = await start('server');
      for (let i = 0; i < Math.max(2, o.workers); i++) workers.push(await start('worker'));
    } else {
      server = await start('all');
    }

    // Vendor faults on every emulator.
    const emulatorUrls = { salesforce: endpoints.salesforce.url, pardot: endpoints.pardot.url, sage100: endpoints.sage100.url };
    await post(`${emulatorUrls.salesforce}/__sandbox/faults`, { rules: faultRules(o.faults, 'REQUEST_LIMIT_EXCEEDED') });
    await post(`${emulatorUrls.pardot}/__sandbox/faults`, { rules: faultRules(o.faults, '122') });
    await post(`${emulatorUrls.sage100}/__sandbox/faults`, { rules: faultRules(o.faults, null) });

    // The traffic.
    const events = generateEvents(o.events, { seed: o.seed, formShare: o.formShare, invalidRate: o.invalidRate, runId });
    const forms = events.filter((e): e is FormEvent => e.kind === 'form');
    const converted = events.filter((e): e is ConvertedEvent => e.kind === 'converted');
    const deliveries = forms.map((f) => ({ deliveryId: f.submissionId, body: { submissionId: f.submissionId, email: f.email, firstName: f.firstName, lastName: f.lastName, company: f.company } }));
    const repeats = deliveries.filter(() => rnd() < o.duplicateRate);
    // Repeats go out later than their first copy, and everything is reordered within windows.
    const queue = shuffleWindows([...deliveries, ...repeats.map((d) => ({ ...d }))].map((d, i) => ({ d, order: i < deliveries.length ? i : Math.min(deliveries.length - 1, deliveries.indexOf(d) + 20 + Math.floor(rnd() * 200)) + 0.5 })).sort((a, b) => a.order - b.order).map((x) => x.d), 40, rnd);
    const sender = new WebhookSender(hubUrl, FORM_FLOW, secret);
    const leadIds = new Map<string, string>();

    // Chaos lasts while traffic flows and until the backlog it left is worked off.
    let trafficDone = false;
    const stats = { workerKills: 0, serverRestarts: 0, dbConnectionKills: 0, tokenExpiries: 0 };
    const chaos: Array<Promise<void>> = [];
    const every = (meanMs: number, fn: () => Promise<void>) => {
      if (meanMs <= 0) return;
      chaos.push(
        (async () => {
          while (!trafficDone) {
            await sleep(meanMs * (0.5 + rnd()));
            if (trafficDone) break;
            await fn().catch((err: Error) => o.log(`chaos action failed: ${err.message}`));
          }
        })(),
      );
    };
    // On SQLite one process is everything: the actions that kill and restart it take turns (two at
    // once would start two processes on one port).
    let processTurn: Promise<void> = Promise.resolve();
    const onTheProcess = (fn: () => Promise<void>): Promise<void> => {
      const turn = processTurn.then(fn);
      processTurn = turn.catch(() => undefined);
      return turn;
    };
    if (o.store === 'postgres') {
      every(o.killEveryMs, async () => {
        const i = Math.floor(rnd() * workers.length);
        await stop(workers[i]);
        stats.workerKills += 1;
        await sleep(rnd() * 1000);
        workers[i] = await start('worker');
      });
      every(o.serverRestartEveryMs, async () => {
        await stop(server!);
        stats.serverRestarts += 1;
        server = await start('server');
      });
    } else {
      every(o.killEveryMs, () =>
        onTheProcess(async () => {
          await stop(server!);
          stats.workerKills += 1;
          stats.serverRestarts += 1;
          server = await start('all');
        }),
      );
    }
    every(o.dbKillEveryMs, async () => {
      if (o.store === 'postgres') {
        await terminateBackends(url);
      } else {
        await onTheProcess(async () => {
          await stop(server!);
          server = await start('all');
        });
      }
      stats.dbConnectionKills += 1;
    });
    every(o.expireTokensEveryMs, async () => {
      await post(`${emulatorUrls.salesforce}/__sandbox/tokens/expire`);
      await post(`${emulatorUrls.pardot}/__sandbox/expire-tokens`);
      stats.tokenExpiries += 1;
    });
    // The poll trigger of the journey, faster than its schedule so the run is not minutes of waiting.
    const polls = (async () => {
      while (!trafficDone) {
        await hub!.runFlowNow(JOURNEY_FLOW, 'chaos').catch(() => undefined);
        await sleep(2000);
      }
    })();

    const tTraffic = Date.now();
    let nextDelivery = 0;
    let sentForms = 0;
    const formsPerSec = o.ratePerSec > 0 ? (o.ratePerSec * queue.length) / (queue.length + converted.length) : 0;
    const senders = Array.from({ length: o.senderConcurrency }, async () => {
      while (nextDelivery < queue.length) {
        const index = nextDelivery++;
        const d = queue[index];
        if (formsPerSec > 0) {
          const due = tTraffic + (index / formsPerSec) * 1000;
          if (due > Date.now()) await sleep(due - Date.now());
        }
        await sender.send(d);
        sentForms += 1;
      }
    });
    // Sales converts leads in batches while the forms flow, at the same pace.
    const convertBatch = 20;
    const converter = (async () => {
      for (let i = 0; i < converted.length; i += convertBatch) {
        const batch = converted.slice(i, i + convertBatch);
        const body: ConvertedLeadInput[] = batch.map((c) => ({ LastName: c.lastName, Company: c.company, Email: c.email }));
        const ids = await json<Array<{ leadId: string }>>(`${endpoints.control}/converted-leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        batch.forEach((c, j) => leadIds.set(c.email, ids[j].leadId));
        const share = (i + convertBatch) / converted.length;
        while (queue.length && sentForms / queue.length < share && nextDelivery < queue.length) await sleep(50);
      }
    })();
    const progress = setInterval(() => {
      void store.queueStats().then(
        (q) => o.log(`  sent ${sentForms}/${queue.length} webhook deliveries, ${leadIds.size}/${converted.length} converted leads; queue ${q.queued} queued (${q.delayed} delayed), ${q.running} running, ${q.deadLetters} dead letters; kills ${stats.workerKills}, server restarts ${stats.serverRestarts}`),
        () => undefined,
      );
    }, 5000);
    await Promise.all([...senders, converter]);
    const trafficSeconds = (Date.now() - tTraffic) / 1000;
    o.log(`traffic sent in ${trafficSeconds.toFixed(1)} s; chaos goes on until the backlog is worked off`);
    const backlogEnd = Date.now() + o.drainTimeoutMs / 2;
    while (Date.now() < backlogEnd) {
      const q = await store.queueStats();
      if (q.queued - q.delayed === 0 && q.running === 0) break;
      await sleep(500);
    }
    trafficDone = true;
    await Promise.all([...chaos, polls]);
    clearInterval(progress);
    o.log(`chaos over after ${((Date.now() - tTraffic) / 1000).toFixed(1)} s; faults off, draining`);

    // Make sure every role is running again, then let the outage end: faults off, as after an incident.
    if (o.store === 'postgres') {
      for (let i = 0; i < workers.length; i++) if (workers[i].exitCode !== null || workers[i].signalCode !== null) workers[i] = await start('worker');
    }
    if (server && (server.exitCode !== null || server.signalCode !== null)) server = await start(o.store === 'postgres' ? 'server' : 'all');
    const faultsInjected: Record<string, number> = {};
    for (const [name, u] of Object.entries(emulatorUrls)) {
      faultsInjected[name] = (await json<{ injected: number }>(`${u}/__sandbox/faults`)).injected;
      await fetch(`${u}/__sandbox/faults`, { method: 'DELETE' });
    }
    // Jobs parked by a daily-limit error wait for the vendor's reset (midnight, or 15 minutes on
    // Salesforce). The run cannot wait that long, so it moves the clock of those jobs: the reset.
    const parkedUntilReset = await releaseParkedJobs(url, 60_000);
    // The other jobs still waiting are backing off from faults that have ended. Full jitter doubling per
    // attempt (a killed attempt counts) kept a handful waiting long after the outage: the drain of a
    // CI-sized SQLite run took 43-55 s of its 94-126 s, 4 s once they were made due. The backoff itself is
    // unit-tested (test/engine/retry.test.ts). Their clock moves too.
    const retriesMadeDue = await releaseParkedJobs(url, 0);

    let drained = false;
    const drainEnd = Date.now() + o.drainTimeoutMs;
    let quiet = 0;
    while (Date.now() < drainEnd) {
      // Final polls pick up leads converted after the last poll of the traffic phase.
      if (quiet < 3) await hub.runFlowNow(JOURNEY_FLOW, 'chaos');
      await sleep(1000);
      const q = await store.queueStats();
      if (q.queued === 0 && q.running === 0) {
        quiet += 1;
        if (quiet >= 4) {
          drained = true;
          break;
        }
      } else quiet = Math.min(quiet, 2);
    }
    const q = await store.queueStats();
    o.log(`drained: ${drained} (queued ${q.queued}, running ${q.running}, delayed ${q.delayed})`);

    const state = await json<EmulatorState>(`${endpoints.control}/state`);
    const deadLetters = await store.listDeadLetters({ status: 'open', limit: 100_000 });
    const result = audit(events, state, deadLetters, leadIds);
    // For each problem, the runs that touched the record, so a failure can be read without rerunning.
    for (const example of result.examples.slice(0, 5)) {
      const key = /(sub-\S+|00Q\w+)/.exec(example)?.[1];
      if (!key) continue;
      o.log(`runs of ${key} (${example}):`);
      for (const run of (await store.listRuns({ key: key.toLowerCase(), limit: 20 })).reverse()) {
        const traces = await store.listTraces(run.id);
        o.log(`  ${run.startedAt} ${run.flow} ${run.status}${run.error ? ` ${run.error.kind}: ${run.error.message.slice(0, 160)}` : ''} | ${traces.map((t) => `${t.step}=${t.status}`).join(' ')}`);
      }
    }
    return {
      options: { ...o, log: undefined } as unknown as ChaosReport['options'],
      audit: result,
      sender: sender.stats,
      formFills: forms.length,
      convertedLeads: converted.length,
      duplicatesSent: repeats.length,
      ...stats,
      faultsInjected,
      parkedUntilReset,
      retriesMadeDue,
      drained,
      trafficSeconds,
      totalSeconds: (Date.now() - t0) / 1000,
    };
  } finally {
    for (const c of [...children]) await killHard(c);
    await hub?.store.close().catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    log.end();
    if (!process.env.CHAOS_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/** The application_name of the runner's own connections (spared by the kills: it observes, it is not under test). */
const RUNNER_APP = 'syncline-chaos-runner';

/** Terminates every connection of the Syncline processes to the run's PostgreSQL database. */
async function terminateBackends(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and application_name is distinct from $2',
      [new URL(url).pathname.slice(1), RUNNER_APP],
    );
    return res.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** Makes queued jobs due that wait longer than `beyondMs` from now (a daily-limit wait; 0: every wait); returns how many. */
async function releaseParkedJobs(url: string, beyondMs: number): Promise<number> {
  const limit = new Date(Date.now() + beyondMs).toISOString();
  const now = new Date().toISOString();
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    db.pragma('busy_timeout = 10000');
    try {
      return db.prepare(`update jobs set run_at = ? where status = 'queued' and run_at > ?`).run(now, limit).changes;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`update jobs set run_at = $1 where status = 'queued' and run_at > $2`, [now, limit])).rowCount ?? 0;
  } finally {
    await client.end();
  }
}
