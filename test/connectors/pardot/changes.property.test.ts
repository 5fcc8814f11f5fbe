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
