/**
 * Bulk initial load benchmark (issue 6): 100,000 ERP customers → Salesforce Accounts (Bulk API 2.0)
 * and Pardot prospects (Import API), on embedded SQLite. The ERP is Sage 100 (read through the real
 * ODBC driver) or, with `--erp sagex3`, Sage X3 (read through the REST api1: `$query` pages followed
 * through `$links.$next`, with the connector's totals per customer). Records wall time, API calls per
 * system (from the emulators' own counters) and peak memory.
 *
 * The load streams: source pages of `--page` records are mapped and dropped, and each target's writes
 * go out as one vendor job per `--batch` records. Peak memory is split into the V8 heap and memory
 * outside it (Buffers: packed batch data, CSV bodies) to say where it goes.
 *
 *   npx tsx bench/bulk-load.bench.ts [--customers 100000] [--page 5000] [--batch 50000] [--erp sage100|sagex3] [--rest-page 1000] [--write no]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openStore } from '../src/store/index.js';
import { SynclineHub } from '../src/engine/hub.js';
import { builtInConnectors } from '../src/server/connectors.js';
import { saveConnection } from '../src/engine/connection-settings.js';
import { BULK_BATCH, BULK_PAGE, bulkLoad } from '../src/engine/bulk-load.js';
import { sandboxConnections } from '../src/cli/demo/connections.js';
import { progressPrinter } from '../src/cli/commands/load.js';
import { loadAverage, machine, writeSection } from './report.js';
import { X3_BULK_FLOW as X3_FLOW } from './bulk-flows.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const CUSTOMERS = Number(args.get('customers') ?? 100_000);
const PAGE = Number(args.get('page') ?? BULK_PAGE);
const BATCH = Number(args.get('batch') ?? BULK_BATCH);
const WRITE = args.get('write') !== 'no';
const ERP = args.get('erp') ?? 'sage100';
const REST_PAGE = Number(args.get('rest-page') ?? 1000);
if (ERP !== 'sage100' && ERP !== 'sagex3') throw new Error(`--erp must be sage100 or sagex3 (got ${ERP})`);

const SAGE100_FLOW = `name: bulk-customers
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


interface Endpoints {
  salesforce: { url: string };
  pardot: { url: string; businessUnitId: string };
  sage100: { endpointUrl: string; odbcConnectionString: string; companyCode: string; url: string };
  sagex3?: { url: string; endpoint: string; poolAlias: string };
}

/** Starts the emulators in a child process (their memory and CPU are not Syncline's; a heap limit given to Syncline in NODE_OPTIONS is not theirs). */
function startEmulators(customers: number): Promise<{ child: ChildProcess; endpoints: Endpoints }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/emulators-process.ts'], { env: { ...process.env, NODE_OPTIONS: '', SAGE_CUSTOMERS: String(customers), ERP }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`emulators exited with ${c}`)));
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ child, endpoints: JSON.parse(buf.slice(0, nl)) as Endpoints });
    });
  });
}

