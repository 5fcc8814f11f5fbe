/**
 * Prepares a chaos store: the sandbox connections pointing at the emulator process and the flows
 * under test deployed (the Sage 100 journey from flows/ as shipped, and the chaos webhook flow).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SynclineHub } from '../../src/engine/hub.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { openStore } from '../../src/store/index.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import type { EmulatorEndpoints } from './types.js';

/** The store key of chaos runs (64 hex chars), so no key file is read or written. */
export const CHAOS_MASTER_KEY = 'c'.repeat(64);
/** The journey flow (shipped in flows/) that the chaos run drives through polls. */
export const JOURNEY_FLOW = 'lead-to-customer';
/** The chaos webhook flow (test/chaos/flows/form-fill.yaml). */
export const FORM_FLOW = 'chaos-form-fill';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Opens the store at `url`, saves the three sandbox connections and deploys the flows; returns a hub without workers. */
export async function prepareStore(url: string, endpoints: EmulatorEndpoints): Promise<SynclineHub> {
  const store = await openStore({ url, masterKey: CHAOS_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  const connections = sandboxConnections(endpoints);
  // A hung eBWS call should fail fast enough for the run to finish; 5 s is still far above a real answer.
  connections.sage100.settings.requestTimeoutMs = 5000;
  for (const [name, c] of Object.entries(connections)) await saveConnection(store, hub.connectors, { name, type: c.type, settings: c.settings }, 'chaos');
  await hub.deployFlow(readFileSync(path.join(here, '../../flows', `${JOURNEY_FLOW}.yaml`), 'utf8'), 'chaos');
  await hub.deployFlow(readFileSync(path.join(here, 'flows/form-fill.yaml'), 'utf8'), 'chaos');
  return hub;
}
