/**
 * Health, readiness and metrics: one definition served by the API server (through Fastify) and by a
 * worker process (through a bare node:http listener, so a worker loads no web framework). Liveness
 * says the event loop answers; readiness says the store answers; metrics are the engine's registry.
 */
import { createServer, type Server } from 'node:http';
import type { SynclineHub } from '../engine/hub.js';

/** The readiness answer: 200 with the queue, or 503 saying why. */
export async function readiness(hub: SynclineHub): Promise<{ status: 200 | 503; body: Record<string, unknown> }> {
  try {
    const queue = await hub.store.queueStats();
    return { status: 200, body: { status: 'ready', store: hub.store.kind, queue } };
  } catch (err) {
    return { status: 503, body: { status: 'not_ready', message: (err as Error).message } };
  }
}

/** Serves /healthz, /readyz and /metrics for a worker process; resolves with the listening server. */
export async function startHealthServer(hub: SynclineHub, options: { host: string; port: number }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return json(405, { error: 'method_not_allowed' });
    if (path === '/healthz') return json(200, { status: 'ok', role: 'worker' });
    if (path === '/readyz') {
      void readiness(hub).then((r) => json(r.status, { ...r.body, role: 'worker' }), (err: unknown) => json(503, { status: 'not_ready', message: String(err) }));
      return;
    }
    if (path === '/metrics') {
      void hub.metricsText().then(
        (text) => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(text);
        },
        (err: unknown) => json(500, { error: 'metrics_failed', message: String(err) }),
      );
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    server,
    url: `http://${options.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
