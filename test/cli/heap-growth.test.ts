/**
 * `--heap-growth` on `syncline load` and `syncline worker`: the flag is checked, setting it in a
 * running process (as the commands do, after Node started) really keeps the heap nearer its live set
 * (measured in child processes, so this test's own heap plays no part), and both commands use the one
 * helper (engine/heap-growth.ts): the load for its whole run, a worker only while it settles a load's
 * vendor job, giving the process its steady growth back after (`--steady-heap-growth` on `start` and
 * `worker`, 50 % unless told otherwise; 0 leaves it to V8).
 */
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applySteadyHeapGrowth, heapGrowthFlag, HEAP_GROWTH, STEADY_HEAP_GROWTH, withHeapGrowth } from '../../src/engine/heap-growth.js';

const startWorkers = vi.fn(async (..._args: unknown[]) => {});
vi.mock('../../src/server/runtime.js', () => ({
  openRuntime: async () => ({ hub: { startWorkers }, store: { kind: 'sqlite' }, close: async () => {} }),
  applyConfiguredConnections: async () => {},
  deployFlowsFrom: async () => [],
}));
vi.mock('../../src/cli/signals.js', () => ({ stopOnSignals: () => {} }));

/**
 * Peak heap in use (MiB, live and not yet collected) of a process that keeps the last five chunks of
 * 20,000 small objects live while each older chunk, promoted by then, dies. The child collects on its own thread
 * (--single-threaded-gc): with concurrent marking the peak depended on how much CPU the marker got, and
 * on a loaded CI machine the bounded run once peaked at 117 MiB against 144 by default. The live set is
 * small beside V8's default growth, so the two differ by about half, not by a fifth.
 */
function peakHeap(flag: string | null): number {
  const script = `
    const v8 = require('node:v8');
    if (${JSON.stringify(flag)}) v8.setFlagsFromString(${JSON.stringify(flag)});
    const live = [];
    let peak = 0;
    for (let round = 0; round < 100; round++) {
      live.push(Array.from({ length: 20000 }, (_, i) => ({ a: 'x' + i + '-' + round, b: { c: i, d: [i, i + 1] } })));
      if (live.length > 5) live.shift();
      for (let g = 0; g < 2000; g++) JSON.stringify({ g, s: 'y'.repeat(50) });
      peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
    }
    process.stdout.write(String(Math.round(peak / 2 ** 20)));`;
  return Number(execFileSync(process.execPath, ['--single-threaded-gc', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
}

describe('--heap-growth', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is a whole percentage', () => {
    expect(heapGrowthFlag(String(HEAP_GROWTH))).toBe('--heap-growing-percent=10');
    expect(heapGrowthFlag(50)).toBe('--heap-growing-percent=50');
    for (const bad of ['0', '-5', '2.5', 'ten', '']) expect(() => heapGrowthFlag(bad)).toThrow(/--heap-growth/);
  });

  it('set at run time, keeps the heap well below what V8 grows to by default', () => {
    const byDefault = peakHeap(null);
    const bounded = peakHeap(heapGrowthFlag(HEAP_GROWTH));
    expect(bounded).toBeLessThan(byDefault * 0.8);
  }, 60_000);

  it('bounds the growth while a batch is settled, and gives the process its steady growth back after, also on failure', async () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => {});
    applySteadyHeapGrowth(0);
    set.mockClear();
    expect(await withHeapGrowth(10, async () => {
      expect(set).toHaveBeenLastCalledWith('--heap-growing-percent=10');
      return 'settled';
    })).toBe('settled');
    expect(set).toHaveBeenLastCalledWith('--heap-growing-percent=0');
    await expect(withHeapGrowth(25, async () => Promise.reject(new Error('vendor down')))).rejects.toThrow('vendor down');
    expect(set.mock.calls.map((c) => c[0])).toEqual(['--heap-growing-percent=10', '--heap-growing-percent=0', '--heap-growing-percent=25', '--heap-growing-percent=0']);
    applySteadyHeapGrowth(STEADY_HEAP_GROWTH);
    await withHeapGrowth(10, async () => {});
    expect(set.mock.calls.slice(-3).map((c) => c[0])).toEqual(['--heap-growing-percent=50', '--heap-growing-percent=10', '--heap-growing-percent=50']);
    applySteadyHeapGrowth(0);
  });

  it('the steady growth is a whole percentage, or 0 for V8\'s own', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => {});
    for (const bad of ['-5', '2.5', 'half', '1001', '']) expect(() => applySteadyHeapGrowth(bad)).toThrow(/--steady-heap-growth must be a whole percentage/);
    expect(set).not.toHaveBeenCalled();
    applySteadyHeapGrowth('0');
    expect(set).toHaveBeenLastCalledWith('--heap-growing-percent=0');
  });

  it('`syncline worker` hands its workers the bound for batch settling (10 % unless told otherwise) and keeps its steady growth (50 % unless told otherwise)', async () => {
    const { startCommands } = await import('../../src/cli/commands/start.js');
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => {});
    const run = async (...args: string[]) => {
      const program = new Command().exitOverride();
      startCommands(program);
      await program.parseAsync(['worker', '--no-schedule', ...args], { from: 'user' });
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await run();
    expect(startWorkers).toHaveBeenLastCalledWith(1, expect.objectContaining({ batchHeapGrowth: 10 }), false);
    await run('--heap-growth', '40');
    expect(startWorkers).toHaveBeenLastCalledWith(1, expect.objectContaining({ batchHeapGrowth: 40 }), false);
    expect(set.mock.calls.map((c) => c[0])).toEqual(['--heap-growing-percent=50', '--heap-growing-percent=50']);
    await run('--steady-heap-growth', '0');
    expect(set).toHaveBeenLastCalledWith('--heap-growing-percent=0');
    await expect(run('--heap-growth', 'lots')).rejects.toThrow(/--heap-growth must be a whole percentage/);
    await expect(run('--steady-heap-growth', 'lots')).rejects.toThrow(/--steady-heap-growth must be a whole percentage/);
  });
});
