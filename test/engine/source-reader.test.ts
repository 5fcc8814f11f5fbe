/**
 * The source reader hands the stored watermark to the connector unchanged (stamp, key tie-break and
 * extra, such as the seen-set of the overlap window) with the flow's overlap in `options.overlapMs`.
 * Before, it moved the stamp back by the overlap and dropped key and extra on the first page.
 */
import { describe, expect, it } from 'vitest';
import type { ChangePage, Connector, ReadChangesOptions, Watermark } from '../../src/core/connector.js';
import type { ConnectionPool } from '../../src/engine/connections.js';
import type { FlowRuntime } from '../../src/engine/flow-cache.js';
import { readSource } from '../../src/engine/source-reader.js';
import type { Store } from '../../src/store/types.js';

function harness(stored: Watermark | null, trigger: Record<string, unknown>) {
  const calls: Array<{ since: Watermark | null; options: ReadChangesOptions }> = [];
  const committed: Array<Watermark | null> = [];
  const pages: ChangePage[] = [
    { records: [{ id: '7', entity: 'prospect', updatedAt: '2026-01-01T00:00:05.000Z', data: { id: 7 } }], next: { at: '2026-01-01T00:00:05.000Z', key: '7', extra: { seen: ['x'] } }, hasMore: true },
    { records: [], next: { at: '2026-01-01T00:00:05.000Z', key: '7', extra: { seen: ['x'] } }, hasMore: false },
  ];
  const connector = {
    readChanges: async (_entity: string, since: Watermark | null, options: ReadChangesOptions) => {
      calls.push({ since: structuredClone(since), options });
      return pages.shift()!;
    },
  } as unknown as Connector;
  const store = {
    getWatermark: async () => stored,
    commitPoll: async (input: { watermark: Watermark | null }) => {
      committed.push(input.watermark);
      return [];
    },
  } as unknown as Store;
  const pool = { get: async () => ({ connector }) } as unknown as ConnectionPool;
  const flow = {
    name: 'f',
    version: 1,
    def: { trigger, source: { connection: 'pardot', entity: 'prospect' } },
    policy: { maxAttempts: 3 },
  } as unknown as FlowRuntime;
  return { calls, committed, run: (mode: 'changes' | 'all' = 'changes') => readSource(flow, mode, { store, pool }) };
}

describe('readSource', () => {
  it('passes the stored watermark, key and extra included, unchanged on the first page with the flow overlap', async () => {
    const stored: Watermark = { at: '2026-01-01T00:00:00.000Z', key: '42', extra: { seen: ['1767225600000|41', '1767225600000|42'] } };
    const h = harness(stored, { type: 'poll', every: '1m', overlap: '2m' });
    await h.run();
    expect(h.calls[0].since).toEqual(stored);
    expect(h.calls[0].options.overlapMs).toBe(120_000);
    // Later pages continue from the page's own watermark.
    expect(h.calls[1].since).toEqual({ at: '2026-01-01T00:00:05.000Z', key: '7', extra: { seen: ['x'] } });
    expect(h.committed.at(-1)).toEqual({ at: '2026-01-01T00:00:05.000Z', key: '7', extra: { seen: ['x'] } });
  });

  it('uses the default overlap of 5 s when the flow names none, and reads from the beginning in "all" mode', async () => {
    const h = harness({ at: '2026-01-01T00:00:00.000Z', key: '1' }, { type: 'poll', every: '1m' });
    await h.run();
    expect(h.calls[0].options.overlapMs).toBe(5000);
    const all = harness({ at: '2026-01-01T00:00:00.000Z', key: '1' }, { type: 'poll', every: '1m' });
    await all.run('all');
    expect(all.calls[0].since).toBeNull();
  });
});

describe('readSource keeps the seen-set of a page that produced only late records', () => {
  it('commits the page watermark when its (stamp, key) equals the stored one but its extra grew', async () => {
    const stored: Watermark = { at: '2026-01-01T00:00:10.000Z', key: '9', extra: { seen: ['1767225610000|9'] } };
    const grown: Watermark = { at: '2026-01-01T00:00:10.000Z', key: '9', extra: { seen: ['1767225605000|3', '1767225610000|9'] } };
    const committed: Array<Watermark | null> = [];
    const connector = {
      readChanges: async () => ({ records: [{ id: '3', entity: 'thing', updatedAt: '2026-01-01T00:00:05.000Z', data: {} }], next: grown, hasMore: false }),
    } as unknown as Connector;
    const store = {
      getWatermark: async () => stored,
      commitPoll: async (input: { watermark: Watermark | null }) => {
        committed.push(input.watermark);
        return [];
      },
    } as unknown as Store;
    const flow = { name: 'f', version: 1, def: { trigger: { type: 'poll', every: '1m', overlap: '1m' }, source: { connection: 'c', entity: 'thing' } }, policy: { maxAttempts: 3 } } as unknown as FlowRuntime;
    const out = await readSource(flow, 'changes', { store, pool: { get: async () => ({ connector }) } as unknown as ConnectionPool });
    expect(committed).toEqual([grown]);
    expect(out.watermark).toEqual(grown);
  });
});
