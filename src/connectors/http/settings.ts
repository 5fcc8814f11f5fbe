/**
 * The connection settings of the generic REST/webhook connector, declared once (core/settings-spec.ts):
 * the declaration validates them, renders the console form and documents them, and their types derive
 * from it. Nothing else describes a setting.
 */
import { SyncError } from '../../core/errors.js';
import type { FieldSpec } from '../../core/connector.js';
import { Defaulted, defineSettings, StringEnum, Type, type SettingsOf, type Static } from '../../core/settings-spec.js';

const str = (description?: string) => Type.String({ minLength: 1, ...(description ? { description } : {}) });
const secret = () => Type.String({ minLength: 1, 'x-secret': true });
const pathTemplate = (description?: string) => Type.String({ pattern: '^/', ...(description ? { description } : {}) });
const closed = { additionalProperties: false } as const;

const authSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('none') }, closed),
    Type.Object({ type: Type.Literal('bearer'), token: secret() }, closed),
    Type.Object({ type: Type.Literal('header'), name: str(), value: secret() }, closed),
    Type.Object({ type: Type.Literal('basic'), username: str(), password: secret() }, closed),
  ],
  { title: 'Authentication', description: 'How requests authenticate: none, bearer (token), header (name, value) or basic (username, password).' },
);

const pagingSchema = Type.Object(
  {
    style: StringEnum(['none', 'cursor', 'next-link', 'offset'], {
      description: '`cursor`: a token in the body sent back as a query param; `next-link`: a URL in the body or the Link header; `offset`: a running offset param; `none`: one page.',
    }),
    param: Type.Optional(str('Query param carrying the cursor or offset (default `cursor` / `offset`).')),
    responsePath: Type.Optional(str('Dotted path in the list response to the next cursor or next link (default `nextCursor` / `next`).')),
  },
  { ...closed, description: 'How a list endpoint hands out its next page.' },
);

const listSchema = Type.Object(
  {
    sinceParam: Type.Optional(str('Query param for the since-watermark, compared inclusively (>=) by the server (default `updatedSince`).')),
    limitParam: Type.Optional(str('Query param for the page size (default `limit`).')),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, description: 'Largest page asked for (default 100).' })),
    sorted: Type.Optional(Type.Boolean({ description: 'The server returns records in ascending order of the updated field, so reading may stop early (default true).' })),
    paging: Type.Optional(pagingSchema),
  },
  { ...closed, description: 'How the list endpoint is queried for changes.' },
);

const pathsSchema = Type.Object(
  {
    list: Type.Optional(pathTemplate('GET returning many records (changes, reconciliation).')),
    get: Type.Optional(pathTemplate('GET one record: `/customers/{id}`.')),
    create: Type.Optional(pathTemplate('POST a new record.')),
    update: Type.Optional(pathTemplate('PUT or PATCH one record: `/customers/{id}`.')),
    upsert: Type.Optional(pathTemplate('Upsert by a key: `/customers/by-key/{key}` (PUT) or a POST that carries the key in the body.')),
    delete: Type.Optional(pathTemplate('DELETE one record: `/customers/{id}`.')),
    find: Type.Optional(Type.Union([pathTemplate(), Type.Record(Type.String(), pathTemplate())], { description: 'GET records by a field: `/customers?{field}={value}`, or one template per field.' })),
    batch: Type.Optional(pathTemplate('POST an array of records in one call.')),
  },
  { ...closed, description: 'Path templates of one entity; `{id}`, `{key}`, `{field}` and `{value}` are substituted URL-encoded.' },
);

const entitySchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'Entity name used in flows.' }),
    label: Type.Optional(Type.String({ description: 'Label shown in the console.' })),
    idField: str("Field holding the record's id."),
    updatedField: Type.Optional(str('Field holding the last-modified stamp (ISO 8601); needed for change polling.')),
    paths: pathsSchema,
    methods: Type.Optional(
      Type.Object(
        { update: Type.Optional(StringEnum(['PUT', 'PATCH'])), upsert: Type.Optional(StringEnum(['PUT', 'POST', 'PATCH'])) },
        { ...closed, description: 'HTTP methods for update (default PATCH) and upsert (default PUT).' },
      ),
    ),
    list: Type.Optional(listSchema),
    recordsPath: Type.Optional(Type.String({ description: 'Dotted path to the array in list/find responses (omit when the body is the array).' })),
    recordPath: Type.Optional(Type.String({ description: 'Dotted path to the record in single-record responses (omit when the body is the record).' })),
    batchResultsPath: Type.Optional(Type.String({ description: 'Dotted path to the per-record results array in batch responses (default: the body, else `results`).' })),
    maxBatchSize: Type.Optional(Type.Integer({ minimum: 1, description: 'Largest batch accepted in one call (default 100).' })),
    fields: Type.Optional(
      Type.Unsafe<FieldSpec[]>({
        type: 'array',
        description: 'Declared fields, for mapping and validation.',
        items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string', minLength: 1 }, type: { type: 'string', minLength: 1 } } },
      }),
    ),
  },
  { ...closed, description: 'One entity (collection) of the remote API.' },
);

