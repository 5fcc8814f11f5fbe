/**
 * One Syncline process of the chaos run, as an operator would deploy it: CHAOS_ROLE=server (webhook
 * intake only), worker (one worker, no HTTP), or all (server and worker in one process: the embedded
 * SQLite setup). Store from SYNCLINE_DATABASE_URL, port from PORT. Prints `ready` when serving.
 * The runner kills these with SIGKILL at random moments; nothing here cleans up on purpose.
 */
import { pino } from 'pino';
import { SynclineHub } from '../../src/engine/hub.js';
import { openStore } from '../../src/store/index.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { buildApp } from '../../src/server/app.js';
import { CHAOS_MASTER_KEY } from './setup.js';

const role = process.env.CHAOS_ROLE ?? 'all';
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const store = await openStore({ url: process.env.SYNCLINE_DATABASE_URL!, masterKey: CHAOS_MASTER_KEY, poolSize: 8 });
const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger });
if (role === 'server' || role === 'all') {
  const app = await buildApp({ hub, admin: false });
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
}
if (role === 'worker' || role === 'all') {
  await hub.startWorkers(1, { concurrency: Number(process.env.WORKER_CONCURRENCY ?? 16), leaseMs: Number(process.env.LEASE_MS ?? 5000), idlePollMs: 50 }, false);
}
process.stdout.write('ready\n');
