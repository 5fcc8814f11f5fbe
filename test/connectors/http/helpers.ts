/** Shared setup for the http connector tests: a context that records calls, and settings for the sink's API. */
import type { ConnectorContext } from '../../../src/core/connector.js';

/** A ConnectorContext whose counted calls can be inspected. */
export function makeContext(settings: Record<string, unknown>): ConnectorContext & { counted: string[] } {
  const counted: string[] = [];
  const state = new Map<string, unknown>();
  const noop = () => {};
  return {
    connectionName: 'test-http',
    settings,
    state: { get: async (k) => state.get(k), set: async (k, v) => void state.set(k, v) },
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    reportUsage: noop,
    gate: { acquire: async (op) => (counted.push(op), () => {}) },
    counted,
  };
}

/** Settings that describe the sink's `customers` collection the way a user would. */
export function sinkSettings(baseUrl: string, extra: Record<string, unknown> = {}, pageSize = 100): Record<string, unknown> {
  return {
    baseUrl,
    auth: { type: 'bearer', token: 'sekret' },
    healthPath: '/',
    timeoutMs: 10_000,
    entities: [
      {
        name: 'customers',
        idField: 'id',
        updatedField: 'updatedAt',
        recordsPath: 'data',
        paths: {
          list: '/customers',
          get: '/customers/{id}',
          create: '/customers',
          update: '/customers/{id}',
          upsert: '/customers/by/email/{key}',
          delete: '/customers/{id}',
          find: '/customers?{field}={value}',
          batch: '/customers/_batch',
        },
        list: { sinceParam: 'updatedSince', limitParam: 'limit', pageSize, paging: { style: 'cursor', param: 'cursor', responsePath: 'nextCursor' } },
        batchResultsPath: 'results',
        maxBatchSize: 3,
      },
    ],
    ...extra,
  };
}
