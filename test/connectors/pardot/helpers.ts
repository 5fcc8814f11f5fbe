/** Shared set-up: a Pardot emulator and a connector connection pointed at it. */
import type { ConnectorContext, ConnectionState, UsageReport } from '../../../src/core/connector.js';
import { pardotConnector, type PardotConnector } from '../../../src/connectors/pardot/index.js';
import { startPardotEmulator, type PardotEmulatorOptions, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';

/** In-memory ConnectionState. */
export function memoryState(): ConnectionState {
  const m = new Map<string, unknown>();
  return {
    get: async (k) => m.get(k),
    set: async (k, v) => {
      m.set(k, v);
    },
  };
}

/** A connector context with counters the tests can read. */
export function context(settings: Record<string, unknown>): ConnectorContext & { calls: string[]; usage: UsageReport[] } {
  const calls: string[] = [];
  const usage: UsageReport[] = [];
  const quiet = () => undefined;
  return {
    connectionName: 'pardot-test',
    settings,
    state: memoryState(),
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    reportUsage: (u) => usage.push(u),
    gate: { acquire: async (op) => (calls.push(op), () => {}) },
    calls,
    usage,
  };
}

/** Settings that point a connection at the emulator. */
export function emulatorSettings(emu: RunningPardotEmulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    businessUnitId: emu.businessUnitId,
    baseUrl: emu.url,
    loginUrl: emu.url,
    authFlow: 'client_credentials',
    clientId: 'syncline-test',
    clientSecret: 'secret',
    settleSeconds: 0,
    accountTimeZone: 'America/Los_Angeles',
    ...extra,
  };
}

/** Starts an emulator and opens a connection to it. */
export async function setup(options: PardotEmulatorOptions = {}, extra: Record<string, unknown> = {}) {
  const emu = await startPardotEmulator({ clientId: 'syncline-test', clientSecret: 'secret', ...options });
  const ctx = context(emulatorSettings(emu, extra));
  const conn = pardotConnector.create(ctx) as PardotConnector;
  return { emu, ctx, conn };
}
