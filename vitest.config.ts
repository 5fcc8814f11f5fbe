import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first-sequencer.js';

// Integration tests start servers and databases: run files in parallel across the 2 cores but keep
// generous timeouts (no test asserts on speed; benchmarks live in bench/).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // Long integration suites first, so no two-minute file is left to run alone at the end.
    sequence: { sequencer: SlowFirstSequencer },
    // Child processes start from bundles of their scripts (test/support/bundled-script.ts); removed at the end.
    globalSetup: ['test/support/remove-bundled-scripts.ts'],
  },
});
