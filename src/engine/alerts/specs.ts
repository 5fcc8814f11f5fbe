/**
 * What a rule of each kind and a channel of each type take, declared once (core/settings-spec.ts): the
 * declaration validates a rule's params or a channel's settings, renders the console's form, and its
 * secret marks decide which values are sealed and never shown back.
 */
import { Defaulted, defineSettings, StringEnum, Type, type SettingsOf, type SettingsSpec, type TObject } from '../../core/settings-spec.js';

const duration = (description: string, value: string) => Defaulted(Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description }), value);
const flowName = (description = 'Only this flow (every active flow when empty).') => Type.Optional(Type.String({ minLength: 1, title: 'Flow', description }));
const connectionName = Type.Optional(Type.String({ minLength: 1, title: 'Connection', description: 'Only this connection (every connection when empty).' }));
const closed = { additionalProperties: false } as const;
const windows = Defaulted(Type.Integer({ minimum: 3, maximum: 500, title: 'History windows', description: 'How many earlier windows of the same length form the baseline.' }), 24);
const threshold = Defaulted(Type.Number({ exclusiveMinimum: 0, title: 'Threshold |z|', description: 'Modified z-score (0.6745 · (value − median) / MAD) at or past which the change is an anomaly; 3.5 is the usual cut.' }), 3.5);
const minHistory = Defaulted(Type.Integer({ minimum: 3, title: 'Minimum history', description: 'Windows with data needed before the baseline is trusted.' }), 6);

/** Params of each rule kind. */
export const ruleSpecs = {
  dead_letter_group: defineSettings(
    Type.Object(
      {
        flow: flowName(),
        minCount: Defaulted(Type.Integer({ minimum: 1, title: 'Minimum records', description: 'Records failing the same way before the group alerts.' }), 1),
      },
      { ...closed, title: 'A new dead-letter group', description: 'Records of a flow fail the same way (one error signature): alerts once per group while it has open dead letters.' },
    ),
  ),
  connection_unhealthy: defineSettings(
    Type.Object(
      {
        connection: connectionName,
        window: duration('How far back failed calls are counted.', '15m'),
        minFailures: Defaulted(Type.Integer({ minimum: 1, title: 'Minimum failures', description: 'Failed attempts on the connection within the window (not counting records refused for their data).' }), 3),
      },
      { ...closed, title: 'A connection failing or unauthorized', description: 'The credential was refused (its flows wait), or calls to it keep failing (unreachable, timing out, server errors).' },
    ),
  ),
  api_budget: defineSettings(
    Type.Object(
      {
        connection: connectionName,
        percent: Defaulted(Type.Number({ minimum: 1, maximum: 100, title: 'Percent of the daily budget' }), 80),
      },
      { ...closed, title: 'API budget over a threshold', description: "A connection's API calls today reach a share of its daily limit." },
    ),
  ),
  flow_lag: defineSettings(
    Type.Object(
      {
        flow: flowName(),
        window: duration('Records finished within this window are measured.', '15m'),
        seconds: Defaulted(Type.Number({ exclusiveMinimum: 0, title: 'Lag threshold (seconds)', description: 'From the source event to the target written.' }), 300),
        percentile: Defaulted(Type.Number({ minimum: 1, maximum: 100, title: 'Percentile', description: 'Which percentile of the lag must exceed the threshold (95: one record in twenty).' }), 95),
      },
      { ...closed, title: "A flow's lag over a threshold", description: 'End-to-end lag of records in the window.' },
    ),
  ),
  flow_error_rate: defineSettings(
    Type.Object(
      {
        flow: flowName(),
        window: duration('Runs started within this window are counted.', '15m'),
        percent: Defaulted(Type.Number({ minimum: 0, maximum: 100, title: 'Error rate (percent)' }), 10),
        minRuns: Defaulted(Type.Integer({ minimum: 1, title: 'Minimum runs', description: 'No alert on fewer runs than this (one failure of two is not a rate).' }), 10),
      },
      { ...closed, title: "A flow's error rate over a threshold", description: 'Failed, retried or dead-lettered attempts as a share of all attempts in the window.' },
    ),
  ),
  reconcile_drift: defineSettings(
    Type.Object(
      {
        flow: flowName('Only this two-way pair (every pair when empty).'),
        minRecords: Defaulted(Type.Integer({ minimum: 1, title: 'Minimum drifted records' }), 1),
      },
      { ...closed, title: 'A reconciliation finding drift', description: "The latest reconciliation of a two-way pair found records that differ between the sides." },
    ),
  ),
  anomaly: defineSettings(
    Type.Object(
      {
        flow: flowName(),
        metric: Defaulted(StringEnum(['volume', 'error_rate', 'lag'], { title: 'Metric', description: 'volume: record runs per window; error_rate: failed share of attempts; lag: median end-to-end lag.' }), 'volume'),
        window: duration('Length of the window compared (the latest one) and of each history window.', '1h'),
        windows,
        threshold,
        direction: Defaulted(StringEnum(['both', 'up', 'down'], { title: 'Direction', description: 'Alert on rises, falls or both.' }), 'both'),
        minChange: Type.Optional(Type.Number({ minimum: 0, title: 'Minimum change', description: 'Smallest change from the median that can alert, in the metric\'s unit (runs, percentage points, seconds); default 5 runs, 5 points, 30 s.' })),
        minHistory,
      },
      { ...closed, title: "Anomaly in a flow's volume, error rate or lag", description: "The latest window compared with the flow's own history by median and MAD (modified z-score)." },
    ),
  ),
  field_anomaly: defineSettings(
    Type.Object(
      {
        flow: Type.String({ minLength: 1, title: 'Flow' }),
        target: Type.Optional(Type.String({ minLength: 1, title: 'Target', description: 'The flow target whose mapped record is read (the first when empty).' })),
        field: Type.String({ minLength: 1, title: 'Field', description: 'A field of the mapped record (dots for nested paths).' }),
        check: Defaulted(StringEnum(['empty_share', 'new_value', 'number_outlier'], { title: 'Check', description: 'empty_share: share of records with the field empty; new_value: a value never seen in the history (picklists); number_outlier: a number far outside the history\'s values.' }), 'empty_share'),
        window: duration('The latest window checked; history windows have the same length.', '1h'),
        windows,
        threshold,
        minChange: Defaulted(Type.Number({ minimum: 0, title: 'Minimum change (empty share)', description: 'Smallest change of the empty share, 0..1, that can alert.' }), 0.1),
        minHistory,
      },
      { ...closed, title: "Anomaly in a field's values", description: 'Mapped values of one field in the latest window against the same field in earlier windows.' },
    ),
  ),
} as const satisfies Record<string, SettingsSpec<TObject>>;

