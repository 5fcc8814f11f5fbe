/**
 * The published JSON Schema of a flow file (`syncline flow schema`). It describes exactly the types of
 * ./flow.ts; descriptions here are what editors show when a person writes a flow.
 */
import type { JsonObject } from './json.js';
import { ERROR_KINDS } from './errors.js';

const duration = { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: 'A duration: 500ms, 30s, 5m, 1h, 1d.' };

const mappingRule: JsonObject = {
  description: 'A bare string copies that source path; an object gives the long form.',
  oneOf: [
    { type: 'string', minLength: 1, description: 'Source path to copy, e.g. BillingAddress.City.' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        from: { type: 'string', minLength: 1, description: 'Source path to copy.' },
        expr: { type: 'string', minLength: 1, description: 'JSONata expression over the source record.' },
        value: { description: 'A constant value.' },
        default: { description: 'Used when the value is null, missing or empty.' },
        when: { type: 'string', minLength: 1, description: 'Map only when this JSONata expression is true.' },
        required: { type: 'boolean', description: 'Fail the record when the value is empty.' },
        map: {
          description: 'A value map: the name of one in valueMaps, or an inline map.',
          oneOf: [{ type: 'string' }, { type: 'object' }],
        },
        each: { type: 'object', additionalProperties: { $ref: '#/$defs/mappingRule' }, description: 'Map each element of the array at `from`.' },
        note: { type: 'string', description: 'A note for people reading the flow.' },
      },
    },
  ],
};

const mapping: JsonObject = {
  type: 'object',
  minProperties: 1,
  additionalProperties: { $ref: '#/$defs/mappingRule' },
  description: 'Target field name: rule.',
};

const namedValue: JsonObject = {
  type: 'object',
  additionalProperties: false,
  required: ['field', 'value'],
  properties: { field: { type: 'string', minLength: 1 }, value: {} },
};

const syncSide: JsonObject = {
  type: 'object',
  additionalProperties: false,
  required: ['connection', 'entity'],
  properties: {
    connection: { type: 'string', minLength: 1 },
    entity: { type: 'string', minLength: 1 },
    name: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', description: 'The name rules use for this side (default the connection name).' },
    inactive: { ...namedValue, description: 'How this system marks a record gone by status (CustomerStatus = I): read as a delete, written by onDelete: deactivate.' },
    onDelete: { enum: ['delete', 'deactivate', 'mark', 'ignore'], description: 'What to do here when the paired record on the other side is deleted (default ignore).' },
    mark: { ...namedValue, description: 'For onDelete: mark, the field and value written.' },
    mergedInto: { type: 'string', minLength: 1, description: 'On a deleted record, the field naming the record it was merged into (Salesforce MasterRecordId).' },
  },
};

/** The `sync:` block: a two-way pair (src/core/sync.ts). */
const syncSchema: JsonObject = {
  type: 'object',
  additionalProperties: false,
  required: ['a', 'b', 'match', 'fields'],
  description: 'A two-way pair: two entities kept in step both ways, every field with an owner or a rule.',
  properties: {
    a: syncSide,
    b: syncSide,
    match: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', additionalProperties: false, required: ['a', 'b'], properties: { a: { type: 'string', minLength: 1 }, b: { type: 'string', minLength: 1 } } },
      description: 'Field pairs that identify the same record on both sides, tried in order; `id` is the record id.',
    },
    fields: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['a', 'b'],
        properties: {
          a: { type: 'string', minLength: 1 },
          b: { type: 'string', minLength: 1 },
          owner: { type: 'string', minLength: 1, description: 'System of record: its value always wins.' },
          wins: { type: 'string', minLength: 1, description: 'This system wins when both sides changed the field.' },
          rule: { enum: ['newest', 'first-non-empty', 'ask'], description: 'newest modified stamp wins; first side (in order) with a value wins; or a person decides.' },
          order: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
          consent: { enum: ['opt-out', 'opt-in'], description: 'Never moved toward mailable by the other system unless allowMailable.' },
          allowMailable: { type: 'boolean' },
        },
      },
    },
    skewTolerance: { ...duration, description: 'Stamps closer than this are a tie for rule newest (default 2s).' },
    reconcileEvery: { ...duration, description: 'Compare both sides this often and report the drift; differences wait for a person to apply.' },
    create: { type: 'object', additionalProperties: false, properties: { a: { type: 'boolean' }, b: { type: 'boolean' } } },
  },
};

