/** What the store keeps for alerts (decision 0016): channels, rules, alerts and their deliveries. */
import type { JsonObject } from '../../core/json.js';

type Iso = string;

/** How an alert reaches people. */
export type AlertChannelType = 'email' | 'slack' | 'webhook';

/** A channel to create or change. Secrets merge into the stored ones; a secret set to '' is removed. */
export interface AlertChannelInput {
  name: string;
  type: AlertChannelType;
  /** Non-secret settings (SMTP host, recipients, webhook URL). */
  settings: Record<string, unknown>;
  /** SMTP password, webhook signing secret, Slack webhook URL: sealed with the master key, never returned. */
  secrets: Record<string, string>;
}
/** A channel as listed: the names of its secrets, never their values. */
export interface AlertChannelRow {
  name: string;
  type: AlertChannelType;
  settings: Record<string, unknown>;
  secretNames: string[];
  createdAt: Iso;
  updatedAt: Iso;
}
/** A channel with its secrets decrypted, for sending only. */
export interface AlertChannelWithSecrets extends AlertChannelRow {
  secrets: Record<string, string>;
}

/** A rule to create or change. */
export interface AlertRuleInput {
  name: string;
  /** What the rule watches (`dead_letter_group`, `anomaly`, ...: engine/alerts/rule-kinds.ts). */
  kind: string;
  /** The kind's parameters, validated against its spec before they are stored. */
  params: JsonObject;
  /** Names of the channels an alert of this rule is sent to. */
  channels: string[];
  enabled: boolean;
}
export interface AlertRuleRow extends AlertRuleInput {
  /** When an evaluator last looked at the rule, and what went wrong if it could not. */
  lastEvaluatedAt: Iso | null;
  lastError: string | null;
  createdAt: Iso;
  updatedAt: Iso;
}

/** `open` until someone acknowledges it or its condition clears (`resolved`). */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export type AlertSeverity = 'warning' | 'critical';

/** A place in the console an alert points to (example runs, the dead-letter group). */
export interface AlertLink {
  label: string;
  /** A console path (`/runs/abc`); channels make it absolute with the console's address. */
  path: string;
}

/** What a rule finds firing now for one subject (a flow, a connection, a dead-letter group). */
export interface AlertFiring {
  /** What the alert is about, unique within the rule (`lead-to-customer`, `crm`, `flow|signature`). */
  subject: string;
  severity: AlertSeverity;
  /** One line (e-mail subject, Slack headline). */
  title: string;
  /** What changed, by how much, against which baseline: the whole explanation in words. */
  text: string;
  /** The figures behind the text (value, baseline, statistic), for scripts. */
  details: JsonObject;
  links: AlertLink[];
}

export interface AlertRow extends AlertFiring {
  id: string;
  rule: string;
  kind: string;
  /** `<rule>|<subject>`: one active alert per key. */
  key: string;
  status: AlertStatus;
  openedAt: Iso;
  /** The last evaluation that still found it firing. */
  lastSeenAt: Iso;
  acknowledgedBy: string | null;
  acknowledgedAt: Iso | null;
  /** No notification for this key until then (the alert stays listed). */
  silencedUntil: Iso | null;
  silencedBy: string | null;
  resolvedAt: Iso | null;
}
export interface AlertFilter {
  /** `active` is open or acknowledged; default every status. */
  status?: AlertStatus | 'active';
  rule?: string;
  limit?: number;
  /** Alerts opened before this one (paging newest first). */
  before?: string;
}

/** `pending` until sent, or `failed` after the last attempt; `cancelled` when the alert was silenced first. */
export type AlertDeliveryStatus = 'pending' | 'sent' | 'failed' | 'cancelled';
export interface AlertDeliveryRow {
  id: string;
  alertId: string;
  channel: string;
  /** Which notification: the alert opened or its condition cleared. */
  event: 'opened' | 'resolved';
  status: AlertDeliveryStatus;
  attempts: number;
  /** When it is (next) due. */
  nextAt: Iso;
  lastError: string | null;
  sentAt: Iso | null;
  createdAt: Iso;
}
/** What a send attempt came to. */
export type DeliveryOutcome = { ok: true } | { ok: false; error: string; /** null: give up (failed). */ retryAt: Iso | null };

