/**
 * Reconciliation of a two-way pair (issue 17): how long comparing N records per side takes and how
 * much memory it holds, on embedded SQLite. The two systems are synthetic connectors that generate
 * their records page by page (500 a page, as the vendors' reads), so the figure is the engine's own
 * cost: snapshotting into the store and comparing there. Every 10th record of side b differs in one
 * field; 1% of each side has no partner.
 *
 *   npx tsx bench/reconcile.bench.ts [--records 20000]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChangePage, Connector, Watermark } from '../src/core/connector.js';
import type { ConnectionPool } from '../src/engine/connections.js';
import { FlowCache } from '../src/engine/flow-cache.js';
import { loadFlow } from '../src/engine/flow-loader.js';
import { reconcile } from '../src/engine/sync/reconcile.js';
import { openStore } from '../src/store/index.js';
import type { JsonObject } from '../src/core/json.js';
import { machine, writeSection } from './report.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('records', 20_000);
const PAGE = 500;
const id = (side: string, i: number) => `${side}${String(i).padStart(8, '0')}`;

/** A side whose records are generated on read: index i pairs with the other side's index i. */
function side(key: 'a' | 'b'): Pick<Connector, 'readChanges'> {
  return {
    async readChanges(_entity: string, since: Watermark | null): Promise<ChangePage> {
      const from = since ? Number(since.key) : 0;
      const to = Math.min(N, from + PAGE);
      const records = [];
      for (let i = from; i < to; i++) {
        if (i % 100 === (key === 'a' ? 1 : 2)) continue; // 1% missing on each side
        const custNo = `01-C${i}`;
        const data = key === 'a'
          ? { Sage100_Customer_No__c: custNo, Name: `Customer ${i}`, Phone: `555-${i}`, BillingCity: 'Austin', BillingPostalCode: '78701', Website: null, BillingStreet: '1 Main', Credit_Limit__c: 1000 }
          : { CustomerName: `Customer ${i}`, TelephoneNo: i % 10 === 0 ? `555-x${i}` : `555-${i}`, City: 'Austin', ZipCode: '78701', URLAddress: null, AddressLine1: '1 Main', CreditLimit: '1000.00' };
        records.push({ id: key === 'a' ? id('001', i) : custNo, entity: 'x', data });
      }
      return { records, next: { at: new Date(0).toISOString(), key: String(to) }, hasMore: to < N };
    },
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-reconcile-bench-'));
try {
  const store = await openStore({ url: `sqlite:${path.join(dir, 'r.db')}`, masterKey: 'a'.repeat(64) });
  const yaml = readFileSync(path.resolve(import.meta.dirname, '../flows/two-way/customer-master.yaml'), 'utf8');
  const loaded = loadFlow(yaml);
  if (!loaded.ok) throw new Error('template invalid');
  await store.deployFlow({ flow: 'customer-master', source: yaml, definition: loaded.flow.def as unknown as JsonObject, hash: loaded.flow.hash, deployedBy: 'bench' });
  const sides = { salesforce: side('a'), sage100: side('b') } as Record<string, Pick<Connector, 'readChanges'>>;
  const pool = { get: async (name: string) => ({ connector: sides[name] }) } as unknown as ConnectionPool;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 50);
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  const run = await reconcile('customer-master', 'bench', { store, pool, flows: new FlowCache(store) });
  const seconds = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  await store.close();
  const s = run.summary as Record<string, number>;
  const row = {
    'records per side': N.toLocaleString('en-US'),
    seconds: seconds.toFixed(1),
    'records/s (both sides)': Math.round((2 * N) / seconds).toLocaleString('en-US'),
    'peak heap growth MiB': ((peak - heapBefore) / 2 ** 20).toFixed(1),
    'differences found': `${s.field} fields, ${s.missing_a} missing a, ${s.missing_b} missing b`,
    'load avg': readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  console.log(row);
  writeSection(
    'Reconciliation of a two-way pair (issue 17)',
    `Command: \`npx tsx bench/reconcile.bench.ts --records ${N}\`. ${machine()} Synthetic connectors generate both sides page by page (engine and store cost only; no vendor I/O); all unpaired (a first reconciliation), so every record is matched by key in the store. SQLite.`,
    [row],
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
