/**
 * Sage X3 journey 7 end to end: the customer (journey 1) and the catalogue (journey 6) are synced by
 * polling. The template follows Change Data Capture: the Opportunity is won with two line items and
 * the stream brings it, read whole with its lines; the order lands in X3 and its number on the
 * Opportunity, and the write-back's change event makes no second order. A deal won on an Account that
 * is not an X3 customer yet makes the customer from the Account and its primary contact first, from
 * the change event alone. The webhook variant: the won
 * Opportunity is posted, signed, to the flow's webhook; the order lands in X3 with its lines and
 * prices, its number on the Opportunity; the same post twice makes one order; an order X3 refuses (an
 * item it does not know) is dead-lettered with X3's reason and, fixed and replayed, lands once. X3's
 * credit warning is kept on the run trace.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSandboxClient } from '../../../src/cli/demo/sandbox-clients.js';
import { signWebhook } from '../../../src/engine/intake.js';
import { streamWatermarkKey } from '../../../src/engine/stream-runner.js';
import { waitFor } from '../../support/engine.js';
import { X3_FLOWS_DIR, x3JourneyFixture, type X3JourneyFixture } from '../../support/journeys.js';

const TEMPLATE = 'x3-closed-won-to-order';
const FLOW = 'x3-closed-won-to-order-webhook';
const SECRET = 'x3-closed-won-test-secret';

describe('Sage X3 journey 7 on Change Data Capture (the template)', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: ['x3-lead-to-customer', 'x3-catalogue', TEMPLATE] });
    // The fixture's hub runs workers only; follow the streams too, as `syncline start` does.
    f.hub.streams.start();
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];

  it('orders a won Opportunity from its change event, once', async () => {
    await waitFor(() => f.hub.streams.following().includes('salesforce/entity:Opportunity'), 'the hub to follow the Opportunity stream');
    const leadId = org().insert('Lead', { LastName: 'Mensah', Company: 'Volta Cycles', Email: 'a.mensah@volta.example', Country: 'United States', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll('x3-lead-to-customer');
    await f.poll('x3-catalogue');
    const customer = String(org().table('Account').get(accountId)!.SageX3_Customer_No__c);
    expect(f.x3.tables.get('BPCUSTOMER', customer)).toBeDefined();
    const entries = rows('PricebookEntry').filter((e) => rows('Product2').some((p) => p.Id === e.Product2Id && p.SageX3_Item_Ref__c));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    org().update('Opportunity', opportunityId!, { Pricebook2Id: entries[0].Pricebook2Id });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[0].Id, Quantity: 2, UnitPrice: 199.5 });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[1].Id, Quantity: 1, UnitPrice: entries[1].UnitPrice });
    const before = f.x3.tables.count('SORDER');
    org().update('Opportunity', opportunityId!, { StageName: 'Closed Won' });
    await waitFor(() => org().table('Opportunity').get(opportunityId!)!.SageX3_Order_No__c !== null, 'the X3 order number on the Opportunity', 60_000);
    const orderNo = String(org().table('Opportunity').get(opportunityId!)!.SageX3_Order_No__c);
    const order = f.x3.tables.get('SORDER', orderNo)!;
    expect(order).toMatchObject({ BPCORD: customer, SALFCY: 'NA011', CUSORDREF: opportunityId!.slice(0, 15) });
    const expected = rows('OpportunityLineItem')
      .filter((l) => l.OpportunityId === opportunityId)
      .map((l) => [String(org().table('Product2').get(String(l.Product2Id))!.SageX3_Item_Ref__c), String(l.Quantity), Number(l.UnitPrice).toFixed(2)]);
    expect((order.SORDERQ as Array<Record<string, string>>).map((l) => [l.ITMREF, l.QTY, l.GROPRI])).toEqual(expected);
    // The write-back is a change event too: it finds the cross-reference and orders nothing.
    const last = f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/OpportunityChangeEvent').at(-1)!.replayId;
    await waitFor(async () => Number(((await f.store.getWatermark(TEMPLATE, streamWatermarkKey('salesforce', 'Opportunity')))?.extra as { replayId?: number } | undefined)?.replayId ?? 0) >= last, 'the stream to take the write-back', 60_000);
    await f.drain(60_000);
    expect(f.x3.tables.count('SORDER')).toBe(before + 1);
    expect((await f.store.listDeadLetters({ status: 'open', flow: TEMPLATE })).filter((d) => d.recordKey === opportunityId)).toEqual([]);
  }, 120_000);
  it('creates the customer from the Account and its primary contact, then the order, for a deal won on an Account that is not an X3 customer yet (journey 1, won deal)', async () => {
    await waitFor(() => f.hub.streams.following().includes('salesforce/entity:Opportunity'), 'the hub to follow the Opportunity stream');
    await f.poll('x3-catalogue');
    // Made through Salesforce REST, as a rep would; the hub hears only the change events.
    const sf = new SalesforceSandboxClient(f.salesforce.url);
    const entry = rows('PricebookEntry').find((e) => rows('Product2').some((p) => p.Id === e.Product2Id && p.SageX3_Item_Ref__c))!;
    const accountId = await sf.create('Account', { Name: 'Tidewater Cycles', BillingStreet: '12 Harbor Way', BillingCity: 'Norfolk', BillingState: 'Virginia', BillingCountry: 'United States', Phone: '(757) 555-0142' });
    // A second contact on the Account, not on the deal: the primary contact role decides.
    await sf.create('Contact', { AccountId: accountId, FirstName: 'Bo', LastName: 'Ruiz', Email: 'bo.ruiz@tidewater.example' });
    const contactId = await sf.create('Contact', { AccountId: accountId, FirstName: 'Ines', LastName: 'Moreau', Email: 'Ines.Moreau@Tidewater.example' });
    const opportunityId = await sf.create('Opportunity', { AccountId: accountId, Name: 'Fleet refit', StageName: 'Negotiation/Review', CloseDate: '2026-12-04', Pricebook2Id: entry.Pricebook2Id });
    await sf.create('OpportunityContactRole', { OpportunityId: opportunityId, ContactId: contactId, Role: 'Decision Maker', IsPrimary: true });
    await sf.create('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entry.Id, Quantity: 4, UnitPrice: 75 });
    const customers = f.x3.tables.count('BPCUSTOMER');
    await sf.update('Opportunity', opportunityId, { StageName: 'Closed Won' });
    await waitFor(() => org().table('Opportunity').get(opportunityId)!.SageX3_Order_No__c !== null, 'the won deal to be ordered', 60_000);
    const code = String(org().table('Account').get(accountId)!.SageX3_Customer_No__c);
    const customer = f.x3.tables.get('BPCUSTOMER', code)!;
    expect(customer).toMatchObject({ BPCNAM: 'Tidewater Cycles', BCGCOD: 'WEB', CRY: 'US' });
    expect(customer.BPADDRESS).toEqual([expect.objectContaining({ ADDLIG1: '12 Harbor Way', CTY: 'Norfolk', SAT: 'VA', TEL1: '+17575550142', WEB1: 'ines.moreau@tidewater.example' })]);
    expect(customer.CONTACT).toEqual([expect.objectContaining({ CNTFNA: 'Ines', CNTLNA: 'Moreau', CNTEMA: 'ines.moreau@tidewater.example' })]);
    const order = f.x3.tables.get('SORDER', String(org().table('Opportunity').get(opportunityId)!.SageX3_Order_No__c))!;
    expect(order).toMatchObject({ BPCORD: code, CUSORDREF: opportunityId.slice(0, 15) });
    // The write-backs' change events (Account, Opportunity) and a later edit make nothing twice.
    await sf.update('Opportunity', opportunityId, { Description: 'edited after the order' });
    const last = f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/OpportunityChangeEvent').at(-1)!.replayId;
    await waitFor(async () => Number(((await f.store.getWatermark(TEMPLATE, streamWatermarkKey('salesforce', 'Opportunity')))?.extra as { replayId?: number } | undefined)?.replayId ?? 0) >= last, 'the stream to take the edit', 60_000);
    await f.drain(60_000);
    expect(f.x3.tables.count('BPCUSTOMER')).toBe(customers + 1);
    expect(f.x3.tables.list('SORDER').filter((o) => o.CUSORDREF === opportunityId.slice(0, 15))).toHaveLength(1);
    expect((await f.store.listDeadLetters({ status: 'open', flow: TEMPLATE })).filter((d) => d.recordKey === opportunityId)).toEqual([]);
  }, 120_000);
});

describe('Sage X3 journey 7 by webhook: closed won to order (the webhook variant)', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    process.env.SYNCLINE_CLOSED_WON_SECRET = SECRET;
    f = await x3JourneyFixture({ flows: ['x3-lead-to-customer', 'x3-catalogue'] });
    await f.hub.deployFlow(readFileSync(path.join(X3_FLOWS_DIR, 'variants', `${FLOW}.yaml`), 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];
  type Line = Record<string, string>;

  function payload(opportunityId: string): Record<string, unknown> {
    const opp = org().table('Opportunity').get(opportunityId)!;
    const account = org().table('Account').get(String(opp.AccountId))!;
    const lines = rows('OpportunityLineItem')
      .filter((l) => l.OpportunityId === opportunityId)
      .map((l) => ({ Id: l.Id, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Product2: { SageX3_Item_Ref__c: org().table('Product2').get(String(l.Product2Id))!.SageX3_Item_Ref__c } }));
    return { Id: opp.Id, Name: opp.Name, AccountId: opp.AccountId, StageName: opp.StageName, CloseDate: opp.CloseDate, Account: { SageX3_Customer_No__c: account.SageX3_Customer_No__c }, OpportunityLineItems: lines };
  }
  function post(body: unknown, deliveryId: string) {
    const raw = Buffer.from(JSON.stringify(body));
    const ts = String(Math.floor(Date.now() / 1000));
    return f.hub.intake.receive(FLOW, { headers: { 'x-delivery-id': deliveryId, 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook(SECRET, ts, raw, deliveryId) }, rawBody: raw });
  }
  const x3Entries = () => rows('PricebookEntry').filter((e) => rows('Product2').some((p) => p.Id === e.Product2Id && p.SageX3_Item_Ref__c));

  let opportunityId = '';
  let customer = '';

  it('creates the X3 order with its lines and writes its number back to the Opportunity, once', async () => {
    const leadId = org().insert('Lead', { LastName: 'Okafor', Company: 'Blue Ridge Cycles', Email: 'j.okafor@blueridge.example', Country: 'United States', Status: 'Open - Not Contacted' }).id;
    const converted = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    opportunityId = converted.opportunityId!;
    await f.poll('x3-lead-to-customer');
    await f.poll('x3-catalogue');
    customer = String(org().table('Account').get(converted.accountId)!.SageX3_Customer_No__c);
    expect(f.x3.tables.get('BPCUSTOMER', customer)).toBeDefined();
    const entries = x3Entries();
    expect(entries.length).toBeGreaterThanOrEqual(2);
    org().update('Opportunity', opportunityId, { Pricebook2Id: entries[0].Pricebook2Id });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[0].Id, Quantity: 2, UnitPrice: 199.5 });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[1].Id, Quantity: 1, UnitPrice: entries[1].UnitPrice });
    org().update('Opportunity', opportunityId, { StageName: 'Closed Won' });

    const body = payload(opportunityId);
    expect(await post(body, `${opportunityId}-1`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    await f.drain();
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const orderNo = String(org().table('Opportunity').get(opportunityId)!.SageX3_Order_No__c);
    const order = f.x3.tables.get('SORDER', orderNo)!;
    expect(order).toMatchObject({ BPCORD: customer, SALFCY: 'NA011', CUSORDREF: opportunityId.slice(0, 15), ORDSTA: '1' });
    const lines = (body.OpportunityLineItems as Array<{ Quantity: number; UnitPrice: number; Product2: { SageX3_Item_Ref__c: string } }>).map((l) => [l.Product2.SageX3_Item_Ref__c, String(l.Quantity), l.UnitPrice.toFixed(2)]);
    expect((order.SORDERQ as Line[]).map((l) => [l.ITMREF, l.QTY, l.GROPRI])).toEqual(lines);

    // Salesforce retries the callout, or the rep saves the Opportunity again: no second order.
    const orders = f.x3.tables.count('SORDER');
    expect(await post(body, `${opportunityId}-2`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await post(body, `${opportunityId}-2`)).toMatchObject({ status: 202, body: { duplicates: 1 } });
    await f.drain();
    expect(f.x3.tables.count('SORDER')).toBe(orders);
    expect(org().table('Opportunity').get(opportunityId)!.SageX3_Order_No__c).toBe(orderNo);
  });

  it('skips a won Opportunity without line items, saying why on its trace, and makes no order', async () => {
    const opp = org().insert('Opportunity', { Name: 'Handshake deal', StageName: 'Closed Won', CloseDate: '2026-12-01', AccountId: rows('Account').find((a) => a.SageX3_Customer_No__c)!.Id }).id;
    const orders = f.x3.tables.count('SORDER');
    expect(await post(payload(opp), `${opp}-1`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    await f.drain();
    const [run, ...more] = await f.store.listRuns({ flow: FLOW, key: opp });
    expect(more).toHaveLength(0);
    expect(run.status).toBe('skipped');
    const traces = await f.store.listTraces(run.id);
    expect(traces.find((t) => t.step === 'filter')?.after).toEqual({ reason: 'the Opportunity has no products (line items); X3 takes no order without lines: add its products in Salesforce and post it again' });
    expect(f.x3.tables.count('SORDER')).toBe(orders);
    expect(await f.store.listDeadLetters({ status: 'open', flow: FLOW })).toEqual([]);
  });

  it('dead-letters an order X3 refuses with X3\'s reason; fixed and replayed it lands once, with X3\'s credit warning on the trace', async () => {
    const account = rows('Account').find((a) => a.SageX3_Customer_No__c === customer)!;
    const entry = x3Entries()[0];
    const oppId = org().insert('Opportunity', { AccountId: account.Id, Name: 'Big deal', StageName: 'Closed Won', CloseDate: '2026-11-20', Pricebook2Id: entry.Pricebook2Id }).id;
    org().insert('OpportunityLineItem', { OpportunityId: oppId, PricebookEntryId: entry.Id, Quantity: 40, UnitPrice: entry.UnitPrice });
    const body = payload(oppId);
    const bad = { ...body, OpportunityLineItems: (body.OpportunityLineItems as Array<Record<string, unknown>>).map((l) => ({ ...l, Product2: { SageX3_Item_Ref__c: 'DISCONTINUED9' } })) };
    const before = f.x3.tables.count('SORDER');
    await post(bad, `${oppId}-1`);
    await f.drain();
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/ITMREF : Product DISCONTINUED9 does not exist/);
    expect(dl.error.details.field).toBe('ITMREF');
    expect(f.x3.tables.count('SORDER')).toBe(before);

    const p = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...p, record: body } as never, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    expect(f.x3.tables.count('SORDER')).toBe(before + 1);
    const orderNo = String(org().table('Opportunity').get(oppId)!.SageX3_Order_No__c);
    const order = f.x3.tables.get('SORDER', orderNo)!;
    // 40 units are over the WEB category's 5,000 credit: X3 takes the order on hold with a warning.
    expect(order.HLDSTA).toBe('2');
    const runs = await f.store.listRuns({ flow: FLOW });
    const traces = (await Promise.all(runs.map((r) => f.store.listTraces(r.id)))).flat();
    const write = traces.find((t) => t.step === 'write:order' && t.externalId === orderNo)!;
    expect((write.after as { $warnings?: string[] }).$warnings).toEqual([expect.stringMatching(/Credit limit exceeded/)]);
    await post(body, `${oppId}-2`);
    await f.drain();
    expect(f.x3.tables.count('SORDER')).toBe(before + 1);
  });
});
