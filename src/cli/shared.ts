/** Helpers every CLI command uses: load config, open the runtime, print tables, exit codes. */
import type { Command } from 'commander';
import { loadConfig, type SynclineConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import type { Runtime } from '../server/runtime.js';

/** Global options every command accepts. */
export interface GlobalOptions {
  config?: string;
  database?: string;
}

/** Reads the config honouring `--config` and `--database`. */
export function configFrom(cmd: Command): SynclineConfig {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const config = loadConfig({ file: opts.config });
  if (opts.database) config.database = opts.database;
  return config;
}

/** Runs `fn` with an open runtime (quiet logger) and closes it after. */
export async function withRuntime<T>(cmd: Command, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const config = configFrom(cmd);
  // Loaded on demand: commands that need no store (flow schema, flow validate) start faster.
  const { openRuntime } = await import('../server/runtime.js');
  const rt = await openRuntime(config, createLogger(process.env.SYNCLINE_LOG_LEVEL ?? 'warn'));
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Array<Record<string, unknown>>, columns?: string[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]);
  const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => text(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join('  ');
  console.log(line(cols.map((c) => c.toUpperCase())));
  for (const r of rows) console.log(line(cols.map((c) => text(r[c]))));
}

/** Reports an error without a stack trace and sets a failing exit code. */
export function fail(message: string, code = 1): never {
  console.error(`error: ${message}`);
  process.exit(code);
}
