/** `whereIn`: the `in (...)` reads behind X3 totals and lookups: few requests, each one's URL of a safe length. */
import { describe, expect, it } from 'vitest';
import { IN_LIST_SIZE, whereIn } from '../../../src/connectors/sagex3/entities/rest-entity.js';
import type { Resource, X3Reader } from '../../../src/connectors/sagex3/rest-client.js';

/** A reader that records each where clause and answers one resource per value it names. */
function recordingReader(): X3Reader & { wheres: string[] } {
  const wheres: string[] = [];
  return {
    wheres,
    async *query(_cls, params) {
      wheres.push(params.where ?? '');
      for (const m of (params.where ?? '').matchAll(/'([^']*)'/g)) yield { BPR: m[1] } as Resource;
    },
    details: async () => null,
  };
}

describe('whereIn', () => {
  it('reads 250 customers in 3 requests, each value once, every where clause under 4 KB URL-encoded', async () => {
    const rest = recordingReader();
    // X3 customer codes are at most 15 characters.
    const codes = Array.from({ length: 250 }, (_, i) => `C${String(i).padStart(14, '0')}`);
    const got: string[] = [];
    for await (const r of whereIn(rest, 'SINVOICE', 'BPR', [...codes, ...codes.slice(0, 10)])) got.push(String(r.BPR));
    expect(IN_LIST_SIZE).toBe(100);
    expect(rest.wheres).toHaveLength(3);
    expect(got.sort()).toEqual([...codes].sort());
    for (const w of rest.wheres) expect(encodeURIComponent(w).length).toBeLessThan(4096);
  });
});
