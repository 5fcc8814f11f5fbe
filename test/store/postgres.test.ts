import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import pg from 'pg';
import { describe } from 'vitest';
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
