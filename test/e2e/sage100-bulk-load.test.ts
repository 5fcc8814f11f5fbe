/**
 * `syncline load` with a Sage 100 source: the bulk initial load reads AR_Customer from the beginning,
 * which the connector does by primary key in pages (of 7 here, across divisions), writes every customer
 * once to Salesforce (Bulk API 2.0 upsert) and Pardot, and leaves the flow's watermark at the newest
 * stamp read, so the next poll reads only what changes after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sageStampToMs } from '../../src/connectors/sage100/stamps.js';
import { bulkLoad } from '../../src/engine/bulk-load.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { SAGE100_BULK_FLOW as FLOW } from '../../bench/bulk-flows.js';

describe('bulk load from Sage 100', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [], seedCrm: false, sageSeed: { customers: 45, orders: 0, invoices: 0 } });
    await f.hub.deployFlow(FLOW, 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  it('writes every customer once and leaves the watermark at the newest stamp read', async () => {
    const deps = { store: f.store, pool: f.hub.pool, flows: f.hub.flows };
    const res = await bulkLoad(deps, 'bulk-customers', { pageSize: 7 });
    await f.drain(60_000);
    const rows = f.sage.db.sql.prepare('SELECT ARDivisionNo, CustomerNo, EmailAddress, DateUpdated, TimeUpdated FROM AR_Customer_DATA').all() as Array<Record<string, string>>;
    expect(new Set(rows.map((r) => r.ARDivisionNo)).size).toBeGreaterThan(1);
    expect(res.read).toBe(rows.length);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const ids = rows.filter((r) => r.EmailAddress.trim()).map((r) => `${r.ARDivisionNo.trim()}-${r.CustomerNo.trim()}`);
    const accounts = [...f.salesforce.state.org.table('Account').values()].map((a) => a.Sage100_Customer_No__c).filter(Boolean);
    expect(accounts.slice().sort()).toEqual(ids.slice().sort());
    const emails = new Set(rows.filter((r) => r.EmailAddress.trim()).map((r) => r.EmailAddress.trim().toLowerCase()));
    expect(new Set([...f.pardot.state.prospects.values()].filter((p) => !p.isDeleted).map((p) => String(p.email)))).toEqual(emails);

    const newest = Math.max(...rows.map((r) => sageStampToMs(r.DateUpdated, r.TimeUpdated, f.sage.clock.timeZone)!));
    const mark = await f.store.getWatermark('bulk-customers', 'sage100/AR_Customer');
    expect(mark!.at).toBe(new Date(newest).toISOString());
    expect(mark!.extra?.keyPass).toBeUndefined();
  }, 120_000);
});
