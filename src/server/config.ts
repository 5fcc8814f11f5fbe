/**
 * Configuration: `syncline.yaml` (or the file named by SYNCLINE_CONFIG) overlaid by environment
 * variables. The fields, their defaults and their variables are declared once, in config-schema.ts;
 * docs/configuration-reference.md is generated from it (`syncline config reference`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ErrorObject } from 'ajv';
import { settingsAjv } from '../core/settings-spec.js';
import { configSchema, type SynclineConfig } from './config-schema.js';
import { configFields } from './config-reference.js';
import { DURATION_PATTERN } from '../engine/durations.js';

export type { ConnectionConfig, SynclineConfig } from './config-schema.js';

/** Reads the config file (if present) and the environment. */
export function loadConfig(options: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): SynclineConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? env.SYNCLINE_CONFIG ?? path.join(cwd, 'syncline.yaml');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    const parsed = parse(readFileSync(file, 'utf8')) as unknown;
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error(`${file}: the configuration must be a YAML mapping`);
    fromFile = (parsed ?? {}) as Record<string, unknown>;
  } else if (options.file || env.SYNCLINE_CONFIG) {
    throw new Error(`configuration file ${file} does not exist`);
  }
  const merged: Record<string, unknown> = structuredClone(fromFile);
  // Which variable set a field, so an error about its value names the variable, not the file.
  const setByEnv = new Map<string, string>();
  for (const field of configFields()) {
    const value = field.env ? env[field.env] : undefined;
    if (!field.env || value === undefined || value === '') continue;
    setPath(merged, field.path, fromEnv(value, field.kind, field.env));
    setByEnv.set(field.path, field.env);
  }
  const validate = validator();
  if (!validate(merged)) {
    throw new Error(`${existsSync(file) ? file : 'configuration'}: ${describeAll(validate.errors ?? [], setByEnv).join('; ')}`);
  }
  const config = merged as Omit<SynclineConfig, 'deployFlowsOnStart'> & { deployFlowsOnStart?: boolean };
  return { ...config, deployFlowsOnStart: config.deployFlowsOnStart ?? config.flowsDir !== null };
}

let compiled: ReturnType<typeof settingsAjv.compile> | null = null;
/** The schema's validator (compiled on first use); it also fills in the defaults. */
function validator(): ReturnType<typeof settingsAjv.compile> {
  return (compiled ??= settingsAjv.compile(JSON.parse(JSON.stringify(configSchema)) as object));
}

/** An environment variable's text as the field's type; throws naming the variable. */
function fromEnv(value: string, type: string, name: string): unknown {
  if (type === 'integer') {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new Error(`${name} must be a whole number (got "${value}")`);
    return n;
  }
  if (type === 'boolean') {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new Error(`${name} must be true or false (got "${value}")`);
  }
  return value;
}

/** Sets `value` at a dotted path, creating the objects on the way. */
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    at = at[key] = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
  }
  at[keys[keys.length - 1]] = value;
}

/** Each problem once, as `field: problem`; a failed union (reported once per branch by Ajv) as one line listing its types. */
function describeAll(errors: ErrorObject[], setByEnv: ReadonlyMap<string, string>): string[] {
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const lines = errors.map((e) => {
    const where = e.instancePath.slice(1).replace(/\//g, '.');
    const field = setByEnv.has(where) ? `${where} (${setByEnv.get(where)})` : where || 'configuration';
    const params = e.params as { additionalProperty?: string; allowedValues?: unknown[]; pattern?: string; type?: string };
    if (e.keyword === 'anyOf') {
      const types = errors.filter((b) => b.instancePath === e.instancePath && b.keyword === 'type').map((b) => (b.params as { type: string }).type);
      return `${field}: must be ${types.join(' or ')}`;
    }
    if (unions.has(e.instancePath)) return null;
    if (e.keyword === 'additionalProperties') return `${[where, params.additionalProperty].filter(Boolean).join('.')}: not a setting (docs/configuration-reference.md lists them)`;
    if (e.keyword === 'enum') return `${field}: must be one of ${(params.allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    if (e.keyword === 'pattern' && params.pattern === DURATION_PATTERN) return `${field}: must be a duration (examples: 500ms, 30s, 5m, 2d)`;
    return `${field}: ${e.message ?? 'is not valid'}`;
  });
  return [...new Set(lines.filter((l): l is string => l !== null))];
}
