import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { openSqliteDatabase } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { runStoreConformance, TEST_MASTER_KEY, type StoreHarness } from './conformance.js';

/** A store on a temporary file, so several instances (connections) can share it. */
async function makeFileStore(): Promise<StoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-store-'));
  const url = `sqlite:${join(dir, 'store.db')}`;
  const opened: Store[] = [];
  const open = async (masterKey = TEST_MASTER_KEY) => {
    const s = await openStore({ url, masterKey });
    opened.push(s);
    return s;
  };
  const store = await open();
  return {
    store,
    reopen: (o) => open(o?.masterKey),
    raw: async (sqlText) => {
      const db = new BetterSqlite3(join(dir, 'store.db'), { readonly: true });
      try {
        return db.prepare(sqlText).all() as Array<Record<string, unknown>>;
      } finally {
        db.close();
      }
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runStoreConformance('sqlite file', makeFileStore);

runStoreConformance('sqlite :memory:', async () => {
  const store = await openStore({ url: 'sqlite::memory:', masterKey: TEST_MASTER_KEY });
  return { store, cleanup: () => store.close() };
});

describe('sqlite write groups', () => {
  it('commits writes queued before close, and rejects writes after it', async () => {
    const store = await openStore({ url: 'sqlite::memory:', masterKey: TEST_MASTER_KEY });
    const pending = store.enqueue([{ flow: 'f', flowVersion: 1, kind: 'manual', payload: {}, maxAttempts: 1 }]);
    const closing = store.close();
    await expect(pending).resolves.toHaveLength(1);
    await closing;
    await expect(store.enqueue([{ flow: 'f', flowVersion: 1, kind: 'manual', payload: {}, maxAttempts: 1 }])).rejects.toThrow();
  });
});

describe('sqlite connection settings', () => {
  it('keeps statement journals and temporary tables in memory, so grouped writes do not write a temporary file per savepoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-store-'));
    try {
      const db = openSqliteDatabase(join(dir, 'store.db'));
      // 2 = MEMORY (0 default, 1 FILE).
      expect(db.pragma('temp_store', { simple: true })).toBe(2);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps SQLite\'s own 2 MB page cache per connection, not the 16 MB better-sqlite3 is built with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-store-'));
    try {
      const db = openSqliteDatabase(join(dir, 'store.db'));
      // Negative: KiB.
      expect(db.pragma('cache_size', { simple: true })).toBe(-2000);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite record-context reads', () => {
  it('see only committed links, answer while another connection holds the write lock, and refuse after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-store-'));
    const file = join(dir, 'store.db');
    const store = await openStore({ url: `sqlite:${file}`, masterKey: TEST_MASTER_KEY });
    const source = { connection: 'pardot', entity: 'prospect', id: 'P1' };
    const writer = new BetterSqlite3(file);
    try {
      await store.link([{ a: source, b: { connection: 'sf', entity: 'Contact', id: 'C1' } }]);
      expect((await store.readRecordContext(source)).linked.map((l) => l.id)).toEqual(['P1', 'C1']);
      // Another writer's transaction, open and not committed: the read answers at once, without its rows.
      writer.exec('begin immediate');
      const link = (writer.prepare(`select link_id from xref where external_id = 'P1'`).get() as { link_id: string }).link_id;
      writer.prepare(`insert into xref (connection, entity, external_id, link_id, created_at) values ('sage', 'AR_Customer', 'A1', ?, '2999-01-01T00:00:00.000Z')`).run(link);
      expect((await store.readRecordContext(source)).linked.map((l) => l.id)).toEqual(['P1', 'C1']);
      writer.exec('commit');
      expect((await store.readRecordContext(source)).linked.map((l) => l.id)).toEqual(['P1', 'C1', 'A1']);
      await store.close();
      await expect(store.readRecordContext(source)).rejects.toThrow();
    } finally {
      writer.close();
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
