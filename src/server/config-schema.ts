/**
 * The configuration, declared once (the Redpanda habit, as connector settings are): this schema types
 * the configuration, supplies its defaults, names the environment variable that overrides each field
 * (`x-env`), validates the file, and generates docs/configuration-reference.md
 * (`syncline config reference`). A field described anywhere else would drift; describe it here.
 *
 * Annotations beyond JSON Schema: `x-env` (the variable that sets the field; it wins over the file),
 * `x-default` (a default that is not a constant, in words), `x-type` (a type name for the reference,
 * such as `duration`), `x-key` (what the keys of a map are, for the reference).
 */
import { Defaulted, StringEnum, Type, type SettingsOf } from '../core/settings-spec.js';
import { retentionSettingsSchema } from '../engine/retention.js';
import { admissionLimitsSchema } from '../engine/admission.js';
import { DURATION_PATTERN } from '../engine/durations.js';

/** One connection declared in the config file. */
export const connectionConfigSchema = Type.Object(
  {
    type: Type.String({ minLength: 1, description: 'Connector type (`salesforce`, `pardot`, `sage100`, `sagex3`, `tims`, `clarity`, `http`).' }),
    settings: Type.Record(Type.String(), Type.Unknown(), {
      'x-key': 'setting',
      description: "The connector's settings (docs/connectors/); any value may be `env:NAME`. Fields the connector marks secret are encrypted in the store.",
    }),
  },
  { additionalProperties: false },
);

/** Every field of `syncline.yaml`. */
export const configSchema = Type.Object(
  {
    database: Defaulted(
      Type.String({ minLength: 1, 'x-env': 'SYNCLINE_DATABASE_URL', description: 'Where everything durable lives: `sqlite:<file>` for one machine, a `postgres://` URL for several workers or machines.' }),
      'sqlite:.syncline/syncline.db',
    ),
    host: Defaulted(Type.String({ minLength: 1, 'x-env': 'SYNCLINE_HOST', description: 'Address the server listens on (webhooks, console, admin API, metrics).' }), '127.0.0.1'),
    port: Defaulted(Type.Integer({ minimum: 0, maximum: 65535, 'x-env': 'SYNCLINE_PORT', description: 'Port the server listens on (0 picks a free one).' }), 8080),
    flowsDir: Defaulted(
      Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
        'x-env': 'SYNCLINE_FLOWS_DIR',
        'x-type': 'path',
        description: 'Folder of flow files deployed at start: a changed file makes a new version, an unchanged one does nothing.',
      }),
      null,
    ),
    deployFlowsOnStart: Type.Optional(Type.Boolean({ 'x-default': 'true when `flowsDir` is set', description: 'Deploy every flow in `flowsDir` when the server starts.' })),
    workers: Defaulted(Type.Integer({ minimum: 0, 'x-env': 'SYNCLINE_WORKERS', description: 'Workers inside `syncline start`; run more with `syncline worker` (PostgreSQL).' }), 1),
    workerConcurrency: Defaulted(
      Type.Integer({ minimum: 1, 'x-env': 'SYNCLINE_WORKER_CONCURRENCY', description: "Jobs one worker runs at once (connection rate limits still apply); also sizes the worker's PostgreSQL pool." }),
      32,
    ),
    leaseMs: Defaulted(
      Type.Integer({ minimum: 1000, description: "How long a claimed job is reserved, in ms; a killed worker's jobs are taken by another after this." }),
      30_000,
    ),
    keyFile: Defaulted(
      Type.String({
        minLength: 1,
        'x-type': 'path',
        description: 'AES-256-GCM key file that encrypts connection secrets, used when `SYNCLINE_MASTER_KEY` is not set (created with mode 0600).',
      }),
      '.syncline/master.key',
    ),
    logLevel: Defaulted(
      StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
        'x-env': 'SYNCLINE_LOG_LEVEL',
        description: 'pino JSON log level; secrets, emails, record bodies and the values error messages quote are redacted.',
      }),
      'info',
    ),
    secureCookies: Defaulted(Type.Boolean({ 'x-env': 'SYNCLINE_SECURE_COOKIES', description: 'Mark console cookies `Secure` (set when the console is served over HTTPS).' }), false),
    connections: Defaulted(
      Type.Record(Type.String(), connectionConfigSchema, { 'x-key': 'name', description: 'Connections created or updated in the store at start.' }),
      {},
    ),
    retention: Defaulted(retentionSettingsSchema, {}),
    backpressure: Defaulted(admissionLimitsSchema, {}),
    alerts: Defaulted(
      Type.Object(
        {
          every: Type.Optional(
            Type.String({ pattern: DURATION_PATTERN, 'x-type': 'duration', 'x-default': '`15s`', description: 'How often alert rules are evaluated and notifications sent (docs/alerts.md).' }),
          ),
          consoleUrl: Type.Optional(
            Type.String({ minLength: 1, 'x-env': 'SYNCLINE_CONSOLE_URL', 'x-default': "this server's `http://<host>:<port>`", description: 'The console address the links in notifications point to.' }),
          ),
        },
        { additionalProperties: false, description: 'The alert evaluator in the server process; rules and channels are managed on the Notifications page or `/api/v1/alerts`.' },
      ),
      {},
    ),
    durability: Defaulted(
      StringEnum(['power-loss', 'process-crash'] as const, {
        'x-env': 'SYNCLINE_DURABILITY',
        description:
          "SQLite only: `power-loss` syncs an accepted event to disk before its 202; `process-crash` does not sync (survives a killed process, not a power cut). PostgreSQL follows the server's `synchronous_commit`.",
      }),
      'power-loss',
    ),
  },
  { additionalProperties: false },
);

/** The whole configuration, defaults applied. */
export type SynclineConfig = SettingsOf<typeof configSchema> & { deployFlowsOnStart: boolean };

/** One connection declared in the config file; values may be `env:NAME` references. */
export type ConnectionConfig = SynclineConfig['connections'][string];

/** A variable read from the environment only (no field in the file). */
export interface EnvironmentVariable {
  name: string;
  /** One line: what it does. */
  doc: string;
}

/** Variables read from the environment that no config field stands for; the reference lists them with the fields. */
export const ENVIRONMENT_ONLY: readonly EnvironmentVariable[] = [
  { name: 'SYNCLINE_CONFIG', doc: 'The configuration file to read instead of `./syncline.yaml` (as `--config`); an error when it does not exist.' },
  {
    name: 'SYNCLINE_MASTER_KEY',
    doc: 'The master key itself (64 hex characters); set it in production instead of `keyFile`. Every process on one database needs the same key.',
  },
  { name: 'SYNCLINE_HEALTH_PORT', doc: '`syncline worker`: serve `/healthz`, `/readyz` and `/metrics` on this port (as `--health-port`; 0 picks a free one).' },
  { name: 'SYNCLINE_ENV_PREFIXES', doc: 'Comma-separated prefixes of variables a connection may read as `env:NAME`, besides `SYNCLINE_CONN_`.' },
  { name: 'SYNCLINE_ENV_ALLOW', doc: 'Comma-separated names of variables a connection may read as `env:NAME`.' },
];
