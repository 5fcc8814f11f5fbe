/**
 * Journey 7 end to end. The template (Change Data Capture): a converted lead's customer (journey 1)
 * and the catalogue (journey 6) are synced; the Opportunity is won in the Salesforce emulator with two
 * line items and nothing else is asked of the hub: the stream brings it, read whole with its lines,
 * the order lands in Sage 100 and its number on the Opportunity; the write-back's and a later edit's
 * change events make no second order; where the org has no Change Data Capture the same template
 * polls instead. A deal won on an Account that is not an ERP customer yet makes the customer from the
 * Account and its primary contact first, from the change event alone. The webhook variant: the won Opportunity is posted, signed, to the flow's webhook as
 * a Salesforce record-triggered flow would post it; a second delivery makes no second order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxConnections } from '../../src/cli/demo/connections.js';
import { SalesforceSandboxClient } from '../../src/cli/demo/sandbox-clients.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { SynclineHub } from '../../src/engine/hub.js';
import { signWebhook } from '../../src/engine/intake.js';
import { streamWatermarkKey } from '../../src/engine/stream-runner.js';
import { builtInConnectors } from '../../src/server/connectors.js';
import { AR_Customer, SO_SalesOrderDetail, SO_SalesOrderHeader } from '../../src/sandbox/sage100/schema.js';
import { waitFor } from '../support/engine.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';

const TEMPLATE = 'closed-won-to-order';

describe.each(['sqlite', 'postgres'] as const)('journey 7 on Change Data Capture, the template (%s)', (store) => {
  let f: JourneyFixture;
  let hub: SynclineHub;
  let run = true;
  beforeAll(async () => {
    if (store === 'postgres') run = await requirePostgres('J7 on Change Data Capture on postgres');
    if (!run) return;
    f = await journeyFixture({ flows: ['lead-to-customer', 'catalogue', TEMPLATE], sageSeed: { items: 3, orders: 1 }, store, workers: false });
    // A hub that follows the streams (the fixture's own does not): both J1 and J7 come by Change Data Capture.
    hub = new SynclineHub({ store: f.store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 100, retryMs: { initial: 50, max: 500 } } });
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await f?.close();
  });

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];
  const replayId = async () => ((await f.store.getWatermark(TEMPLATE, streamWatermarkKey('salesforce', 'Opportunity')))?.extra as { replayId?: number } | undefined)?.replayId ?? 0;
  /** The replay id of the latest Opportunity change event the org published. */
  const lastOpportunityEvent = () => f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/OpportunityChangeEvent').at(-1)?.replayId ?? 0;

  it('orders a won Opportunity from its change event alone, once, however often it changes afterwards', async () => {
    if (!run) return;
    await waitFor(() => hub.streams.following().length === 2, 'the hub to follow the Lead and Opportunity streams');
    const leadId = org().insert('Lead', { LastName: 'Okafor', Company: 'Blue Ridge Hydraulics', Email: 'j.okafor@blueridge.example', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    // Journey 1 comes by its own stream: no poll is asked for.
    await waitFor(() => org().table('Account').get(accountId)!.Sage100_Customer_No__c !== null, 'the converted lead to become a customer', 60_000);
    await f.poll('catalogue');
    const customerId = String(org().table('Account').get(accountId)!.Sage100_Customer_No__c);
    const entries = rows('PricebookEntry').filter((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    org().update('Opportunity', opportunityId!, { Pricebook2Id: entries[0].Pricebook2Id });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[0].Id, Quantity: 2, UnitPrice: 199.5 });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entries[1].Id, Quantity: 5, UnitPrice: entries[1].UnitPrice });
    const ordersBefore = f.sage.db.list(SO_SalesOrderHeader).length;
    // Won: the change event carries StageName only; the flow still sees the lines and the Account's number.
    org().update('Opportunity', opportunityId!, { StageName: 'Closed Won' });
    await waitFor(() => org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c !== null, 'the order number on the Opportunity', 60_000);
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

    // The write-back and a later edit are change events too: run, they find the cross-reference.
    org().update('Opportunity', opportunityId!, { Description: 'edited after the order' });
    const last = lastOpportunityEvent();
    await waitFor(async () => (await replayId()) >= last, 'the stream to take the edit', 60_000);
    await f.drain(60_000);
    expect(f.sage.db.list(SO_SalesOrderHeader).length).toBe(ordersBefore + 1);
    expect(org().table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c).toBe(orderNo);
    const runs = await f.store.listRuns({ flow: TEMPLATE, key: opportunityId!, limit: 100 });
    // The won deal's run and the edit's (read after the order was written back) at least; all from the stream.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((r) => r.trigger === 'event')).toBe(true);
    // The seeded won deals of Accounts without an ERP customer are dead-lettered (ARDivisionNo required); ours is not.
    expect((await f.store.listDeadLetters({ status: 'open', flow: TEMPLATE })).filter((d) => d.recordKey === opportunityId)).toEqual([]);
  }, 120_000);

  it('creates the customer from the Account and its primary contact, then the order, for a deal won on an Account that is not a customer yet (journey 1, won deal)', async () => {
    if (!run) return;
    await waitFor(() => hub.streams.following().length === 2, 'the hub to follow the Lead and Opportunity streams');
    // Made through Salesforce REST, as a rep would; the hub hears only the change events.
    const sf = new SalesforceSandboxClient(f.salesforce.url);
    await f.poll('catalogue');
    const entry = rows('PricebookEntry').find((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)))!;
    const accountId = await sf.create('Account', { Name: 'Tidewater Valves', BillingCity: 'Norfolk', BillingState: 'Virginia', BillingCountry: 'United States' });
    const contactId = await sf.create('Contact', { AccountId: accountId, FirstName: 'Ines', LastName: 'Moreau', Email: 'Ines.Moreau@Tidewater.example' });
    const opportunityId = await sf.create('Opportunity', { AccountId: accountId, Name: 'Valve refit', StageName: 'Negotiation/Review', CloseDate: '2026-12-04', Pricebook2Id: entry.Pricebook2Id });
    await sf.create('OpportunityContactRole', { OpportunityId: opportunityId, ContactId: contactId, Role: 'Decision Maker', IsPrimary: true });
    await sf.create('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entry.Id, Quantity: 4, UnitPrice: 75 });
    const customers = f.sage.db.list(AR_Customer).length;
    await sf.update('Opportunity', opportunityId, { StageName: 'Closed Won' });
    await waitFor(() => org().table('Opportunity').get(opportunityId)!.Sage100_Order_No__c !== null, 'the won deal to be ordered', 60_000);
    const customerId = String(org().table('Account').get(accountId)!.Sage100_Customer_No__c);
    const [division, customerNo] = customerId.split('-');
    const customer = f.sage.db.get(AR_Customer, { ARDivisionNo: division, CustomerNo: customerNo })!;
    expect([customer.CustomerName, customer.EmailAddress, customer.State, customer.UDF_SF_ACCOUNT_ID]).toEqual(['Tidewater Valves', 'ines.moreau@tidewater.example', 'VA', accountId]);
    const header = f.sage.db.get(SO_SalesOrderHeader, { SalesOrderNo: String(org().table('Opportunity').get(opportunityId)!.Sage100_Order_No__c) })!;
    expect(`${header.ARDivisionNo}-${header.CustomerNo}`).toBe(customerId);
    // The write-backs' change events (Account, Opportunity) and a later edit make nothing twice.
    await sf.update('Opportunity', opportunityId, { Description: 'edited after the order' });
    const last = lastOpportunityEvent();
    await waitFor(async () => (await replayId()) >= last, 'the stream to take the edit', 60_000);
    await f.drain(60_000);
    expect(f.sage.db.list(AR_Customer).length).toBe(customers + 1);
    expect(f.sage.db.list(SO_SalesOrderHeader).filter((h) => h.CustomerPONo === opportunityId.slice(0, 15))).toHaveLength(1);
    expect((await f.store.listRuns({ flow: TEMPLATE, key: opportunityId, limit: 100 })).every((r) => r.trigger === 'event')).toBe(true);
  }, 120_000);
});

