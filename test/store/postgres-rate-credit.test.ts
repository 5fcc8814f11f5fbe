/**
 * Per-second reservations on PostgreSQL far from the limit: calls following one another take their
 * start from a block reserved ahead instead of a statement each; near the limit each call still
 * reserves alone (the conformance suite's rate tests, at 5 calls/s, hold that).
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { TEST_MASTER_KEY } from './conformance.js';

const available = await requirePostgres('rate credit (PostgreSQL)');

describe.skipIf(!available)('postgres per-second reservations', () => {
  it('cost far fewer statements than calls while the limit is far away, and never a wait', async () => {
    const db = await createTestDatabase('syncline_rate_credit');
    const store = (await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 })) as PostgresStore;
    try {
      const pool = store.pool as unknown as { query: (...args: unknown[]) => unknown };
      const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
      let reservations = 0;
      pool.query = (...args: unknown[]) => {
        if ((args[0] as { name?: string }).name === 'syncline_reserve_rates') reservations += 1;
        return query(...args);
      };
      const waits: number[] = [];
      for (let i = 0; i < 60; i++) waits.push(await store.reserveCallRate('wide', 100_000));
      expect(waits.every((w) => w === 0)).toBe(true);
      expect(reservations).toBeLessThan(20);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
