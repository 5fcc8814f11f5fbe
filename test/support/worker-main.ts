/**
 * A worker process for the kill -9 and multi-worker tests: opens the store named by
 * SYNCLINE_DATABASE_URL and runs one worker until killed. The shared-limit tests also need the
 * Pardot connector.
 */
import { pino } from 'pino';
import { SynclineHub } from '../../src/engine/hub.js';
import { openStore } from '../../src/store/index.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { pardotConnector } from '../../src/connectors/pardot/index.js';

const connectors = new Map([
  [httpConnector.type, httpConnector],
  [pardotConnector.type, pardotConnector],
]);
import { TEST_MASTER_KEY } from './engine.js';

const store = await openStore({ url: process.env.SYNCLINE_DATABASE_URL!, masterKey: TEST_MASTER_KEY });
const hub = new SynclineHub({ store, connectors, logger: pino({ level: 'silent' }) });
await hub.startWorkers(1, { concurrency: Number(process.env.WORKER_CONCURRENCY ?? 8), leaseMs: Number(process.env.LEASE_MS ?? 2000), idlePollMs: 50 }, false);
process.stdout.write('ready\n');
