/**
 * A prepared hot statement keeps the plan it was given while its table was small: the record-context
 * read joined its keys to `xref` with a sequential scan and kept doing so at 20,000 rows, until
 * something analyzed the table. The PostgreSQL store analyzes its hot tables as they grow, so the
 * statement is planned again with the index. And every claim walks the due-jobs index from its oldest
 * end, dead entries of finished jobs included, until a vacuum removes them: the store vacuums the queue
 * once its dead row versions pass a fixed count.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { readContexts } from '../../src/store/postgres/hot-statements.js';
import { claimStatement } from '../../src/store/postgres/claim.js';
import { FIRST_ANALYZE_ROWS, QUEUE_VACUUM_DEAD_ROWS } from '../../src/store/postgres/table-upkeep.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { TEST_MASTER_KEY } from './conformance.js';

const available = await requirePostgres('table statistics (PostgreSQL)');

/** Names of the relations scanned sequentially anywhere in a JSON plan. */
function seqScans(plan: Record<string, unknown>): string[] {
  const own = plan['Node Type'] === 'Seq Scan' ? [String(plan['Relation Name'])] : [];
  const children = (plan.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return [...own, ...children.flatMap(seqScans)];
}

/**
 * Runs `fn` on a fresh database with a store on it (two connections: one per pool) and a client of its
 * own, with autovacuum kept away from `table` so only the store's upkeep may touch it.
 */
async function withUpkeepDatabase(prefix: string, table: string, fn: (store: PostgresStore, client: pg.Client, url: string) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(prefix);
  const store = (await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 })) as PostgresStore;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`alter table ${table} set (autovacuum_enabled = false)`);
    await fn(store, client, db.url);
  } finally {
    await client.end();
    await store.close();
    await db.drop();
  }
}

/**
 * Runs the store's upkeep check until `done` reads the table's state as wanted (the statistics system
 * reports counts within a second or so); false if it never does. The state, not what one call did, is
 * read: the store's own 5-second timer may do the work between two calls.
 */
async function upkeepUntil(store: PostgresStore, done: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    await store.upkeepTables();
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe.skipIf(!available)('postgres table statistics', () => {
  it('plans the hot statements and the claim once per connection (generic plans), and other queries per call', async () => {
    const db = await createTestDatabase('syncline_plans');
    // Two connections in all: one for queries, one for the hot statements, so each pool hands out the same connection.
    const store = (await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 })) as PostgresStore;
    try {
      for (let i = 0; i < 8; i++) await store.readRecordContext({ connection: 'hub', entity: 'contacts', id: `r${i}` });
      const hot = await store.hotStatementPlans('syncline_read_contexts');
      expect(hot).toMatchObject({ generic: 8, custom: 0 });
      // The claim too: left to choose, PostgreSQL planned it afresh on some runs (0.39 ms a plan, 0.20 to run, against 0.13 generic).
      for (let i = 0; i < 8; i++) await store.claimJobs({ workerId: 'w', limit: 4, leaseMs: 30_000, flows: ['f'] });
      expect(await store.hotStatementPlans('syncline_claim_flows')).toMatchObject({ generic: 8, custom: 0 });
      expect(await store.sessionSetting('plan_cache_mode')).toEqual({ query: 'auto', hot: 'force_generic_plan' });
    } finally {
      await store.close();
      await db.drop();
    }
  });

  it('never JIT-compiles a statement, even on a database set to compile everything', async () => {
    // Statistics taken while a backlog stood made the claim's estimate pass jit_above_cost, and each
    // claim then took 22–34 ms, compiling, to run for under one (src/store/postgres/index.ts, POOL_SESSION).
    const db = await createTestDatabase('syncline_jit');
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(`alter database ${db.name} set jit = on`);
      await admin.query(`alter database ${db.name} set jit_above_cost = 0`);
    } finally {
      await admin.end();
    }
    const store = (await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 })) as PostgresStore;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // The database's setting holds for any other session: where the server has JIT, this one compiles.
      const jit = await client.query<{ available: boolean }>('select pg_jit_available() as available');
      if (jit.rows[0].available) {
        const other = await client.query<{ 'QUERY PLAN': unknown }>('explain (analyze, format json) select count(*) from jobs');
        expect(JSON.stringify(other.rows[0]['QUERY PLAN'])).toContain('"JIT"');
      }
      expect(await store.sessionSetting('jit')).toEqual({ query: 'off', hot: 'off' });
    } finally {
      await client.end();
      await store.close();
      await db.drop();
    }
  });

  it('analyzes a hot table that has grown, so prepared statements stop scanning it whole', async () => {
    await withUpkeepDatabase('syncline_stats', 'xref', async (store, client) => {
      const key = { connection: 'hub', entity: 'contacts', id: 'missing' };
      // Six runs while the table is empty: PostgreSQL then settles on a generic plan for the statement.
      for (let i = 0; i < 6; i++) await readContexts(client, [key]);
      expect((await store.upkeepTables()).analyzed).not.toContain('xref');

      await client.query(`insert into xref (connection, entity, external_id, link_id, created_at)
        select c, 'contacts', 'id' || g, 'L' || g, '2026-01-01T00:00:00.000Z' from generate_series(1, 10000) g, (values ('hub'), ('sink')) v(c)`);
      const plan = async () => {
        const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`explain (format json) execute syncline_read_contexts('{hub}', '{contacts}', '{missing}')`);
        return seqScans(res.rows[0]['QUERY PLAN'][0].Plan);
      };
      // The plan made for the empty table, still in use at 20,000 rows.
      expect(await plan()).toContain('xref');

      const analyzed = async () => {
        const rel = await client.query<{ reltuples: number }>(`select reltuples from pg_class where relname = 'xref' and relnamespace = current_schema()::regnamespace`);
        return Number(rel.rows[0].reltuples) >= 20_000;
      };
      expect(await upkeepUntil(store, analyzed)).toBe(true);
      expect(await plan()).not.toContain('xref');
      // Grown by less than its size since: not analyzed again.
      await client.query(`insert into xref (connection, entity, external_id, link_id, created_at)
        select 'hub', 'accounts', 'id' || g, 'M' || g, '2026-01-01T00:00:00.000Z' from generate_series(1, ${FIRST_ANALYZE_ROWS}) g`);
      expect((await store.upkeepTables()).analyzed).not.toContain('xref');
    });
  });
});

