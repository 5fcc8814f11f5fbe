/**
 * The PostgreSQL claim checks per-record order for about as many queued jobs as it takes, however
 * many are queued, also when the jobs table has no statistics yet (a new install hit by a burst
 * before autovacuum analyzed it): a claim's cost must not grow with the backlog.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { claimStatement } from '../../src/store/postgres/claim.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { TEST_MASTER_KEY } from './conformance.js';

const available = await requirePostgres('claim plan (PostgreSQL)');

/** Loops of every plan node that scans `index`, summed. */
function loopsOn(plan: Record<string, unknown>, index: string): number {
  const own = plan['Index Name'] === index ? Number(plan['Actual Loops']) : 0;
  const children = (plan.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return own + children.reduce((n, p) => n + loopsOn(p, index), 0);
}

describe.skipIf(!available)('postgres claim', () => {
  it('checks record order for the jobs it takes, not for the whole backlog, before the table has statistics', async () => {
    const db = await createTestDatabase('syncline_claim');
    const store = await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Autovacuum kept away, so the table stays without statistics as a new install's is during its first burst.
      await client.query('alter table jobs set (autovacuum_enabled = false)');
      await store.deployFlow({ flow: 'f', source: 'name: f', definition: { name: 'f' }, hash: 'h', deployedBy: 't' });
      const burst = await store.ingest(Array.from({ length: 1000 }, (_, i) => ({ flow: 'f', deliveryId: `b${i}`, payload: {}, recordKey: `r${i}` })), { flowVersion: 1, maxAttempts: 3 });
      expect(burst.accepted).toBe(1000);

      const claim = claimStatement({ workerId: 'w', limit: 2, leaseMs: 30_000, flows: ['f'] });
      await client.query('begin');
      const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>(`explain (analyze, format json) ${claim.text}`, claim.values);
      await client.query('rollback');
      // The per-record check walks the index of unfinished jobs by record: once per queued job it looks at.
      expect(loopsOn(res.rows[0]['QUERY PLAN'][0].Plan, 'jobs_record_open_idx')).toBeLessThanOrEqual(4);
    } finally {
      await client.end();
      await store.close();
      await db.drop();
    }
  });
});
