/**
 * One settings spec per connector (the Redpanda habit): the settings are declared once, as a TypeBox
 * schema, and everything else derives from that declaration: the JSON Schema stored and validated by
 * the engine, the typed settings a connector reads (`Static<typeof schema>`, no hand-written twin),
 * the defaults (stated once, in the schema), and the field list the console renders a form from.
 * One Ajv instance validates every connector's settings.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { Kind, type Static, type TObject, type TOptional, type TProperties, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SyncError } from './errors.js';
import type { JsonObject } from './json.js';

import { Type } from '@sinclair/typebox';

export { Type, type Static, type TObject } from '@sinclair/typebox';

/** A string setting limited to `values`, typed as their union and rendered as a select (`enum`, not TypeBox's anyOf of literals). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

declare const defaulted: unique symbol;
/** An optional setting that has a default (type-level mark only; the schema is a plain optional one with `default`). */
export type TDefaulted<T extends TSchema> = TOptional<T> & { readonly [defaulted]: true };

/** An optional setting with a default: it may be left out of a connection, and is always present in the typed settings. */
export function Defaulted<T extends TSchema>(schema: T, value: Static<T>): TDefaulted<T> {
  return Type.Optional({ ...schema, default: value } as T) as TDefaulted<T>;
}

type DefaultedKeys<P extends TProperties> = { [K in keyof P]: P[K] extends { readonly [defaulted]: true } ? K : never }[keyof P];

/** The typed settings of a declaration: its static type, with every `Defaulted` setting present. */
export type SettingsOf<S extends TObject> = Static<S> & { [K in DefaultedKeys<S['properties']> & keyof Static<S>]-?: Exclude<Static<S>[K], undefined> };

// ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped.
const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (ajv: Ajv2020) => Ajv2020;

/** The one Ajv instance for settings (connectors' and the engine's). */
export const settingsAjv: Ajv2020 = addFormats(new Ajv2020({ allErrors: true, strict: false, useDefaults: true }));

