import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PardotConnector } from '../../../src/connectors/pardot/index.js';
import type { Watermark } from '../../../src/core/connector.js';
import type { RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { setup } from './helpers.js';

let emu: RunningPardotEmulator;
let conn: PardotConnector;

beforeAll(async () => {
  ({ emu, conn } = await setup({ seed: false }));
});
afterAll(async () => {
  await emu.close();
});

describe('change polling (property)', () => {
  it('produces every record exactly once, in (updatedAt, id) order, for any stamps and page size', async () => {
    const base = Math.floor(Date.now() / 1000) * 1000 - 3600_000;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 120 }), fc.integer({ min: 1, max: 40 }), async (seconds, limit) => {
        emu.state.prospects.clear();
        for (const [i, s] of seconds.entries()) {
          const id = emu.state.nextId('prospect');
          emu.state.prospects.set(id, { id, email: `p${i}@example.com`, isDeleted: false, createdAt: base, updatedAt: base + s * 1000 });
        }
        const seen: Array<{ id: number; at: number }> = [];
        let since: Watermark | null = null;
        for (let guard = 0; guard < 500; guard++) {
          const page = await conn.readChanges('prospect', since, { limit, fields: ['email'] });
          expect(page.records.length).toBeLessThanOrEqual(limit);
          seen.push(...page.records.map((r) => ({ id: Number(r.id), at: Date.parse(r.updatedAt!) })));
          since = page.next;
          if (!page.hasMore) break;
        }
        const expected = [...emu.state.prospects.values()]
          .map((p) => ({ id: p.id, at: p.updatedAt as number }))
          .sort((a, b) => a.at - b.at || a.id - b.id);
        expect(seen).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});

describe('change polling with the flow overlap', () => {
  it('produces a prospect committed late with a stamp inside the overlap exactly once', async () => {
    emu.state.prospects.clear();
    const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    for (let i = 0; i < 5; i++) {
      const id = emu.state.nextId('prospect');
      emu.state.prospects.set(id, { id, email: `o${i}@example.com`, isDeleted: false, createdAt: base, updatedAt: base + i * 10_000 });
    }
    const options = { limit: 100, fields: ['email'], overlapMs: 300_000 };
    const first = await conn.readChanges('prospect', null, options);
    expect(first.records).toHaveLength(5);
    // Re-polling from the stored watermark re-reads the overlap but produces nothing already produced.
    expect((await conn.readChanges('prospect', first.next, options)).records).toEqual([]);
    const late = emu.state.nextId('prospect');
    emu.state.prospects.set(late, { id: late, email: 'late@example.com', isDeleted: false, createdAt: base, updatedAt: base + 15_000 });
    const second = await conn.readChanges('prospect', first.next, options);
    expect(second.records.map((r) => r.id)).toEqual([String(late)]);
    expect((await conn.readChanges('prospect', second.next, options)).records).toEqual([]);
  });
});
