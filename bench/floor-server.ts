/**
 * The engine benchmark's workload with the engine taken out: the floor of what one event costs on
 * this machine with Syncline's libraries and Syncline's own rows. Per event it does exactly the I/O
 * a Syncline server does for the benchmark flow, and nothing else:
 *   - intake: a Fastify route takes the webhook's raw body, parses it, and answers 202 after a group
 *     commit (BEGIN IMMEDIATE … COMMIT, synchronous=FULL) of its inbox and job rows;
 *   - worker: the job is claimed by an UPDATE … RETURNING, mapped by hand, looked up on the sink by
 *     its match key (GET) and created there (POST, with its idempotency key) through undici;
 *   - outcome: one relaxed group commit of its run, three trace steps, their search keys, two
 *     cross-reference rows, the payload hash and the job's release.
 * The tables are Syncline's (its migrations) and the row writes its own prepared statements
 * (HotStatements). No flow loading, no limiter, no mapping engine, no metrics, no promises beyond
 * the I/O's. bench/floor.bench.ts runs it under the same load generator and sink as
 * bench/engine.bench.ts.
 *
 * Started as `node --import tsx bench/floor-server.ts` with FLOOR_DB (the SQLite file), FLOOR_SINK
 * (the sink's base URL) and optionally FLOOR_ROWS=queue; prints `listening <url>` when ready.
 */
import { createHash, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Agent, request } from 'undici';
import { migrateToLatest } from '../src/store/migrations/index.js';
import { openSqliteDatabase } from '../src/store/sqlite/index.js';
import { HotStatements } from '../src/store/sqlite/hot-statements.js';
import { createIdGenerator } from '../src/store/ids.js';
import type { JobsTable } from '../src/store/schema.js';

const file = process.env.FLOOR_DB!;
const sink = process.env.FLOOR_SINK!;
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const WORKER = `floor:${process.pid}`;
/** `all`: every row Syncline writes per event; `queue`: only the inbox, the job, its claim and its release (the outcome's run, traces, links and hash left out). */
const ROWS = process.env.FLOOR_ROWS === 'queue' ? 'queue' : 'all';

const raw = openSqliteDatabase(file);
{
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  await migrateToLatest(db, 'sqlite');
  await db.destroy();
}
const hot = new HotStatements(raw);
const newId = createIdGenerator();
const iso = () => new Date().toISOString();
const control = {
  begin: raw.prepare('begin immediate'),
  commit: raw.prepare('commit'),
  normal: raw.prepare('pragma synchronous = NORMAL'),
  full: raw.prepare('pragma synchronous = FULL'),
};
const claim = raw.prepare(
  `update jobs set status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
    where id = ? and status = 'queued' returning *`,
);

