/**
 * A prepared hot statement keeps the plan it was given while its table was small: the record-context
 * read joined its keys to `xref` with a sequential scan and kept doing so at 20,000 rows, until
 * something analyzed the table. The PostgreSQL store analyzes its hot tables as they grow, so the
 * statement is planned again with the index.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { readContexts } from '../../src/store/postgres/hot-statements.js';
import { FIRST_ANALYZE_ROWS } from '../../src/store/postgres/stats-keeper.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { TEST_MASTER_KEY } from './conformance.js';

const available = await requirePostgres('table statistics (PostgreSQL)');

/** Names of the relations scanned sequentially anywhere in a JSON plan. */
function seqScans(plan: Record<string, unknown>): string[] {
  const own = plan['Node Type'] === 'Seq Scan' ? [String(plan['Relation Name'])] : [];
  const children = (plan.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return [...own, ...children.flatMap(seqScans)];
}

describe.skipIf(!available)('postgres table statistics', () => {
  it('plans the hot statements once per connection (generic plans), and other queries per call', async () => {
    const db = await createTestDatabase('syncline_plans');
    // Two connections in all: one for queries, one for the hot statements, so each pool hands out the same connection.
    const store = (await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 })) as PostgresStore;
    try {
      for (let i = 0; i < 8; i++) await store.readRecordContext({ connection: 'hub', entity: 'contacts', id: `r${i}` });
      const hot = await store.hotStatementPlans('syncline_read_contexts');
      expect(hot).toMatchObject({ generic: 8, custom: 0 });
      const session = await store.pool.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(session.rows[0].plan_cache_mode).toBe('auto');
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('analyzes a hot table that has grown, so prepared statements stop scanning it whole', async () => {
    const db = await createTestDatabase('syncline_stats');
    const store = (await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 })) as PostgresStore;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Autovacuum kept away: only the store may analyze.
      await client.query('alter table xref set (autovacuum_enabled = false)');
      const key = { connection: 'hub', entity: 'contacts', id: 'missing' };
      // Six runs while the table is empty: PostgreSQL then settles on a generic plan for the statement.
      for (let i = 0; i < 6; i++) await readContexts(client, [key]);
      expect(await store.refreshGrowingTables()).not.toContain('xref');

      await client.query(`insert into xref (connection, entity, external_id, link_id, created_at)
        select c, 'contacts', 'id' || g, 'L' || g, '2026-01-01T00:00:00.000Z' from generate_series(1, 10000) g, (values ('hub'), ('sink')) v(c)`);
      const plan = async () => {
        const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`explain (format json) execute syncline_read_contexts('{hub}', '{contacts}', '{missing}')`);
        return seqScans(res.rows[0]['QUERY PLAN'][0].Plan);
      };
      // The plan made for the empty table, still in use at 20,000 rows.
      expect(await plan()).toContain('xref');

      // The statistics system counts the new rows within a second or so; the check runs until it sees them.
      let analyzed = false;
      for (let i = 0; i < 50 && !analyzed; i++) {
        await store.refreshGrowingTables();
        const rel = await client.query<{ reltuples: number }>(`select reltuples from pg_class where relname = 'xref' and relnamespace = current_schema()::regnamespace`);
        analyzed = Number(rel.rows[0].reltuples) >= 20_000;
        if (!analyzed) await new Promise((r) => setTimeout(r, 200));
      }
      expect(analyzed).toBe(true);
      expect(await plan()).not.toContain('xref');
      // Grown by less than its size since: not analyzed again.
      await client.query(`insert into xref (connection, entity, external_id, link_id, created_at)
        select 'hub', 'accounts', 'id' || g, 'M' || g, '2026-01-01T00:00:00.000Z' from generate_series(1, ${FIRST_ANALYZE_ROWS}) g`);
      expect(await store.refreshGrowingTables()).not.toContain('xref');
    } finally {
      await client.end();
      await store.close();
      await db.drop();
    }
  });
});
