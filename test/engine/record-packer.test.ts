/** RecordPacker: the targets of one bulk load pack a slice of source records once between them, store it part by part, and each reads back its own records. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PACK_RECORDS, readBatchPart, RecordPacker, unpackPart, type BatchDataRef, type PackCache } from '../../src/engine/batch-check.js';

const records = Array.from({ length: 2 * PACK_RECORDS + 500 }, (_, i) => ({ id: `C${i}`, updatedAt: '2026-12-06T00:00:00.000Z', data: { BPCNUM: `C${i}`, n: i } }));

afterEach(() => vi.restoreAllMocks());

/** The two calls of Store that the packer and the settlement use, over a Map. */
function partStore() {
  const parts = new Map<string, string>();
  return {
    parts,
    saveBatchPart: async (id: string, part: number, data: string) => void parts.set(`${id}/${part}`, data),
    readBatchPart: async (id: string, part: number) => parts.get(`${id}/${part}`) ?? null,
  };
}

/** The records at `indexes` of a stored batch, read part by part. */
async function recordsAt(store: ReturnType<typeof partStore>, data: BatchDataRef, indexes: number[]) {
  const out = [];
  for (const i of indexes) out.push(...(await unpackPart(await readBatchPart(store, { data }, Math.floor(i / PACK_RECORDS)), [i % PACK_RECORDS], 'BPCUSTOMER')));
  return out;
}

describe('RecordPacker', () => {
  it('packs each slice once for two targets taking the same records, stores it per target as it fills, and both read them back', async () => {
    const store = partStore();
    const gzipped = vi.spyOn(JSON, 'stringify');
    const cache: PackCache = new WeakMap();
    const account = new RecordPacker(store, cache);
    const prospect = new RecordPacker(store, cache);
    for (const [i, r] of records.entries()) {
      await account.add(r);
      await prospect.add(r);
      // A full part is in the store as soon as its last record came, not held until the batch ends.
      if (i === PACK_RECORDS - 1) expect(store.parts.size).toBe(2);
    }
    const a = await account.finish();
    const p = await prospect.finish();
    expect(a).toMatchObject({ count: records.length });
    expect(a.id).not.toBe(p.id);
    expect(store.parts.size).toBe(6);
    // 3 slices gzipped once between the targets, plus one JSON text per stored part.
    expect(gzipped).toHaveBeenCalledTimes(3 + 6);
    for (let k = 0; k < 3; k++) expect(JSON.parse(store.parts.get(`${p.id}/${k}`)!).packed).toBe(JSON.parse(store.parts.get(`${a.id}/${k}`)!).packed);
    for (const b of [a, p]) {
      const got = await recordsAt(store, b, [0, PACK_RECORDS + 1, records.length - 1]);
      expect(got.map((r) => r.data)).toEqual([records[0].data, records[PACK_RECORDS + 1].data, records[records.length - 1].data]);
      expect(got.map((r) => r.id)).toEqual(['C0', `C${PACK_RECORDS + 1}`, `C${records.length - 1}`]);
    }
  });

  it('packs its own slices when its records differ from the other target\'s (a target that skips some)', async () => {
    const store = partStore();
    const cache: PackCache = new WeakMap();
    const all = new RecordPacker(store, cache);
    const some = new RecordPacker(store, cache);
    for (const [i, r] of records.entries()) {
      await all.add(r);
      if (i % 2 === 0) await some.add(r);
    }
    const s = await some.finish();
    await all.finish();
    const got = await recordsAt(store, s, [0, 1, PACK_RECORDS]);
    expect(got.map((r) => r.id)).toEqual(['C0', 'C2', `C${2 * PACK_RECORDS}`]);
    expect(got.map((r) => r.data)).toEqual([records[0].data, records[2].data, records[2 * PACK_RECORDS].data]);
  });
});
