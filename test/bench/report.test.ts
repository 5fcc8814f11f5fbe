import { describe, expect, it } from 'vitest';
import { markdownTable, percentile, withLatestRun } from '../../bench/report.js';

const doc = [
  '# Benchmark results',
  '',
  '## Engine',
  '',
  'Notes by hand: the 2026-11-23 run was 1,345 events/s.',
  '',
  '### Rerun after stage 3',
  '',
  'More notes.',
  '',
  '## Mapping',
  '',
  'Mapping notes.',
  '',
].join('\n');

describe('writing a benchmark run into RESULTS.md', () => {
  it('keeps every note of the section and the sections after it', () => {
    const once = withLatestRun(doc, 'Engine', 'Command: `x`', '| a |\n| --- |\n| 1 |');
    expect(once).toContain('Notes by hand: the 2026-11-23 run was 1,345 events/s.');
    expect(once).toContain('### Rerun after stage 3\n\nMore notes.');
    expect(once).toContain('## Mapping\n\nMapping notes.');
    // The block sits at the end of its own section, before the next one.
    expect(once.indexOf('| 1 |')).toBeGreaterThan(once.indexOf('More notes.'));
    expect(once.indexOf('| 1 |')).toBeLessThan(once.indexOf('## Mapping'));
  });

  it('replaces only its own block on a rerun', () => {
    const once = withLatestRun(doc, 'Engine', 'Command: `x`', '| a |\n| --- |\n| 1 |');
    const twice = withLatestRun(once, 'Engine', 'Command: `y`', '| a |\n| --- |\n| 2 |');
    expect(twice).not.toContain('| 1 |');
    expect(twice).toContain('| 2 |');
    expect(twice.split('latest run: written by the benchmark').length).toBe(2);
    expect(twice).toContain('More notes.');
    expect(twice).toContain('Mapping notes.');
  });

  it('adds a section that does not exist yet, and treats the title as text', () => {
    const added = withLatestRun(doc, 'Cold start (issue 12)', 'intro', '');
    expect(added).toContain('## Cold start (issue 12)\n');
    const again = withLatestRun(added, 'Cold start (issue 12)', 'intro 2', '');
    expect(again).toContain('intro 2');
    expect(again).not.toContain('intro\n');
    expect(again.match(/## Cold start \(issue 12\)/g)).toHaveLength(1);
  });
});

describe('a benchmark table', () => {
  it("takes its columns from the first row and leaves a cell empty where a later row has none", () => {
    const rows = [
      { round: 1, rate: 1298, cpu: 0.55 },
      { round: 'median of 1', rate: 1298 },
    ];
    expect(markdownTable(rows)).toBe(['| round | rate | cpu |', '| --- | --- | --- |', '| 1 | 1298 | 0.55 |', '| median of 1 | 1298 |  |'].join('\n'));
  });
});

describe('percentile', () => {
  it('takes the lower middle of an even count and rounds to 0.1 unless told', () => {
    expect(percentile([1.24, 0.57, 0.88, 2], 0.5)).toBe(0.9);
    expect(percentile([3, 1, 2], 0.99)).toBe(3);
  });

  it('rounds CPU milliseconds to the step asked for, without float residue', () => {
    expect(percentile([0.57, 0.41, 0.68], 0.5, 0.01)).toBe(0.57);
    expect(percentile([0.29, 0.3], 0.5, 0.01)).toBe(0.29);
  });
});
