/**
 * The Clarity pair's journey harness: the Salesforce, Pardot and Clarity emulators and a hub on a
 * fresh store (SQLite by default, PostgreSQL on request; the shared journeyHub) with the sandbox
 * connections saved and the chosen flows/clarity/*.yaml deployed. Pushes from the shop reach the hub's
 * intake through a small HTTP receiver, as /hooks/<flow> would. The shop clock starts two days back,
 * so the hours a story lets pass stay behind the hub's clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SynclineHub } from '../../../src/engine/hub.js';
import type { Store } from '../../../src/store/types.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { startClarityEmulator, type RunningClarityEmulator } from '../../../src/sandbox/clarity/index.js';
import { flowFiles, journeyHub } from '../../support/journeys.js';

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

/** Starts the emulators and a hub with the named flows deployed on the chosen store; one worker runs. */
export async function clarityFixture(flows: string[], options: { store?: 'sqlite' | 'postgres' } = {}): Promise<ClarityFixture> {
  const files = flowFiles(CLARITY_FLOWS_DIR);
  for (const name of flows) if (!files.has(name)) throw new Error(`no flows/clarity/${name}.yaml`);
  const [salesforce, pardot, shop] = await Promise.all([
    startSalesforceEmulator({ seed: true }),
    startPardotEmulator({ seed: true, importStepMs: 5 }),
    startClarityEmulator({ now: new Date(Date.now() - 2 * 86_400_000) }),
  ]);
  const h = await journeyHub(
    options.store ?? 'sqlite',
    { salesforce: { url: salesforce.url }, pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId }, clarity: { url: shop.url, webhookSecret: SHOP_SECRET } },
    files,
    flows,
  );
  const { store, hub, drain } = h;

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
    poll: h.poll,
    async settle() {
      await shop.flushWebhooks();
      await drain();
    },
    async close() {
      shop.webhooks.config.url = undefined;
      await h.stop();
      await new Promise<void>((r) => receiver.close(() => r()));
      await Promise.all([salesforce.close(), pardot.close(), shop.close()]);
    },
  };
}

