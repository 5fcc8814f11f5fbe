/**
 * Orders test files so the long integration suites start first. Vitest's own order puts files it
 * has timed before longest first, but a fresh clone (CI) has no timings, and it then runs the largest
 * files first: the CI-sized chaos run (a small file of four minutes) started last and ran alone on
 * one core for almost three minutes while the other sat idle (vitest's wall time 773 s on the bench
 * machine; 678–736 s with the chaos run split per store and this order).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Folders whose files start processes, servers and databases, longest first (the chaos runs, the
 * journeys, both stores' suites): run before the quick unit tests, which then fill the gaps.
 */
const FIRST = ['test/reliability/', 'test/e2e/', 'test/store/', 'test/cli/', 'test/engine/'];

function rank(spec: TestSpecification): number {
  const i = FIRST.findIndex((dir) => spec.moduleId.includes(`/${dir}`));
  return i === -1 ? FIRST.length : i;
}

/** Vitest's order within each rank (timings when known, else size), the ranks in FIRST's order. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.map((spec, i) => ({ spec, i, r: rank(spec) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.spec);
  }
}
