/** A ConnectorContext for Sage 100 tests: in-memory state, silent logger, counted calls. */
import type { ConnectorContext } from '../../../src/core/connector.js';
import type { RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';

/** Connection settings pointing at a running emulator (eBWS URL and its ODBC connection string). */
export function emulatorSettings(emu: RunningSage100Emulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    endpointUrl: emu.endpointUrl,
    companyCode: emu.companyCode,
    username: emu.users[0].username,
    password: emu.users[0].password,
    odbcConnectionString: emu.odbcConnectionString,
    timeZone: emu.clock.timeZone,
    defaultARDivisionNo: '01',
    defaultSalespersonNo: '0100',
    defaultTermsCode: '01',
    ...extra,
  };
}

/** A context whose `calls` list records every counted call. */
export function testContext(settings: Record<string, unknown>): ConnectorContext & { calls: string[] } {
  const state = new Map<string, unknown>();
  const calls: string[] = [];
  const quiet = () => undefined;
  return {
    connectionName: 'sage100-test',
    settings,
    state: { get: async (k) => state.get(k), set: async (k, v) => void state.set(k, v) },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    reportUsage: quiet,
    gate: { acquire: async (op) => (calls.push(op), () => {}) },
    calls,
  };
}