describe.skipIf(!available)('postgres queue vacuum', () => {
  it('vacuums the queue once its dead row versions pass the threshold, so an empty claim stops walking them', async () => {
    await withUpkeepDatabase('syncline_queue_vacuum', 'jobs', async (store, client, url) => {
      const jobs = QUEUE_VACUUM_DEAD_ROWS / 2 + 500;
      const at = new Date(Date.now() - 1000).toISOString();
      await store.enqueue(Array.from({ length: jobs }, (_, i) => ({ flow: 'f', kind: 'event' as const, payload: { i }, runAt: at, flowVersion: 1, maxAttempts: 3 })));
      // Each job claimed and finished, as the workers leave them: two dead versions per job. On a
      // connection of its own, closed after, so its counts reach the statistics system at once (an idle
      // session reports them only after 10 s).
      const worker = new pg.Client({ connectionString: url });
      await worker.connect();
      await worker.query(`update jobs set status = 'running', lease_owner = 'w', lease_expires_at = '2999-01-01T00:00:00.000Z'`);
      await worker.query(`update jobs set status = 'done', lease_owner = null, lease_expires_at = null`);
      await worker.end();
      const claimBuffers = async (): Promise<number> => {
        const claim = claimStatement({ workerId: 'w2', limit: 8, leaseMs: 30_000 });
        const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }> }>({ text: `explain (analyze, buffers, format json) ${claim.text}`, values: claim.values });
        const plan = res.rows[0]['QUERY PLAN'][0].Plan;
        return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
      };
      const before = await claimBuffers();
      const vacuumed = async () => {
        const stat = await client.query<{ vacuum_count: string }>(`select vacuum_count from pg_stat_user_tables where relname = 'jobs' and schemaname = current_schema()`);
        return Number(stat.rows[0].vacuum_count) > 0;
      };
      expect(await upkeepUntil(store, vacuumed)).toBe(true);
      const after = await claimBuffers();
      // The due-jobs index held an entry per job, every one of them walked; after the vacuum the claim reads a handful of pages.
      expect(before).toBeGreaterThan(30);
      expect(after).toBeLessThan(before / 3);
      // Below the threshold again: the next check leaves the queue alone.
      expect((await store.upkeepTables()).vacuumed).toEqual([]);
    });
  });
});

describe.skipIf(!available)('postgres claim plan', () => {
  it('claims by primary key however many jobs the statistics say are queued', async () => {
    await withUpkeepDatabase('syncline_claim_plan', 'jobs', async (_store, client) => {
      // Statistics taken while a backlog stood: 30,000 of 40,000 jobs queued. The claim's generic plan
      // then expected hundreds of due rows and joined them to a sequential scan of the whole table, which
      // holds every finished job kept for retention: 2,050 pages per claim at 42,000 jobs, long after the
      // backlog had gone (auto_explain on the engine benchmark, 2026-12-07).
      await client.query(`insert into jobs (id, flow, flow_version, kind, payload, record_key, max_attempts, status, attempts, run_at, created_at, updated_at)
        select md5(g::text), 'f', 1, 'event', '{}', 'k' || g, 3, case when g > 10000 then 'queued' else 'done' end, 0,
               '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
          from generate_series(1, 40000) g`);
      await client.query('analyze jobs');
      // As the store's hot connections run it: prepared by name, kept to its generic plan.
      await client.query('set plan_cache_mode = force_generic_plan');
      for (const byFlow of [false, true]) {
        const claim = claimStatement({ workerId: 'w', limit: 64, leaseMs: 30_000, ...(byFlow ? { flows: ['f'] } : {}) });
        await client.query({ name: claim.name, text: claim.text, values: claim.values });
        const params = claim.values.map((v) => (Array.isArray(v) ? `'{${v.join(',')}}'` : typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
        const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`explain (format json) execute ${claim.name}(${params})`);
        expect(seqScans(res.rows[0]['QUERY PLAN'][0].Plan), claim.name).toEqual([]);
      }
    });
  });
});
