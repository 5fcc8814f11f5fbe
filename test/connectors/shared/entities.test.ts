/**
 * Every connector dispatches to its entities through one entity handler table (`tableMethods`), so an
 * unknown entity is refused the same way by all of them, before any request, naming the known ones.
 * Salesforce is the exception to "before any request" only: any sObject of the org is an entity, so its
 * table resolves a name it does not hold by describing it (`tableMethods(table, system, resolve)`).
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorContext, ConnectorDefinition } from '../../../src/core/connector.js';
import { SyncError } from '../../../src/core/errors.js';
import { clarityConnector } from '../../../src/connectors/clarity/index.js';
import { httpConnector } from '../../../src/connectors/http/index.js';
import { pardotConnector } from '../../../src/connectors/pardot/index.js';
import { sage100Connector } from '../../../src/connectors/sage100/index.js';
import { sageX3Connector } from '../../../src/connectors/sagex3/index.js';
import { timsConnector } from '../../../src/connectors/tims/index.js';
import { sinkConnection } from '../../support/engine.js';

// Nothing listens here: a connector that sent a request would fail with a network error, not the table's refusal.
const NOWHERE = 'http://127.0.0.1:9';

const connectors: Array<[ConnectorDefinition, Record<string, unknown>]> = [
  [httpConnector, sinkConnection(NOWHERE)],
  [pardotConnector, { businessUnitId: '0Uv000000000001AAA', baseUrl: NOWHERE, loginUrl: NOWHERE, authFlow: 'client_credentials', clientId: 'id', clientSecret: 'secret' }],
  [sage100Connector, { endpointUrl: NOWHERE, companyCode: 'ABC', username: 'u', password: 'p', odbcConnectionString: 'DSN=nowhere' }],
  [sageX3Connector, { baseUrl: NOWHERE, endpoint: 'SEED', user: 'u', password: 'p' }],
  [clarityConnector, { siteUrl: NOWHERE, username: 'u', password: 'p' }],
  [timsConnector, { baseUrl: NOWHERE, apiKey: 'k' }],
];

function context(def: ConnectorDefinition, settings: Record<string, unknown>, gated: string[]): ConnectorContext {
  const quiet = () => undefined;
  const state = new Map<string, unknown>();
  return {
    connectionName: `${def.type}-table`,
    settings: def.settings.parse(settings, def.type),
    state: { get: async (k) => state.get(k), set: async (k, v) => void state.set(k, v) },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    reportUsage: quiet,
    gate: { acquire: async (op) => (gated.push(op), () => undefined) },
  };
}

describe('one entity handler table per connector', () => {
  it.each(connectors.map(([def, settings]) => [def.type, def, settings] as const))('%s refuses an unknown entity through the table, before any request', async (_type, def, settings) => {
    expect(def.settings.problems(settings)).toEqual([]);
    const gated: string[] = [];
    const conn = def.create(context(def, settings, gated));
    try {
      for (const call of [() => conn.get('NoSuchEntity', '1'), () => conn.find('NoSuchEntity', 'id', '1'), () => conn.write('NoSuchEntity', { verb: 'create', data: {} })]) {
        const err = await call().then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(SyncError);
        expect(err).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/ has no entity "NoSuchEntity" \(known: \w/) });
      }
      expect(gated).toEqual([]);
    } finally {
      await conn.close?.();
    }
  });
});