/** Group commit, as the store does it: callers arriving within one turn share one transaction. */
interface Pending {
  write: () => void;
  relaxed: boolean;
  done: () => void;
}
let pending: Pending[] = [];
let scheduled = false;
function commitLater(write: () => void, relaxed: boolean): Promise<void> {
  return new Promise((done) => {
    pending.push({ write, relaxed, done });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}
function flush(): void {
  scheduled = false;
  const group = pending;
  pending = [];
  const unsynced = group.every((p) => p.relaxed);
  if (unsynced) control.normal.run();
  control.begin.run();
  for (const p of group) p.write();
  control.commit.run();
  if (unsynced) control.full.run();
  for (const p of group) p.done();
}

const agent = new Agent({ connections: 128 });
const queue: JobsTable[] = [];
let running = 0;

async function runJob(job: JobsTable): Promise<void> {
  const started = iso();
  const event = (JSON.parse(job.payload) as { record: Record<string, unknown> }).record;
  const fields = { email: String(event.email).toLowerCase(), name: event.name, sent_at: event.sent_at, source_id: event.id };
  const lineage = Object.entries({ email: ['email', '$lowercase(email)'], name: ['name', 'copy name'], sent_at: ['sent_at', 'copy sent_at'], source_id: ['id', 'copy id'] }).map(([field, [source, rule]]) => ({ field, sources: [source], rule, value: (fields as Record<string, unknown>)[field] }));
  const found = await request(`${sink}/contacts?email=${encodeURIComponent(fields.email)}`, { dispatcher: agent, headers: { accept: 'application/json' } });
  const list = JSON.parse(await found.body.text()) as { data: unknown[] };
  if (list.data.length > 0) throw new Error('the floor expects new records only');
  const body = JSON.stringify(fields);
  const created = await request(`${sink}/contacts`, { method: 'POST', body, dispatcher: agent, headers: { accept: 'application/json', 'content-type': 'application/json', 'idempotency-key': `bench:${String(event.id)}` } });
  const id = String((JSON.parse(await created.body.text()) as { id: unknown }).id);
  const hash = createHash('sha256').update(body).digest('hex');
  const keys = [String(event.id).toLowerCase(), fields.email];
  await commitLater(() => {
    if (ROWS === 'queue') {
      hot.releaseJob(job.id, WORKER, { status: 'done' }, iso());
      return;
    }
    const runId = newId();
    const now = iso();
    hot.run({ id: runId, job_id: job.id, flow: 'bench', flow_version: 1, trigger: 'webhook', status: 'succeeded', record_key: job.record_key, attempt: 1, started_at: started, finished_at: now, error: null, stats: JSON.stringify({ attempt: 1 }) });
    const step = (name: string, extra: { external_id?: string | null; after: unknown; lineage?: unknown; before?: unknown; keys: string[] }) => ({
      id: newId(),
      run_id: runId,
      flow: 'bench',
      at: now,
      step: name,
      status: 'ok',
      connection: 'sink',
      entity: 'contacts',
      external_id: extra.external_id ?? null,
      before: extra.before === undefined ? null : JSON.stringify(extra.before),
      after: JSON.stringify(extra.after),
      lineage: extra.lineage ? JSON.stringify(extra.lineage) : null,
      error: null,
      keys: JSON.stringify(extra.keys),
    });
    const traces = [
      step('trigger', { external_id: String(event.id), after: event, keys }),
      step('map:contact', { after: fields, lineage, keys }),
      step('write:contact', { external_id: id, after: fields, before: null, keys: [...keys, id] }),
    ];
    hot.traces(traces, [...keys.map((key) => ({ key, trace_id: traces[0].id, run_id: runId })), { key: id, trace_id: traces[2].id, run_id: runId }]);
    const link = hot.linkId('sink', 'contacts', String(event.id), newId(), now);
    hot.linkId('sink', 'contacts', id, link, now);
    hot.hash({ connection: 'sink', entity: 'contacts', external_id: id, hash, updated_at: now });
    hot.releaseJob(job.id, WORKER, { status: 'done' }, now);
  }, true);
}

function pump(): void {
  while (running < CONCURRENCY && queue.length > 0) {
    const job = queue.shift()!;
    running++;
    void runJob(job)
      .catch((err: Error) => console.error(`job ${job.id}: ${err.message}`))
      .finally(() => {
        running--;
        pump();
      });
  }
}

/** Claims the jobs just committed, in one relaxed group (the worker's claim statement per job). */
function claimJobs(ids: string[]): void {
  void commitLater(() => {
    const now = iso();
    const lease = new Date(Date.now() + 30_000).toISOString();
    for (const id of ids) {
      const row = claim.get(WORKER, lease, now, id) as JobsTable | undefined;
      if (row) queue.push(row);
    }
  }, true).then(pump);
}

let claimBatch: string[] = [];
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/hooks/:flow', async (req, reply) => {
  const record = JSON.parse((req.body as Buffer).toString('utf8')) as Record<string, unknown>;
  const deliveryId = String(req.headers['x-delivery-id'] ?? randomUUID());
  const jobId = newId();
  const now = iso();
  await commitLater(() => {
    hot.jobs([{ id: jobId, flow: 'bench', flow_version: 1, kind: 'event', payload: JSON.stringify({ record, deliveryId }), record_key: String(record.id), max_attempts: 5, status: 'queued', attempts: 0, run_at: now, lease_owner: null, lease_expires_at: null, last_error: null, created_at: now, updated_at: now }]);
    hot.inbox([{ flow: 'bench', delivery_id: deliveryId, job_id: jobId, received_at: now }]);
  }, false);
  if (claimBatch.length === 0) setImmediate(() => {
    const ids = claimBatch;
    claimBatch = [];
    claimJobs(ids);
  });
  claimBatch.push(jobId);
  return reply.code(202).send({ accepted: 1, jobIds: [jobId] });
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening ${address}`);
process.on('SIGTERM', () => {
  void app.close().then(() => {
    raw.close();
    process.exit(0);
  });
});
