/** `syncline demo` (what `npm start` runs): Syncline, the emulators of Salesforce, Pardot and the chosen ERP, the templates and live traffic. */
import type { Command } from 'commander';
import { guideLines } from '../demo/guide.js';
import { DEMO_PORTS, startDemo } from '../demo/start-demo.js';
import { ERP_PROFILES, erpProfile } from '../demo/profiles/index.js';
import { stopOnSignals } from '../signals.js';

/** Options of `syncline demo`. */
interface DemoCommandOptions {
  port: string;
  speed: string;
  traffic: boolean;
  keep?: boolean;
  erp: string;
}

function numberAtLeast(value: string, name: string, min: number, hint = ''): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min} (got "${value}")${hint}`);
  return n;
}

/** Registers `demo`. */
export function demoCommands(program: Command): void {
  program
    .command('demo')
    .description('run the live demo: emulators of Salesforce, Pardot and an ERP (Sage 100 or Sage X3), the journey templates and a simulated business day')
    .option('--erp <name>', `the ERP to run: ${Object.keys(ERP_PROFILES).join(', ')}`, 'sage100')
    .option('--port <port>', 'console port (a free one is used when it is taken)', String(DEMO_PORTS.console))
    .option('--speed <n>', 'business events per minute', '30')
    .option('--no-traffic', 'start everything but play no business traffic')
    .option('--keep', 'reuse .syncline/demo.db (runs, dead letters, users) instead of starting fresh')
    .action(async (o: DemoCommandOptions) => {
      const eventsPerMinute = numberAtLeast(o.speed, '--speed', 0.1, '; use --no-traffic for none');
      erpProfile(o.erp);
      const demo = await startDemo({ port: numberAtLeast(o.port, '--port', 0), eventsPerMinute, traffic: o.traffic, keep: o.keep === true, erp: o.erp });
      for (const line of guideLines(demo, { eventsPerMinute, trafficOn: o.traffic, kept: o.keep === true })) console.log(line);
      const wanted = Number(o.port);
      if (wanted !== 0 && !demo.url.endsWith(`:${wanted}`)) console.log(`  (port ${wanted} was taken; the console is on ${demo.url})\n`);
      stopOnSignals(demo.stop, { what: 'the traffic, the server, the workers and the emulators' });
    });
}
