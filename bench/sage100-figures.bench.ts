/**
 * Sage 100 customer figures (issue 22): what computing lifetime value, open balance and the last
 * order, invoice and payment dates from Sage's own rows costs per customer read, through the real
 * unixODBC driver against the emulator's default company (300 customers, 1,500 invoices). Measures a
 * full read of AR_Customer (every page with its figures) and a re-read of one customer (what a
 * refresh-on-child event costs), each repeated, median and p95.
 *
 *   npx tsx bench/sage100-figures.bench.ts [--rounds 7]
 */
import os from 'node:os';
import { sage100Connector, type Sage100Connection } from '../src/connectors/sage100/index.js';
import { startSage100Emulator } from '../src/sandbox/sage100/index.js';
import { machine, percentile, writeSection } from './report.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const ROUNDS = Number(args.get('rounds') ?? 7);

const emu = await startSage100Emulator();
const quiet = () => undefined;
const state = new Map<string, unknown>();
const conn = sage100Connector.create({
  connectionName: 'bench',
  settings: { endpointUrl: emu.endpointUrl, companyCode: emu.companyCode, username: 'syncline', password: 'sage100', odbcConnectionString: emu.odbcConnectionString, timeZone: emu.clock.timeZone },
  state: { get: async (k: string) => state.get(k), set: async (k: string, v: unknown) => void state.set(k, v) },
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  gate: { acquire: async () => () => undefined },
} as never) as Sage100Connection;

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
const loadBefore = load();
const full: number[] = [];
const one: number[] = [];
let customers = 0;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  const page = await conn.readChanges('AR_Customer', null, { limit: 10_000 });
  full.push(performance.now() - t0);
  customers = page.records.length;
  const someId = page.records[Math.floor(page.records.length / 2)].id;
  const t1 = performance.now();
  await conn.get('AR_Customer', someId);
  one.push(performance.now() - t1);
}
const loadAfter = load();
await conn.close();
await emu.close();

const rows = [
  { read: `all ${customers} customers with figures`, 'median ms': percentile(full, 0.5), 'p95 ms': percentile(full, 0.95), 'ms per customer': Math.round((percentile(full, 0.5) / customers) * 100) / 100 },
  { read: 'one customer re-read (a refresh-on-child event)', 'median ms': percentile(one, 0.5), 'p95 ms': percentile(one, 0.95), 'ms per customer': percentile(one, 0.5) },
];
console.table(rows);
writeSection(
  'Sage 100 customer figures (issue 22)',
  `\`npx tsx bench/sage100-figures.bench.ts --rounds ${ROUNDS}\`: the emulator's default company (1,500 invoices) read through unixODBC + the SQLite ODBC driver; figures from AR_InvoiceHistoryHeader, AR_OpenInvoice, SO_SalesOrderHeader and AR_CashReceiptsHistory (4 queries per 50 customers). ${machine()} Load average before ${loadBefore}, after ${loadAfter} (a shared machine: ~8 engineers on 2 cores).`,
  rows,
);
