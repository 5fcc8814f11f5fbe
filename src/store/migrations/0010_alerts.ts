/**
 * Alerts (decision 0016): notification channels (secrets sealed like connection secrets), alert rules,
 * the alerts they raised (one active alert per rule and subject, enforced by a partial unique index so
 * two evaluators cannot both open it) and the deliveries of each alert to each channel, claimed with a
 * lease like jobs so one process sends each.
 */
import { sql, type Kysely, type Migration } from 'kysely';

type Db = Kysely<unknown>;

async function up(db: Db): Promise<void> {
  await db.schema
    .createTable('alert_channels')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_rules')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('last_evaluated_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_at', 'text')
    .addColumn('silenced_until', 'text')
    .addColumn('silenced_by', 'text')
    .addColumn('resolved_at', 'text')
    .execute();
  // The dedupe: at most one open or acknowledged alert per key (rule + subject).
  await db.schema.createIndex('alerts_active_key_idx').on('alerts').column('dedupe_key').unique().where(sql.ref('status'), '<>', 'resolved').execute();
  await db.schema.createIndex('alerts_key_idx').on('alerts').columns(['dedupe_key', 'opened_at']).execute();
  await db.schema.createIndex('alerts_rule_status_idx').on('alerts').columns(['rule', 'status']).execute();
  await db.schema.createIndex('alerts_opened_idx').on('alerts').column('opened_at').execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_deliveries_due_idx').on('alert_deliveries').columns(['status', 'next_at']).execute();
  await db.schema.createIndex('alert_deliveries_alert_idx').on('alert_deliveries').columns(['alert_id', 'created_at']).execute();
}

async function down(db: Db): Promise<void> {
  for (const t of ['alert_deliveries', 'alerts', 'alert_rules', 'alert_channels']) await db.schema.dropTable(t).ifExists().execute();
}

/** Migration 0010 (both dialects). */
export const alertTables: Migration = { up, down };
