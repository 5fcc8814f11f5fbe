/** `syncline start` (server + workers in one process) and `syncline worker` (workers only). */
import type { Command } from 'commander';
import { createLogger } from '../../server/logger.js';
import { applyConfiguredConnections, deployFlowsFrom, openRuntime, type Runtime } from '../../server/runtime.js';
import { configFrom } from '../shared.js';
import { stopOnSignals } from '../signals.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONSOLE_DIR } from '../../server/paths.js';
import { ensureFirstAdmin } from '../../server/auth/index.js';
import { RetentionRunner, retentionPolicy } from '../../engine/retention.js';
import { parseDuration } from '../../engine/durations.js';
import { startHealthServer } from '../../server/health.js';
import { applySteadyHeapGrowth, heapGrowthFlag, HEAP_GROWTH, HEAP_GROWTH_HELP, STEADY_HEAP_GROWTH, STEADY_HEAP_GROWTH_HELP } from '../../engine/heap-growth.js';

/** Starts server and workers from a runtime; used by `start` and the demo. */
export async function startServer(rt: Runtime, options: { workers?: number; quiet?: boolean } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const { config, hub, logger } = rt;
  await applyConfiguredConnections(rt);
  if (config.deployFlowsOnStart && config.flowsDir) {
    for (const d of await deployFlowsFrom(hub, config.flowsDir, 'startup')) {
      logger.info({ flow: d.flow, version: d.version, created: d.created }, 'flow deployed');
    }
  }
  await ensureFirstAdmin(rt.store, (line) => console.error(line));
  // Imported here, so `syncline worker` (no HTTP) never loads Fastify.
  const { buildApp } = await import('../../server/app.js');
  const consoleDir = existsSync(path.join(CONSOLE_DIR, 'index.html')) ? CONSOLE_DIR : undefined;
  const alerts = { everyMs: config.alerts.every ? parseDuration(config.alerts.every) : undefined, consoleUrl: config.alerts.consoleUrl ?? `http://${config.host}:${config.port}` };
  const app = await buildApp({ hub, logger, consoleDir, secureCookies: config.secureCookies, alerts });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  await hub.startWorkers(options.workers ?? config.workers, { concurrency: config.workerConcurrency, leaseMs: config.leaseMs, batchHeapGrowth: HEAP_GROWTH });
  const retention = new RetentionRunner(rt.store, retentionPolicy(config.retention), logger);
  retention.start();
  const url = `http://${config.host}:${port}`;
  return {
    url,
    async close() {
      await retention.stop();
      await app.close();
      await rt.close();
    },
  };
}

/** Registers `start` and `worker`. */
export function startCommands(program: Command): void {
  program
    .command('start')
    .description('run the server and workers in one process (embedded SQLite unless configured otherwise)')
    .option('--port <port>', 'listen on this port')
    .option('--flows <dir>', 'deploy the flows in this folder at start')
    .option('--no-worker', 'serve the API, webhooks and console only; run jobs in `syncline worker` processes')
    .option('--steady-heap-growth <percent>', STEADY_HEAP_GROWTH_HELP, String(STEADY_HEAP_GROWTH))
    .action(async (o: { port?: string; flows?: string; worker: boolean; steadyHeapGrowth: string }, cmd: Command) => {
      applySteadyHeapGrowth(o.steadyHeapGrowth);
      const config = configFrom(cmd);
      if (o.port) config.port = Number(o.port);
      if (o.flows) {
        config.flowsDir = o.flows;
        config.deployFlowsOnStart = true;
      }
      const logger = createLogger(config.logLevel);
      const rt = await openRuntime(config, logger);
      const server = await startServer(rt, o.worker ? {} : { workers: 0 });
      console.error(`Syncline is running at ${server.url} (store: ${rt.store.kind}). Webhooks: POST ${server.url}/hooks/<flow>. Metrics: ${server.url}/metrics.`);
      stopOnSignals(server.close);
    });

  program
    .command('worker')
    .description('run workers only, sharing the configured database with other processes (PostgreSQL for many)')
    .option('--concurrency <n>', 'jobs at once')
    .option('--no-schedule', 'do not enqueue poll and schedule ticks nor follow streams (Change Data Capture) from this process')
    .option('--health-port <port>', 'serve /healthz, /readyz and /metrics on this port (env SYNCLINE_HEALTH_PORT; 0 picks a free one)')
    .option('--heap-growth <percent>', HEAP_GROWTH_HELP, String(HEAP_GROWTH))
    .option('--steady-heap-growth <percent>', STEADY_HEAP_GROWTH_HELP, String(STEADY_HEAP_GROWTH))
    .action(async (o: { concurrency?: string; schedule: boolean; healthPort?: string; heapGrowth: string; steadyHeapGrowth: string }, cmd: Command) => {
      // A worker settles a bulk load's vendor jobs one after another, each a burst of short-lived
      // result rows: with V8's defaults its heap grew to several times its 40 MB live set between
      // full collections (up to 409 MiB resident over 40 jobs of 50,000 rows; bench/RESULTS.md).
      // The bound holds while it settles one, not for its ordinary jobs. Checked before anything starts.
      heapGrowthFlag(o.heapGrowth);
      applySteadyHeapGrowth(o.steadyHeapGrowth);
      const config = configFrom(cmd);
      const logger = createLogger(config.logLevel);
      const rt = await openRuntime(config, logger);
      await rt.hub.startWorkers(1, { concurrency: o.concurrency ? Number(o.concurrency) : config.workerConcurrency, leaseMs: config.leaseMs, batchHeapGrowth: Number(o.heapGrowth) }, o.schedule);
      const healthPort = o.healthPort ?? process.env.SYNCLINE_HEALTH_PORT;
      const health = healthPort !== undefined ? await startHealthServer(rt.hub, { host: config.host, port: Number(healthPort) }) : null;
      console.error(`worker ${process.pid} started on ${rt.store.kind}${health ? `; health at ${health.url}/healthz` : ''}`);
      stopOnSignals(
        async () => {
          await rt.close();
          await health?.close();
        },
        { what: 'the worker (jobs in flight finish first)' },
      );
    });
}
