/**
 * The journey harness: the Salesforce, Pardot and ERP emulators (Sage 100 by default, Sage X3 with
 * `x3JourneyFixture`) plus a hub on a fresh store (SQLite by default, PostgreSQL on request) with the
 * sandbox connections saved and the ERP's flows deployed (flows/*.yaml for Sage 100, flows/sagex3/
 * for X3). Helpers drain the queue and run a poll flow once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SynclineHub } from '../../src/engine/hub.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import { startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../../src/sandbox/salesforce/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../src/sandbox/pardot/index.js';
import { startSage100Emulator, type RunningSage100Emulator, type SeedSize } from '../../src/sandbox/sage100/index.js';
import { startSageX3Emulator, type RunningSageX3Emulator, type X3SeedSize } from '../../src/sandbox/sagex3/index.js';
import type { SandboxEndpoints } from '../../src/cli/demo/connections.js';
import { createTestDatabase } from './postgres.js';
import { queueDrained, TEST_MASTER_KEY, waitFor } from './engine.js';
import { pollNow } from './poll-now.js';

/** The repository's flows/ directory. */
export const FLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../flows');
/** The Sage X3 templates. */
export const X3_FLOWS_DIR = path.join(FLOWS_DIR, 'sagex3');

/** Options of the journey harness. */
export interface JourneyOptions {
  /** Store kind (default sqlite). */
  store?: 'sqlite' | 'postgres';
  /** Size of the Sage 100 demo company (default a small one, so polls stay quick). */
  sageSeed?: Partial<SeedSize>;
  /** Seed the Salesforce and Pardot emulators (default true: the Standard Price Book, Pardot's custom fields and activity types come with the seed). */
  seedCrm?: boolean;
  /** Deploy only these flow names (default every flows/*.yaml). */
  flows?: string[];
  /** Start the in-process workers (default true; false when a child process is to run the jobs first). */
  workers?: boolean;
  /** Further options of the Salesforce emulator (streaming, outbound-message time scale). */
  salesforce?: Omit<SalesforceEmulatorOptions, 'seed'>;
}

/** Everything a journey test needs; `close()` tears it all down. */
export interface JourneyFixture {
  /** The store's URL, for child processes. */
  url: string;
  store: Store;
  hub: SynclineHub;
  salesforce: SalesforceEmulator;
  pardot: RunningPardotEmulator;
  sage: RunningSage100Emulator;
  /** Flow names deployed. */
  deployed: string[];
  /** Waits until nothing is queued or running. */
  drain(timeoutMs?: number): Promise<void>;
  /** Queues one poll read of `flow` now and waits until it and every record it produced are done. */
  poll(flow: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Reads `dir`/*.yaml (flows/ by default; not the *.tests.yaml companions) as name → YAML text. */
export function flowFiles(dir = FLOWS_DIR): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.yaml') || f.endsWith('.tests.yaml')) continue;
    out.set(f.replace(/\.yaml$/, ''), readFileSync(path.join(dir, f), 'utf8'));
  }
  return out;
}

