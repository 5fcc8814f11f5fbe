/**
 * The connection settings of the generic REST/webhook connector: their types and the one JSON Schema
 * that validates them, renders the console form and documents them. Nothing else describes a setting.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { SyncError } from '../../core/errors.js';
import type { FieldSpec, RateLimits } from '../../core/connector.js';
import type { JsonObject } from '../../core/json.js';

/** How requests authenticate. */
export type AuthSettings =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'header'; name: string; value: string }
  | { type: 'basic'; username: string; password: string };

/** How a list endpoint hands out its next page. */
export interface PagingSettings {
  /** `cursor`: a token in the body sent back as a query param; `next-link`: a URL in the body or the Link header; `offset`: a running offset param; `none`: one page. */
  style: 'none' | 'cursor' | 'next-link' | 'offset';
  /** Query param carrying the cursor or offset (default `cursor` / `offset`). */
  param?: string;
  /** Dotted path in the list response to the next cursor or next link (default `nextCursor` / `next`). */
  responsePath?: string;
}

/** How the list endpoint is queried for changes. */
export interface ListSettings {
  /** Query param for the since-watermark, compared inclusively (>=) by the server (default `updatedSince`). */
  sinceParam?: string;
  /** Query param for the page size (default `limit`). */
  limitParam?: string;
  /** Largest page asked for (default 100). */
  pageSize?: number;
  /** The server returns records in ascending order of the updated field, so reading may stop early (default true). */
  sorted?: boolean;
  paging?: PagingSettings;
}

/** Path templates of one entity; `{id}`, `{key}`, `{field}` and `{value}` are substituted URL-encoded. */
export interface EntityPaths {
  /** GET returning many records (changes, reconciliation). */
  list?: string;
  /** GET one record: `/customers/{id}`. */
  get?: string;
  /** POST a new record. */
  create?: string;
  /** PUT or PATCH one record: `/customers/{id}`. */
  update?: string;
  /** Upsert by a key: `/customers/by-key/{key}` (PUT) or a POST that carries the key in the body. */
  upsert?: string;
  /** DELETE one record: `/customers/{id}`. */
  delete?: string;
  /** GET records by a field: `/customers?{field}={value}`, or one template per field. */
  find?: string | Record<string, string>;
  /** POST an array of records in one call. */
  batch?: string;
}

/** One entity (collection) of the remote API. */
export interface EntitySettings {
  /** Entity name used in flows. */
  name: string;
  /** Label shown in the console. */
  label?: string;
  /** Field holding the record's id. */
  idField: string;
  /** Field holding the last-modified stamp (ISO 8601); needed for change polling. */
  updatedField?: string;
  paths: EntityPaths;
  /** HTTP methods for update (default PATCH) and upsert (default PUT). */
  methods?: { update?: 'PUT' | 'PATCH'; upsert?: 'PUT' | 'POST' | 'PATCH' };
  list?: ListSettings;
  /** Dotted path to the array in list/find responses (omit when the body is the array). */
  recordsPath?: string;
  /** Dotted path to the record in single-record responses (omit when the body is the record). */
  recordPath?: string;
  /** Dotted path to the per-record results array in batch responses (default: the body, else `results`). */
  batchResultsPath?: string;
  /** Largest batch accepted in one call (default 100). */
  maxBatchSize?: number;
  /** Declared fields, for mapping and validation. */
  fields?: FieldSpec[];
}

/** How incoming webhooks are verified and split into events. */
export interface WebhookSettings {
  /** Shared secret for HMAC-SHA256 signatures; omit for unsigned hooks. */
  secret?: string;
  /** Header holding `sha256=<hex>` (or bare hex) of `<timestamp>.<delivery id>.<raw body>` (default `x-syncline-signature`). */
  signatureHeader?: string;
  /** Header holding the signed Unix time in seconds; required on every signed request (default `x-syncline-timestamp`). */
  timestampHeader?: string;
  /** Largest accepted clock difference in seconds (default 300). */
  toleranceSeconds?: number;
  /** Header carrying the sender's delivery id (default `x-delivery-id`). */
  deliveryIdHeader?: string;
  /** Dotted path to the array of records in the body; omit when the body is one record or an array. */
  recordsPath?: string;
  /** Dotted path in each record to its id (default `id`). */
  idPath?: string;
  /** Dotted path, in the body, to the event type. */
  typePath?: string;
  /** Entity the events belong to. */
  entity?: string;
}

