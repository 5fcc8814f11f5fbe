/**
 * `npm run bench`: every benchmark in turn, each in its own process with its documented defaults (the
 * ones that write bench/RESULTS.md update their sections). The server bundle is built first when it is
 * older than src/, since the benchmarks measure the built server. A failed benchmark is reported and the
 * rest still run; the exit code says whether all passed.
 *
 *   npm run bench [-- --only engine,mapping] [-- --list]
 *
 * The million-event retention run, the bulk loads and the soak take the longest; run one with
 * `npx tsx bench/<name>.bench.ts` and its flags to measure one thing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bundleIsCurrent, ROOT } from './engine-setup.js';

/** A benchmark and the arguments it runs with here. */
interface Bench {
  name: string;
  args: string[];
}

const BENCHES: Bench[] = [
  { name: 'mapping', args: [] },
  { name: 'engine', args: [] },
  { name: 'cold-start', args: [] },
  { name: 'soak', args: [] },
  { name: 'overload', args: [] },
  { name: 'lag', args: [] },
  { name: 'bulk-load', args: [] },
  { name: 'bulk-load', args: ['--erp', 'sagex3'] },
  { name: 'reconcile', args: [] },
  { name: 'sage100-figures', args: [] },
  { name: 'retention', args: [] },
];

const argv = process.argv.slice(2);
if (argv.includes('--list')) {
  for (const b of BENCHES) console.log(`npx tsx bench/${b.name}.bench.ts ${b.args.join(' ')}`.trim());
  process.exit(0);
}
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null;
const unknown = [...(only ?? [])].filter((n) => !BENCHES.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`no benchmark named ${unknown.join(', ')}; known: ${[...new Set(BENCHES.map((b) => b.name))].join(', ')}`);
  process.exit(2);
}

const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' }).status;

if (!bundleIsCurrent()) {
  console.log('building the server bundle (npm run build:server)');
  if (run('npm', ['run', 'build:server']) !== 0) process.exit(1);
}
const failed: string[] = [];
for (const b of BENCHES.filter((x) => !only || only.has(x.name))) {
  const label = `${b.name} ${b.args.join(' ')}`.trim();
  console.log(`\n=== ${label} (started ${new Date().toISOString()})`);
  if (run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', `${b.name}.bench.ts`), ...b.args]) !== 0) failed.push(label);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join('; ')}`);
  process.exit(1);
}