/** Total API calls an emulator counted (its control endpoint); `api` keeps only the X3 emulator's REST or SOAP calls. */
async function calls(url: string, api?: 'soap' | 'rest'): Promise<number> {
  // Salesforce and Pardot answer with a total; Sage 100 and Sage X3 with the list of calls.
  const body = (await (await fetch(`${url}/__sandbox/calls`)).json()) as { total?: number; calls?: Array<{ api?: string }> };
  return body.total ?? body.calls?.filter((c) => !api || c.api === api).length ?? NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-bulk-'));
  console.error(`seeding ${CUSTOMERS} ${ERP === 'sagex3' ? 'Sage X3' : 'Sage 100'} customers in the emulator process…`);
  const { child, endpoints } = await startEmulators(CUSTOMERS);
  const store = await openStore({ url: `sqlite:${path.join(dir, 'hub.db')}`, masterKey: 'c'.repeat(64) });
  const hub = new SynclineHub({ store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }) });
  try {
    const x3 = ERP === 'sagex3' ? endpoints.sagex3 : undefined;
    const conns = x3 ? sandboxConnections({ salesforce: endpoints.salesforce, pardot: endpoints.pardot, sagex3: x3 }) : sandboxConnections(endpoints);
    if (x3) {
      conns.sagex3.settings.pageSize = REST_PAGE;
      conns.sagex3.settings.rateLimits = { perSecond: 10_000, concurrent: 8 };
    }
    for (const [name, c] of Object.entries(conns)) await saveConnection(store, hub.connectors, { name, type: c.type, settings: c.settings }, 'bench');
    await hub.deployFlow(x3 ? X3_FLOW : SAGE100_FLOW, 'bench');
    const erpCalls = () => (x3 ? calls(x3.url, 'rest') : calls(endpoints.sage100.url));
    const peak = { rss: 0, heapUsed: 0, outside: 0 };
    // Peak heap per phase of the load (reading, mapping, writing: submitting; checks: the workers settling vendor jobs).
    let phase = 'start';
    const byPhase: Record<string, { heap: number; rss: number }> = {};
    const sample = () => {
      const m = process.memoryUsage();
      const p = (byPhase[phase] ??= { heap: 0, rss: 0 });
      p.heap = Math.max(p.heap, Math.round(m.heapUsed / 2 ** 20));
      p.rss = Math.max(p.rss, Math.round(m.rss / 2 ** 20));
      peak.rss = Math.max(peak.rss, m.rss);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
      // Buffers and other memory V8 holds outside its heap (packed batch data, CSV bodies, sockets).
      peak.outside = Math.max(peak.outside, m.external + m.arrayBuffers);
    };
    sample();
    const sampler = setInterval(sample, 100);
    const loadStart = loadAverage();
    const before = { sf: await calls(endpoints.salesforce.url), pardot: await calls(endpoints.pardot.url), erp: await erpCalls() };
    const printer = progressPrinter();
    const t0 = Date.now();
    const res = await bulkLoad({ store, pool: hub.pool, flows: hub.flows }, 'bulk-customers', { pageSize: PAGE, batchSize: BATCH, onProgress: (p) => (printer.update(p), (phase = p.phase)) });
    phase = 'checks';
    const submitted = (Date.now() - t0) / 1000;
    // Bulk API jobs and imports were submitted and queued as batch checks: a worker finishes them.
    await hub.startWorkers(1, { idlePollMs: 50 }, false);
    for (;;) {
      const q = await store.queueStats();
      if (q.queued === 0 && q.running === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const r of await store.listRuns({ flow: 'bulk-customers', limit: 10_000 })) {
      if (r.trigger === 'batch' && r.stats && typeof r.stats.target === 'string') res.written[r.stats.target] += Number(r.stats.written ?? 0);
    }
    const wall = (Date.now() - t0) / 1000;
    printer.stop();
    clearInterval(sampler);
    const row = {
      customers: CUSTOMERS,
      page: PAGE,
      batch: BATCH,
      read: res.read,
      'accounts written': res.written.account,
      'prospects written': res.written.prospect,
      'handed to queue': res.queued,
      'submitted s': submitted.toFixed(1),
      'wall s': wall.toFixed(1),
      'Salesforce calls': (await calls(endpoints.salesforce.url)) - before.sf,
      'Pardot calls': (await calls(endpoints.pardot.url)) - before.pardot,
      [x3 ? 'X3 REST calls' : 'Sage 100 eBWS calls']: (await erpCalls()) - before.erp,
      'Syncline peak RSS MiB': Math.round(peak.rss / 2 ** 20),
      'peak V8 heap used MiB': Math.round(peak.heapUsed / 2 ** 20),
      'peak outside heap MiB': Math.round(peak.outside / 2 ** 20),
      'load avg start': loadStart,
      'load avg end': loadAverage(),
    };
    console.table([row]);
    console.log(JSON.stringify(row));
    console.log(`peak V8 heap used and RSS by phase, MiB: ${JSON.stringify(byPhase)}`);
    console.log(`Pardot calls by family: ${JSON.stringify(((await (await fetch(`${endpoints.pardot.url}/__sandbox/calls`)).json()) as { byFamily?: unknown }).byFamily)}`);
    if (!WRITE) return;
    const size = CUSTOMERS === 100_000 ? '' : ` (${CUSTOMERS.toLocaleString('en')} customers)`;
    writeSection(
      x3 ? `Bulk initial load from Sage X3${size}` : `Bulk initial load${size}`,
      x3
        ? `${CUSTOMERS.toLocaleString('en')} Sage X3 customers read through the REST api1 (\`$query\` pages of ${REST_PAGE.toLocaleString('en')} followed through \`$links.$next\`, source pages of ${PAGE.toLocaleString('en')}, vendor jobs of ${BATCH.toLocaleString('en')} per target; per customer the connector also reads its invoices, open items and orders for \`totals\`, 40 customers per query) and loaded into Salesforce Accounts (Bulk API 2.0 upsert on SageX3_Customer_No__c) and Pardot prospects, Syncline on embedded SQLite. The emulators run in a second process; API calls are their own counts (token calls included); memory is the Syncline process's.\n\nCommand: \`npx tsx bench/bulk-load.bench.ts --erp sagex3 --customers ${CUSTOMERS} --page ${PAGE} --batch ${BATCH}\`\n\n${machine()}`
        : `${CUSTOMERS.toLocaleString('en')} Sage 100 customers read through the SQLite ODBC driver (source pages of ${PAGE.toLocaleString('en')}, vendor jobs of ${BATCH.toLocaleString('en')} per target) and loaded into Salesforce Accounts (Bulk API 2.0 upsert on Sage100_Customer_No__c) and Pardot prospects (Import API), Syncline on embedded SQLite. The emulators run in a second process; API calls are their own counts (token calls included); memory is the Syncline process's.\n\nCommand: \`npx tsx bench/bulk-load.bench.ts --customers ${CUSTOMERS} --page ${PAGE} --batch ${BATCH}\`\n\n${machine()}`,
      [row],
    );
  } finally {
    await hub.stop();
    await store.close();
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
