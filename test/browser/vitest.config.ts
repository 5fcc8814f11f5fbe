import { defineConfig } from 'vitest/config';

// Browser tests drive Debian's Chromium against a real server; run with
// `vitest run --config test/browser/vitest.config.ts` (npm run test:browser). One file at a time:
// each starts its own server and browser.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
