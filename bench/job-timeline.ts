/**
 * Where a job's time goes in one Syncline process (the engine benchmark's `--timeline 1`): the claim
 * that took it, the wait before it ran, its record-context read, each limiter acquire (call slot and
 * per-second reservation) and the call it let through, and the outcome commit. Patches the worker,
 * the rate limiter and the PostgreSQL store's prototypes in this process (nothing in src/ knows), and
 * keeps the marks of each job in an AsyncLocalStorage for the duration of its run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from '../src/engine/worker.js';
import { RateLimiter } from '../src/engine/rate-limiter.js';
import { PostgresStore } from '../src/store/postgres/index.js';
import type { JobRow } from '../src/store/types.js';

/** One job's marks: [what, ms since the epoch], in order. */
export interface JobMarks {
  id: string;
  createdAt: number;
  marks: Array<[string, number]>;
}

const als = new AsyncLocalStorage<JobMarks>();
const jobs = new Map<string, JobMarks>();
/** Wall time this process's worker had `n` jobs in flight, summed: the mean of jobs in flight. */
let inFlight = 0;
let inFlightSince = performance.now();
let inFlightArea = 0;
let windowStart = performance.now();
/** Claims sent, and claims that returned no job. */
let claims = 0;
let emptyClaims = 0;

const now = () => performance.timeOrigin + performance.now();

function mark(what: string): void {
  als.getStore()?.marks.push([what, now()]);
}

function track(delta: number): void {
  const t = performance.now();
  inFlightArea += inFlight * (t - inFlightSince);
  inFlightSince = t;
  inFlight += delta;
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** Wraps an async method so the current job records when it was called and when it settled. */
function timed(proto: object, method: string, label: string): void {
  const p = proto as Record<string, AnyFn>;
  const original = p[method];
  p[method] = function (this: unknown, ...args: unknown[]) {
    mark(`${label}:start`);
    const out = original.apply(this, args);
    return out.finally(() => mark(`${label}:end`));
  };
}

/** Starts recording in this process. */
export function traceJobs(): void {
  const store = PostgresStore.prototype as unknown as Record<string, AnyFn>;
  const claim = store.claimJobs;
  store.claimJobs = async function (this: unknown, ...args: unknown[]) {
    const started = now();
    const rows = (await claim.apply(this, args)) as JobRow[];
    const ended = now();
    claims += 1;
    if (rows.length === 0) emptyClaims += 1;
    for (const r of rows) jobs.set(r.id, { id: r.id, createdAt: Date.parse(r.createdAt), marks: [['claim:start', started], ['claim:end', ended]] });
    return rows;
  };
  timed(store, 'readRecordContext', 'context');
  timed(store, 'completeJob', 'commit');
  timed(store, 'retryJob', 'commit');
  timed(store, 'tryAcquireCallSlot', 'slot');
  timed(store, 'reserveCallRate', 'rate');
  const limiter = RateLimiter.prototype as unknown as Record<string, AnyFn>;
  const acquire = limiter.acquire;
  limiter.acquire = async function (this: unknown, ...args: unknown[]) {
    mark('acquire:start');
    const release = (await acquire.apply(this, args)) as () => void;
    mark('acquire:end');
    const job = als.getStore();
    return () => {
      job?.marks.push(['call:end', now()]);
      release();
    };
  };
  const worker = Worker.prototype as unknown as Record<string, AnyFn>;
  const execute = worker.execute;
  worker.execute = function (this: unknown, job: unknown) {
    const row = job as JobRow;
    const entry = jobs.get(row.id) ?? { id: row.id, createdAt: Date.parse(row.createdAt), marks: [] };
    jobs.set(row.id, entry);
    entry.marks.push(['run:start', now()]);
    track(1);
    return als.run(entry, () => execute.call(this, job)).finally(() => {
      entry.marks.push(['run:end', now()]);
      track(-1);
    });
  };
}

/** Forgets what was recorded (after the warm-up). */
export function resetTimeline(): void {
  jobs.clear();
  track(0);
  inFlightArea = 0;
  windowStart = performance.now();
  claims = 0;
  emptyClaims = 0;
}

/** What was recorded since the last reset. */
export function timelineSnapshot(): { jobs: JobMarks[]; meanInFlight: number; claims: number; emptyClaims: number } {
  track(0);
  const span = performance.now() - windowStart;
  return { jobs: [...jobs.values()].filter((j) => j.marks.some(([m]) => m === 'run:end')), meanInFlight: span > 0 ? inFlightArea / span : 0, claims, emptyClaims };
}

/** One phase's mean and median over the jobs, in ms. */
export interface PhaseFigure {
  phase: string;
  'mean ms': number;
  'p50 ms': number;
  'per job': number;
}

function between(marks: Array<[string, number]>, start: string, end: string): number[] {
  const out: number[] = [];
  let open: number | null = null;
  for (const [m, t] of marks) {
    if (m === start) open = t;
    else if (m === end && open !== null) {
      out.push(t - open);
      open = null;
    }
  }
  return out;
}

/** Per-phase figures over every process's jobs: how long a job spends where, from its claim to its acknowledged commit. */
export function summarizeTimelines(snapshots: Array<ReturnType<typeof timelineSnapshot>>): { phases: PhaseFigure[]; meanInFlight: number[]; claimsPerJob: number; emptyClaimShare: number } {
  const all = snapshots.flatMap((s) => s.jobs);
  const per = new Map<string, number[][]>();
  const add = (phase: string, values: number[]) => {
    const list = per.get(phase) ?? [];
    list.push(values);
    per.set(phase, list);
  };
  for (const j of all) {
    const m = j.marks;
    const run = between(m, 'run:start', 'run:end');
    const context = between(m, 'context:start', 'context:end');
    const acquire = between(m, 'acquire:start', 'acquire:end');
    const call = between(m, 'acquire:end', 'call:end');
    const commit = between(m, 'commit:start', 'commit:end');
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    add('claim round trip', between(m, 'claim:start', 'claim:end'));
    add('claimed → running (record lock)', between(m, 'claim:end', 'run:start'));
    add('context read', context);
    add('limiter acquire', acquire);
    add('  of which call slot', between(m, 'slot:start', 'slot:end'));
    add('  of which per-second reservation', between(m, 'rate:start', 'rate:end'));
    add('sink call (acquired → released)', call);
    add('commit (asked → acknowledged)', commit);
    add('rest of the run (runner, mapping, event loop)', [sum(run) - sum(context) - sum(acquire) - sum(call) - sum(commit)]);
    add('run (execute start → end)', run);
    add('claim start → run end', [(m.find(([x]) => x === 'run:end')?.[1] ?? 0) - (m.find(([x]) => x === 'claim:start')?.[1] ?? 0)]);
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  const phases = [...per.entries()].map(([phase, lists]) => {
    const totals = lists.map((v) => v.reduce((a, b) => a + b, 0)).sort((a, b) => a - b);
    const count = lists.reduce((n, v) => n + v.length, 0);
    return { phase, 'mean ms': round(totals.reduce((a, b) => a + b, 0) / Math.max(1, totals.length)), 'p50 ms': round(totals[Math.floor(totals.length / 2)] ?? 0), 'per job': round(count / Math.max(1, lists.length)) };
  });
  const claims = snapshots.reduce((n, s) => n + s.claims, 0);
  const empty = snapshots.reduce((n, s) => n + s.emptyClaims, 0);
  return { phases, meanInFlight: snapshots.map((s) => round(s.meanInFlight)), claimsPerJob: round(claims / Math.max(1, all.length) * 100) / 100, emptyClaimShare: round((empty / Math.max(1, claims)) * 100) };
}
