/**
 * The CI-sized chaos run (a few hundred events), one test file per store (chaos-postgres.test.ts,
 * chaos-sqlite.test.ts, so the two run side by side): workers and the server SIGKILLed and
 * restarted, vendor faults, expired tokens, repeated and reordered webhooks. Nothing may be lost or
 * duplicated, and every dead letter must be an intentionally invalid record. `npm run chaos` is the
 * full-size run.
 */
import { describe, expect, it } from 'vitest';
import { runChaos, type ChaosOptions } from '../chaos/chaos.js';
import { tableRows, verdict } from '../chaos/report.js';
import { requirePostgres } from '../support/postgres.js';

/** The messages of dead letters that no intentionally invalid record explains, so a red run says why. */
function unexplained(report: Awaited<ReturnType<typeof runChaos>>): string {
  return report.audit.deadLetters
    .filter((d) => !d.legitimate)
    .map((d) => `not legitimate: ${d.flow} ${d.recordKey ?? '?'} ${d.kind}: ${d.message}`)
    .join('\n');
}

const CI: Partial<ChaosOptions> = {
  events: 200,
  seed: 7,
  ratePerSec: 50,
  killEveryMs: 1500,
  serverRestartEveryMs: 2500,
  dbKillEveryMs: 2000,
  expireTokensEveryMs: 1500,
  faults: { tooMany: 0.03, unavailable: 0.03, timeout: 0.002, drop: 0.02, dailyLimit: 0.005 },
  drainTimeoutMs: 120_000,
};

/** Declares the CI-sized chaos test of one store. */
export function chaosCiTest(store: 'postgres' | 'sqlite'): void {
  describe(`chaos (CI size, ${store})`, async () => {
    const run = store === 'sqlite' || (await requirePostgres('the CI-sized chaos run on PostgreSQL'));
    it.runIf(run)('loses nothing and duplicates nothing under kills, restarts and vendor faults', async () => {
      // The SQLite process is the whole system: it needs a few seconds between kills to get work done.
      const report = await runChaos({ ...CI, store, workers: 2, ...(store === 'sqlite' ? { killEveryMs: 4000, dbKillEveryMs: 10_000 } : {}) });
      const failures = verdict(report);
      expect(failures, `${tableRows(report).map((r) => `${r.metric}: ${r.value}`).join('\n')}\n${report.audit.examples.join('\n')}\n${unexplained(report)}`).toEqual([]);
      expect(report.audit.lost).toBe(0);
      expect(report.audit.duplicated).toBe(0);
      // The chaos really happened, and every event is accounted for.
      expect(report.workerKills).toBeGreaterThan(0);
      expect(report.serverRestarts).toBeGreaterThan(0);
      expect(report.dbConnectionKills).toBeGreaterThan(0);
      expect(Object.values(report.faultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(report.audit.delivered + report.audit.deadLettered).toBe(report.audit.sent);
      expect(report.audit.deadLetters.every((d) => d.legitimate && d.kind === 'invalid_data')).toBe(true);
    }, 300_000);
  });
}