describe('journey 7, the template, where the org has no Change Data Capture', () => {
  let f: JourneyFixture;
  let hub: SynclineHub;
  beforeAll(async () => {
    f = await journeyFixture({ flows: ['lead-to-customer', 'catalogue'], sageSeed: { items: 3, orders: 1 }, workers: false });
    const sf = sandboxConnections({ salesforce: { url: f.salesforce.url }, pardot: { url: f.pardot.url } }).salesforce;
    await saveConnection(f.store, f.hub.connectors, { name: 'salesforce', type: 'salesforce', settings: { ...sf.settings, changeDataCapture: false } }, 'test');
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, `${TEMPLATE}.yaml`), 'utf8').replace('pollEvery: 1m', 'pollEvery: 1s'), 'test');
    hub = new SynclineHub({ store: f.store, connectors: builtInConnectors(), logger: pino({ level: 'silent' }), streams: { refreshMs: 100 } });
    await hub.startWorkers(1, { idlePollMs: 20 }, false, true);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await f?.close();
  });

  it('polls the template every pollEvery instead, with no streaming session, and orders the won deal once', async () => {
    const org = f.salesforce.state.org;
    const rows = (name: string) => [...org.table(name).values()];
    const leadId = org.insert('Lead', { LastName: 'Adeyemi', Company: 'Harbour Pumps', Email: 'k.adeyemi@harbourpumps.example', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll('lead-to-customer');
    expect(org.table('Account').get(accountId)!.Sage100_Customer_No__c).not.toBeNull();
    await f.poll('catalogue');
    const entry = rows('PricebookEntry').find((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)))!;
    org.update('Opportunity', opportunityId!, { Pricebook2Id: entry.Pricebook2Id });
    org.insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entry.Id, Quantity: 3, UnitPrice: entry.UnitPrice });
    // SystemModstamp has whole seconds, and the sandbox connection polls with settleSeconds 0: a poll
    // that read the deal earlier in this second would hold the same stamp, so the won version's
    // delivery id (id@stamp) would be a repeat. Win it in the next second, as a user's click would be.
    await new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));
    org.update('Opportunity', opportunityId!, { StageName: 'Closed Won' });
    await waitFor(() => org.table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c !== null, 'the polled won deal to be ordered', 60_000);
    expect(f.sage.db.list(SO_SalesOrderHeader).filter((h) => h.CustomerPONo === opportunityId!.slice(0, 15))).toHaveLength(1);
    expect(f.salesforce.state.streaming.sessionCount).toBe(0);
    expect(f.salesforce.state.calls.streaming).toBe(0);
    expect((await f.store.listRuns({ flow: TEMPLATE, limit: 100 })).some((r) => r.trigger === 'poll')).toBe(true);
  }, 120_000);
});

const FLOW = 'closed-won-to-order-webhook';
const SECRET = 'closed-won-test-secret';

describe('journey 7 by webhook: closed won to order (the webhook variant)', () => {
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