/** What one evaluation of a rule changed. */
export interface EvaluationResult {
  opened: AlertRow[];
  resolved: AlertRow[];
  /** Alerts that were already active and still fire (refreshed, not notified again). */
  ongoing: number;
}

/** One run of a flow, as the alert rules read runs. */
export interface RunSample {
  id: string;
  flow: string;
  status: string;
  trigger: string;
  startedAt: Iso;
  /** The failing call's connection and error kind and message, for failed attempts. */
  errorConnection: string | null;
  errorKind: string | null;
  errorMessage: string | null;
}
/** A record as one target step of a run mapped it (the trace's `after`), for field-value rules. */
export interface MappedSample {
  runId: string;
  /** The trace step (`map:<target>`). */
  step: string;
  startedAt: Iso;
  after: unknown;
}

/** The alert tables. Every change that a person makes is audited with its actor. */
export interface AlertStore {
  putChannel(input: AlertChannelInput, actor: string): Promise<AlertChannelRow>;
  getChannel(name: string): Promise<AlertChannelWithSecrets | null>;
  listChannels(): Promise<AlertChannelRow[]>;
  deleteChannel(name: string, actor: string): Promise<boolean>;

  putRule(input: AlertRuleInput, actor: string): Promise<AlertRuleRow>;
  getRule(name: string): Promise<AlertRuleRow | null>;
  listRules(): Promise<AlertRuleRow[]>;
  /** Deletes a rule and resolves its active alerts (without notifying). */
  deleteRule(name: string, actor: string): Promise<boolean>;

  /**
   * Records what a rule finds firing at `now`, atomically: a subject with no active alert opens one
   * (with a pending delivery to each of the rule's channels, unless a silence of the key is in force),
   * an active one is refreshed without a new notification, and active alerts of the rule whose subject
   * no longer fires are resolved (a resolved notification unless silenced). `error` is kept on the rule
   * instead when the rule could not be evaluated (nothing opens or resolves then).
   */
  recordEvaluation(rule: AlertRuleRow, firing: AlertFiring[] | { error: string }, now: Iso): Promise<EvaluationResult>;
  listAlerts(filter: AlertFilter): Promise<AlertRow[]>;
  getAlert(id: string): Promise<AlertRow | null>;
  /** Marks an active alert acknowledged (it stays active, so it is not notified again); null when it is not active. */
  acknowledgeAlert(id: string, actor: string): Promise<AlertRow | null>;
  /** Silences an alert's key until `until`: its pending deliveries are cancelled, and it (or a reopening of it) is not notified before then. */
  silenceAlert(id: string, until: Iso, actor: string): Promise<AlertRow | null>;

  /** Leases up to `limit` due pending deliveries to `owner` for `leaseMs`; a delivery is held by one process at a time. */
  claimDeliveries(owner: string, limit: number, leaseMs: number, now: Iso): Promise<AlertDeliveryRow[]>;
  /** Records a send attempt of a delivery this owner holds; false when the lease was lost. */
  finishDelivery(id: string, owner: string, outcome: DeliveryOutcome, now: Iso): Promise<boolean>;
  listDeliveries(alertId: string): Promise<AlertDeliveryRow[]>;

  /** Runs started since `since` (newest first, at most `limit`), of one flow or all. */
  runSamples(since: Iso, flow?: string, limit?: number): Promise<RunSample[]>;
  /** The mapped records (trace `map:*` steps) of a flow's runs started since `since`, newest first. */
  mappedSamples(flow: string, since: Iso, limit?: number): Promise<MappedSample[]>;
}
