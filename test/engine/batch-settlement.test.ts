/**
 * Settling a finished vendor batch (engine/batch-check.ts): the records are stored outside the job's
 * row, in parts, and only the failed records' parts are opened; links and retry jobs are committed part
 * by part; running the settlement again (the job claimed again after a lapsed lease or a crash) adds no
 * link and no job; the stored records survive a restart; a worker settles one batch at a time and drops
 * the stored records once the batch is recorded, with the heap's growth bounded only while it settles. Payloads of older jobs (records in the row) still settle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { pino } from 'pino';
import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SourceRecord, WriteOutcome } from '../../src/core/connector.js';
import { SyncError } from '../../src/core/errors.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { batchCheckJob, checkBatch, PACK_RECORDS, type BatchCheckPayload } from '../../src/engine/batch-check.js';
import { Worker } from '../../src/engine/worker.js';
import type { ConnectionPool } from '../../src/engine/connections.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import type { EventPayload } from '../../src/engine/payloads.js';
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { sinkConnection, TEST_MASTER_KEY, waitFor } from '../support/engine.js';

const FLOW = `name: contacts-to-crm
trigger: { type: manual }
source: { connection: shop, entity: contacts }
targets:
  - name: person
    connection: shop
    entity: contacts
    mapping:
      email: email
    match: { keys: [email] }
`;

const N = 2500;
const FAILED = new Set([5, PACK_RECORDS + 500, N - 1]);
const records: SourceRecord[] = Array.from({ length: N }, (_, i) => ({ id: `C${i}`, entity: 'contacts', updatedAt: `2026-12-06T06:00:${String(i % 60).padStart(2, '0')}Z`, data: { id: `C${i}`, email: `c${i}@example.com`, note: 'x'.repeat(i % 50) } }));
const outcomes: WriteOutcome[] = records.map((r, i) => (FAILED.has(i) ? { ok: false, error: new SyncError('invalid_data', `refused ${r.id}`) } : { ok: true, id: `P${i}`, created: true }));

describe('settling a finished batch', () => {
  let store: Store | null = null;
  let hub: SynclineHub | null = null;
  let sink: RunningHttpSink | null = null;
  let dir: string | null = null;
  afterEach(async () => {
    await hub?.stop();
    await store?.close();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    hub = null;
    store = null;
    sink = null;
    dir = null;
  });

  async function setup(url = 'sqlite::memory:') {
    store = await openStore({ url, masterKey: TEST_MASTER_KEY });
    hub = new SynclineHub({ store, connectors: new Map([[httpConnector.type, httpConnector]]), logger: pino({ level: 'silent' }) });
    sink = await startHttpSink();
    await saveConnection(store, hub.connectors, { name: 'shop', type: 'http', settings: sinkConnection(sink.url) }, 'test');
    await hub.deployFlow(FLOW, 'test');
    const flow = await hub.flows.get('contacts-to-crm');
    // The vendor has finished: every check answers the outcomes.
    const pool = { get: async () => ({ connector: { resumeBatch: async () => outcomes } }) } as unknown as ConnectionPool;
    return { flow, deps: { pool, store }, s: store };
  }

  it('links the written records, queues each failed one with its own data, and changes nothing when run again', async () => {
    const { flow, deps, s } = await setup();
    const job = await batchCheckJob(flow, { name: 'person', connection: 'shop', entity: 'contacts' }, records, { pending: true, handle: { vendor: 'job-1' }, checkAfterMs: 0 }, s);
    const payload = job.payload as unknown as BatchCheckPayload;
    // The job's row names the stored records; it carries neither their ids nor their data.
    expect(payload.batch.data).toMatchObject({ count: N });
    expect(JSON.stringify(payload)).not.toContain('C7');
    expect(JSON.stringify(payload).length).toBeLessThan(300);
    expect(await s.readBatchPart(payload.batch.data!.id, Math.ceil(N / PACK_RECORDS) - 1)).toContain('C2000');

    for (let run = 0; run < 2; run++) {
      const out = await checkBatch(flow, { id: 'batch-job-1' }, payload, deps);
      expect(out).toMatchObject({ done: true, stats: { target: 'person', written: N - FAILED.size, failed: FAILED.size }, enqueue: [], settlement: { links: [] } });
      // Each failed record once, with its original data, however often the settlement ran.
      expect(await s.queueStats()).toMatchObject({ queued: FAILED.size });
    }
    const linkedIds = async (id: string) => (await s.xrefLinked({ connection: 'shop', entity: 'contacts', id })).map((x) => x.id).sort();
    expect(await linkedIds('C7')).toEqual(['C7', 'P7']);
    for (const i of FAILED) expect(await linkedIds(`C${i}`)).not.toContain(`P${i}`);
    const queued: EventPayload[] = [];
    const claimed = await s.claimJobs({ workerId: 'test', limit: 10, leaseMs: 60_000 });
    for (const j of claimed) queued.push(j.payload as unknown as EventPayload);
    expect(queued.map((p) => [p.id, p.type, p.record]).sort()).toEqual([...FAILED].map((i) => [`C${i}`, 'bulk-retry', records[i].data]).sort());
  });

  it('settles a batch whose records were stored before a restart: each failed record is queued with its data', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-batch-'));
    const url = `sqlite:${path.join(dir, 'store.db')}`;
    const first = await setup(url);
    const [jobId] = await first.s.enqueue([await batchCheckJob(first.flow, { name: 'person', connection: 'shop', entity: 'contacts' }, records, { pending: true, handle: { vendor: 'job-1' }, checkAfterMs: 0 }, first.s)]);
    await hub!.stop();
    await store!.close();
    await sink!.close();

    const { flow, deps, s } = await setup(url);
    const [job] = await s.claimJobs({ workerId: 'after-restart', limit: 1, leaseMs: 60_000 });
    expect(job.id).toBe(jobId);
    const out = await checkBatch(flow, job, job.payload as unknown as BatchCheckPayload, deps);
    expect(out).toMatchObject({ done: true, stats: { written: N - FAILED.size, failed: FAILED.size } });
    const queued = (await s.claimJobs({ workerId: 'test', limit: 10, leaseMs: 60_000 })).map((j) => j.payload as unknown as EventPayload);
    expect(queued.map((p) => [p.id, p.record]).sort()).toEqual([...FAILED].map((i) => [`C${i}`, records[i].data]).sort());
  });

  it('a worker settles one batch at a time, with the heap bounded while it does, and drops its stored records once the batch is recorded', async () => {
    const { flow, s } = await setup();
    const growth = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => {});
    const growthWhileSettling: string[] = [];
    let running = 0;
    let most = 0;
    const pool = {
      get: async () => ({
        connector: {
          resumeBatch: async () => {
            growthWhileSettling.push(String(growth.mock.lastCall?.[0]));
            running += 1;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, 50));
            running -= 1;
            return outcomes;
          },
        },
      }),
    } as unknown as ConnectionPool;
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) {
      const job = await batchCheckJob(flow, { name: 'person', connection: 'shop', entity: 'contacts' }, records, { pending: true, handle: { vendor: `job-${k}` }, checkAfterMs: 0 }, s);
      ids.push((job.payload as unknown as BatchCheckPayload).batch.data!.id);
      await s.enqueue([job]);
    }
    const worker = new Worker({ store: s, pool, flows: hub!.flows, logger: pino({ level: 'silent' }) }, { concurrency: 4, idlePollMs: 10, batchHeapGrowth: 10 });
    await worker.start();
    try {
      await waitFor(async () => (await s.listRuns({ flow: 'contacts-to-crm' })).filter((r) => r.trigger === 'batch' && r.status === 'succeeded').length === 3, 'three batches to settle', 20_000);
    } finally {
      await worker.stop();
    }
    const lastGrowth = growth.mock.calls.at(-1);
    growth.mockRestore();
    expect(most).toBe(1);
    expect(growthWhileSettling).toEqual(['--heap-growing-percent=10', '--heap-growing-percent=10', '--heap-growing-percent=10']);
    expect(lastGrowth).toEqual(['--heap-growing-percent=0']);
    for (const id of ids) expect(await s.readBatchPart(id, 0)).toBeNull();
  });

  it('reads the payloads of older jobs, whose records (and their packed data) are in the job row', async () => {
    const { flow, deps, s } = await setup();
    const slices: string[] = [];
    for (let i = 0; i < N; i += PACK_RECORDS) slices.push(((await promisify(gzip)(JSON.stringify(records.slice(i, i + PACK_RECORDS).map((r) => r.data)))) as Buffer).toString('base64'));
    const packed: BatchCheckPayload = { batch: { target: 'person', connection: 'shop', entity: 'contacts', handle: {}, checks: 0, records: records.map((r) => ({ id: r.id, updatedAt: r.updatedAt })), packed: slices } };
    const inline: BatchCheckPayload = { batch: { target: 'person', connection: 'shop', entity: 'contacts', handle: {}, checks: 0, records: records.map((r) => ({ id: r.id, updatedAt: r.updatedAt, data: r.data })) } };
    for (const [k, payload] of [packed, inline].entries()) {
      expect(await checkBatch(flow, { id: `old-${k}` }, payload, deps)).toMatchObject({ done: true, stats: { written: N - FAILED.size, failed: FAILED.size } });
      const claimed = await s.claimJobs({ workerId: 'test', limit: 10, leaseMs: 60_000 });
      expect(claimed.map((j) => j.payload as unknown as EventPayload).map((p) => [p.id, p.record]).sort()).toEqual([...FAILED].map((i) => [`C${i}`, records[i].data]).sort());
      for (const j of claimed) await s.completeJob({ jobId: j.id, workerId: 'test', run: { jobId: j.id, flow: j.flow, flowVersion: j.flowVersion, trigger: j.kind, status: 'succeeded', recordKey: j.recordKey, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), error: null, stats: {} }, traces: [] });
    }
  });
});
