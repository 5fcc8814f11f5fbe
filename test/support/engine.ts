/**
 * A hub over a real store, the http connector and the local HTTP sink, for engine tests.
 * `flowYaml` builds the test flow; `sinkConnection` the connection settings pointing at the sink.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SynclineHub, type HubOptions } from '../../src/engine/hub.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { httpConnector } from '../../src/connectors/http/index.js';

/** Engine tests and benchmarks need only the generic connector. */
const connectors = new Map([[httpConnector.type, httpConnector]]);
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { createTestDatabase } from './postgres.js';
import { flowYaml } from './flows.js';

export { flowYaml };

/** A 64-hex-char test key, so tests never touch a key file. */
export const TEST_MASTER_KEY = 'a'.repeat(64);

/** Settings of an http connection to the sink's `contacts` collection. */
export function sinkConnection(url: string): Record<string, unknown> {
  return {
    baseUrl: url,
    // The sink is local: lift the generic connector's conservative default (10 calls/s).
    rateLimits: { perSecond: 10_000, concurrent: 64 },
    entities: [
      {
        name: 'contacts',
        idField: 'id',
        updatedField: 'updatedAt',
        recordsPath: 'data',
        paths: { create: '/contacts', update: '/contacts/{id}', get: '/contacts/{id}', find: '/contacts?{field}={value}', list: '/contacts' },
        list: { paging: { style: 'cursor', param: 'cursor', responsePath: 'nextCursor' } },
      },
    ],
  };
}

/** Everything an engine test needs; `close()` tears it all down. */
export interface EngineFixture {
  url: string;
  store: Store;
  hub: SynclineHub;
  sink: RunningHttpSink;
  close(): Promise<void>;
}

/** Opens a store of the given kind with the sink connection and the test flow deployed. */
export async function engineFixture(kind: 'sqlite' | 'postgres', sinkOptions: Parameters<typeof startHttpSink>[0] = {}, hubOptions: Pick<HubOptions, 'backpressure'> = {}): Promise<EngineFixture> {
  let url: string;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-engine-'));
    url = `sqlite:${path.join(dir, 'test.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const db = await createTestDatabase('syncline_engine');
    url = db.url;
    cleanup = db.drop;
  }
  const store = await openStore({ url, masterKey: TEST_MASTER_KEY });
  const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }), ...hubOptions });
  const sink = await startHttpSink(sinkOptions);
  await saveConnection(store, hub.connectors, { name: 'sink', type: 'http', settings: sinkConnection(sink.url) }, 'test');
  await saveConnection(store, hub.connectors, { name: 'shop', type: 'http', settings: sinkConnection(sink.url) }, 'test');
  await hub.deployFlow(flowYaml(), 'test');
  return {
    url,
    store,
    hub,
    sink,
    async close() {
      await hub.stop();
      await store.close();
      await sink.close();
      await cleanup();
    },
  };
}

/** Waits until `check` is true, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** True when no job is queued or running. */
export async function queueDrained(store: Store): Promise<boolean> {
  const q = await store.queueStats();
  return q.queued === 0 && q.running === 0;
}