/** A store (SQLite or PostgreSQL) and a hub over it with the sandbox connections saved and `flows` (only the named ones, if given) deployed; one worker running. */
export async function journeyHub(storeKind: 'sqlite' | 'postgres', endpoints: SandboxEndpoints, flows: Map<string, string>, only?: string[]) {
  let url: string;
  let cleanup: () => Promise<void>;
  if (storeKind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-journeys-'));
    url = `sqlite:${path.join(dir, 'journeys.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const db = await createTestDatabase('syncline_journeys');
    url = db.url;
    cleanup = db.drop;
  }
  const store = await openStore({ url, masterKey: TEST_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  for (const [name, c] of Object.entries(sandboxConnections(endpoints))) await saveConnection(store, hub.connectors, { name, type: c.type, settings: c.settings }, 'test');
  const deployed: string[] = [];
  for (const [name, yaml] of flows) {
    if (only && !only.includes(name)) continue;
    await hub.deployFlow(yaml, 'test');
    deployed.push(name);
  }
  await hub.startWorkers(1, { idlePollMs: 20 }, false);
  const drain = (timeoutMs = 30_000) => waitFor(() => queueDrained(store), 'the queue to drain', timeoutMs);
  return {
    url,
    store,
    hub,
    deployed,
    drain,
    poll: (flow: string, timeoutMs?: number) => pollNow(hub, store, flow, drain, timeoutMs),
    async stop() {
      await hub.stop();
      await store.close();
      await cleanup();
    },
  };
}

/** Options of the Sage X3 journey harness. */
export interface X3JourneyOptions {
  store?: 'sqlite' | 'postgres';
  /** Size of the X3 folder (default a small one). */
  x3Seed?: Partial<X3SeedSize>;
  /** Deploy only these flow names (default every flows/sagex3/*.yaml). */
  flows?: string[];
}

/** The Sage X3 journey fixture: like JourneyFixture, with the X3 emulator as the ERP. */
export interface X3JourneyFixture extends Omit<JourneyFixture, 'sage'> {
  x3: RunningSageX3Emulator;
}

/** Starts Salesforce, Pardot and Sage X3 emulators and a hub with the X3 templates deployed; workers run. */
export async function x3JourneyFixture(options: X3JourneyOptions = {}): Promise<X3JourneyFixture> {
  const [salesforce, pardot, x3] = await Promise.all([
    startSalesforceEmulator({ seed: true }),
    startPardotEmulator({ seed: true, importStepMs: 5 }),
    startSageX3Emulator({ seedSize: { customers: 6, items: 4, orders: 4, ...options.x3Seed } }),
  ]);
  const h = await journeyHub(
    options.store ?? 'sqlite',
    { salesforce: { url: salesforce.url }, pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId }, sagex3: { url: x3.url, endpoint: x3.endpoint, poolAlias: x3.poolAlias } },
    flowFiles(X3_FLOWS_DIR),
    options.flows,
  );
  return {
    url: h.url,
    store: h.store,
    hub: h.hub,
    salesforce,
    pardot,
    x3,
    deployed: h.deployed,
    drain: h.drain,
    poll: h.poll,
    async close() {
      await h.stop();
      await Promise.all([salesforce.close(), pardot.close(), x3.close()]);
    },
  };
}

/** Waits until the wall clock enters a new second: X3 stamps changes to the second, so a change made in the second a poll already covered must land in the next one. */
export async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
}

/** Starts the emulators and a hub with the sandbox connections and the flows deployed; workers run. */
export async function journeyFixture(options: JourneyOptions = {}): Promise<JourneyFixture> {
  let url: string;
  let cleanup: () => Promise<void>;
  if ((options.store ?? 'sqlite') === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-journeys-'));
    url = `sqlite:${path.join(dir, 'journeys.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const db = await createTestDatabase('syncline_journeys');
    url = db.url;
    cleanup = db.drop;
  }
  const [salesforce, pardot, sage] = await Promise.all([
    startSalesforceEmulator({ ...options.salesforce, seed: options.seedCrm ?? true }),
    startPardotEmulator({ seed: options.seedCrm ?? true, importStepMs: 5 }),
    startSage100Emulator({ seedSize: { customers: 5, items: 4, orders: 2, invoices: 4, ...options.sageSeed } }),
  ]);
  const store = await openStore({ url, masterKey: TEST_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  const connections = sandboxConnections({
    salesforce: { url: salesforce.url },
    pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId },
    sage100: { endpointUrl: sage.endpointUrl, odbcConnectionString: sage.odbcConnectionString, odbcDsn: sage.odbcDsn, companyCode: sage.companyCode },
  });
  for (const [name, c] of Object.entries(connections)) await saveConnection(store, hub.connectors, { name, type: c.type, settings: c.settings }, 'test');
  const deployed: string[] = [];
  for (const [name, yaml] of flowFiles()) {
    if (options.flows && !options.flows.includes(name)) continue;
    await hub.deployFlow(yaml, 'test');
    deployed.push(name);
  }
  if (options.workers !== false) await hub.startWorkers(1, { idlePollMs: 20 }, false);

  const drain = (timeoutMs = 30_000) => waitFor(() => queueDrained(store), 'the queue to drain', timeoutMs);
  return {
    url,
    store,
    hub,
    salesforce,
    pardot,
    sage,
    deployed,
    drain,
    poll: (flow, timeoutMs) => pollNow(hub, store, flow, drain, timeoutMs),
    async close() {
      await hub.stop();
      await store.close();
      await Promise.all([salesforce.close(), pardot.close(), sage.close()]);
      await cleanup();
    },
  };
}