/** The JSON Schema (draft 2020-12) every flow file must satisfy. */
export const flowSchema: JsonObject = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://syncline.dev/schemas/flow.json',
  title: 'Syncline flow',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'trigger'],
  // One-way flows name a source and targets; a two-way pair names `sync:` instead.
  oneOf: [{ required: ['source', 'targets'], not: { required: ['sync'] } }, { required: ['sync'], not: { anyOf: [{ required: ['source'] }, { required: ['targets'] }] } }],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Unique name, lowercase with dashes; also the webhook path.' },
    description: { type: 'string' },
    trigger: {
      type: 'object',
      required: ['type'],
      description: 'How the flow starts.',
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { const: 'webhook' },
            secret: { type: 'string', description: 'HMAC-SHA256 shared secret, as a reference: env:NAME (an environment variable) or connection:NAME/FIELD (a secret field of a connection); a literal secret is refused. Without it the flow must say unsigned: true.' },
            unsigned: { type: 'boolean', description: 'Accept deliveries without a signature. Deploy refuses a webhook flow with neither secret nor unsigned: true.' },
            signatureHeader: { type: 'string' },
            timestampHeader: { type: 'string' },
            toleranceSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
            deliveryIdHeader: { type: 'string' },
            recordsPath: { type: 'string' },
            idPath: { type: 'string' },
            maxBodyBytes: { type: 'integer', minimum: 1024, maximum: 104857600 },
            useConnectorParser: { type: 'boolean' },
            reconcileEvery: { ...duration, description: 'Also poll the source this often, to catch pushes that never arrived.' },
            overlap: duration,
          },
        },
        {
          additionalProperties: false,
          required: ['type', 'every'],
          properties: {
            type: { const: 'poll' },
            every: duration,
            minEvery: { ...duration, description: 'Poll this often while changes arrive, backing off to `every` when idle (adaptive polling).' },
            overlap: duration,
            pageSize: { type: 'integer', minimum: 1, maximum: 10000 },
            startFrom: { enum: ['beginning', 'now'], description: '`now`: the first read only sets the watermark; existing records are not played.' },
          },
        },
        {
          additionalProperties: false,
          required: ['type', 'cron'],
          properties: {
            type: { const: 'schedule' },
            cron: { type: 'string', minLength: 9 },
            timezone: { type: 'string' },
            read: { enum: ['changes', 'all'] },
          },
        },
        { additionalProperties: false, required: ['type'], properties: { type: { const: 'manual' } } },
        {
          additionalProperties: false,
          required: ['type'],
          properties: {
            type: { const: 'stream' },
            channel: { type: 'string', pattern: '^/(data|event)/\\w+$', description: 'The source channel (default: the entity\'s change channel, /data/<Entity>ChangeEvent).' },
            pollEvery: { ...duration, description: 'Poll this often instead when the connection cannot stream (default 1m).' },
            overlap: duration,
            pageSize: { type: 'integer', minimum: 1, maximum: 2000 },
          },
        },
        {
          additionalProperties: false,
          required: ['type', 'secret'],
          properties: {
            type: { const: 'outboundMessage' },
            secret: { type: 'string', description: 'The secret in the endpoint path /hooks/<flow>/<secret>, as env:NAME or connection:NAME/FIELD.' },
          },
        },
      ],
    },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['connection', 'entity'],
      properties: {
        connection: { type: 'string', minLength: 1 },
        entity: { type: 'string', minLength: 1 },
        refreshOn: {
          type: 'array',
          description: 'Child entities whose changes re-read the parent source record and run the flow on it.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['entity', 'parentId'],
            properties: {
              entity: { type: 'string', minLength: 1 },
              parentId: { type: 'string', minLength: 1, description: "JSONata over the child giving the parent's id." },
            },
          },
        },
      },
    },
    lookups: {
      type: 'array',
      description: 'Related records read before the filter and bound on the record under their name.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'connection', 'entity'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          connection: { type: 'string', minLength: 1 },
          entity: { type: 'string', minLength: 1 },
          id: { type: 'string', minLength: 1, description: 'JSONata giving the id to read.' },
          find: {
            type: 'object',
            additionalProperties: false,
            required: ['field', 'value'],
            properties: { field: { type: 'string', minLength: 1 }, value: { type: 'string', minLength: 1, description: 'JSONata giving the value, or a list of values tried in order.' } },
          },
          many: { type: 'boolean' },
          required: { type: 'boolean' },
          when: { type: 'string', minLength: 1 },
        },
        oneOf: [{ required: ['id'] }, { required: ['find'] }],
      },
    },
    filter: { type: 'string', minLength: 1, description: 'JSONata; records for which it is false are skipped.' },
    filterReason: { type: 'string', minLength: 1, description: 'JSONata giving the reason written on the trace of a record the filter skips.' },
    valueMaps: { type: 'object', additionalProperties: { type: 'object' }, description: 'Named value maps for `map:` rules.' },
    targets: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'connection', 'entity', 'mapping'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
          connection: { type: 'string', minLength: 1 },
          entity: { type: 'string', minLength: 1 },
          when: { type: 'string', minLength: 1 },
          forEach: { type: 'string', minLength: 1, description: 'JSONata giving a list; the target is written once per element, bound as `item`.' },
          mapping,
          match: {
            type: 'object',
            additionalProperties: false,
            properties: {
              xref: { type: 'boolean' },
              link: { type: 'string', description: 'JSONata giving the target id from a link the source carries ($xref, a stored foreign id); tried before the keys.' },
              keys: { type: 'array', items: { type: 'string', pattern: '^[^+\\s]+(\\+[^+\\s]+)*$' }, description: 'Mapped fields that identify the target record, tried in order; a+b is a compound key.' },
              onMultiple: { enum: ['error', 'first'] },
            },
          },
          write: {
            type: 'object',
            additionalProperties: false,
            properties: {
              verb: { enum: ['upsert', 'create', 'update', 'delete'] },
              externalIdField: { type: 'string' },
              batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
              skipUnchanged: { type: 'boolean' },
            },
          },
          writeBack: {
            type: 'object',
            additionalProperties: false,
            required: ['connection', 'entity', 'mapping'],
            properties: {
              connection: { type: 'string' },
              entity: { type: 'string' },
              id: { type: 'string' },
              mapping: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
            },
          },
        },
      },
    },
    errorPolicy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
        initialInterval: duration,
        multiplier: { type: 'number', minimum: 1, maximum: 10 },
        maxInterval: duration,
        nonRetryable: { type: 'array', items: { enum: [...ERROR_KINDS] } },
      },
    },
    tests: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'input'],
        properties: {
          name: { type: 'string' },
          input: { type: 'object' },
          expect: { type: 'object', additionalProperties: { type: 'object' } },
          filtered: { type: 'boolean' },
          invalidField: { type: 'string' },
        },
      },
    },
    testsFile: { type: 'string' },
    sync: syncSchema,
  },
  $defs: { mappingRule },
};
