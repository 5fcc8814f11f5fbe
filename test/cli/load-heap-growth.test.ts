/**
 * `syncline load --heap-growth`: the flag is checked, and setting it in a running process (as the
 * command does, after Node started) really keeps the heap nearer its live set. Measured in child
 * processes, so this test's own heap plays no part.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { heapGrowthFlag, LOAD_HEAP_GROWTH } from '../../src/cli/commands/load.js';

/** Peak heap in use (MiB, live and not yet collected) of a process that keeps ~80 MB live while it churns through garbage. */
function peakHeap(flag: string | null): number {
  const script = `
    const v8 = require('node:v8');
    if (${JSON.stringify(flag)}) v8.setFlagsFromString(${JSON.stringify(flag)});
    const live = [];
    let peak = 0;
    for (let round = 0; round < 50; round++) {
      live.push(Array.from({ length: 20000 }, (_, i) => ({ a: 'x' + i + '-' + round, b: { c: i, d: [i, i + 1] } })));
      if (live.length > 20) live.shift();
      for (let g = 0; g < 20000; g++) JSON.stringify({ g, s: 'y'.repeat(50) });
      peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
    }
    process.stdout.write(String(Math.round(peak / 2 ** 20)));`;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
}

describe('load --heap-growth', () => {
  it('is a whole percentage', () => {
    expect(heapGrowthFlag(String(LOAD_HEAP_GROWTH))).toBe('--heap-growing-percent=10');
    expect(heapGrowthFlag(50)).toBe('--heap-growing-percent=50');
    for (const bad of ['0', '-5', '2.5', 'ten', '']) expect(() => heapGrowthFlag(bad)).toThrow(/--heap-growth/);
  });

  it('set at run time, keeps the heap well below what V8 grows to by default', () => {
    const byDefault = peakHeap(null);
    const bounded = peakHeap(heapGrowthFlag(LOAD_HEAP_GROWTH));
    expect(bounded).toBeLessThan(byDefault * 0.8);
  }, 60_000);
});
