/**
 * AlertStore over Kysely, shared by the SQLite and PostgreSQL adapters (JSON as text, ISO stamps, like
 * every table). The dedupe is the database's: a partial unique index allows one active alert per key,
 * and an insert that meets it does nothing, so concurrent evaluators open an alert once.
 */
import { sql, type Kysely } from 'kysely';
import type { JsonObject } from '../../core/json.js';
import type { SecretBox } from '../secrets.js';
import type {
  AlertChannelInput,
  AlertChannelRow,
  AlertChannelType,
  AlertChannelWithSecrets,
  AlertDeliveryRow,
  AlertFilter,
  AlertFiring,
  AlertRow,
  AlertRuleInput,
  AlertRuleRow,
  AlertStore,
  DeliveryOutcome,
  EvaluationResult,
  MappedSample,
  RunSample,
} from './types.js';

interface ChannelsTable { name: string; type: string; settings: string; secrets: string; created_at: string; updated_at: string }
interface RulesTable {
  name: string; kind: string; params: string; channels: string; enabled: number; last_evaluated_at: string | null; last_error: string | null; created_at: string; updated_at: string;
}
interface AlertsTable {
  id: string; rule: string; kind: string; subject: string; dedupe_key: string; status: string; severity: string; title: string; text: string; details: string; links: string;
  opened_at: string; last_seen_at: string; acknowledged_by: string | null; acknowledged_at: string | null; silenced_until: string | null; silenced_by: string | null; resolved_at: string | null;
}
interface DeliveriesTable {
  id: string; alert_id: string; channel: string; event: string; status: string; attempts: number; next_at: string; lease_owner: string | null; lease_expires_at: string | null;
  last_error: string | null; sent_at: string | null; created_at: string;
}
interface AuditTable { id: string; at: string; actor: string; action: string; target: string; details: string | null }
interface RunsTable { id: string; flow: string; status: string; trigger: string; started_at: string; error: string | null }
interface TracesTable { run_id: string; step: string; after: string | null }

/** The tables this module reads and writes (migration 0010, and runs, traces and the audit log of 0001). */
export interface AlertDatabase {
  alert_channels: ChannelsTable;
  alert_rules: RulesTable;
  alerts: AlertsTable;
  alert_deliveries: DeliveriesTable;
  audit_log: AuditTable;
  runs: RunsTable;
  traces: TracesTable;
}

/** How the adapter runs writes (SQLite queues them behind its one writer). */
export interface AlertStoreWriter {
  write<T>(fn: (db: Kysely<AlertDatabase>) => Promise<T>): Promise<T>;
  tx<T>(fn: (db: Kysely<AlertDatabase>) => Promise<T>): Promise<T>;
  newId(): string;
  secretBox: SecretBox;
}

/** The associated-data owner channel secrets are sealed under (never a connection's name: those cannot hold a colon). */
export function channelSecretOwner(name: string): string {
  return `alert-channel:${name}`;
}

const ACTIVE = ['open', 'acknowledged'] as const;
const parse = <T>(t: string | null, fallback: T): T => (t === null ? fallback : (JSON.parse(t) as T));