/** What the console needs to render one setting as a form field. */
export interface SettingsField {
  /** Property name (`businessUnitId`); nested objects use dots (`rateLimits.perDay`). */
  name: string;
  /** Label (the schema's `title`, or the name). */
  title: string;
  /** Help text (the schema's `description`). */
  description?: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  required: boolean;
  /** Encrypted at rest and never returned: marked `x-secret`, or an object holding such a field (all of it is kept secret). */
  secret: boolean;
  enum?: readonly unknown[];
  default?: unknown;
  /** JSON Schema `format` (`uri`, `email`) or the string pattern, for inline checks. */
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

/** A connector's settings declaration and what derives from it. */
export interface SettingsSpec<S extends TObject = TObject> {
  /** The TypeBox schema (also a plain JSON Schema object). */
  readonly schema: S;
  /** The JSON Schema as stored and served (`ConnectorDefinition.settingsSchema`). */
  readonly jsonSchema: JsonObject;
  /** The fields a form renders, in declaration order. */
  readonly fields: readonly SettingsField[];
  /** Problems with raw settings, one line each naming the setting; empty when valid. `env:` references stand in for any string. */
  problems(raw: Record<string, unknown>): string[];
  /** Typed settings with the schema's defaults applied; throws SyncError('fatal') naming every bad setting. */
  parse(raw: Record<string, unknown>, system: string): SettingsOf<S>;
  /** Deprecated setting names still read, each with the name that replaced it. */
  readonly aliases: Readonly<Record<string, string>>;
}

/** Options of a settings declaration. */
export interface SettingsOptions {
  /**
   * Old setting names still accepted (`{ readLagSeconds: 'settleSeconds' }`): a stored connection that
   * uses one keeps working, its value read as the new name's when the new name is not set.
   */
  aliases?: Record<string, string>;
}

/** Declares a connector's settings once. Mark secrets with `{ 'x-secret': true }` in the field's options. */
export function defineSettings<S extends TObject>(schema: S, options: SettingsOptions = {}): SettingsSpec<S> {
  const jsonSchema = JSON.parse(JSON.stringify(schema)) as JsonObject;
  const aliases = options.aliases ?? {};
  let compiled: ValidateFunction | null = null;
  const validator = (): ValidateFunction => (compiled ??= settingsAjv.compile(jsonSchema));
  const problems = (given: Record<string, unknown>): string[] => {
    const raw = renamed(given, aliases);
    const checked = withoutEnvRefs(raw);
    const validate = validator();
    if (validate(structuredClone(checked))) return [];
    return (validate.errors ?? [])
      .filter((e) => !(e.keyword === 'required' && typeof raw[(e.params as { missingProperty: string }).missingProperty] === 'string'))
      .map((e) => {
        const missing = (e.params as { missingProperty?: string }).missingProperty;
        const where = [e.instancePath.slice(1).replace(/\//g, '.'), missing].filter(Boolean).join('.') || 'settings';
        return `${where}: ${e.message}`;
      });
  };
  return {
    schema,
    jsonSchema,
    fields: fieldsOf(schema),
    problems,
    aliases,
    parse(raw, system) {
      const bad = problems(raw);
      if (bad.length) throw new SyncError('fatal', `${system} connection settings: ${bad.join('; ')}`, { system, field: bad[0].split(':')[0] });
      return Value.Default(schema, structuredClone(renamed(raw, aliases))) as SettingsOf<S>;
    },
  };
}

/** Settings with deprecated names replaced by their new ones (the new name wins when both are set). */
function renamed(raw: Record<string, unknown>, aliases: Readonly<Record<string, string>>): Record<string, unknown> {
  if (!Object.keys(aliases).some((old) => Object.hasOwn(raw, old))) return raw;
  const out = { ...raw };
  for (const [old, name] of Object.entries(aliases)) {
    if (!Object.hasOwn(out, old)) continue;
    if (out[name] === undefined) out[name] = out[old];
    delete out[old];
  }
  return out;
}

/** env: references are resolved at run time; validation leaves them out rather than guessing their values. */
function withoutEnvRefs(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => !(typeof v === 'string' && v.startsWith('env:'))));
}

function fieldsOf(schema: TObject, prefix = ''): SettingsField[] {
  const required = new Set(schema.required ?? []);
  const out: SettingsField[] = [];
  for (const [name, prop] of Object.entries(schema.properties) as Array<[string, TSchema & Record<string, unknown>]>) {
    // A union of constants is a choice (a string); a union of shapes (the http connector's auth) an object.
    const consts = Array.isArray(prop.anyOf) ? (prop.anyOf as Array<{ const?: unknown }>).map((a) => a.const) : [];
    const choice = consts.length > 0 && consts.every((c) => c !== undefined);
    const type = (prop.type ?? (prop[Kind] === 'Union' && choice ? 'string' : 'object')) as SettingsField['type'];
    out.push({
      name: prefix + name,
      title: typeof prop.title === 'string' ? prop.title : name,
      description: typeof prop.description === 'string' ? prop.description : undefined,
      type,
      // A required setting with a default need not be filled in.
      required: required.has(name) && prop.default === undefined,
      secret: containsSecret(prop),
      enum: Array.isArray(prop.enum) ? prop.enum : choice ? consts : undefined,
      default: prop.default,
      format: typeof prop.format === 'string' ? prop.format : undefined,
      pattern: typeof prop.pattern === 'string' ? prop.pattern : undefined,
      minimum: typeof prop.minimum === 'number' ? prop.minimum : undefined,
      maximum: typeof prop.maximum === 'number' ? prop.maximum : undefined,
    });
    if (type === 'object' && prop.properties) out.push(...fieldsOf(prop as unknown as TObject, `${prefix}${name}.`));
  }
  return out;
}

/** True when the schema is, or contains, a field marked `"x-secret": true`. */
function containsSecret(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  if ((schema as Record<string, unknown>)['x-secret'] === true) return true;
  return Object.values(schema as Record<string, unknown>).some((v) => (Array.isArray(v) ? v.some(containsSecret) : containsSecret(v)));
}
