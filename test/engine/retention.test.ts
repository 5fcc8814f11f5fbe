import { describe, expect, it } from 'vitest';
import { cutoffsAt, retentionPolicy } from '../../src/engine/retention.js';

describe('retention policy', () => {
  it('applies defaults: jobs 2 days, delivery ids 30 days, runs 14 days, every 5 minutes', () => {
    const p = retentionPolicy();
    expect(p).toMatchObject({ jobsMs: 2 * 86_400_000, inboxMs: 30 * 86_400_000, runsMs: 14 * 86_400_000, everyMs: 300_000, batchSize: 500 });
  });

  it('turns durations into store cutoffs, per flow too', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    const c = cutoffsAt(retentionPolicy({ runs: '1d', flows: { audit: '90d' }, maxRunsPerFlow: 10 }), now);
    expect(c.runsBefore).toBe('2026-03-09T12:00:00.000Z');
    expect(c.flowRunsBefore).toEqual({ audit: '2025-12-10T12:00:00.000Z' });
    expect(c.maxRunsPerFlow).toBe(10);
  });

  it('names the setting that is not a duration', () => {
    expect(() => retentionPolicy({ flows: { x: 'forever' } })).toThrow(/retention\.flows\.x: "forever" is not a duration/);
  });
});
