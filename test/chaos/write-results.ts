/**
 * Writes the "## Reliability" section of bench/RESULTS.md from saved chaos runs and the fuzz counts
 * of the hostile-input tests.
 *
 *   npx tsx test/chaos/write-results.ts /tmp/chaos-postgres.json /tmp/chaos-sqlite.json
 */
import { readFileSync } from 'node:fs';
import { machine, markdownTable, writeSection } from '../../bench/report.js';
import { FUZZ_RUNS } from '../reliability/hostile-inputs.js';
import { adminRoutes } from '../../src/server/admin/index.js';
import type { SavedRun } from './report.js';

/** Routes the admin fuzz property drives (it skips logout, which would end its own session). */
const fuzzedRoutes = adminRoutes.filter((r) => !(r.method === 'POST' && r.url === '/auth/logout')).length;

const runs = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')) as SavedRun);
const parts: string[] = [
  machine(),
  'What it proves and how to run it: docs/reliability.md. Each chaos run fails (exit 1) when anything is lost, duplicated, written wrongly or dead-lettered without a legitimate reason.',
];
for (const r of runs) {
  const events = Number(/--events (\d+)/.exec(r.command)?.[1] ?? 10_000);
  const size = events < 10_000 ? ` Smaller than the full setting (10,000 events): this is the largest run that fit in the time left on this shared 2-core machine.` : '';
  parts.push(
    `### Chaos run on ${r.store === 'postgres' ? 'PostgreSQL' : 'SQLite'}\n\nCommand: \`${r.command}\` (finished ${r.finishedAt.slice(0, 16)}Z). Result: ${r.failures.length ? `**FAILED** (${r.failures.join('; ')})` : 'passed'}.${size}\n\n${markdownTable(r.rows)}\n\nDead-letter examples: ${r.deadLetterExamples.map((e) => `\`${e.slice(0, 160)}\``).join('; ') || 'none'}.`,
  );
}
parts.push(
  '### Hostile-input fuzzing\n\nCommand: `npx vitest run test/reliability/hostile.test.ts` (fast-check; every input must get 202 or a clear 4xx, never a 5xx; accepted records are written whole or dead-lettered). Generated inputs per property:',
);
writeSection('Reliability', parts.join('\n\n'), [
  { property: 'signed webhook bodies (hostile JSON values, proto keys, injections, Unicode edge cases)', inputs: FUZZ_RUNS.webhookBodies },
  { property: 'webhook header sets and flow names (forged / missing signatures)', inputs: FUZZ_RUNS.webhookHeaders },
  { property: `admin API: garbage params and bodies as admin, on each of ${fuzzedRoutes} routes (all but logout)`, inputs: `${FUZZ_RUNS.adminPerRoute} per route (${FUZZ_RUNS.adminPerRoute * fuzzedRoutes} in all)` },
  { property: 'hand-written: malformed bodies, deep nesting (100,000 levels), 2 MiB and 11 MiB bodies, 9 signature forgeries/replays, 17 injection strings × 2 match flows', inputs: 'fixed' },
]);
console.log('bench/RESULTS.md: ## Reliability written');
