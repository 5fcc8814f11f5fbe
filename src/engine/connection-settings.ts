/**
 * Validates connection settings against the connector's one declaration (its settings JSON Schema)
 * and splits out the fields marked `"x-secret": true`, which are encrypted at rest and never returned.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { ConnectorDefinition } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import type { ConnectionRow, Store } from '../store/types.js';

// ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped.
const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false, useDefaults: true }));

/** Names of the top-level settings that are, or contain, a field marked `"x-secret": true`. */
export function secretKeys(def: ConnectorDefinition): string[] {
  const props = (def.settingsSchema.properties ?? {}) as Record<string, unknown>;
  return Object.entries(props)
    .filter(([, p]) => containsSecret(p))
    .map(([k]) => k);
}

function containsSecret(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  if ((schema as Record<string, unknown>)['x-secret'] === true) return true;
  return Object.values(schema as Record<string, unknown>).some((v) => (Array.isArray(v) ? v.some(containsSecret) : containsSecret(v)));
}

/** Secrets are stored as strings; structured ones (an `auth` object holding a token) are kept as `json:<JSON>`. */
export function encodeSecret(value: unknown): string {
  return typeof value === 'string' ? value : `json:${JSON.stringify(value)}`;
}

/** Reverses encodeSecret. */
export function decodeSecrets(secrets: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, v.startsWith('json:') ? JSON.parse(v.slice(5)) : v]));
}

/** Checks settings against the connector's schema; `env:` references are accepted for any string field. */
export function validateSettings(def: ConnectorDefinition, settings: Record<string, unknown>): string[] {
  // A connector may declare its schema's dialect (`$schema`, e.g. draft-07, which Ajv2020 does not
  // load); the keywords settings schemas use mean the same in both, so validate without it.
  const { $schema: _dialect, ...schema } = def.settingsSchema;
  const validate = ajv.compile(schema);
  // env: references stand in for values only known at run time; check the rest.
  const checked = Object.fromEntries(Object.entries(settings).filter(([, v]) => !(typeof v === 'string' && v.startsWith('env:'))));
  if (validate(checked)) return [];
  return (validate.errors ?? [])
    .filter((e) => !(e.keyword === 'required' && typeof settings[(e.params as { missingProperty: string }).missingProperty] === 'string'))
    .map((e) => `${e.instancePath.slice(1) || (e.params as { missingProperty?: string }).missingProperty || 'settings'}: ${e.message}`);
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
