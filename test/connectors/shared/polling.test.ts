import { describe, expect, it } from 'vitest';
import type { ChangePage, Watermark } from '../../../src/core/connector.js';
import fc from 'fast-check';
import { compareStampKey, numericKeys, pollByStamp, type StampWindow } from '../../../src/connectors/shared/polling.js';

interface Row {
  id: string;
  at: number;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');

function source(rows: Row[], windows: StampWindow[] = []) {
  return (w: StampWindow) => {
    windows.push(w);
    return Promise.resolve(rows.filter((r) => (w.fromMs === null || r.at >= w.fromMs) && r.at <= w.untilMs));
  };
}

async function drain(rows: Row[], since: Watermark | null, limit: number, opts: { overlapMs?: number; settleMs?: number; now?: number } = {}) {
  const out: string[] = [];
  let wm = since;
  for (let i = 0; i < 100; i++) {
    const page = await pollByStamp<Row>({
      since: wm,
      limit,
      overlapMs: opts.overlapMs ?? 0,
      settleMs: opts.settleMs ?? 0,
      now: opts.now ?? T0 + 1_000_000,
      fetch: source(rows),
      stampMs: (r) => r.at,
      key: (r) => r.id,
      toRecord: (r) => ({ id: r.id, entity: 'thing', data: { ...r } }),
    });
    out.push(...page.records.map((r) => r.id));
    wm = page.next;
    if (!page.hasMore) break;
  }
  return { ids: out, wm };
}

describe('pollByStamp', () => {
  it('pages through an unordered streamed table forty times a page long without loss or repeat (the helper keeps only the best rows as they come)', async () => {
    // Shuffled stamps (some shared, one row twice), streamed as a cursor would.
    const rows = Array.from({ length: 2000 }, (_, i) => ({ id: `r${String(i).padStart(4, '0')}`, at: T0 + ((i * 7919) % 600) * 1000 }));
    const streamed = [...rows.slice(0, 1000), rows[3], ...rows.slice(1000)];
    const expected = [...rows].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).map((r) => r.id);
    const out: string[] = [];
    let wm: Watermark | null = null;
    let largest = 0;
    for (let i = 0; i < 100; i++) {
      const page: ChangePage = await pollByStamp<Row>({
        since: wm,
        limit: 50,
        overlapMs: 0,
        settleMs: 0,
        now: T0 + 1_000_000,
        async *fetch() {
          for (const r of streamed) yield r;
        },
        stampMs: (r) => r.at,
        key: (r) => r.id,
        toRecord: (r) => ({ id: r.id, entity: 'thing', data: { ...r } }),
      });
      largest = Math.max(largest, page.records.length);
      out.push(...page.records.map((r) => r.id));
      wm = page.next;
      if (!page.hasMore) break;
    }
    expect(out).toEqual(expected);
    expect(largest).toBe(50);
  });

  it('pages through many records sharing one stamp without loss or repeat (key tie-break)', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: `k${String(i).padStart(2, '0')}`, at: T0 }));
    const { ids, wm } = await drain(rows, null, 7);
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(wm?.key).toBe('k24');
    const again = await drain(rows, wm, 7);
    expect(again.ids).toEqual([]);
  });

  it('produces a record committed late with an older stamp inside the overlap, once', async () => {
    const rows: Row[] = [
      { id: 'a', at: T0 },
      { id: 'b', at: T0 + 2000 },
    ];
    const first = await drain(rows, null, 10, { overlapMs: 5000 });
    expect(first.ids).toEqual(['a', 'b']);
    rows.push({ id: 'late', at: T0 + 1000 });
    const second = await drain(rows, first.wm, 10, { overlapMs: 5000 });
    expect(second.ids).toEqual(['late']);
    expect((await drain(rows, second.wm, 10, { overlapMs: 5000 })).ids).toEqual([]);
  });

  it('without overlap, a late older record is not produced (what the overlap is for)', async () => {
    const rows: Row[] = [{ id: 'b', at: T0 + 2000 }];
    const first = await drain(rows, null, 10);
    rows.push({ id: 'late', at: T0 + 1000 });
    expect((await drain(rows, first.wm, 10)).ids).toEqual([]);
  });

  it('leaves records younger than the settle time for a later poll', async () => {
    const now = T0 + 100_000;
    const rows: Row[] = [
      { id: 'old', at: now - 120_000 },
      { id: 'young', at: now - 10_000 },
    ];
    const first = await drain(rows, null, 10, { settleMs: 60_000, now });
    expect(first.ids).toEqual(['old']);
    const later = await drain(rows, first.wm, 10, { settleMs: 60_000, now: now + 60_000 });
    expect(later.ids).toEqual(['young']);
  });

  it('with whole-second stamps never reads the running second, so a second change in it is not lost', async () => {
    // A record changed twice within one second keeps one stamp; had the first poll read it mid-second,
    // the watermark (stamp, key) would cover the second version too and it would never be produced.
    const rows: Array<Row & { version: number }> = [{ id: 'lead', at: T0 + 5000, version: 1 }];
    const poll = (since: Watermark | null, now: number) =>
      pollByStamp<Row & { version: number }>({
        since,
        limit: 10,
        overlapMs: 0,
        settleMs: 0,
        stampResolutionMs: 1000,
        now,
        fetch: source(rows) as (w: StampWindow) => Promise<Array<Row & { version: number }>>,
        stampMs: (r) => r.at,
        key: (r) => r.id,
        toRecord: (r) => ({ id: r.id, entity: 'thing', data: { version: r.version } }),
      });
    const during = await poll(null, T0 + 5400);
    expect(during.records).toEqual([]);
    rows[0].version = 2;
    const after = await poll(during.next, T0 + 6000);
    expect(after.records.map((r) => r.data)).toEqual([{ version: 2 }]);
    expect((await poll(after.next, T0 + 9000)).records).toEqual([]);
  });

  it('stops reading an ordered source once the page is full (fewer vendor pages)', async () => {
    let read = 0;
    const page = await pollByStamp<Row>({
      since: null,
      limit: 3,
      overlapMs: 0,
      settleMs: 0,
      now: T0 + 1_000_000,
      ordered: true,
      async *fetch() {
        for (let i = 0; i < 100; i++) {
          read += 1;
          yield { id: `r${i}`, at: T0 + i * 1000 };
        }
      },
      stampMs: (r) => r.at,
      key: (r) => r.id,
      toRecord: (r) => ({ id: r.id, entity: 'thing', data: {} }),
    });
    expect(page.records.map((r) => r.id)).toEqual(['r0', 'r1', 'r2']);
    expect(page.hasMore).toBe(true);
    expect(read).toBeLessThanOrEqual(5);
  });

  it('skips unstamped rows and says so', async () => {
    const told: string[] = [];
    const page = await pollByStamp<{ id: string; at: number | null }>({
      since: null,
      limit: 10,
      overlapMs: 0,
      settleMs: 0,
      now: T0 + 1000,
      fetch: async () => [
        { id: 'x', at: null },
        { id: 'y', at: T0 },
      ],
      stampMs: (r) => r.at,
      key: (r) => r.id,
      toRecord: (r) => ({ id: r.id, entity: 'thing', data: {} }),
      onUnstamped: (r) => told.push(r.id),
    });
    expect(page.records.map((r) => r.id)).toEqual(['y']);
    expect(page.records[0].updatedAt).toBe(new Date(T0).toISOString());
    expect(told).toEqual(['x']);
  });
});

