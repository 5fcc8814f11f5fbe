import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord, Watermark } from '../../../src/core/connector.js';
import type { SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import type { SalesforceConnection } from '../../../src/connectors/salesforce/index.js';
import { connect, setup } from './harness.js';

let emu: SalesforceEmulator;
let conn: SalesforceConnection;
let settings: Record<string, unknown>;
let now = Date.parse('2025-03-01T10:00:00.000Z');

beforeAll(async () => {
  ({ emu, settings } = await setup({ seed: false, pageSize: 3, clock: () => now }));
  ({ conn } = connect(settings));
});
afterAll(async () => emu.close());

async function drain(since: Watermark | null, limit: number): Promise<{ records: SourceRecord[]; next: Watermark | null; pages: number }> {
  const records: SourceRecord[] = [];
  let wm = since;
  let pages = 0;
  for (;;) {
    const page = await conn.readChanges('Account', wm, { limit, fields: ['Name'] });
    pages++;
    records.push(...page.records);
    wm = page.next;
    if (!page.hasMore) return { records, next: wm, pages };
  }
}

describe('readChanges', () => {
  it('returns every change once, in (SystemModstamp, Id) order, when many records share one stamp', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await conn.write('Account', { verb: 'create', data: { Name: `Tie ${i}` } })).id);
    now += 1000;
    for (let i = 0; i < 4; i++) ids.push((await conn.write('Account', { verb: 'create', data: { Name: `Next ${i}` } })).id);

    // limit 2 splits the five tied records across pages: the Id tie-break must carry over.
    const first = await drain(null, 2);
    expect(first.records.map((r) => r.id)).toEqual(ids);
    expect(first.pages).toBe(5);
    expect(first.next).toMatchObject({ at: '2025-03-01T10:00:01.000Z', key: ids[8] });

    // Nothing new: the watermark stays put.
    const none = await conn.readChanges('Account', first.next, { limit: 2, fields: ['Name'] });
    expect(none).toEqual({ records: [], next: first.next, hasMore: false });

    // An update and a delete later both show up, the delete flagged.
    now += 5000;
    await conn.write('Account', { verb: 'update', id: ids[0], data: { Name: 'Tie 0 renamed' } });
    now += 1000;
    await conn.write('Account', { verb: 'delete', id: ids[1], data: {} });
    const later = await drain(first.next, 10);
    expect(later.records.map((r) => [r.id, r.deleted ?? false])).toEqual([[ids[0], false], [ids[1], true]]);
    expect(later.records[0].data.Name).toBe('Tie 0 renamed');
  });

  it('pages through several query pages when the limit exceeds the page size', async () => {
    const page = await conn.readChanges('Account', null, { limit: 100, fields: ['Name'] });
    expect(page.records.length).toBe(9);
    expect(page.hasMore).toBe(false);
    const stamps = page.records.map((r) => `${r.updatedAt}|${r.id}`);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it('holds back records stamped within the settle window', async () => {
    const real = await setup({ seed: false });
    try {
      const { conn: slow } = connect({ ...real.settings, settleSeconds: 3600 });
      await slow.write('Account', { verb: 'create', data: { Name: 'Fresh' } });
      expect((await slow.readChanges('Account', null, { limit: 10 })).records).toEqual([]);
      // The deprecated name still works for connections saved before the rename.
      const { settleSeconds: _settle, ...older } = real.settings;
      const { conn: legacy } = connect({ ...older, changeSettleSeconds: 3600 });
      expect((await legacy.readChanges('Account', null, { limit: 10 })).records).toEqual([]);
      const { conn: fast } = connect(real.settings);
      // With no settle time the record is read once its second (SystemModstamp has whole seconds) has ended.
      await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
      expect((await fast.readChanges('Account', null, { limit: 10 })).records.map((r) => r.data.Name)).toEqual(['Fresh']);
    } finally {
      await real.emu.close();
    }
  });

  it("produces a change committed late with a stamp inside the flow's overlap exactly once", async () => {
    const options = { limit: 100, fields: ['Name'], overlapMs: 60_000 };
    now = Date.parse('2025-03-01T11:00:00.000Z');
    await conn.write('Account', { verb: 'create', data: { Name: 'Overlap A' } });
    now += 10_000;
    await conn.write('Account', { verb: 'create', data: { Name: 'Overlap B' } });
    let mark: Watermark | null = null;
    for (;;) {
      const page = await conn.readChanges('Account', mark, options);
      mark = page.next;
      if (!page.hasMore) break;
    }
    expect((await conn.readChanges('Account', mark, options)).records).toEqual([]);
    // A transaction that committed late: its SystemModstamp is older than the watermark.
    now -= 5_000;
    const late = await conn.write('Account', { verb: 'create', data: { Name: 'Overlap late' } });
    const page = await conn.readChanges('Account', mark, options);
    expect(page.records.map((r) => r.id)).toEqual([late.id]);
    expect((await conn.readChanges('Account', page.next, options)).records).toEqual([]);
  });

  it('getUpdated / getDeleted report ids in a window, covering whole minutes only', async () => {
    now = Date.parse('2025-03-01T10:02:30.000Z');
    const start = new Date(Date.parse('2025-03-01T09:59:00Z'));
    const end = new Date(Date.parse('2025-03-01T10:05:00Z'));
    const updated = await conn.api.getUpdated('Account', start, end);
    expect(updated.ids.length).toBeGreaterThan(0);
    expect(updated.ids.length).toBe(8);
    expect(updated.latestDateCovered).toBe('2025-03-01T10:02:00.000+0000');
    const deleted = await conn.api.getDeleted('Account', start, end);
    expect(deleted.deletedRecords).toHaveLength(1);
  });
});
