/**
 * A worker process over a journey fixture's store (every built-in connector, the sandbox connections
 * the fixture saved): runs jobs until killed. The exactly-once tests start it with
 * SYNCLINE_TEST_CRASH_AFTER_WRITE=<flow>/<target> so it dies between a vendor write and its commit.
 */
import { pino } from 'pino';
import { SynclineHub } from '../../src/engine/hub.js';
import { openStore } from '../../src/store/index.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { TEST_MASTER_KEY } from './engine.js';

const store = await openStore({ url: process.env.SYNCLINE_DATABASE_URL!, masterKey: TEST_MASTER_KEY });
const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
await hub.startWorkers(1, { concurrency: 4, leaseMs: Number(process.env.LEASE_MS ?? 1500), idlePollMs: 50 }, false);
process.stdout.write('ready\n');
