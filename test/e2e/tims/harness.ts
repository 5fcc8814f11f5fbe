/**
 * The TIMS pair's journey harness: the Salesforce, Pardot and TIMS emulators plus a hub on a fresh
 * SQLite store with the connections `salesforce`, `pardot` and `tims` saved and the flows of
 * flows/tims/ deployed. Helpers drain the queue, run a poll flow once, and post a signed webhook.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SynclineHub } from '../../../src/engine/hub.js';
import { saveConnection } from '../../../src/engine/connection-settings.js';
import { signWebhook } from '../../../src/engine/intake.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { builtInConnectors } from '../../../src/server/connectors.js';
import { sandboxConnections } from '../../../src/cli/demo/connections.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { startTimsEmulator, type RunningTimsEmulator } from '../../../src/sandbox/tims/index.js';
import { FLOWS_DIR } from '../../support/journeys.js';
import { queueDrained, TEST_MASTER_KEY, waitFor } from '../../support/engine.js';
import { timsContract } from '../../support/tims-contract.js';
import { expect } from 'vitest';
import { pollNow } from '../../support/poll-now.js';

/** flows/tims/. */
export const TIMS_FLOWS_DIR = path.join(FLOWS_DIR, 'tims');

/** Everything a TIMS journey test needs; `close()` tears it all down. */
export interface TimsJourneyFixture {
  store: Store;
  hub: SynclineHub;
  salesforce: SalesforceEmulator;
  pardot: RunningPardotEmulator;
  tims: RunningTimsEmulator;
  drain(timeoutMs?: number): Promise<void>;
  /** Replays a dead letter and waits, then replays it again (which must queue nothing: it is no longer open) and waits; leaves no letter open. */
  replayOnce(deadLetterId: string): Promise<void>;
  /** Queues one poll read of `flow` now and waits until it and every record it produced are done. */
  poll(flow: string, timeoutMs?: number): Promise<void>;
  /** Posts a body to a webhook flow, signed with `secret`, as a Salesforce flow callout would. */
  post(flow: string, secret: string, body: unknown, deliveryId: string): ReturnType<SynclineHub['intake']['receive']>;
  /**
   * Delivers the record of the newest run of `flow` that names `key` once more, under a new delivery
   * id, exactly as the poll produced it (a repeated read, a retried job); waits until it ran and
   * answers that run's status.
   */
  deliverAgain(flow: string, key: string): Promise<string>;
  /** Every way the hub's requests to the TIMS bridge, or its answers, broke the contract file (none expected). */
  contractProblems(): string[];
  close(): Promise<void>;
}

/** Starts the emulators and a hub with the three connections and the given flows of flows/tims/ deployed (`variants/<name>` for a variant). */
export async function timsJourneyFixture(flows: string[]): Promise<TimsJourneyFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-tims-journeys-'));
  const [salesforce, pardot, tims] = await Promise.all([startSalesforceEmulator({ seed: true }), startPardotEmulator({ seed: true, importStepMs: 5 }), startTimsEmulator()]);
  const store = await openStore({ url: `sqlite:${path.join(dir, 'journeys.db')}`, masterKey: TEST_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  const crm = sandboxConnections({ salesforce: { url: salesforce.url }, pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId }, sage100: { endpointUrl: '', odbcConnectionString: '', companyCode: 'ABC' } });
  await saveConnection(store, hub.connectors, { name: 'salesforce', type: 'salesforce', settings: crm.salesforce.settings }, 'test');
  await saveConnection(store, hub.connectors, { name: 'pardot', type: 'pardot', settings: crm.pardot.settings }, 'test');
  await saveConnection(store, hub.connectors, { name: 'tims', type: 'tims', settings: { baseUrl: tims.baseUrl, apiKey: tims.apiKey, pageSize: 50 } }, 'test');
  for (const name of flows) {
    const file = path.join(TIMS_FLOWS_DIR, `${name}.yaml`);
    if (!existsSync(file)) throw new Error(`no flows/tims/${name}.yaml`);
    await hub.deployFlow(readFileSync(file, 'utf8'), 'test');
  }
  await hub.startWorkers(1, { idlePollMs: 20 }, false);
  const drain = (timeoutMs = 30_000) => waitFor(() => queueDrained(store), 'the queue to drain', timeoutMs);
  return {
    store,
    hub,
    salesforce,
    pardot,
    tims,
    drain,
    poll: (flow, timeoutMs) => pollNow(hub, store, flow, drain, timeoutMs),
    async replayOnce(id) {
      await store.replayDeadLetters([id], 'test');
      await drain();
      expect(await store.replayDeadLetters([id], 'test')).toEqual([]);
      await drain();
      expect((await store.getDeadLetter(id))?.status).toBe('replayed');
      expect(await store.listDeadLetters({ status: 'open' })).toEqual([]);
    },
    post(flow, secret, body, deliveryId) {
      const raw = Buffer.from(JSON.stringify(body));
      const ts = String(Math.floor(Date.now() / 1000));
      return hub.intake.receive(flow, { headers: { 'x-delivery-id': deliveryId, 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook(secret, ts, raw, deliveryId) }, rawBody: raw });
    },
    async deliverAgain(flow, key) {
      const [run] = await store.listRuns({ flow, key: key.toLowerCase() });
      if (!run) throw new Error(`no run of ${flow} names ${key}`);
      const trigger = (await store.listTraces(run.id)).find((t) => t.step === 'trigger');
      if (!trigger) throw new Error(`the run ${run.id} of ${flow} has no trigger step`);
      const res = await store.ingest([{ flow, deliveryId: `again-${run.id}`, payload: { record: trigger.after ?? null, id: trigger.externalId ?? null }, recordKey: key }], { flowVersion: run.flowVersion, maxAttempts: 3 });
      if (res.accepted !== 1) throw new Error(`the repeated delivery of ${key} to ${flow} was not accepted`);
      await drain();
      const [again] = await store.listRuns({ flow, key: key.toLowerCase(), limit: 1 });
      return again.id === run.id ? 'not run' : again.status;
    },
    contractProblems() {
      const contract = timsContract();
      return tims.calls.filter((c) => !c.injected).flatMap((c) => [...contract.checkRequest(c), ...contract.checkResponse(c)]);
    },
    async close() {
      await hub.stop();
      await store.close();
      await Promise.all([salesforce.close(), pardot.close(), tims.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
