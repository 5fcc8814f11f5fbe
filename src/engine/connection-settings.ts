/**
 * Validates connection settings against the connector's one declaration (its settings JSON Schema)
 * and splits out the fields marked `"x-secret": true`, which are encrypted at rest and never returned.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ConnectorDefinition } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { ConnectionRow, Store } from '../store/types.js';

const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });

/** Names of the settings a connector marks secret. */
export function secretKeys(def: ConnectorDefinition): string[] {
  const props = (def.settingsSchema.properties ?? {}) as Record<string, { 'x-secret'?: boolean }>;
  return Object.entries(props)
    .filter(([, p]) => p && p['x-secret'] === true)
    .map(([k]) => k);
}

/** Checks settings against the connector's schema; `env:` references are accepted for any string field. */
export function validateSettings(def: ConnectorDefinition, settings: Record<string, unknown>): string[] {
  const validate = ajv.compile(def.settingsSchema);
  // env: references stand in for values only known at run time; check the rest.
  const checked = Object.fromEntries(Object.entries(settings).filter(([, v]) => !(typeof v === 'string' && v.startsWith('env:'))));
  if (validate(checked)) return [];
  return (validate.errors ?? [])
    .filter((e) => !(e.keyword === 'required' && typeof settings[(e.params as { missingProperty: string }).missingProperty] === 'string'))
    .map((e) => `${e.instancePath.slice(1) || (e.params as { missingProperty?: string }).missingProperty || 'settings'}: ${e.message}`);
}

/** Validates and stores a connection (secrets encrypted by the store), auditing who did it. */
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
    if (secretNames.has(k) && v !== undefined && v !== null) secrets[k] = typeof v === 'string' ? v : JSON.stringify(v);
    else settings[k] = v;
  }
  const row = await store.putConnection({ name: input.name, type: input.type, settings, secrets });
  await store.audit({ actor, action: 'connection.save', target: input.name, details: { type: input.type, secrets: [...Object.keys(secrets)] } });
  return row;
}
