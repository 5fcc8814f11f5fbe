/** The short guide printed when the demo starts. */
import type { RunningDemo } from './start-demo.js';

/** The guide's lines: where to sign in, what runs where, what to look at, how to stop. */
export function guideLines(demo: RunningDemo, options: { eventsPerMinute: number; trafficOn: boolean; kept: boolean }): string[] {
  const { salesforce, pardot } = demo.emulators;
  const lines = [
    '',
    '  Syncline live demo',
    '  ──────────────────',
    `  Console      ${demo.url}`,
    `  Sign in      ${demo.credentials.username} / ${demo.credentials.password}   (a local demo account: never use it on a shared machine)`,
    '',
    '  Emulators (vendor APIs, started with the demo):',
    `    Salesforce ${salesforce.url}   (faults: ${salesforce.url}/__sandbox/faults)`,
    `    Pardot     ${pardot.url}   (faults: ${pardot.url}/__sandbox/faults)`,
    ...demo.erp.guide,
    '',
    `  Store        SQLite ${demo.runtime.config.database.replace(/^sqlite:/, '')}${options.kept ? ' (kept from the last demo)' : ' (fresh)'}; server log ${demo.logFile}`,
  ];
  lines.push(`  Connections  ${demo.connections.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join(' · ')}`);
  for (const c of demo.connections.filter((x) => !x.ok)) lines.push(`    ${c.name}: ${c.message}`);
  if (demo.flows.deployed.length > 0) lines.push(`  Flows        ${demo.flows.deployed.map((f) => f.flow).join(', ')}`);
  else lines.push(`  Flows        none deployed: no flow files in ${demo.runtime.config.flowsDir ?? 'flows'}/`);
  for (const f of demo.flows.failed) lines.push(`  Not deployed ${f.file}: ${f.error}`);
  if (demo.flows.deployed.length > 0 && !options.kept) {
    lines.push('  The first runs read the emulators\' seed companies (an initial sync of a few hundred records);');
    lines.push('  the queue drains in well under a minute, then the live events below take over.');
  }
  if (demo.flows.nudged.length > 0) {
    lines.push(`  The templates poll on production intervals (${[...new Set(demo.flows.nudged.map((f) => f.trigger))].join(', ')}); so that`);
    lines.push('  effects show within seconds, the demo runs them right after each event in their source system');
    lines.push('  (as "Run now" in the console would). Their own schedule keeps running too.');
  }
  lines.push(
    '',
    '  What to look at:',
    '    Overview      runs per flow, queue, API budget per connection, live',
    '    Runs          search an email printed below to follow one record across systems',
    `    Dead letters  a record that failed on purpose (company name over ${demo.erp.label}'s ${demo.erp.companyNameLimit} characters):`,
    '                  open it, edit the value, replay it, and watch it land once',
    '',
    options.trafficOn
      ? `  Traffic      a business day at about ${options.eventsPerMinute} events a minute; one line per event, a status line every 10 s.`
      : '  Traffic      off (--no-traffic): change records in the emulators yourself.',
    '',
    '  Ctrl-C to stop (traffic, server, workers and emulators stop cleanly).',
    '',
  );
  return lines;
}