function channelOf(r: ChannelsTable): AlertChannelRow {
  return {
    name: r.name,
    type: r.type as AlertChannelType,
    settings: JSON.parse(r.settings) as Record<string, unknown>,
    secretNames: Object.keys(JSON.parse(r.secrets) as object).sort(),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
function ruleOf(r: RulesTable): AlertRuleRow {
  return {
    name: r.name,
    kind: r.kind,
    params: JSON.parse(r.params) as JsonObject,
    channels: JSON.parse(r.channels) as string[],
    enabled: Number(r.enabled) === 1,
    lastEvaluatedAt: r.last_evaluated_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
function alertOf(r: AlertsTable): AlertRow {
  return {
    id: r.id,
    rule: r.rule,
    kind: r.kind,
    subject: r.subject,
    key: r.dedupe_key,
    status: r.status as AlertRow['status'],
    severity: r.severity as AlertRow['severity'],
    title: r.title,
    text: r.text,
    details: JSON.parse(r.details) as JsonObject,
    links: JSON.parse(r.links) as AlertRow['links'],
    openedAt: r.opened_at,
    lastSeenAt: r.last_seen_at,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
    silencedUntil: r.silenced_until,
    silencedBy: r.silenced_by,
    resolvedAt: r.resolved_at,
  };
}
function deliveryOf(r: DeliveriesTable): AlertDeliveryRow {
  return {
    id: r.id,
    alertId: r.alert_id,
    channel: r.channel,
    event: r.event as AlertDeliveryRow['event'],
    status: r.status as AlertDeliveryRow['status'],
    attempts: Number(r.attempts),
    nextAt: r.next_at,
    lastError: r.last_error,
    sentAt: r.sent_at,
    createdAt: r.created_at,
  };
}

/** The dedupe key of a rule's subject. */
export function alertKey(rule: string, subject: string): string {
  return `${rule}|${subject}`;
}

/** The AlertStore of a Kysely store. */
export class KyselyAlertStore implements AlertStore {
  constructor(
    private readonly db: Kysely<AlertDatabase>,
    private readonly w: AlertStoreWriter,
  ) {}

  private async audit(db: Kysely<AlertDatabase>, actor: string, action: string, target: string, details: JsonObject, at: string): Promise<void> {
    await db.insertInto('audit_log').values({ id: this.w.newId(), at, actor, action, target, details: JSON.stringify(details) }).execute();
  }

  // ---------- channels ----------
  async putChannel(input: AlertChannelInput, actor: string): Promise<AlertChannelRow> {
    const now = new Date().toISOString();
    return this.w.tx(async (db) => {
      const existing = await db.selectFrom('alert_channels').selectAll().where('name', '=', input.name).executeTakeFirst();
      // A channel changing type keeps no secret of the old type.
      const secrets: Record<string, string> = existing && existing.type === input.type ? (JSON.parse(existing.secrets) as Record<string, string>) : {};
      for (const [key, value] of Object.entries(input.secrets)) {
        if (value === '') delete secrets[key];
        else secrets[key] = this.w.secretBox.encrypt(channelSecretOwner(input.name), key, value);
      }
      const row: ChannelsTable = {
        name: input.name,
        type: input.type,
        settings: JSON.stringify(input.settings),
        secrets: JSON.stringify(secrets),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      if (existing) await db.updateTable('alert_channels').set(row).where('name', '=', input.name).execute();
      else await db.insertInto('alert_channels').values(row).execute();
      // Names only: secret values never reach the audit log.
      await this.audit(db, actor, existing ? 'alert.channel.update' : 'alert.channel.create', `alert-channel:${input.name}`, { type: input.type, secretsChanged: Object.keys(input.secrets) }, now);
      return channelOf(row);
    });
  }

  async getChannel(name: string): Promise<AlertChannelWithSecrets | null> {
    const r = await this.db.selectFrom('alert_channels').selectAll().where('name', '=', name).executeTakeFirst();
    if (!r) return null;
    const sealed = JSON.parse(r.secrets) as Record<string, string>;
    const secrets = Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, this.w.secretBox.decrypt(channelSecretOwner(name), k, v)]));
    return { ...channelOf(r), secrets };
  }

  async listChannels(): Promise<AlertChannelRow[]> {
    return (await this.db.selectFrom('alert_channels').selectAll().orderBy('name').execute()).map(channelOf);
  }

  async deleteChannel(name: string, actor: string): Promise<boolean> {
    return this.w.tx(async (db) => {
      const res = await db.deleteFrom('alert_channels').where('name', '=', name).executeTakeFirst();
      const deleted = Number(res.numDeletedRows) > 0;
      if (deleted) {
        await db.updateTable('alert_deliveries').set({ status: 'cancelled', last_error: 'channel deleted' }).where('channel', '=', name).where('status', '=', 'pending').execute();
        await this.audit(db, actor, 'alert.channel.delete', `alert-channel:${name}`, {}, new Date().toISOString());
      }
      return deleted;
    });
  }

  // ---------- rules ----------
  async putRule(input: AlertRuleInput, actor: string): Promise<AlertRuleRow> {
    const now = new Date().toISOString();
    return this.w.tx(async (db) => {
      const existing = await db.selectFrom('alert_rules').selectAll().where('name', '=', input.name).executeTakeFirst();
      const row: RulesTable = {
        name: input.name,
        kind: input.kind,
        params: JSON.stringify(input.params),
        channels: JSON.stringify(input.channels),
        enabled: input.enabled ? 1 : 0,
        last_evaluated_at: existing?.last_evaluated_at ?? null,
        last_error: null,
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      if (existing) await db.updateTable('alert_rules').set(row).where('name', '=', input.name).execute();
      else await db.insertInto('alert_rules').values(row).execute();
      await this.audit(db, actor, existing ? 'alert.rule.update' : 'alert.rule.create', `alert-rule:${input.name}`, { kind: input.kind, params: input.params, channels: input.channels, enabled: input.enabled }, now);
      return ruleOf(row);
    });
  }

  async getRule(name: string): Promise<AlertRuleRow | null> {
    const r = await this.db.selectFrom('alert_rules').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? ruleOf(r) : null;
  }

  async listRules(): Promise<AlertRuleRow[]> {
    return (await this.db.selectFrom('alert_rules').selectAll().orderBy('name').execute()).map(ruleOf);
  }

  async deleteRule(name: string, actor: string): Promise<boolean> {
    const now = new Date().toISOString();
    return this.w.tx(async (db) => {
      const res = await db.deleteFrom('alert_rules').where('name', '=', name).executeTakeFirst();
      const deleted = Number(res.numDeletedRows) > 0;
      if (deleted) {
        await db.updateTable('alerts').set({ status: 'resolved', resolved_at: now }).where('rule', '=', name).where('status', 'in', ACTIVE).execute();
        await this.audit(db, actor, 'alert.rule.delete', `alert-rule:${name}`, {}, now);
      }
      return deleted;
    });
  }

  // ---------- evaluation ----------
  async recordEvaluation(rule: AlertRuleRow, firing: AlertFiring[] | { error: string }, now: string): Promise<EvaluationResult> {
    return this.w.tx(async (db) => {
      if (!Array.isArray(firing)) {
        await db.updateTable('alert_rules').set({ last_evaluated_at: now, last_error: firing.error }).where('name', '=', rule.name).execute();
        return { opened: [], resolved: [], ongoing: 0 };
      }
      await db.updateTable('alert_rules').set({ last_evaluated_at: now, last_error: null }).where('name', '=', rule.name).execute();
      const active = await db.selectFrom('alerts').selectAll().where('rule', '=', rule.name).where('status', 'in', ACTIVE).execute();
      const byKey = new Map(active.map((a) => [a.dedupe_key, a]));
      const result: EvaluationResult = { opened: [], resolved: [], ongoing: 0 };
      const firingKeys = new Set<string>();
      for (const f of firing) {
        const key = alertKey(rule.name, f.subject);
        if (firingKeys.has(key)) continue;
        firingKeys.add(key);
        const current = byKey.get(key);
        if (current) {
          // Still firing: the newest figures, no new notification.
          await db
            .updateTable('alerts')
            .set({ last_seen_at: now, text: f.text, title: f.title, severity: f.severity, details: JSON.stringify(f.details), links: JSON.stringify(f.links) })
            .where('id', '=', current.id)
            .execute();
          result.ongoing += 1;
          continue;
        }
        // A silence outlives the alert it was set on: a reopening of the key within it is not notified.
        const silence = await db
          .selectFrom('alerts')
          .select(['silenced_until', 'silenced_by'])
          .where('dedupe_key', '=', key)
          .where('silenced_until', '>', now)
          .orderBy('silenced_until', 'desc')
          .limit(1)
          .executeTakeFirst();
        const row: AlertsTable = {
          id: this.w.newId(),
          rule: rule.name,
          kind: rule.kind,
          subject: f.subject,
          dedupe_key: key,
          status: 'open',
          severity: f.severity,
          title: f.title,
          text: f.text,
          details: JSON.stringify(f.details),
          links: JSON.stringify(f.links),
          opened_at: now,
          last_seen_at: now,
          acknowledged_by: null,
          acknowledged_at: null,
          silenced_until: silence?.silenced_until ?? null,
          silenced_by: silence?.silenced_by ?? null,
          resolved_at: null,
        };
        const inserted = await db
          .insertInto('alerts')
          .values(row)
          // The index predicate is a literal: PostgreSQL infers the partial index at parse time, before parameters are known.
          .onConflict((oc) => oc.column('dedupe_key').where(sql.ref('status'), '<>', sql.lit('resolved')).doNothing())
          .returning('id')
          .execute();
        if (inserted.length === 0) continue; // another evaluator opened it first
        if (!silence) await this.queueDeliveries(db, row.id, rule.channels, 'opened', now);
        result.opened.push(alertOf(row));
      }
      for (const a of active) {
        if (firingKeys.has(a.dedupe_key)) continue;
        const done = await db.updateTable('alerts').set({ status: 'resolved', resolved_at: now }).where('id', '=', a.id).where('status', 'in', ACTIVE).returning('id').execute();
        if (done.length === 0) continue;
        const silenced = a.silenced_until !== null && a.silenced_until > now;
        if (!silenced) await this.queueDeliveries(db, a.id, rule.channels, 'resolved', now);
        result.resolved.push(alertOf({ ...a, status: 'resolved', resolved_at: now }));
      }
      return result;
    });
  }

  private async queueDeliveries(db: Kysely<AlertDatabase>, alertId: string, channels: string[], event: 'opened' | 'resolved', now: string): Promise<void> {
    if (channels.length === 0) return;
    await db
      .insertInto('alert_deliveries')
      .values(
        [...new Set(channels)].map((channel) => ({
          id: this.w.newId(),
          alert_id: alertId,
          channel,
          event,
          status: 'pending',
          attempts: 0,
          next_at: now,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          sent_at: null,
          created_at: now,
        })),
      )
      .execute();
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRow[]> {
    let q = this.db.selectFrom('alerts').selectAll();
    if (filter.status === 'active') q = q.where('status', 'in', ACTIVE);
    else if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.rule) q = q.where('rule', '=', filter.rule);
    if (filter.before) {
      const before = await this.db.selectFrom('alerts').select(['opened_at', 'id']).where('id', '=', filter.before).executeTakeFirst();
      if (before) q = q.where((eb) => eb.or([eb('opened_at', '<', before.opened_at), eb.and([eb('opened_at', '=', before.opened_at), eb('id', '<', before.id)])]));
    }
    const rows = await q.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map(alertOf);
  }

  async getAlert(id: string): Promise<AlertRow | null> {
    const r = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? alertOf(r) : null;
  }

  async acknowledgeAlert(id: string, actor: string): Promise<AlertRow | null> {
    const now = new Date().toISOString();
    return this.w.tx(async (db) => {
      const done = await db.updateTable('alerts').set({ status: 'acknowledged', acknowledged_by: actor, acknowledged_at: now }).where('id', '=', id).where('status', '=', 'open').returning('id').execute();
      if (done.length === 0) return null;
      await this.audit(db, actor, 'alert.acknowledge', `alert:${id}`, {}, now);
      const r = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return alertOf(r);
    });
  }

  async silenceAlert(id: string, until: string, actor: string): Promise<AlertRow | null> {
    const now = new Date().toISOString();
    return this.w.tx(async (db) => {
      const done = await db.updateTable('alerts').set({ silenced_until: until, silenced_by: actor }).where('id', '=', id).returning('id').execute();
      if (done.length === 0) return null;
      await db.updateTable('alert_deliveries').set({ status: 'cancelled', last_error: `silenced by ${actor} until ${until}` }).where('alert_id', '=', id).where('status', '=', 'pending').execute();
      await this.audit(db, actor, 'alert.silence', `alert:${id}`, { until }, now);
      const r = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return alertOf(r);
    });
  }

  // ---------- deliveries ----------
  async claimDeliveries(owner: string, limit: number, leaseMs: number, now: string): Promise<AlertDeliveryRow[]> {
    const leaseEnd = new Date(Date.parse(now) + leaseMs).toISOString();
    return this.w.tx(async (db) => {
      const due = await db
        .selectFrom('alert_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_at', '<=', now)
        .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
        .orderBy('next_at')
        .limit(limit)
        .execute();
      const out: AlertDeliveryRow[] = [];
      for (const { id } of due) {
        // Conditional on the row still being free: of two processes reaching it, one gets it.
        const got = await db
          .updateTable('alert_deliveries')
          .set({ lease_owner: owner, lease_expires_at: leaseEnd })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
          .returningAll()
          .execute();
        if (got[0]) out.push(deliveryOf(got[0]));
      }
      return out;
    });
  }

  async finishDelivery(id: string, owner: string, outcome: DeliveryOutcome, now: string): Promise<boolean> {
    return this.w.write(async (db) => {
      const row = await db.selectFrom('alert_deliveries').select(['attempts']).where('id', '=', id).executeTakeFirst();
      if (!row) return false;
      const attempts = Number(row.attempts) + 1;
      const set: Partial<DeliveriesTable> = outcome.ok
        ? { status: 'sent', attempts, sent_at: now, last_error: null, lease_owner: null, lease_expires_at: null }
        : outcome.retryAt
          ? { status: 'pending', attempts, next_at: outcome.retryAt, last_error: outcome.error, lease_owner: null, lease_expires_at: null }
          : { status: 'failed', attempts, last_error: outcome.error, lease_owner: null, lease_expires_at: null };
      const done = await db.updateTable('alert_deliveries').set(set).where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'pending').returning('id').execute();
      return done.length > 0;
    });
  }

  async listDeliveries(alertId: string): Promise<AlertDeliveryRow[]> {
    return (await this.db.selectFrom('alert_deliveries').selectAll().where('alert_id', '=', alertId).orderBy('created_at').orderBy('id').execute()).map(deliveryOf);
  }

  // ---------- what rules read ----------
  async runSamples(since: string, flow?: string, limit = 50_000): Promise<RunSample[]> {
    let q = this.db.selectFrom('runs').select(['id', 'flow', 'status', 'trigger', 'started_at', 'error']).where('started_at', '>=', since);
    if (flow) q = q.where('flow', '=', flow);
    const rows = await q.orderBy('started_at', 'desc').limit(limit).execute();
    return rows.map((r) => {
      const err = parse<{ kind?: string; message?: string; details?: { connection?: string } } | null>(r.error, null);
      return {
        id: r.id,
        flow: r.flow,
        status: r.status,
        trigger: r.trigger,
        startedAt: r.started_at,
        errorConnection: err?.details?.connection ?? null,
        errorKind: err?.kind ?? null,
        errorMessage: err?.message ?? null,
      };
    });
  }

  async mappedSamples(flow: string, since: string, limit = 20_000): Promise<MappedSample[]> {
    const rows = await this.db
      .selectFrom('runs')
      .innerJoin('traces', 'traces.run_id', 'runs.id')
      .select(['runs.id as runId', 'traces.step as step', 'runs.started_at as startedAt', 'traces.after as after'])
      .where('runs.flow', '=', flow)
      .where('runs.started_at', '>=', since)
      .where('traces.step', 'like', 'map:%')
      .orderBy('runs.started_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ runId: r.runId, step: r.step, startedAt: r.startedAt, after: parse<unknown>(r.after, null) }));
  }
}
