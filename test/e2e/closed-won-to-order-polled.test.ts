/**
 * Journey 7 by polling: no webhook. A converted lead's customer (journey 1) and the catalogue
 * (journey 6) are synced; the Opportunity is won in the Salesforce emulator with two line items;
 * one poll of closed-won-to-order-polled reads it with its lines (a child relationship subquery)
 * and the Account's ERP number, the order lands in Sage 100 with its lines, and its number lands on
 * the Opportunity. The next polls see the write-back (and any edit) and make no second order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SO_SalesOrderDetail, SO_SalesOrderHeader } from '../../src/sandbox/sage100/schema.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'closed-won-to-order-polled';

describe('journey 7, polled: closed won to order without a webhook', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: ['lead-to-customer', 'catalogue'], sageSeed: { items: 3, orders: 1 } });
    // A variant: deployed instead of the webhook flow, so it lives outside the templates the demo deploys.
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, 'variants', `${FLOW}.yaml`), 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];

  it('orders a won Opportunity with its lines once, and ignores deals not won or without lines', async () => {
    const leadId = org().insert('Lead', { LastName: 'Adeyemi', Company: 'Harbour Pumps', Email: 'k.adeyemi@harbourpumps.example', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll('lead-to-customer');
    await f.poll('catalogue');
    const customerId = String(org().table('Account').get(accountId)!.Sage100_Customer_No__c);
    expect(customerId).toMatch(/^01-/);

    const entries = rows('PricebookEntry').filter((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    org().update('Opportunity', opportunityId!, { Pricebook2Id: entries[0].Pricebook2Id });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[0].Id, Quantity: 2, UnitPrice: 199.5 });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[1].Id, Quantity: 5, UnitPrice: entries[1].UnitPrice });
    // Won, but without lines: filtered out.
    const empty = org().insert('Opportunity', { AccountId: accountId, Name: 'Empty win', StageName: 'Closed Won', CloseDate: '2026-11-20' }).id;
    // The first poll reads everything (the seeded deals too); ours is not won yet and is skipped.
    await f.poll(FLOW);
    const ordersBefore = f.sage.db.list(SO_SalesOrderHeader).length;
    expect(org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c).toBeNull();

    await new Promise((r) => setTimeout(r, 1100)); // SystemModstamp has whole seconds
    org().update('Opportunity', opportunityId!, { StageName: 'Closed Won' });
    await f.poll(FLOW);
    // The seeded won deals of Accounts without an ERP customer are dead-lettered (ARDivisionNo required); ours is not.
    const dead = await f.store.listDeadLetters({ status: 'open' });
    expect(dead.filter((d) => d.recordKey === opportunityId)).toEqual([]);
    expect(dead.every((d) => d.recordKey !== empty)).toBe(true);
    expect(f.sage.db.list(SO_SalesOrderHeader).length).toBe(ordersBefore + 1);

    const orderNo = String(org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c);
    expect(orderNo).toMatch(/^\d{7}$/);
    const header = f.sage.db.get(SO_SalesOrderHeader, { SalesOrderNo: orderNo })!;
    expect(`${String(header.ARDivisionNo)}-${String(header.CustomerNo)}`).toBe(customerId);
    expect(String(header.CustomerPONo)).toBe(opportunityId!.slice(0, 15));
    const expected = rows('OpportunityLineItem')
      .filter((l) => l.OpportunityId === opportunityId)
      .map((l) => [String(org().table('Product2').get(String(l.Product2Id))!.Sage100_Item_Code__c), new Decimal(Number(l.Quantity)).toFixed(2), new Decimal(Number(l.UnitPrice)).toFixed(2)]);
    const lines = f.sage.db.list(SO_SalesOrderDetail, { SalesOrderNo: orderNo });
    expect(lines.map((l) => [l.ItemCode, new Decimal(String(l.QuantityOrdered)).toFixed(2), new Decimal(String(l.UnitPrice)).toFixed(2)])).toEqual(expected);
    expect(org().table('Opportunity').get(empty)!.Sage100_Order_No__c).toBeNull();

    // The write-back and a later edit change the Opportunity again: polls see it, no second order.
    await new Promise((r) => setTimeout(r, 1100));
    org().update('Opportunity', opportunityId!, { Description: 'edited after the order' });
    await f.poll(FLOW);
    await f.poll(FLOW);
    expect(f.sage.db.list(SO_SalesOrderHeader).length).toBe(ordersBefore + 1);
    expect(org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c).toBe(orderNo);
  }, 90_000);
});
