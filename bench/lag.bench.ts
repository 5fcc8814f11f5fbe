/**
 * Source-to-target lag of journey 1 (a Lead converted in Salesforce → a Sage 100 customer), Change
 * Data Capture against polling. Leads are converted in the Salesforce emulator at random moments
 * (one every 0.3–1.5 s) for `--seconds` per variant; the lag of each is the time from the conversion
 * (the source commit) to the moment its customer exists in the Sage 100 emulator (checked every
 * 10 ms). Everything runs in one process on SQLite, with one worker; the template's own poll interval
 * is 1 minute, the polling variant here polls every `--every` (default 10 s) so it finishes in
 * reasonable time: polling lag grows with the interval (about half of it on average). The adaptive
 * variant polls every 1 minute when idle and every `--min-every` (default 5 s) while changes arrive,
 * as the polled templates do (`trigger.minEvery`).
 *
 *   npx tsx bench/lag.bench.ts [--seconds 60] [--every 10s] [--min-every 5s]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SynclineHub } from '../src/engine/hub.js';
import { builtInConnectors } from '../src/server/connectors.js';
import { AR_Customer } from '../src/sandbox/sage100/schema.js';
import { FLOWS_DIR, journeyFixture } from '../test/support/journeys.js';
import { machine, percentile, writeSection } from './report.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 60) || 60;
const every = args.includes('--every') ? args[args.indexOf('--every') + 1] : '10s';
const minEvery = args.includes('--min-every') ? args[args.indexOf('--min-every') + 1] : '5s';
const template = readFileSync(path.join(FLOWS_DIR, 'lead-to-customer.yaml'), 'utf8');
const withTrigger = (trigger: string) => template.replace(/^trigger:\n(?: {2}.*\n)+/m, `trigger:\n${trigger}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const f = await journeyFixture({ flows: [], workers: false, seedCrm: true });
  const hub = new SynclineHub({ store: f.store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 200 } });
  await hub.startWorkers(1, { idlePollMs: 20 }, true, true);
  const org = f.salesforce.state.org;
  let serial = 0;

  async function measure(variant: string, trigger: string): Promise<Record<string, unknown>> {
    await hub.deployFlow(withTrigger(trigger), 'bench');
    // Let the follower subscribe (stream) or the first read take the seed (poll) before measuring.
    await sleep(3000);
    await f.drain(120_000);
    const pending = new Map<string, number>();
    const lags: number[] = [];
    const watcher = setInterval(() => {
      if (pending.size === 0) return;
      const now = Date.now();
      for (const c of f.sage.db.list(AR_Customer)) {
        const email = String(c.EmailAddress ?? '').trim().toLowerCase();
        const t0 = pending.get(email);
        if (t0 !== undefined) {
          lags.push(now - t0);
          pending.delete(email);
        }
      }
    }, 10);
    const end = Date.now() + seconds * 1000;
    let sent = 0;
    while (Date.now() < end) {
      serial += 1;
      const email = `lag${serial}@bench.example`;
      const leadId = org.insert('Lead', { LastName: `Lag ${serial}`, Company: `Lag Bench ${serial}`, Email: email, Status: 'Open - Not Contacted' }).id;
      pending.set(email, Date.now());
      f.salesforce.state.convertLead(leadId);
      sent += 1;
      await sleep(300 + Math.random() * 1200);
    }
    const deadline = Date.now() + 120_000;
    while (pending.size > 0 && Date.now() < deadline) await sleep(50);
    clearInterval(watcher);
    return {
      variant,
      leads: sent,
      arrived: lags.length,
      'p50 ms': percentile(lags, 0.5),
      'p90 ms': percentile(lags, 0.9),
      'p99 ms': percentile(lags, 0.99),
      'max ms': percentile(lags, 1),
    };
  }

  try {
    const rows = [
      await measure('Change Data Capture (stream)', '  type: stream\n'),
      await measure(`polling every ${every}`, `  type: poll\n  every: ${every}\n  overlap: 5s\n`),
      await measure(`adaptive polling, every 1m, minEvery ${minEvery}`, `  type: poll\n  every: 1m\n  minEvery: ${minEvery}\n  overlap: 5s\n`),
    ];
    const load = os.loadavg().map((n) => n.toFixed(2)).join(', ');
    const intro = [
      `Journey 1 (a converted Lead → a Sage 100 customer, the customer number written back), lag from the conversion in the Salesforce emulator to the customer in the Sage 100 emulator, ${seconds} s of conversions per variant at random moments (one every 0.3–1.5 s), one worker, SQLite, everything in one process. The template used to poll every minute: polling lag is about half the interval plus the read, so at 1 m the p50 would be about 30 s. Adaptive polling (every 1 m when idle, \`minEvery\` while reads find changes, as the polled templates now do) polls at its short interval throughout, since a change arrives every 0.3–1.5 s.`,
      '',
      `${machine()} Load average at the end: ${load}.`,
      '',
      `Command: \`npx tsx bench/lag.bench.ts --seconds ${seconds} --every ${every} --min-every ${minEvery}\``,
      '',
      'With under 100 samples per variant the p99 is the largest lag seen.',
    ].join('\n');
    writeSection('Real-time Salesforce (source-to-target lag)', intro, rows);
    console.log(JSON.stringify({ rows, load }, null, 2));
  } finally {
    await hub.stop();
    await f.close();
  }
}

await main();
