/**
 * Reconciliation at scale, on both stores, with synthetic sides served through readAll: the set-based
 * compare (pairs joined with their snapshot rows, unpaired rows matched by key a page of keys at a
 * time) over more records than one page, and applying more differences than one page, each record's
 * differences in one job.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, SnapshotPage, SourceRecord } from '../../src/core/connector.js';
import type { JsonObject } from '../../src/core/json.js';
import type { ConnectionPool } from '../../src/engine/connections.js';
import { FlowCache } from '../../src/engine/flow-cache.js';
import { loadFlow } from '../../src/engine/flow-loader.js';
import { applyReconcile, reconcile } from '../../src/engine/sync/reconcile.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { TEST_MASTER_KEY } from '../support/engine.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';

const FLOW = 'customer-master';
const TEMPLATE = path.resolve(import.meta.dirname, '../../flows/two-way/customer-master.yaml');

/** A side serving fixed records through readAll, `page` a call; its change read must not be used. */
function side(records: SourceRecord[], page: number, reads: { calls: number }): Pick<Connector, 'readAll' | 'readChanges'> {
  return {
    async readAll(_entity: string, cursor: JsonObject | null): Promise<SnapshotPage> {
      reads.calls++;
      const from = cursor ? Number(cursor.offset) : 0;
      return { records: records.slice(from, from + page), next: from + page < records.length ? { offset: from + page } : null };
    },
    readChanges() {
      throw new Error('a reconciliation reads whole entities through readAll');
    },
  };
}

const account = (i: number, city = 'Austin'): SourceRecord => ({ id: `001${String(i).padStart(6, '0')}`, entity: 'Account', data: { Sage100_Customer_No__c: `01-C${i}`, Name: `Customer ${i}`, BillingCity: city, Phone: `555-${i}` } });
const customer = (i: number, city = 'Austin'): SourceRecord => ({ id: `01-C${i}`, entity: 'AR_Customer', data: { CustomerName: `Customer ${i}`, City: city, TelephoneNo: `555-${i}` } });

describe.each(['sqlite', 'postgres'] as const)('reconciliation at scale on %s', (kind) => {
  let store: Store;
  let cleanup = async () => {};
  let run = true;
  beforeAll(async () => {
    if (kind === 'postgres') run = await requirePostgres('reconciliation at scale on postgres');
    if (!run) return;
    let url: string;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-reconcile-'));
      url = `sqlite:${path.join(dir, 'r.db')}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const db = await createTestDatabase('syncline_reconcile');
      url = db.url;
      cleanup = db.drop;
    }
    store = await openStore({ url, masterKey: TEST_MASTER_KEY });
    const yaml = readFileSync(TEMPLATE, 'utf8');
    const loaded = loadFlow(yaml);
    if (!loaded.ok) throw new Error('template invalid');
    await store.deployFlow({ flow: FLOW, source: yaml, definition: loaded.flow.def as unknown as JsonObject, hash: loaded.flow.hash, deployedBy: 'test' });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });

  it('compares over many pages, pairs and unpaired alike, and applies every difference with one job per record', async () => {
    if (!run) return;
    const N = 1300;
    // Records 0-99 are paired already; 100 onwards only match by key. Every 3rd customer has another
    // city and phone (two differences on one record); 5 Accounts and 5 customers have no partner.
    for (let i = 0; i < 100; i++) await store.sync.savePair({ flow: FLOW, aId: account(i).id, bId: customer(i).id, fields: {}, aStamp: null, bStamp: null });
    const accounts = Array.from({ length: N }, (_, i) => account(i)).filter((_, i) => i < N - 5);
    const customers: SourceRecord[] = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? { ...customer(i, 'Dallas'), data: { ...customer(i, 'Dallas').data, TelephoneNo: `555-x${i}` } } : customer(i))).filter((_, i) => i < 700 || i >= 705);
    const reads = { a: { calls: 0 }, b: { calls: 0 } };
    const sides: Record<string, Pick<Connector, 'readAll' | 'readChanges'>> = { salesforce: side(accounts, 400, reads.a), sage100: side(customers, 400, reads.b) };
    const pool = { get: async (name: string) => ({ connector: sides[name] }) } as unknown as ConnectionPool;
    const flows = new FlowCache(store);

    const r = await reconcile(FLOW, 'test', { store, pool, flows });
    expect(r.status).toBe('ready');
    expect(reads.a.calls).toBe(Math.ceil(accounts.length / 400));
    const differing = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 0 && i < N - 5 && (i < 700 || i >= 705));
    // Missing: Accounts 700-704 have no customer; customers 1295-1299 have no Account.
    expect(r.summary).toMatchObject({ records: { a: N - 5, b: N - 5 }, field: 2 * differing.length, missing_a: 5, missing_b: 5, orphan: 0, drift: differing.length + 10 });
    expect(await store.sync.countPairs(FLOW)).toBe(100);

    const diffs = await store.sync.listDiffs(r.id, { limit: 10_000 });
    const missingB = diffs.filter((d) => d.kind === 'missing_b').map((d) => d.aId);
    expect(missingB.sort()).toEqual([700, 701, 702, 703, 704].map((i) => account(i).id));
    const paired = diffs.filter((d) => d.kind === 'field' && d.aId === account(3).id);
    expect(paired.map((d) => [d.field, d.aValue, d.bValue, d.bId])).toEqual([
      ['Phone', '555-3', '555-x3', customer(3).id],
      ['BillingCity', 'Austin', 'Dallas', customer(3).id],
    ]);
    // Matched by key only (no pair yet): compared all the same.
    expect(diffs.filter((d) => d.kind === 'field' && d.aId === account(300).id).map((d) => d.bId)).toEqual([customer(300).id, customer(300).id]);
    // Snapshot rows are gone once compared.
    expect(await store.sync.reconcileRows(r.id, 'a', null, 1)).toEqual([]);

    const out = await applyReconcile(r.id, { all: true }, 'test', { store, flows });
    expect(out.applied).toHaveLength(diffs.length);
    // One job per record: a record's two field differences are one job limited to those fields.
    expect(out.jobIds).toHaveLength(differing.length + 10);
    const jobs = await Promise.all(out.jobIds.map((id) => store.getJob(id)));
    const keys = jobs.map((j) => j!.recordKey);
    expect(new Set(keys).size).toBe(keys.length);
    const three = jobs.find((j) => j!.recordKey === `a:${account(3).id}`)!;
    expect(three.payload).toMatchObject({ id: account(3).id, side: 'a', only: ['Phone', 'BillingCity'] });
    expect(jobs.find((j) => j!.recordKey === `b:${customer(1296).id}`)!.payload).toMatchObject({ side: 'b' });
    expect(await store.sync.listDiffs(r.id, { status: 'open' })).toEqual([]);
  }, 120_000);
});
