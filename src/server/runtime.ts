/**
 * Wiring: opens the store, builds the hub with every installed connector, applies the configured
 * connections and flows. `syncline start`, `syncline worker`, the demo and the tests all start here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { SynclineHub } from '../engine/hub.js';
import { saveConnection } from '../engine/connection-settings.js';
import { envPolicy } from '../engine/settings.js';
import { openStore, poolSizeFor } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { ConnectorRegistry } from '../core/connector.js';
import { builtInConnectors } from './connectors.js';
import type { SynclineConfig } from './config.js';

/** A running store + hub. */
export interface Runtime {
  config: SynclineConfig;
  store: Store;
  hub: SynclineHub;
  logger: PinoLogger;
  close(): Promise<void>;
}

/** Opens the store and builds the hub; does not start workers or the server. */
export async function openRuntime(config: SynclineConfig, logger: PinoLogger, connectors: ConnectorRegistry = builtInConnectors()): Promise<Runtime> {
  const store = await openStore({ url: config.database, keyFile: config.keyFile, masterKey: process.env.SYNCLINE_MASTER_KEY, poolSize: poolSizeFor(config.workerConcurrency), durability: config.durability });
  // env: references written in the config file were put there by the operator; those resolve for their connection.
  const hub = new SynclineHub({ store, connectors, logger, envPolicy: envPolicy(config.connections), backpressure: config.backpressure });
  return {
    config,
    store,
    hub,
    logger,
    async close() {
      await hub.stop();
      await store.close();
    },
  };
}

/** Creates or updates the connections declared in the config file. */
export async function applyConfiguredConnections(rt: Runtime): Promise<void> {
  for (const [name, c] of Object.entries(rt.config.connections)) {
    await saveConnection(rt.store, rt.hub.connectors, { name, type: c.type, settings: c.settings }, 'config');
  }
}

/** Deploys every `*.yaml` flow in a folder; unchanged files make no new version. Returns what happened per file. */
export async function deployFlowsFrom(hub: SynclineHub, dir: string, actor: string): Promise<Array<{ file: string; flow: string; version: number; created: boolean }>> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const out = [];
  for (const f of files) {
    const source = readFileSync(path.join(dir, f), 'utf8');
    const { version, created } = await hub.deployFlow(source, actor);
    out.push({ file: f, flow: version.flow, version: version.version, created });
  }
  return out;
}
