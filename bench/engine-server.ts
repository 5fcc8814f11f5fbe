/**
 * The Syncline side of the engine benchmark, run as its own process so the load generator and the
 * sink do not share its CPU: server + one worker on the store named by SYNCLINE_DATABASE_URL.
 * Prints `listening <url>` when ready.
 */
import os from 'node:os';
import { pino } from 'pino';
import { SynclineHub } from '../src/engine/hub.js';
import { openStore } from '../src/store/index.js';
import { httpConnector } from '../src/connectors/http/index.js';

/** Engine tests and benchmarks need only the generic connector. */
const connectors = new Map([[httpConnector.type, httpConnector]]);
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';

// Durability and backpressure from the environment as `syncline start` reads them (SYNCLINE_DURABILITY, SYNCLINE_MAX_BACKLOG[_PER_FLOW]).
const config = loadConfig({ cwd: os.tmpdir() });
const store = await openStore({ url: process.env.SYNCLINE_DATABASE_URL!, masterKey: 'b'.repeat(64), durability: config.durability });
const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }), backpressure: config.backpressure });
const app = await buildApp({ hub, admin: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
await hub.startWorkers(1, { concurrency: Number(process.env.CONCURRENCY ?? 64), idlePollMs: 20 }, false);
process.stdout.write(`listening http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await app.close();
    await hub.stop();
    await store.close();
    process.exit(0);
  })();
});
