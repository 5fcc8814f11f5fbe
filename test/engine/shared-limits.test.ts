/**
 * Limits that hold across processes: two worker processes on one PostgreSQL store write prospects to
 * the Pardot emulator, which allows 5 requests in flight per business unit. Each process alone would
 * run up to 5; together they must never make a sixth concurrent call (Pardot answers that with error
 * 66), and the Overview's budget counts both processes' calls from the store.
 */
import { killProcess, startWorkerProcess } from '../support/worker-process.js';
import type { ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pardotConnector } from '../../src/connectors/pardot/index.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../src/sandbox/pardot/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { queueDrained, sinkConnection, TEST_MASTER_KEY, waitFor } from '../support/engine.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

const available = await requirePostgres('shared rate limits across worker processes');

const FLOW = `name: shop-to-pardot
trigger: { type: manual }
source: { connection: shop, entity: contacts }
targets:
  - name: prospect
    connection: pardot
    entity: prospect
    mapping:
      email: { expr: "$lowercase($trim(email))", required: true }
      firstName: name
    match: { keys: [email] }
    write: { verb: upsert, externalIdField: email }
errorPolicy: { maxAttempts: 4, initialInterval: 10ms, maxInterval: 100ms }
`;

describe.skipIf(!available)('limits shared by worker processes on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: Store;
  let hub: SynclineHub;
  let pardot: RunningPardotEmulator;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('syncline_shared_limits');
    store = await openStore({ url: db.url, masterKey: TEST_MASTER_KEY });
    hub = new SynclineHub({ store, connectors: new Map([[httpConnector.type, httpConnector], [pardotConnector.type, pardotConnector]]), logger: pino({ level: 'silent' }) });
    pardot = await startPardotEmulator({ maxConcurrent: 5, seed: false });
    // Every prospect call takes a while, so the workers' calls overlap and contend for the 5 slots.
    pardot.faults.add({ path: '^/api/v5/objects/prospects', fault: { latencyMs: 25 } });
    const settings = sandboxConnections({ salesforce: { url: pardot.url }, pardot: { url: pardot.url }, sage100: { endpointUrl: '', odbcConnectionString: '', companyCode: '' } }).pardot.settings;
    await saveConnection(store, hub.connectors, { name: 'pardot', type: 'pardot', settings }, 'test');
    await saveConnection(store, hub.connectors, { name: 'shop', type: 'http', settings: sinkConnection('http://127.0.0.1:9') }, 'test');
    await hub.deployFlow(FLOW, 'test');
  });

  afterAll(async () => {
    await Promise.all(workers.splice(0).map(killProcess));
    await hub?.stop();
    await store?.close();
    await pardot?.close();
    await db?.drop();
  });

  it('never makes a sixth concurrent Pardot call, and the budget counts both processes', async () => {
    const version = (await store.getFlow('shop-to-pardot'))!.currentVersion;
    const events = Array.from({ length: 80 }, (_, i) => ({
      flow: 'shop-to-pardot',
      deliveryId: `d-${i}`,
      payload: { record: { id: `c${i}`, email: `buyer${i}@example.com`, name: `Buyer ${i}` }, id: `c${i}` },
      recordKey: `c${i}`,
    }));
    await store.ingest(events, { flowVersion: version, maxAttempts: 4 });
    workers.push(...(await Promise.all([startWorkerProcess(db.url, { WORKER_CONCURRENCY: '16', LEASE_MS: '10000' }), startWorkerProcess(db.url, { WORKER_CONCURRENCY: '16', LEASE_MS: '10000' })])));
    // Which processes hold leases while the queue drains: both must have run jobs side by side.
    const owners = new Set<string>();
    await waitFor(async () => {
      for (const o of await store.leaseOwners()) owners.add(o);
      return queueDrained(store);
    }, 'both workers to drain the queue', 60_000);

    expect((await store.listDeadLetters({})).map((d) => d.error.message)).toEqual([]);
    const emails = new Set([...pardot.state.prospects.values()].map((p) => String((p as { email?: unknown }).email)));
    expect(events.every((e) => emails.has(String((e.payload.record as { email: string }).email)))).toBe(true);
    const { peak, refused } = pardot.concurrency();
    expect(refused).toBe(0);
    expect(peak).toBeLessThanOrEqual(5);
    // Both processes really ran calls side by side (else the test would prove nothing).
    expect(owners.size, 'worker processes seen holding job leases').toBe(2);
    expect(peak).toBeGreaterThanOrEqual(3);
    const runs = await store.listRuns({ flow: 'shop-to-pardot', limit: 500 });
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(80);

    // The Overview's budget is read from the store: every worker's calls, none made by this process.
    const used = pardot.dailyUsage().used;
    // Every process's calls are in the store's figure (one process alone made about half of them), and
    // none twice: the vendor's reports overlap calls another process had not flushed yet.
    let seen = 0;
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      seen = (await hub.apiBudget()).find((b) => b.connection === 'pardot')?.used ?? 0;
      if (seen >= used) break;
    }
    expect(seen, 'the budget read from the store (every worker\'s calls) vs the calls the emulator counted').toBe(used);
    expect((await hub.apiBudget()).find((b) => b.connection === 'pardot')).toMatchObject({ limit: pardot.dailyUsage().limit });
  });
});
