/**
 * `npm run chaos`: the fault-injection run. Exits non-zero when anything was lost, duplicated,
 * written wrongly or dead-lettered without a legitimate reason.
 *
 *   npm run chaos -- --events 10000 --store postgres --workers 2
 *   npm run chaos -- --store sqlite --events 2000 --drop 0.05
 */
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { markdownTable } from '../../bench/report.js';
import { DEFAULT_CHAOS, runChaos } from './chaos.js';
import { DEFAULT_FAULT_RATES } from './faults.js';
import { tableRows, verdict, type SavedRun } from './report.js';

const num = (v: string) => Number(v);
const program = new Command()
  .name('chaos')
  .option('--events <n>', 'events to send', num, DEFAULT_CHAOS.events)
  .option('--store <kind>', 'postgres or sqlite', DEFAULT_CHAOS.store)
  .option('--workers <n>', 'worker processes on PostgreSQL (at least 2)', num, DEFAULT_CHAOS.workers)
  .option('--seed <n>', 'seed of the events and the chaos schedule', num, DEFAULT_CHAOS.seed)
  .option('--rate-429 <p>', 'probability of HTTP 429 per vendor call', num, DEFAULT_FAULT_RATES.tooMany)
  .option('--rate-503 <p>', 'probability of HTTP 503 per vendor call', num, DEFAULT_FAULT_RATES.unavailable)
  .option('--timeout <p>', 'probability of a vendor call never answered', num, DEFAULT_FAULT_RATES.timeout)
  .option('--drop <p>', 'probability of a dropped connection', num, DEFAULT_FAULT_RATES.drop)
  .option('--daily-limit <p>', 'probability of a daily-limit error', num, DEFAULT_FAULT_RATES.dailyLimit)
  .option('--duplicates <p>', 'share of webhooks delivered twice', num, DEFAULT_CHAOS.duplicateRate)
  .option('--kill-every <ms>', 'mean ms between SIGKILLs (0: never)', num, DEFAULT_CHAOS.killEveryMs)
  .option('--server-restart-every <ms>', 'mean ms between server restarts (0: never)', num, DEFAULT_CHAOS.serverRestartEveryMs)
  .option('--db-kill-every <ms>', 'mean ms between database-connection kills (PostgreSQL: pg_terminate_backend of every connection; SQLite: the process killed mid-write; 0: never)', num, DEFAULT_CHAOS.dbKillEveryMs)
  .option('--expire-tokens-every <ms>', 'ms between token expiries (0: never)', num, DEFAULT_CHAOS.expireTokensEveryMs)
  .option('--rate <n>', 'events sent per second (0: as fast as possible)', num, DEFAULT_CHAOS.ratePerSec)
  .option('--drain-timeout <ms>', 'longest wait for the queue to drain', num, DEFAULT_CHAOS.drainTimeoutMs)
  .option('--json <file>', 'also save the table, the verdict and the command as JSON (test/chaos/write-results.ts puts them in bench/RESULTS.md)')
  .parse();
const opts = program.opts<Record<string, number | string | boolean>>();

const report = await runChaos({
  events: opts.events as number,
  store: opts.store === 'sqlite' ? 'sqlite' : 'postgres',
  workers: opts.workers as number,
  seed: opts.seed as number,
  faults: { tooMany: opts.rate429 as number, unavailable: opts.rate503 as number, timeout: opts.timeout as number, drop: opts.drop as number, dailyLimit: opts.dailyLimit as number },
  duplicateRate: opts.duplicates as number,
  killEveryMs: opts.killEvery as number,
  serverRestartEveryMs: opts.serverRestartEvery as number,
  dbKillEveryMs: opts.dbKillEvery as number,
  expireTokensEveryMs: opts.expireTokensEvery as number,
  drainTimeoutMs: opts.drainTimeout as number,
  ratePerSec: opts.rate as number,
  log: (line) => console.log(line),
});
const rows = tableRows(report);
console.log(`\n${markdownTable(rows)}\n`);
for (const e of report.audit.examples) console.log(`  problem: ${e}`);
const failures = verdict(report);
if (opts.json) {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const command = `npm run chaos -- ${args.filter((_, i) => i !== jsonAt && i !== jsonAt + 1).join(' ')}`.trim();
  const saved: SavedRun = { command, finishedAt: new Date().toISOString(), store: report.options.store, rows, failures, deadLetterExamples: report.audit.deadLetters.slice(0, 3).map((d) => `${d.flow} ${d.kind}: ${d.message}`) };
  writeFileSync(String(opts.json), JSON.stringify(saved, null, 2));
}
if (failures.length) {
  console.error(`chaos run FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('chaos run passed: nothing lost, nothing duplicated');
process.exit(0);
