/**
 * Journey 7 end to end: a converted lead's customer (journey 1) and the catalogue (journey 6) are
 * synced by polling; the Opportunity is then won in the Salesforce emulator with two line items and
 * posted, signed, to the flow's webhook as a Salesforce record-triggered flow would post it. The
 * order lands in the Sage 100 emulator with its lines, its number lands on the Opportunity, and a
 * second delivery of the same Opportunity makes no second order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/engine/intake.js';
import { SO_SalesOrderDetail, SO_SalesOrderHeader } from '../../src/sandbox/sage100/schema.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'closed-won-to-order-webhook';
const SECRET = 'closed-won-test-secret';

describe('journey 7: closed won to order', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    process.env.SYNCLINE_CLOSED_WON_SECRET = SECRET;
    f = await journeyFixture({ flows: ['lead-to-customer', 'catalogue'], sageSeed: { items: 3, orders: 1 } });
    // The webhook form of journey 7 (the template follows Change Data Capture): a variant.
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, 'variants', `${FLOW}.yaml`), 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];

  /** The Opportunity with its lines, shaped as the Salesforce flow's callout sends it. */
  function closedWonPayload(opportunityId: string): Record<string, unknown> {
    const opp = org().table('Opportunity').get(opportunityId)!;
    const account = org().table('Account').get(String(opp.AccountId))!;
    const lines = rows('OpportunityLineItem')
      .filter((l) => l.OpportunityId === opportunityId)
      .map((l) => ({ Id: l.Id, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Product2: { Sage100_Item_Code__c: org().table('Product2').get(String(l.Product2Id))!.Sage100_Item_Code__c } }));
    return { Id: opp.Id, Name: opp.Name, AccountId: opp.AccountId, StageName: opp.StageName, CloseDate: opp.CloseDate, Account: { Sage100_Customer_No__c: account.Sage100_Customer_No__c }, OpportunityLineItems: lines };
  }
  function post(body: unknown, deliveryId: string) {
    const raw = Buffer.from(JSON.stringify(body));
    const ts = String(Math.floor(Date.now() / 1000));
    return f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': deliveryId, 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook(SECRET, ts, raw, deliveryId) }, rawBody: raw });
  }

  it('creates the Sage 100 order with its lines and writes its number back to the Opportunity, once', async () => {
    const leadId = org().insert('Lead', { LastName: 'Okafor', Company: 'Blue Ridge Hydraulics', Email: 'j.okafor@blueridge.example', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll('lead-to-customer');
    await f.poll('catalogue');
    const customerId = String(org().table('Account').get(accountId)!.Sage100_Customer_No__c);
    expect(customerId).toMatch(/^01-/);

    const entries = rows('PricebookEntry').filter((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const pricebookId = String(entries[0].Pricebook2Id);
    org().update('Opportunity', opportunityId!, { Pricebook2Id: pricebookId });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[0].Id, Quantity: 2, UnitPrice: 199.5 });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[1].Id, Quantity: 5, UnitPrice: entries[1].UnitPrice });
    org().update('Opportunity', opportunityId!, { StageName: 'Closed Won' });

    const payload = closedWonPayload(opportunityId!);
    expect(await post(payload, `${opportunityId}-1`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    await f.drain();
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);

    const orderNo = String(org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c);
    expect(orderNo).toMatch(/^\d{7}$/);
    const header = f.sage.db.get(SO_SalesOrderHeader, { SalesOrderNo: orderNo })!;
    expect(`${String(header.ARDivisionNo)}-${String(header.CustomerNo)}`).toBe(customerId);
    expect(String(header.CustomerPONo)).toBe(opportunityId!.slice(0, 15));
    const lines = f.sage.db.list(SO_SalesOrderDetail, { SalesOrderNo: orderNo });
    const expected = (payload.OpportunityLineItems as Array<{ Quantity: number; UnitPrice: number; Product2: { Sage100_Item_Code__c: string } }>).map((l) => [l.Product2.Sage100_Item_Code__c, new Decimal(l.Quantity).toFixed(2), new Decimal(l.UnitPrice).toFixed(2)]);
    expect(lines.map((l) => [l.ItemCode, new Decimal(String(l.QuantityOrdered)).toFixed(2), new Decimal(String(l.UnitPrice)).toFixed(2)])).toEqual(expected);

    // Salesforce retries the callout (or the rep saves the Opportunity again): no second order.
    const orders = f.sage.db.list(SO_SalesOrderHeader).length;
    expect(await post(payload, `${opportunityId}-2`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await post(payload, `${opportunityId}-2`)).toMatchObject({ status: 202, body: { duplicates: 1 } });
    await f.drain();
    expect(f.sage.db.list(SO_SalesOrderHeader).length).toBe(orders);
    expect(org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c).toBe(orderNo);
  });

  it('writes the order number back after Salesforce failed once, without a second order', async () => {
    const account = rows('Account').find((a) => String(a.Sage100_Customer_No__c ?? '').match(/^01-0/))!;
    const entry = rows('PricebookEntry').find((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)))!;
    const opportunityId = org().insert('Opportunity', { AccountId: account.Id, Name: 'Second deal', StageName: 'Closed Won', CloseDate: '2026-11-20', Pricebook2Id: entry.Pricebook2Id }).id;
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entry.Id, Quantity: 3, UnitPrice: entry.UnitPrice });
    const before = f.sage.db.list(SO_SalesOrderHeader).length;
    f.salesforce.faults.add({ method: 'PATCH', path: `/sobjects/Opportunity/${opportunityId}`, count: 1, fault: { vendorError: 'SERVER_UNAVAILABLE' } });
    await post(closedWonPayload(opportunityId), `${opportunityId}-1`);
    await f.drain(60_000);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.sage.db.list(SO_SalesOrderHeader).length).toBe(before + 1);
    const orderNo = String(org().table('Opportunity').get(opportunityId)!.Sage100_Order_No__c);
    expect(f.sage.db.get(SO_SalesOrderHeader, { SalesOrderNo: orderNo })?.CustomerPONo).toBe(opportunityId.slice(0, 15));
  }, 90_000);

  it('refuses an unsigned post', async () => {
    const res = await f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': 'unsigned' }, rawBody: Buffer.from('{"Id":"006x"}') });
    expect(res.status).toBe(401);
  });
});
