/**
 * The HTTP sink: a small JSON REST server that stores records per collection in memory. It is the
 * local HTTP target of the demo and the engine benchmark, and the API the generic `http` connector's
 * tests run against. Documented API: see docs/connectors/http.md ("The local HTTP sink").
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import { createSinkHandler } from './server.js';
import { SinkStore } from './store.js';

/** Start options of the sink. It always starts empty (`seed` is ignored). */
export interface HttpSinkOptions extends EmulatorOptions {
  /** Fields a record must carry per collection (`{ customers: ['email'] }`); missing ones answer 400 naming the field. */
  required?: Record<string, readonly string[]>;
  /** Headers every API request must carry with these exact values (`{ authorization: 'Bearer t' }`); otherwise 401. */
  requireHeaders?: Record<string, string>;
  /** Clock for createdAt/updatedAt (tests pin it to make equal stamps). */
  clock?: () => Date;
  /** Largest accepted body in bytes (default 10 MiB). */
  maxBodyBytes?: number;
}

/** A running sink, with direct access to what it stored. */
export interface RunningHttpSink extends RunningEmulator {
  /** A copy of one collection's records, in insertion order. */
  records(entity: string): Record<string, unknown>[];
  /** Records across all collections. */
  count(): number;
  /** API requests served (control routes excluded). */
  readonly calls: number;
  /** Drops all records, idempotency keys and the call count (fault rules stay). */
  reset(): void;
}

/** Starts a sink on 127.0.0.1 (a free port unless `port` is given). */
export async function startHttpSink(options: HttpSinkOptions = {}): Promise<RunningHttpSink> {
  const store = new SinkStore({ required: options.required, clock: options.clock });
  const faults = new FaultInjector();
  let calls = 0;
  const handler = createSinkHandler({
    store,
    faults,
    requireHeaders: options.requireHeaders,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    onCall: () => {
      calls += 1;
    },
    reset: () => {
      store.clear();
      calls = 0;
    },
    calls: () => calls,
  });
  const server = createServer({ keepAlive: true }, handler.listener);
  // Clients reuse sockets between bursts; a long idle timeout avoids reconnect churn under load.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    system: 'http-sink',
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    faults,
    records: (entity) => store.records(entity),
    count: () => store.count(),
    get calls() {
      return calls;
    },
    reset: () => handler.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Hanging (timeout-fault) and idle keep-alive sockets would hold close() open forever.
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
