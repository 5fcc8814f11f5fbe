/**
 * `syncline load` with an X3 source: the bulk initial load reads every X3 customer through api1
 * pages (change polling from the beginning, in pages of 10 here) and writes them through Salesforce
 * Bulk API 2.0 and Pardot's bulk path; every customer lands once in each system, and a second load
 * writes no second record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../../src/engine/bulk-load.js';
import { x3JourneyFixture, type X3JourneyFixture } from '../../support/journeys.js';

const FLOW = 'x3-customer-enrichment';

describe('bulk load from Sage X3', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: [FLOW], x3Seed: { customers: 35, orders: 12 } });
  }, 60_000);
  afterAll(async () => f?.close());

  it('loads every X3 customer into Salesforce Accounts and Pardot prospects once', async () => {
    const deps = { store: f.store, pool: f.hub.pool, flows: f.hub.flows };
    const res = await bulkLoad(deps, FLOW, { pageSize: 10 });
    await f.drain(60_000);
    const customers = f.x3.tables.list('BPCUSTOMER');
    expect(res.read).toBeGreaterThanOrEqual(customers.length);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const accounts = [...f.salesforce.state.org.table('Account').values()].filter((a) => a.SageX3_Customer_No__c);
    expect(new Set(accounts.map((a) => a.SageX3_Customer_No__c)).size).toBe(customers.length);
    expect(accounts).toHaveLength(customers.length);
    type Line = Record<string, string>;
    const emails = customers.map((c) => (c.CONTACT as Line[])[0].CNTEMA);
    const prospects = [...f.pardot.state.prospects.values()].filter((p) => emails.includes(String(p.email)) && !p.isDeleted);
    expect(prospects).toHaveLength(new Set(emails).size);
    await bulkLoad(deps, FLOW, { pageSize: 10 });
    await f.drain(60_000);
    expect([...f.salesforce.state.org.table('Account').values()].filter((a) => a.SageX3_Customer_No__c)).toHaveLength(customers.length);
  }, 120_000);
});