const webhookSchema = Type.Object(
  {
    secret: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'Shared secret for HMAC-SHA256 signatures; omit for unsigned hooks.' })),
    signatureHeader: Type.Optional(str('Header holding `sha256=<hex>` (or bare hex) of `<timestamp>.<delivery id>.<raw body>` (default `x-syncline-signature`).')),
    timestampHeader: Type.Optional(str('Header holding the signed Unix time in seconds; required on every signed request (default `x-syncline-timestamp`).')),
    toleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'Largest accepted clock difference in seconds (default 300).' })),
    deliveryIdHeader: Type.Optional(str("Header carrying the sender's delivery id (default `x-delivery-id`).")),
    recordsPath: Type.Optional(Type.String({ description: 'Dotted path to the array of records in the body; omit when the body is one record or an array.' })),
    idPath: Type.Optional(str('Dotted path in each record to its id (default `id`).')),
    typePath: Type.Optional(str('Dotted path, in the body, to the event type.')),
    entity: Type.Optional(str('Entity the events belong to.')),
  },
  { ...closed, title: 'Webhook', description: 'How incoming webhooks are verified and split into events.' },
);

const schema = Type.Object(
  {
    baseUrl: Type.String({ pattern: '^https?://', title: 'Base URL', description: 'Origin and base path of the API, e.g. `https://api.example.com/v1`.' }),
    auth: Type.Optional(authSchema),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { title: 'Headers', description: 'Headers sent with every request.' })),
    timeoutMs: Defaulted(Type.Integer({ minimum: 100, title: 'Timeout (ms)', description: 'Per-request timeout in ms.' }), 30000),
    healthPath: Type.Optional(pathTemplate('Path GET by the connection test (default: the base URL).')),
    entities: Type.Array(entitySchema, { minItems: 1, title: 'Entities', description: 'The collections of the API and their paths.' }),
    webhook: Type.Optional(webhookSchema),
    rateLimits: Type.Optional(
      Type.Object(
        {
          perSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          concurrent: Type.Optional(Type.Integer({ minimum: 1 })),
          perDay: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { ...closed, title: 'Rate limits', description: 'Limits the engine enforces for this connection.' },
      ),
    ),
    settleSeconds: Defaulted(Type.Integer({ minimum: 0, title: 'Settle time (s)', description: 'Change polling leaves records stamped in the last N seconds for a later poll (an API whose reads lag its writes).' }), 0),
  },
  closed,
);

/** The one declaration of an `http` connection's settings. */
export const httpSettings = defineSettings(schema);

/** JSON Schema of the settings (served to the console and validated by the engine). */
export const settingsSchema = httpSettings.jsonSchema;

/** How requests authenticate. */
export type AuthSettings = Static<typeof authSchema>;
/** How a list endpoint hands out its next page. */
export type PagingSettings = Static<typeof pagingSchema>;
/** How the list endpoint is queried for changes. */
export type ListSettings = Static<typeof listSchema>;
/** Path templates of one entity. */
export type EntityPaths = Static<typeof pathsSchema>;
/** One entity (collection) of the remote API. */
export type EntitySettings = Static<typeof entitySchema>;
/** How incoming webhooks are verified and split into events. */
export type WebhookSettings = Static<typeof webhookSchema>;
/** All settings of one `http` connection, defaults applied. */
export type HttpSettings = SettingsOf<typeof schema>;

/** Checks raw settings against the declaration and returns them typed; throws SyncError('fatal') naming what is wrong. */
export function parseSettings(raw: Record<string, unknown>): HttpSettings {
  const settings = httpSettings.parse(raw, 'http');
  const names = new Set<string>();
  for (const e of settings.entities) {
    if (names.has(e.name)) throw new SyncError('fatal', `entity "${e.name}" is declared twice`, { system: 'http' });
    names.add(e.name);
  }
  return settings;
}
