/**
 * A store outage (the database connection killed, refused or shut down) is told apart from a record's
 * own failures and from a vendor's network errors, through the causes a SyncError wraps.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SyncError, toSyncError } from '../../src/core/errors.js';
import { isStoreOutage } from '../../src/store/outage.js';
import { PG_ADMIN_URL, requirePostgres } from '../support/postgres.js';

describe('isStoreOutage', async () => {
  const pgUp = await requirePostgres('store outage classification against a real killed connection');

  it.runIf(pgUp)('recognises a killed PostgreSQL connection, also when wrapped in a SyncError', async () => {
    const victim = new pg.Client({ connectionString: PG_ADMIN_URL });
    const killer = new pg.Client({ connectionString: PG_ADMIN_URL });
    victim.on('error', () => undefined);
    await victim.connect();
    await killer.connect();
    try {
      const { rows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid');
      const sleeping = victim.query('select pg_sleep(30)').then(
        () => null,
        (err: unknown) => err,
      );
      // Wait until the sleep is running on the server, then end that backend.
      for (let i = 0; i < 200; i++) {
        const active = await killer.query("select 1 from pg_stat_activity where pid = $1 and query like 'select pg_sleep%' and state = 'active'", [rows[0].pid]);
        if (active.rowCount) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await killer.query('select pg_terminate_backend($1)', [rows[0].pid]);
      const err = await sleeping;
      expect(err).toBeInstanceOf(Error);
      expect(isStoreOutage(err)).toBe(true);
      expect(isStoreOutage(toSyncError(err))).toBe(true);
      expect(isStoreOutage(new SyncError('retryable', 'cross-reference lookup failed', {}, { cause: err }))).toBe(true);
      // The same client afterwards: not queryable.
      const again = await victim.query('select 1').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isStoreOutage(again)).toBe(true);
    } finally {
      await killer.end();
      await victim.end().catch(() => undefined);
    }
  });

  it('does not take a record failure, a vendor error or a data error for an outage', () => {
    expect(isStoreOutage(new SyncError('retryable', 'HTTP 503 from Sage 100', { status: 503 }))).toBe(false);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(isStoreOutage(toSyncError(new TypeError('fetch failed', { cause: reset })))).toBe(false);
    // A SQLSTATE of another class (invalid text) is the data, not the connection.
    const bad = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', severity: 'ERROR' });
    expect(isStoreOutage(bad)).toBe(false);
    expect(isStoreOutage('Connection terminated unexpectedly')).toBe(false);
  });
});
