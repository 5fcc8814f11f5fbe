/**
 * Validates connection settings against the connector's one declaration (its settings spec, checked
 * by core's one settings Ajv) and splits out the fields marked `"x-secret": true`, which are
 * encrypted at rest and never returned.
 */
import type { ConnectorDefinition } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { ConnectionRow, Store } from '../store/types.js';

/** Names of the top-level settings that are, or contain, a field marked `"x-secret": true` (from the connector's settings declaration). */
export function secretKeys(def: ConnectorDefinition): string[] {
  return def.settings.fields.filter((f) => f.secret && !f.name.includes('.')).map((f) => f.name);
}

/** Secrets are stored as strings; structured ones (an `auth` object holding a token) are kept as `json:<JSON>`. */
export function encodeSecret(value: unknown): string {
  return typeof value === 'string' ? value : `json:${JSON.stringify(value)}`;
}

/** Reverses encodeSecret. */
export function decodeSecrets(secrets: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, v.startsWith('json:') ? JSON.parse(v.slice(5)) : v]));
}

/** Checks settings against the connector's declaration; `env:` references are accepted for any string field, deprecated setting names are read as their new ones. */
export function validateSettings(def: ConnectorDefinition, settings: Record<string, unknown>): string[] {
  return def.settings.problems(settings);
}

/** Validates and stores a connection (secrets encrypted by the store, which audits the change). */
export async function saveConnection(
  store: Store,
  registry: ReadonlyMap<string, ConnectorDefinition>,
  input: { name: string; type: string; settings: Record<string, unknown> },
  actor: string,
): Promise<ConnectionRow> {
  const def = registry.get(input.type);
  if (!def) throw new SyncError('fatal', `unknown connector type "${input.type}" (installed: ${[...registry.keys()].join(', ')})`);
  const problems = validateSettings(def, input.settings);
  if (problems.length) throw new SyncError('invalid_data', `connection "${input.name}": ${problems.join('; ')}`, { system: input.type });
  const secretNames = new Set(secretKeys(def));
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.settings)) {
    if (secretNames.has(k) && v !== undefined && v !== null) secrets[k] = encodeSecret(v);
    else settings[k] = v;
  }
  // The store writes the audit row (connection.create / connection.update) with the actor.
  return store.putConnection({ name: input.name, type: input.type, settings, secrets }, actor);
}
