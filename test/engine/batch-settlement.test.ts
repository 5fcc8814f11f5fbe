/**
 * Settling a finished vendor batch (engine/batch-check.ts): the records' data travels packed and only
 * the failed records' slices are opened; links and retry jobs are committed slice by slice; running
 * the settlement again (the job claimed again after a lapsed lease or a crash) adds no link and no job.
 * Payloads written before the data was packed (records with their data) still settle.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceRecord, WriteOutcome } from '../../src/core/connector.js';
import { SyncError } from '../../src/core/errors.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { batchCheckJob, checkBatch, PACK_RECORDS, unpackRecords, type BatchCheckPayload } from '../../src/engine/batch-check.js';
import type { ConnectionPool } from '../../src/engine/connections.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import type { EventPayload } from '../../src/engine/payloads.js';
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { sinkConnection, TEST_MASTER_KEY } from '../support/engine.js';

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
  afterEach(async () => {
    await hub?.stop();
    await store?.close();
    await sink?.close();
    hub = null;
    store = null;
    sink = null;
  });

  async function setup() {
    store = await openStore({ url: 'sqlite::memory:', masterKey: TEST_MASTER_KEY });
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
    const job = await batchCheckJob(flow, { name: 'person', connection: 'shop', entity: 'contacts' }, records, { pending: true, handle: { vendor: 'job-1' }, checkAfterMs: 0 });
    const payload = job.payload as unknown as BatchCheckPayload;
    expect(payload.batch.packed).toHaveLength(Math.ceil(N / PACK_RECORDS));
    expect(payload.batch.records.every((r) => r.data === undefined)).toBe(true);
    expect(JSON.stringify(payload)).not.toContain('c7@example.com');

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

  it('opens only the slices holding the records asked for, and reads payloads that carry the data unpacked', async () => {
    const { flow } = await setup();
    const job = await batchCheckJob(flow, { name: 'person', connection: 'shop', entity: 'contacts' }, records, { pending: true, handle: {}, checkAfterMs: 0 });
    const b = (job.payload as unknown as BatchCheckPayload).batch;
    // A corrupt first slice does not matter when no record of it is asked for.
    const damaged = { ...b, packed: ['not gzip', ...b.packed!.slice(1)] };
    expect((await unpackRecords(damaged, [PACK_RECORDS, N - 1], 'contacts')).map((r) => r.data)).toEqual([records[PACK_RECORDS].data, records[N - 1].data]);
    await expect(unpackRecords(damaged, [0], 'contacts')).rejects.toThrow();
    const older = { records: records.slice(0, 3).map((r) => ({ id: r.id, updatedAt: r.updatedAt, data: r.data })) };
    expect(await unpackRecords(older, [2], 'contacts')).toEqual([{ id: 'C2', entity: 'contacts', updatedAt: records[2].updatedAt, data: records[2].data }]);
  });
});
