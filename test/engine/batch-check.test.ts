/**
 * Long vendor jobs run as engine jobs: a bulk load into Pardot whose Import API job takes several
 * checks returns as soon as the import is submitted; a worker checks it when the connector asks,
 * defers the job while Pardot works (no attempt counted, no limiter slot held in between), and
 * finally links every record. No connector sleeps or sets a timer.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { httpConnector } from '../../src/connectors/http/index.js';
import { pardotConnector } from '../../src/connectors/pardot/index.js';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import { bulkLoad } from '../../src/engine/bulk-load.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../src/sandbox/pardot/index.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../src/sandbox/salesforce/index.js';
import { salesforceConnector } from '../../src/connectors/salesforce/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { sinkConnection, TEST_MASTER_KEY, waitFor } from '../support/engine.js';

const FLOW = `name: contacts-to-pardot
trigger: { type: manual }
source: { connection: shop, entity: contacts }
targets:
  - name: prospect
    connection: pardot
    entity: prospect
    mapping:
      email: { expr: "$lowercase($trim(email))", required: true }
      company: name
    match: { keys: [email] }
    write: { verb: upsert, externalIdField: email }
errorPolicy: { maxAttempts: 3, initialInterval: 10ms, maxInterval: 100ms }
`;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('vendor jobs through engine rescheduling', () => {
  let store: Store | null = null;
  let hub: SynclineHub | null = null;
  let sink: RunningHttpSink | null = null;
  let pardot: RunningPardotEmulator | null = null;
  let salesforce: SalesforceEmulator | null = null;

  afterEach(async () => {
    await hub?.stop();
    await store?.close();
    await sink?.close();
    await pardot?.close();
    await salesforce?.close();
    salesforce = null;
    hub = null;
    store = null;
    sink = null;
    pardot = null;
  });

  it('completes a long Pardot import by checks the worker schedules, holding no slot between them', async () => {
    store = await openStore({ url: 'sqlite::memory:', masterKey: TEST_MASTER_KEY });
    hub = new SynclineHub({ store, connectors: new Map([[httpConnector.type, httpConnector], [pardotConnector.type, pardotConnector]]), logger: pino({ level: 'silent' }) });
    sink = await startHttpSink();
    // Each state change of an import takes 300 ms: Waiting → Processing → Complete needs several checks.
    pardot = await startPardotEmulator({ seed: false, importStepMs: 300 });
    const pardotSettings = sandboxConnections({ salesforce: { url: pardot.url }, pardot: { url: pardot.url }, sage100: { endpointUrl: '', odbcConnectionString: '', companyCode: '' } }).pardot.settings;
    await saveConnection(store, hub.connectors, { name: 'pardot', type: 'pardot', settings: { ...pardotSettings, importThreshold: 10 } }, 'test');
    await saveConnection(store, hub.connectors, { name: 'shop', type: 'http', settings: sinkConnection(sink.url) }, 'test');
    await hub.deployFlow(FLOW, 'test');
    for (let i = 0; i < 40; i++) {
      await fetch(`${sink.url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ` Loaded${i}@Example.com `, name: `Loaded Co ${i}` }) });
    }

    const progress = await bulkLoad({ store, pool: hub.pool, flows: hub.flows }, 'contacts-to-pardot');
    // The load returned once the import was submitted: nothing written yet, everything pending.
    expect(progress).toMatchObject({ read: 40, written: { prospect: 0 }, pending: 40, queued: 0 });
    expect(await store.queueStats()).toMatchObject({ queued: 1, delayed: 1 });

    await hub.startWorkers(1, { idlePollMs: 20 }, false);
    const limiter = () => hub!.pool.limiter('pardot');
    let sampledWhileWaiting = 0;
    let heldWhileWaiting = 0;
    await waitFor(async () => {
      const runs = await store!.listRuns({ flow: 'contacts-to-pardot', limit: 5 });
      const q = await store!.queueStats();
      // Between checks the batch job waits in the queue (delayed), not in a worker.
      if (q.delayed === 1 && q.running === 0) {
        sampledWhileWaiting += 1;
        if ((limiter()?.inFlight ?? 0) > 0) heldWhileWaiting += 1;
      }
      return runs.some((r) => r.status === 'succeeded');
    }, 'the batch job to finish', 20_000);
    expect(sampledWhileWaiting).toBeGreaterThan(0);
    expect(heldWhileWaiting).toBe(0);

    const [run] = await store.listRuns({ flow: 'contacts-to-pardot' });
    expect(run).toMatchObject({ trigger: 'batch', status: 'succeeded' });
    expect(Number(run.stats?.checks)).toBeGreaterThanOrEqual(2);
    expect(run.stats).toMatchObject({ written: 40, failed: 0 });
    // Deferrals are not attempts: one claim counted, however many checks ran.
    expect((await store.getJob(run.jobId))?.attempts).toBe(1);
    const prospects = [...pardot.state.prospects.values()].filter((p) => String(p.company).startsWith('Loaded Co'));
    expect(prospects).toHaveLength(40);
    const contacts = sink.records('contacts');
    for (const c of contacts) {
      const linked = await store.xrefFind({ connection: 'shop', entity: 'contacts', id: String(c.id) }, 'pardot', 'prospect');
      const p = pardot.state.prospects.get(Number(linked));
      expect(p?.email).toBe(String(c.email).trim().toLowerCase());
    }
  });

  it('completes a Salesforce Bulk API 2.0 job the same way', async () => {
    store = await openStore({ url: 'sqlite::memory:', masterKey: TEST_MASTER_KEY });
    hub = new SynclineHub({ store, connectors: new Map([[httpConnector.type, httpConnector], [salesforceConnector.type, salesforceConnector]]), logger: pino({ level: 'silent' }) });
    sink = await startHttpSink();
    salesforce = await startSalesforceEmulator({ seed: false, bulkProcessingDelayMs: 400 });
    const sfSettings = sandboxConnections({ salesforce: { url: salesforce.url }, pardot: { url: '' }, sage100: { endpointUrl: '', odbcConnectionString: '', companyCode: '' } }).salesforce.settings;
    await saveConnection(store, hub.connectors, { name: 'salesforce', type: 'salesforce', settings: { ...sfSettings, bulkThreshold: 200, bulkPollIntervalMs: 100 } }, 'test');
    await saveConnection(store, hub.connectors, { name: 'shop', type: 'http', settings: sinkConnection(sink.url) }, 'test');
    await hub.deployFlow(`name: items-to-salesforce
trigger: { type: manual }
source: { connection: shop, entity: contacts }
targets:
  - name: product
    connection: salesforce
    entity: Product2
    mapping:
      Name: name
      Sage100_Item_Code__c: code
    match: { keys: [Sage100_Item_Code__c] }
    write: { verb: upsert, externalIdField: Sage100_Item_Code__c }
`, 'test');
    await Promise.all(Array.from({ length: 210 }, (_, i) => fetch(`${sink!.url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: `ITEM-${i}`, name: `Item ${i}` }) })));

    const progress = await bulkLoad({ store, pool: hub.pool, flows: hub.flows }, 'items-to-salesforce');
    expect(progress).toMatchObject({ read: 210, written: { product: 0 }, pending: 210 });
    await hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(async () => (await store!.listRuns({ flow: 'items-to-salesforce' })).some((r) => r.status === 'succeeded'), 'the bulk job to finish', 20_000);
    const [run] = await store.listRuns({ flow: 'items-to-salesforce' });
    expect(run).toMatchObject({ trigger: 'batch', status: 'succeeded', stats: { written: 210, failed: 0 } });
    expect(Number(run.stats?.checks)).toBeGreaterThanOrEqual(2);
    expect((await store.getJob(run.jobId))?.attempts).toBe(1);
    const one = sink.records('contacts')[7];
    const id = await store.xrefFind({ connection: 'shop', entity: 'contacts', id: String(one.id) }, 'salesforce', 'Product2');
    expect(id).toBeTruthy();
  });

  it('no connector sleeps or sets a timer: waiting is the engine\'s job', () => {
    const offenders = sourceFiles(path.resolve('src/connectors')).filter((f) => /\bsetTimeout\s*\(|\bsleep\s*\(|setInterval\s*\(|['"](?:node:)?timers\/promises['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