/** All settings of one `http` connection. */
export interface HttpSettings {
  /** Origin and base path of the API, e.g. `https://api.example.com/v1`. */
  baseUrl: string;
  auth?: AuthSettings;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /** Path GET by the connection test (default: the base URL). */
  healthPath?: string;
  entities: EntitySettings[];
  webhook?: WebhookSettings;
  /** Limits the engine enforces for this connection. */
  rateLimits?: RateLimits;
}

const str = { type: 'string', minLength: 1 } as const;
const secret = { type: 'string', minLength: 1, 'x-secret': true } as const;
const pathTemplate = { type: 'string', pattern: '^/' } as const;

/** JSON Schema of HttpSettings (draft 2020-12 subset understood by Ajv). */
export const settingsSchema: JsonObject = {
  type: 'object',
  required: ['baseUrl', 'entities'],
  additionalProperties: false,
  properties: {
    baseUrl: { type: 'string', pattern: '^https?://', description: 'Origin and base path of the API.' },
    auth: {
      description: 'How requests authenticate.',
      oneOf: [
        { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'none' } } },
        { type: 'object', required: ['type', 'token'], additionalProperties: false, properties: { type: { const: 'bearer' }, token: secret } },
        {
          type: 'object',
          required: ['type', 'name', 'value'],
          additionalProperties: false,
          properties: { type: { const: 'header' }, name: str, value: secret },
        },
        {
          type: 'object',
          required: ['type', 'username', 'password'],
          additionalProperties: false,
          properties: { type: { const: 'basic' }, username: str, password: secret },
        },
      ],
    },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Headers sent with every request.' },
    timeoutMs: { type: 'integer', minimum: 100, description: 'Per-request timeout in ms (default 30000).' },
    healthPath: { ...pathTemplate, description: 'Path GET by the connection test (default: the base URL).' },
    entities: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'idField', 'paths'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
          label: { type: 'string' },
          idField: str,
          updatedField: str,
          paths: {
            type: 'object',
            additionalProperties: false,
            properties: {
              list: pathTemplate,
              get: pathTemplate,
              create: pathTemplate,
              update: pathTemplate,
              upsert: pathTemplate,
              delete: pathTemplate,
              find: { oneOf: [pathTemplate, { type: 'object', additionalProperties: pathTemplate }] },
              batch: pathTemplate,
            },
          },
          methods: {
            type: 'object',
            additionalProperties: false,
            properties: { update: { enum: ['PUT', 'PATCH'] }, upsert: { enum: ['PUT', 'POST', 'PATCH'] } },
          },
          list: {
            type: 'object',
            additionalProperties: false,
            properties: {
              sinceParam: str,
              limitParam: str,
              pageSize: { type: 'integer', minimum: 1 },
              sorted: { type: 'boolean' },
              paging: {
                type: 'object',
                required: ['style'],
                additionalProperties: false,
                properties: { style: { enum: ['none', 'cursor', 'next-link', 'offset'] }, param: str, responsePath: str },
              },
            },
          },
          recordsPath: { type: 'string' },
          recordPath: { type: 'string' },
          batchResultsPath: { type: 'string' },
          maxBatchSize: { type: 'integer', minimum: 1 },
          fields: {
            type: 'array',
            items: { type: 'object', required: ['name', 'type'], properties: { name: str, type: str } },
          },
        },
      },
    },
    webhook: {
      type: 'object',
      additionalProperties: false,
      properties: {
        secret,
        signatureHeader: str,
        timestampHeader: str,
        toleranceSeconds: { type: 'integer', minimum: 1 },
        deliveryIdHeader: str,
        recordsPath: { type: 'string' },
        idPath: str,
        typePath: str,
        entity: str,
      },
    },
    rateLimits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        perSecond: { type: 'number', exclusiveMinimum: 0 },
        concurrent: { type: 'integer', minimum: 1 },
        perDay: { type: 'integer', minimum: 1 },
      },
    },
  },
};

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: Validator | undefined;

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}

/** Checks raw settings against the schema and returns them typed; throws SyncError('fatal') naming what is wrong. */
export function parseSettings(raw: Record<string, unknown>): HttpSettings {
  // Compiled once per process: the schema is a constant, so the cache is not shared mutable state.
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(settingsSchema);
  if (!validator(raw)) {
    throw new SyncError('fatal', `invalid http connection settings: ${describe(validator.errors)}`, { system: 'http' });
  }
  const settings = raw as unknown as HttpSettings;
  const names = new Set<string>();
  for (const e of settings.entities) {
    if (names.has(e.name)) throw new SyncError('fatal', `entity "${e.name}" is declared twice`, { system: 'http' });
    names.add(e.name);
  }
  return settings;
}
