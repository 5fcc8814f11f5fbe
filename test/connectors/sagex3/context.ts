/** A ConnectorContext for Sage X3 tests: in-memory state, silent logger, a gate that records each call and can run a hook before one. */
import type { ConnectorContext } from '../../../src/core/connector.js';
import type { RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';

/** Connection settings pointing at a running emulator. */
export function emulatorSettings(emu: RunningSageX3Emulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { baseUrl: emu.url, endpoint: emu.endpoint, poolAlias: emu.poolAlias, user: emu.users[0].user, password: emu.users[0].password, defaultCustomerCategory: 'WEB', defaultSalesSite: 'NA011', settleSeconds: 0, ...extra };
}

/** A context whose gate records every call; `beforeCall` runs once before the next call whose operation matches. */
export function testContext(settings: Record<string, unknown>): ConnectorContext & { calls: string[]; beforeCall(match: RegExp, fn: () => void): void } {
  const state = new Map<string, unknown>();
  const calls: string[] = [];
  const hooks: Array<{ match: RegExp; fn: () => void }> = [];
  const quiet = () => undefined;
  return {
    connectionName: 'sagex3-test',
    settings,
    state: { get: async (k) => state.get(k), set: async (k, v) => void state.set(k, v) },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    reportUsage: quiet,
    gate: {
      acquire: async (op) => {
        calls.push(op);
        const i = hooks.findIndex((h) => h.match.test(op));
        if (i >= 0) hooks.splice(i, 1)[0].fn();
        return () => {};
      },
    },
    calls,
    beforeCall: (match, fn) => void hooks.push({ match, fn }),
  };
}
