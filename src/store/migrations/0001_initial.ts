/** The first schema: every table of the store, with the indexes its queries use. */
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';

// Migrations must not depend on the current Database type (it changes later); they see `unknown`.
type Db = Kysely<unknown>;

/** The SQL dialect a migration runs on; the schema is the same, storage hints differ. */
export type MigrationDialect = 'sqlite' | 'postgres';

async function up(db: Db, dialect: MigrationDialect): Promise<void> {
  // SQLite keeps a table with a non-integer primary key as two b-trees (rowid table + key index);
  // WITHOUT ROWID makes the key the table. Worth it for the small, hot, key-addressed tables.
  // PostgreSQL has no such distinction.
  const compact = <T extends string, C extends string>(t: CreateTableBuilder<T, C>) =>
    dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t;

  await db.schema
    .createTable('connections')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await compact(
    db.schema
      .createTable('connection_state')
      .addColumn('connection', 'text', (c) => c.notNull().references('connections.name').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('connection_state_pk', ['connection', 'key'])
    ).execute();

  await db.schema
    .createTable('flows')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('flow_versions')
    .addColumn('flow', 'text', (c) => c.notNull().references('flows.name').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('deployed_at', 'text', (c) => c.notNull())
    .addColumn('deployed_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('flow_versions_pk', ['flow', 'version'])
    .execute();

  await compact(
    db.schema
      .createTable('inbox')
      .addColumn('flow', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('inbox_pk', ['flow', 'delivery_id'])
    ).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('flow_version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text')
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Claims scan due queued jobs by run_at and running jobs by lease expiry; partial indexes keep
  // both small because finished jobs (the bulk of the table) are in neither.
  await db.schema
    .createIndex('jobs_due_idx')
    .on('jobs')
    .columns(['run_at', 'id'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
  await db.schema
    .createIndex('jobs_lease_idx')
    .on('jobs')
    .column('lease_expires_at')
    .where(sql.ref('status'), '=', 'running')
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('flow_version', 'integer', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('stats', 'text')
    .execute();
  await db.schema.createIndex('runs_flow_idx').on('runs').columns(['flow', 'id']).execute();
  await db.schema.createIndex('runs_started_idx').on('runs').column('started_at').execute();

  await db.schema
    .createTable('traces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('connection', 'text')
    .addColumn('entity', 'text')
    .addColumn('external_id', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('lineage', 'text')
    .addColumn('error', 'text')
    .addColumn('keys', 'text')
    .execute();
  await db.schema.createIndex('traces_run_idx').on('traces').columns(['run_id', 'id']).execute();
  await compact(
    db.schema
      .createTable('trace_keys')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('trace_keys_pk', ['key', 'trace_id'])
    ).execute();

  await compact(
    db.schema
      .createTable('xref')
      .addColumn('connection', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('xref_pk', ['connection', 'entity', 'external_id'])
    ).execute();
  await db.schema.createIndex('xref_link_idx').on('xref').columns(['link_id', 'connection', 'entity']).execute();
  await compact(
    db.schema
      .createTable('target_hashes')
      .addColumn('connection', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('target_hashes_pk', ['connection', 'entity', 'external_id'])
    ).execute();
  await compact(
    db.schema
      .createTable('watermarks')
      .addColumn('flow', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('watermarks_pk', ['flow', 'key'])
    ).execute();

  await db.schema
    .createTable('dead_letters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('flow_version', 'integer', (c) => c.notNull())
    .addColumn('record_key', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('error_kind', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('replay_job_id', 'text')
    .execute();
  await db.schema.createIndex('dead_letters_status_idx').on('dead_letters').columns(['status', 'flow', 'signature']).execute();
  await db.schema.createIndex('dead_letters_flow_idx').on('dead_letters').columns(['flow', 'id']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_actor_idx').on('audit_log').columns(['actor', 'id']).execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('must_change_password', 'integer', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_login_at', 'text')
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();
}

async function down(db: Db): Promise<void> {
  for (const table of [
    'api_tokens',
    'sessions',
    'users',
    'audit_log',
    'dead_letters',
    'watermarks',
    'target_hashes',
    'xref',
    'trace_keys',
    'traces',
    'runs',
    'jobs',
    'inbox',
    'flow_versions',
    'flows',
    'connection_state',
    'connections',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

/** Migration 0001 for one dialect. */
export function initial(dialect: MigrationDialect): Migration {
  return { up: (db) => up(db, dialect), down };
}