/** The rule kinds. */
export type RuleKind = keyof typeof ruleSpecs;
/** The typed params of a rule kind, defaults applied. */
export type RuleParams<K extends RuleKind> = SettingsOf<(typeof ruleSpecs)[K]['schema']>;
/** True when `kind` names a rule kind. */
export function isRuleKind(kind: string): kind is RuleKind {
  return Object.hasOwn(ruleSpecs, kind);
}

const secret = (title: string, description: string) => Type.String({ minLength: 1, title, description, 'x-secret': true });

/** Settings of each channel type (secrets marked `x-secret`). */
export const channelSpecs = {
  email: defineSettings(
    Type.Object(
      {
        host: Type.String({ minLength: 1, title: 'SMTP host' }),
        port: Defaulted(Type.Integer({ minimum: 1, maximum: 65535, title: 'SMTP port' }), 587),
        tls: Defaulted(StringEnum(['starttls', 'implicit', 'none'], { title: 'TLS', description: 'starttls: upgrade after connecting (port 587, required); implicit: TLS from the start (port 465); none: plain text (a local relay only).' }), 'starttls'),
        username: Type.Optional(Type.String({ minLength: 1, title: 'User name' })),
        password: Type.Optional(secret('Password', 'Stored encrypted, never shown again.')),
        from: Type.String({ minLength: 3, title: 'From address' }),
        to: Type.String({ minLength: 3, title: 'To addresses', description: 'One or more addresses, separated by commas.' }),
      },
      { ...closed, title: 'E-mail (SMTP)' },
    ),
  ),
  slack: defineSettings(
    Type.Object(
      {
        url: secret('Incoming webhook URL', 'A Slack (or Slack-compatible: Mattermost, Rocket.Chat) incoming webhook URL; it is a credential, so it is stored encrypted.'),
      },
      { ...closed, title: 'Slack-compatible incoming webhook' },
    ),
  ),
  webhook: defineSettings(
    Type.Object(
      {
        url: Type.String({ pattern: '^https?://', title: 'URL', description: 'Receives a POST with the alert as JSON.' }),
        secret: secret('Signing secret', 'Signs each delivery the way Syncline checks incoming webhooks: x-syncline-signature = sha256=HMAC(secret, "<timestamp>.<delivery id>.<body>").'),
      },
      { ...closed, title: 'Generic webhook (signed)' },
    ),
  ),
} as const satisfies Record<string, SettingsSpec<TObject>>;

/** The channel types. */
export type ChannelType = keyof typeof channelSpecs;
/** The typed settings (secrets included) of a channel type. */
export type ChannelSettings<T extends ChannelType> = SettingsOf<(typeof channelSpecs)[T]['schema']>;
/** True when `type` names a channel type. */
export function isChannelType(type: string): type is ChannelType {
  return Object.hasOwn(channelSpecs, type);
}
/** The names of a channel type's secret settings. */
export function channelSecretNames(type: ChannelType): string[] {
  return channelSpecs[type].fields.filter((f) => f.secret && !f.name.includes('.')).map((f) => f.name);
}