// Moved from the Sage 100 change selection, which now polls through pollByStamp.
describe('pollByStamp over an unordered source (Sage 100 reads a whole local day)', () => {
  const poll = (rows: Row[], since: Watermark | null, limit: number, overlapMs: number) =>
    pollByStamp<Row>({ since, limit, overlapMs, settleMs: 0, now: T0 + 1_000_000, fetch: source(rows), stampMs: (r) => r.at, key: (r) => r.id, toRecord: (r) => ({ id: r.id, entity: 'thing', data: {} }) });

  it('returns only records after the watermark, sorted, and never again', async () => {
    const rows = [
      { id: 'b', at: T0 + 2000 },
      { id: 'a', at: T0 + 2000 },
      { id: 'c', at: T0 + 1000 },
      { id: 'd', at: T0 + 3000 },
    ];
    const first = await poll(rows, { at: new Date(T0 + 1000).toISOString(), key: 'c' }, 10, 0);
    expect(first.records.map((r) => r.id)).toEqual(['a', 'b', 'd']);
    const second = await poll(rows, first.next, 10, 0);
    expect(second.records).toEqual([]);
    expect(second.next).toEqual(first.next);
  });

  it('property: paging in any page size and overlap yields every record exactly once, in (stamp, key) order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 3 }), stampMs: fc.integer({ min: 0, max: 50 }) }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 20 }),
        async (raw, limit, overlap) => {
          const byKey = new Map(raw.map((r) => [r.key, r]));
          const rows = [...byKey.values()].map((r) => ({ id: r.key, at: T0 + r.stampMs + 100 }));
          const out: string[] = [];
          let page = await poll(rows, null, limit, overlap);
          out.push(...page.records.map((r) => r.id));
          for (let n = 0; n < 100 && page.hasMore; n++) {
            page = await poll(rows, page.next, limit, overlap);
            out.push(...page.records.map((r) => r.id));
          }
          const expected = [...rows].sort((a, b) => compareStampKey({ stampMs: a.at, key: a.id }, { stampMs: b.at, key: b.id })).map((r) => r.id);
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  it('orders numeric keys as numbers when asked (Pardot ids), so a tie-break at 9 does not skip 10', async () => {
    const rows = ['8', '9', '10', '11'].map((id) => ({ id, at: T0 }));
    const base = { overlapMs: 0, settleMs: 0, now: T0 + 1000, fetch: source(rows), stampMs: (r: Row) => r.at, key: (r: Row) => r.id, toRecord: (r: Row) => ({ id: r.id, entity: 'thing', data: {} }) };
    const first = await pollByStamp<Row>({ ...base, since: null, limit: 2, compareKeys: numericKeys });
    expect(first.records.map((r) => r.id)).toEqual(['8', '9']);
    const second = await pollByStamp<Row>({ ...base, since: first.next, limit: 2, compareKeys: numericKeys });
    expect(second.records.map((r) => r.id)).toEqual(['10', '11']);
    expect(numericKeys('9', '10')).toBeLessThan(0);
    expect(numericKeys('b', 'a')).toBeGreaterThan(0);
  });

  it('builds the page records in one call with toRecords, stamped by the helper', async () => {
    const rows = [
      { id: 'a', at: T0 },
      { id: 'b', at: T0 + 1000 },
    ];
    const batches: string[][] = [];
    const page = await pollByStamp<Row>({
      since: null,
      limit: 10,
      overlapMs: 0,
      settleMs: 0,
      now: T0 + 5000,
      fetch: source(rows),
      stampMs: (r) => r.at,
      key: (r) => r.id,
      toRecords: async (picked) => {
        batches.push(picked.map((r) => r.id));
        return picked.map((r) => ({ id: r.id, entity: 'thing', data: { enriched: true } }));
      },
    });
    expect(batches).toEqual([['a', 'b']]);
    expect(page.records.map((r) => [r.id, r.updatedAt, r.data.enriched])).toEqual([
      ['a', new Date(T0).toISOString(), true],
      ['b', new Date(T0 + 1000).toISOString(), true],
    ]);
  });
});

describe('pollByStamp without an upper bound', () => {
  it('produces records stamped ahead of our clock when now is Infinity (stamps from another clock, no settle)', async () => {
    const ahead: Row[] = [{ id: 'future', at: Date.now() + 3600_000 }];
    const bounded = await drain(ahead, null, 10, { now: Date.now() });
    expect(bounded.ids).toEqual([]);
    const open = await drain(ahead, null, 10, { now: Number.POSITIVE_INFINITY });
    expect(open.ids).toEqual(['future']);
  });
});
