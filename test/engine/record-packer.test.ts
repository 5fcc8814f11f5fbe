/** RecordPacker: the targets of one bulk load pack a slice of source records once between them, and each still unpacks its own records. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PACK_RECORDS, RecordPacker, unpackRecords, type PackCache } from '../../src/engine/batch-check.js';

const records = Array.from({ length: 2 * PACK_RECORDS + 500 }, (_, i) => ({ id: `C${i}`, updatedAt: '2026-12-06T00:00:00.000Z', data: { BPCNUM: `C${i}`, n: i } }));

afterEach(() => vi.restoreAllMocks());

describe('RecordPacker', () => {
  it('packs each slice once for two targets taking the same records, and both unpack them', async () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const cache: PackCache = new WeakMap();
    const account = new RecordPacker(cache);
    const prospect = new RecordPacker(cache);
    for (const r of records) {
      await account.add(r);
      await prospect.add(r);
    }
    const a = await account.finish();
    const p = await prospect.finish();
    expect(stringify).toHaveBeenCalledTimes(3);
    expect(p.packed).toEqual(a.packed);
    for (const b of [a, p]) {
      const got = await unpackRecords(b, [0, PACK_RECORDS + 1, records.length - 1], 'BPCUSTOMER');
      expect(got.map((r) => r.data)).toEqual([records[0].data, records[PACK_RECORDS + 1].data, records[records.length - 1].data]);
    }
  });

  it('packs its own slices when its records differ from the other target\'s (a target that skips some)', async () => {
    const cache: PackCache = new WeakMap();
    const all = new RecordPacker(cache);
    const some = new RecordPacker(cache);
    for (const [i, r] of records.entries()) {
      await all.add(r);
      if (i % 2 === 0) await some.add(r);
    }
    const s = await some.finish();
    await all.finish();
    const got = await unpackRecords(s, [0, 1, PACK_RECORDS], 'BPCUSTOMER');
    expect(got.map((r) => r.id)).toEqual(['C0', 'C2', `C${2 * PACK_RECORDS}`]);
    expect(got.map((r) => r.data)).toEqual([records[0].data, records[2].data, records[2 * PACK_RECORDS].data]);
  });
});
