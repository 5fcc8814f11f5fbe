/**
 * The Clarity pair's journey harness: the Salesforce, Pardot and Clarity emulators and a hub on a
 * fresh SQLite store with the sandbox connections saved and the chosen flows/clarity/*.yaml deployed.
 * Pushes from the shop reach the hub's intake through a small HTTP receiver, as /hooks/<flow> would.
 * The shop clock starts two days back, so the hours a story lets pass stay behind the hub's clock.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SynclineHub } from '../../../src/engine/hub.js';
import { saveConnection } from '../../../src/engine/connection-settings.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { builtInConnectors } from '../../../src/server/connectors.js';
import { sandboxConnections } from '../../../src/cli/demo/connections.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { startClarityEmulator, type RunningClarityEmulator } from '../../../src/sandbox/clarity/index.js';
import { queueDrained, TEST_MASTER_KEY, waitFor } from '../../support/engine.js';

/** flows/clarity. */
export const CLARITY_FLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../flows/clarity');

/** The webhook signing secret shared by the shop emulator and the clarity connection. */
export const SHOP_SECRET = 'shop-webhook-secret';

/** Everything a Clarity journey test needs. */
export interface ClarityFixture {
  store: Store;
  hub: SynclineHub;
  salesforce: SalesforceEmulator;
  pardot: RunningPardotEmulator;
  shop: RunningClarityEmulator;
  /** Points the shop's pushes at `/hooks/<flow>` of the hub (or stops them with null). */
  pushTo(flow: string | null): void;
  drain(timeoutMs?: number): Promise<void>;
  /** Queues one read of `flow` now and waits until it and every record it produced are done. */
  poll(flow: string, timeoutMs?: number): Promise<void>;
  /** Waits for the shop's pushes to be answered, then for the queue. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the emulators and a hub with the named flows deployed; one worker runs. */
export async function clarityFixture(flows: string[]): Promise<ClarityFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-clarity-'));
  const [salesforce, pardot, shop] = await Promise.all([
    startSalesforceEmulator({ seed: true }),
    startPardotEmulator({ seed: true, importStepMs: 5 }),
    startClarityEmulator({ now: new Date(Date.now() - 2 * 86_400_000) }),
  ]);
  const store = await openStore({ url: `sqlite:${path.join(dir, 'clarity.db')}`, masterKey: TEST_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  const crm = sandboxConnections({ salesforce: { url: salesforce.url }, pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId }, sage100: { endpointUrl: '', odbcConnectionString: '', companyCode: 'ABC' } });
  await saveConnection(store, hub.connectors, { name: 'salesforce', ...crm.salesforce }, 'test');
  await saveConnection(store, hub.connectors, { name: 'pardot', ...crm.pardot }, 'test');
  await saveConnection(store, hub.connectors, { name: 'clarity', type: 'clarity', settings: clarityConnectionSettings(shop.url) }, 'test');
  const files = new Map(readdirSync(CLARITY_FLOWS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => [f.replace(/\.yaml$/, ''), readFileSync(path.join(CLARITY_FLOWS_DIR, f), 'utf8')]));
  for (const name of flows) {
    const yaml = files.get(name);
    if (!yaml) throw new Error(`no flows/clarity/${name}.yaml`);
    await hub.deployFlow(yaml, 'test');
  }
  await hub.startWorkers(1, { idlePollMs: 20 }, false);

  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const flow = (req.url ?? '').replace(/^\/hooks\//, '');
      hub.intake
        .receive(flow, { headers: req.headers, rawBody: Buffer.concat(chunks) })
        .then((r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body)))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/`;
  shop.webhooks.config.secret = SHOP_SECRET;

  const drain = (timeoutMs = 30_000) => waitFor(() => queueDrained(store), 'the queue to drain', timeoutMs);
  return {
    store,
    hub,
    salesforce,
    pardot,
    shop,
    pushTo(flow) {
      shop.webhooks.config.url = flow ? `${hooks}${flow}` : undefined;
    },
    drain,
    async poll(flow, timeoutMs) {
      await hub.runFlowNow(flow, 'test');
      await drain(timeoutMs);
    },
    async settle() {
      await shop.flushWebhooks();
      await drain();
    },
    async close() {
      shop.webhooks.config.url = undefined;
      await hub.stop();
      await store.close();
      await new Promise<void>((r) => receiver.close(() => r()));
      await Promise.all([salesforce.close(), pardot.close(), shop.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The clarity connection the demo and the tests use against the emulator. */
export function clarityConnectionSettings(url: string): Record<string, unknown> {
  return { siteUrl: url, username: 'syncline-api', password: 'clarity', authMode: 'identity', settleSeconds: 0, webhookSecret: SHOP_SECRET };
}
