import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runStoreConformance, TEST_MASTER_KEY } from './conformance.js';

const available = await requirePostgres('store conformance (PostgreSQL)');

describe.skipIf(!available)('postgres', () => {
  runStoreConformance('postgres', async () => {
    const db = await createTestDatabase('syncline_store');
    const opened: Store[] = [];
    const open = async (masterKey = TEST_MASTER_KEY) => {
      const s = await openStore({ url: db.url, masterKey, poolSize: 4 });
      opened.push(s);
      return s;
    };
    const store = await open();
    return {
      store,
      reopen: (o) => open(o?.masterKey),
      raw: async (sqlText) => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          return (await client.query(sqlText)).rows as Array<Record<string, unknown>>;
        } finally {
          await client.end();
        }
      },
      cleanup: async () => {
        for (const s of opened) await s.close();
        await db.drop();
      },
    };
  });
});

describe.skipIf(!available)('postgres job notifications', () => {
  it('re-listens after its LISTEN connection is killed, and wakes listeners on reconnect', async () => {
    const db = await createTestDatabase('syncline_notify');
    const store = await openStore({ url: db.url, masterKey: TEST_MASTER_KEY, poolSize: 2 });
    try {
      let calls = 0;
      const off = await store.onJobsAvailable(() => calls++);
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        const killed = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`,
        );
        expect(killed.rowCount).toBe(1);
      } finally {
        await admin.end();
      }
      // The reconnect itself wakes listeners (notifications sent while down are lost).
      const deadline = Date.now() + 10_000;
      while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBeGreaterThan(0);
      const before = calls;
      await store.enqueue([{ flow: 'f', flowVersion: 1, kind: 'manual', payload: {}, maxAttempts: 1 }]);
      while (calls === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBeGreaterThan(before);
      await off();
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
