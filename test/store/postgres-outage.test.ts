/**
 * Which database errors the engine treats as an outage (the job runs again, uncounted) and which as
 * the statement failing: a terminated backend and the broken client it leaves are outages; a syntax
 * error, a constraint violation or a vendor's refused connection are not. The errors are real ones
 * from a PostgreSQL server, not hand-made look-alikes.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isPostgresOutage } from '../../src/store/postgres/outage.js';
import { SyncError, toSyncError } from '../../src/core/errors.js';
import { PG_ADMIN_URL, requirePostgres } from '../support/postgres.js';

const available = await requirePostgres('telling database outages from statement errors');

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe.skipIf(!available)('PostgreSQL outages', () => {
  it('are a terminated backend and the client it leaves broken, also when wrapped', async () => {
    const victim = new pg.Client({ connectionString: PG_ADMIN_URL, application_name: 'syncline outage test' });
    victim.on('error', () => undefined);
    await victim.connect();
    const pid = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    const sleeping = errorOf(() => victim.query('select pg_sleep(30)'));
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    // Wait until the sleep is running, then end it as a failover or an idle-connection killer would.
    for (let i = 0; i < 100; i++) {
      const r = await admin.query("select 1 from pg_stat_activity where pid = $1 and query like 'select pg_sleep%'", [pid]);
      if (r.rowCount) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await admin.query('select pg_terminate_backend($1)', [pid]);
    const terminated = await sleeping;
    expect(isPostgresOutage(terminated)).toBe(true);
    const broken = await errorOf(() => victim.query('select 1'));
    expect(isPostgresOutage(broken)).toBe(true);
    // As the engine sees it: wrapped into a retryable SyncError, with the driver's error as the cause.
    expect(isPostgresOutage(toSyncError(broken).cause)).toBe(true);
    expect(isPostgresOutage(new SyncError('retryable', 'lookup failed', {}, { cause: terminated }))).toBe(true);

    // What is not an outage: the statement's own fault, and a vendor's refused connection.
    expect(isPostgresOutage(await errorOf(() => admin.query('selec 1')))).toBe(false);
    await admin.query('create temporary table t (id int primary key)');
    await admin.query('insert into t values (1)');
    expect(isPostgresOutage(await errorOf(() => admin.query('insert into t values (1)')))).toBe(false);
    const refused = await errorOf(() => fetch('http://127.0.0.1:9/'));
    expect(isPostgresOutage(refused)).toBe(false);
    await admin.end();
    await victim.end().catch(() => undefined);
  });
});
