/**
 * Configuration: `syncline.yaml` (or the file named by SYNCLINE_CONFIG) overlaid by environment
 * variables. Every field is documented in docs/configuration.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { RetentionSettings } from '../engine/retention.js';
import type { AdmissionLimits } from '../engine/admission.js';
import type { SqliteDurability } from '../store/index.js';

/** One connection declared in the config file; values may be `env:NAME` references. */
export interface ConnectionConfig {
  /** Connector type (`salesforce`, `pardot`, `sage100`, `http`). */
  type: string;
  /** Settings for the connector, secrets included (they are encrypted when stored). */
  settings: Record<string, unknown>;
}

/** The whole configuration. */
export interface SynclineConfig {
  /** `sqlite:<file>` (default `sqlite:.syncline/syncline.db`) or a `postgres://` URL. Env: SYNCLINE_DATABASE_URL. */
  database: string;
  /** Address the server listens on. Env: SYNCLINE_HOST (default 127.0.0.1). */
  host: string;
  /** Port. Env: SYNCLINE_PORT (default 8080). */
  port: number;
  /** Folder of flow files deployed at start. Env: SYNCLINE_FLOWS_DIR (default `flows/`, only when `deployFlowsOnStart`). */
  flowsDir: string | null;
  /** Deploy every flow in flowsDir when the server starts. */
  deployFlowsOnStart: boolean;
  /** Worker processes started inside `syncline start` (default 1); `syncline worker` starts more elsewhere. Env: SYNCLINE_WORKERS. */
  workers: number;
  /** Jobs one worker runs at once (default 32). Env: SYNCLINE_WORKER_CONCURRENCY. */
  workerConcurrency: number;
  /** Job lease in ms (default 30000). */
  leaseMs: number;
  /** Master key file used when SYNCLINE_MASTER_KEY is not set (default `.syncline/master.key`, created 0600). */
  keyFile: string;
  /** Log level: fatal, error, warn, info, debug. Env: SYNCLINE_LOG_LEVEL. */
  logLevel: string;
  /** Send cookies with the Secure flag (set when served over HTTPS). Env: SYNCLINE_SECURE_COOKIES=true. */
  secureCookies: boolean;
  /** Connections created or updated in the store at start. */
  connections: Record<string, ConnectionConfig>;
  /** How long history is kept (finished jobs, delivery ids, runs and traces); see docs/configuration.md. */
  retention: RetentionSettings;
  /** Backlog bounds past which webhooks are answered 503 + Retry-After. Env: SYNCLINE_MAX_BACKLOG_PER_FLOW, SYNCLINE_MAX_BACKLOG. */
  backpressure: AdmissionLimits;
  /** Alert evaluation: how often (`every`, default 15s) and the console address links in notifications point to (`consoleUrl`, env SYNCLINE_CONSOLE_URL; default this server's). */
  alerts: { every?: string; consoleUrl?: string };
  /** SQLite: `power-loss` (default: accepted events synced to disk before the 202) or `process-crash`. Env: SYNCLINE_DURABILITY. */
  durability: SqliteDurability;
}

/** Reads the config file (if present) and the environment. */
export function loadConfig(options: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): SynclineConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? env.SYNCLINE_CONFIG ?? path.join(cwd, 'syncline.yaml');
  let fromFile: Partial<SynclineConfig> = {};
  if (existsSync(file)) {
    const parsed = parse(readFileSync(file, 'utf8')) as unknown;
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error(`${file}: the configuration must be a YAML mapping`);
    fromFile = (parsed ?? {}) as Partial<SynclineConfig>;
  } else if (options.file || env.SYNCLINE_CONFIG) {
    throw new Error(`configuration file ${file} does not exist`);
  }
  const num = (v: string | undefined, d: number, name: string): number => {
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got "${v}")`);
    return n;
  };
  return {
    database: env.SYNCLINE_DATABASE_URL ?? fromFile.database ?? 'sqlite:.syncline/syncline.db',
    host: env.SYNCLINE_HOST ?? fromFile.host ?? '127.0.0.1',
    port: num(env.SYNCLINE_PORT, fromFile.port ?? 8080, 'SYNCLINE_PORT'),
    flowsDir: env.SYNCLINE_FLOWS_DIR ?? fromFile.flowsDir ?? null,
    deployFlowsOnStart: fromFile.deployFlowsOnStart ?? Boolean(env.SYNCLINE_FLOWS_DIR ?? fromFile.flowsDir),
    workers: num(env.SYNCLINE_WORKERS, fromFile.workers ?? 1, 'SYNCLINE_WORKERS'),
    workerConcurrency: num(env.SYNCLINE_WORKER_CONCURRENCY, fromFile.workerConcurrency ?? 32, 'SYNCLINE_WORKER_CONCURRENCY'),
    leaseMs: fromFile.leaseMs ?? 30_000,
    keyFile: fromFile.keyFile ?? '.syncline/master.key',
    logLevel: env.SYNCLINE_LOG_LEVEL ?? fromFile.logLevel ?? 'info',
    secureCookies: env.SYNCLINE_SECURE_COOKIES === 'true' || fromFile.secureCookies === true,
    connections: fromFile.connections ?? {},
    retention: fromFile.retention ?? {},
    backpressure: {
      ...(fromFile.backpressure ?? {}),
      ...(env.SYNCLINE_MAX_BACKLOG_PER_FLOW ? { maxBacklogPerFlow: num(env.SYNCLINE_MAX_BACKLOG_PER_FLOW, 0, 'SYNCLINE_MAX_BACKLOG_PER_FLOW') } : {}),
      ...(env.SYNCLINE_MAX_BACKLOG ? { maxBacklog: num(env.SYNCLINE_MAX_BACKLOG, 0, 'SYNCLINE_MAX_BACKLOG') } : {}),
    },
    alerts: { ...(fromFile.alerts ?? {}), ...(env.SYNCLINE_CONSOLE_URL ? { consoleUrl: env.SYNCLINE_CONSOLE_URL } : {}) },
    durability: durabilityOf(env.SYNCLINE_DURABILITY ?? fromFile.durability ?? 'power-loss'),
  };
}

/** Checks the durability setting's value. */
function durabilityOf(value: string): SqliteDurability {
  if (value === 'power-loss' || value === 'process-crash') return value;
  throw new Error(`durability must be "power-loss" or "process-crash" (got "${value}")`);
}
