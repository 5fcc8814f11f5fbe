/**
 * Bulk initial load benchmark (issue 6): 100,000 Sage 100 customers → Salesforce Accounts (Bulk API 2.0)
 * and Pardot prospects (Import API), read through the real ODBC driver, on embedded SQLite.
 * Records wall time, API calls per system (from the emulators' own counters) and peak memory.
 *
 *   npx tsx bench/bulk-load.bench.ts [--customers 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openStore } from '../src/store/index.js';
import { SynclineHub } from '../src/engine/hub.js';
import { builtInConnectors } from '../src/server/connectors.js';
import { saveConnection } from '../src/engine/connection-settings.js';
import { bulkLoad } from '../src/engine/bulk-load.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../src/sandbox/salesforce/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../src/sandbox/pardot/index.js';
import { startSage100Emulator } from '../src/sandbox/sage100/index.js';
import { sandboxConnections } from '../src/cli/demo/connections.js';
import { progressPrinter } from '../src/cli/commands/load.js';
import { machine, writeSection } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const CUSTOMERS = Number(args.get('customers') ?? 100_000);

const FLOW = `name: bulk-customers
description: Sage 100 customers to Salesforce Accounts and Pardot prospects (initial load)
trigger: { type: manual }
source: { connection: sage100, entity: AR_Customer }
filter: "EmailAddress != ''"
targets:
  - name: account
    connection: salesforce
    entity: Account
    mapping:
      Name: CustomerName
      Sage100_Customer_No__c: { expr: "ARDivisionNo & '-' & CustomerNo" }
      BillingCity: City
      Phone: TelephoneNo
    write: { verb: upsert, externalIdField: Sage100_Customer_No__c }
  - name: prospect
    connection: pardot
    entity: prospect
    mapping:
      email: { expr: "$lowercase($trim(EmailAddress))" }
      company: CustomerName
    match: { keys: [email] }
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-bulk-'));
  console.error(`seeding ${CUSTOMERS} Sage 100 customers…`);
  const seedStart = Date.now();
  const sage = await startSage100Emulator({ dbPath: path.join(dir, 'sage.db'), seedSize: { customers: CUSTOMERS, items: 10, orders: 0, invoices: 0 } });
  console.error(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
  const sf = await startSalesforceEmulator({ seed: false, dailyApiLimit: 1_000_000 });
  const pardot = await startPardotEmulator({ seed: false, dailyLimit: 1_000_000 });
  const store = await openStore({ url: `sqlite:${path.join(dir, 'hub.db')}`, masterKey: 'c'.repeat(64) });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  try {
    for (const [name, c] of Object.entries(sandboxConnections({ salesforce: sf, pardot, sage100: sage }))) {
      await saveConnection(store, hub.connectors, { name, type: c.type, settings: c.settings }, 'bench');
    }
    await hub.deployFlow(FLOW, 'bench');
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const callsBefore = { sage: sage.calls.length, sf: sfCalls(sf), pardot: pardotCalls(pardot) };
    const printer = progressPrinter();
    const t0 = Date.now();
    const res = await bulkLoad({ store, pool: hub.pool, flows: hub.flows }, 'bulk-customers', { pageSize: 200_000, onProgress: (p) => printer.update(p) });
    const wall = (Date.now() - t0) / 1000;
    printer.stop();
    clearInterval(sampler);
    const row = {
      customers: CUSTOMERS,
      read: res.read,
      'accounts written': res.written.account,
      'prospects written': res.written.prospect,
      'handed to queue': res.queued,
      'wall s': wall.toFixed(1),
      'Salesforce calls': sfCalls(sf) - callsBefore.sf,
      'Pardot calls': pardotCalls(pardot) - callsBefore.pardot,
      'Sage 100 eBWS calls': sage.calls.length - callsBefore.sage,
      'peak RSS MiB': Math.round(peakRss / 2 ** 20),
    };
    console.table([row]);
    writeSection(
      'Bulk initial load',
      `${CUSTOMERS.toLocaleString('en')} Sage 100 customers read through the SQLite ODBC driver and loaded into Salesforce Accounts (Bulk API 2.0 upsert on Sage100_Customer_No__c) and Pardot prospects (Import API), in one process on embedded SQLite, emulators in the same process. API calls are the emulators' own counts (token calls included).\n\nCommand: \`npx tsx bench/bulk-load.bench.ts --customers ${CUSTOMERS}\`\n\n${machine()}`,
      [row],
    );
  } finally {
    await hub.stop();
    await store.close();
    await Promise.all([sf.close(), pardot.close(), sage.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function sfCalls(sf: SalesforceEmulator): number {
  return Object.values(sf.state.calls).reduce((a, b) => a + b, 0);
}
function pardotCalls(p: RunningPardotEmulator): number {
  return p.calls().total;
}

await main();
