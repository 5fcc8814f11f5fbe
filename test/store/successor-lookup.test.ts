/**
 * Releasing a record's job looks for a queued job of the record waiting behind it, on every completion
 * with a record key. SQLite uses a partial index only when the query repeats the index's WHERE terms:
 * with the status as a bound parameter the lookup scanned the whole jobs table, every finished job
 * included (the engine benchmark on SQLite fell from 1,024 to 601 events/s). PostgreSQL proves the
 * predicate either way, and its grouped release writes the lookup into its own statement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { successorLookup } from '../../src/store/kysely-store.js';
import { TEST_MASTER_KEY } from './conformance.js';

describe('the successor lookup of a released job', () => {
  it('is answered by the open-jobs index on SQLite', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-successor-'));
    const file = path.join(dir, 'test.db');
    const store = await openStore({ url: `sqlite:${file}`, masterKey: TEST_MASTER_KEY });
    const raw = new BetterSqlite3(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    try {
      const query = successorLookup('f', 'r-1', 'j-1').compile(db);
      const plan = raw.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as Array<{ detail: string }>;
      const details = plan.map((p) => p.detail).join(' | ');
      expect(details).toContain('USING INDEX jobs_record_open_idx');
      expect(details).not.toMatch(/SCAN jobs(?! USING)/);
    } finally {
      await db.destroy();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
