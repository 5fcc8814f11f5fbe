/** Test wiring: a Salesforce emulator plus a connector context that records usage and calls. */
import { generateKeyPairSync } from 'node:crypto';
import type { ConnectorContext, UsageReport } from '../../../src/core/connector.js';
import { startSalesforceEmulator, DEFAULT_APP, DEFAULT_USER, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../../../src/sandbox/salesforce/index.js';
import { SalesforceConnection } from '../../../src/connectors/salesforce/index.js';

/** A context whose state lives in memory and whose usage/call reports are kept for assertions. */
export function makeContext(settings: Record<string, unknown>): ConnectorContext & { usage: UsageReport[]; calls: string[]; store: Map<string, unknown> } {
  const store = new Map<string, unknown>();
  const usage: UsageReport[] = [];
  const calls: string[] = [];
  const noop = (): void => {};
  return {
    connectionName: 'salesforce-test',
    settings,
    state: { get: async (k) => store.get(k), set: async (k, v) => void store.set(k, v) },
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    reportUsage: (u) => usage.push(u),
    gate: { acquire: async (op) => (calls.push(op), () => {}) },
    usage,
    calls,
    store,
  };
}

/** An RSA key pair in the PEM forms Salesforce and our settings use. */
export function rsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** Starts an emulator with a JWT-enabled connected app and returns settings for it. */
export async function setup(options: SalesforceEmulatorOptions = {}, extra: Record<string, unknown> = {}): Promise<{ emu: SalesforceEmulator; settings: Record<string, unknown>; keys: { publicKeyPem: string; privateKeyPem: string } }> {
  const emu = await startSalesforceEmulator({ bulkProcessingDelayMs: 5, ...options });
  const keys = rsaKeyPair();
  emu.state.registerApp({ clientId: DEFAULT_APP.clientId, publicKeyPem: keys.publicKeyPem });
  const settings = {
    loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: DEFAULT_USER.username, privateKey: keys.privateKeyPem,
    settleSeconds: 0, bulkPollIntervalMs: 10, bulkTimeoutMs: 20_000, ...extra,
  };
  return { emu, settings, keys };
}

/** Opens a connection with the given settings; `ctx` shows what it reported. */
export function connect(settings: Record<string, unknown>): { conn: SalesforceConnection; ctx: ReturnType<typeof makeContext> } {
  const ctx = makeContext(settings);
  return { conn: new SalesforceConnection(ctx), ctx };
}
