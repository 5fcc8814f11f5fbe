/**
 * The Clarity pair end to end: shop accounts, users, orders and products reach Salesforce and Pardot.
 * Accounts and Contacts keep their shop keys; a non-subscriber is opted out on both sides; each order
 * is one Opportunity; every status change (also several between two polls, read from the order event
 * table) is one Pardot external activity, the shipment's with its tracking number; stock follows the
 * shop. Reading again writes nothing twice; a bad order goes to the dead-letter queue with a readable
 * reason and lands once when fixed and replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyStores } from '../../support/postgres.js';
import { clarityFixture, type ClarityFixture } from './harness.js';

const FLOWS = ['clarity-accounts', 'clarity-customers', 'clarity-catalogue', 'clarity-stock-by-location', 'clarity-orders'];
const HOUR = 3_600_000;

describe.each(await journeyStores('Clarity pair: shop → Salesforce and Pardot'))('Clarity pair: shop → Salesforce and Pardot on %s', (store) => {
  let f: ClarityFixture;
  beforeAll(async () => {
    f = await clarityFixture(FLOWS, { store });
    for (const flow of FLOWS) await f.poll(flow);
  }, 60_000);
  afterAll(async () => f?.close());

  const sf = (obj: string) => [...f.salesforce.state.org.table(obj).values()];
  const prospect = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);
  const activities = (order: string) => [...f.pardot.state.externalActivities.values()].filter((a) => String(a.value).includes(`${order} `));

  it('accounts, contacts and prospects carry the shop keys, the Sage key and the opt-in', async () => {
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const accounts = sf('Account').filter((a) => a.Clarity_Account_Key__c);
    expect(accounts.map((a) => a.Clarity_Account_Key__c).sort()).toEqual(['ACC-ABBOTT', 'ACC-BLUERIDGE', 'ACC-CASCADE']);
    expect(accounts.find((a) => a.Clarity_Account_Key__c === 'ACC-CASCADE')).toMatchObject({ Sage100_Customer_No__c: '02-CASCAD', ERP_Status__c: 'On Hold', Credit_Limit__c: 10000 });
    const contacts = sf('Contact').filter((c) => c.Clarity_User_Id__c);
    expect(contacts).toHaveLength(f.shop.state.rows('User').length);
    const maria = contacts.find((c) => c.Email === 'maria.delgado@abbottfasteners.example')!;
    expect(maria.AccountId).toBe(accounts.find((a) => a.Clarity_Account_Key__c === 'ACC-ABBOTT')!.Id);
    expect(contacts.find((c) => c.Email === 'chloe.martin@mailbox.example')!.HasOptedOutOfEmail).toBe(true);
    expect(maria.HasOptedOutOfEmail).not.toBe(true);
    expect(prospect('chloe.martin@mailbox.example')).toMatchObject([{ optedOut: true, shop_segment__c: 'Retail' }]);
    expect(prospect('maria.delgado@abbottfasteners.example')).toMatchObject([{ optedOut: false, company: 'Abbott Fasteners', shop_segment__c: 'Wholesale' }]);
  });

  // On PostgreSQL the events of one order once ran side by side (keyed by event id) and an older
  // status could land last; each order's events now share its sequence key and run in order.
  it('each order is one Opportunity, and each status change one timeline activity', async () => {
    const orders = f.shop.state.rows('SalesOrder');
    const opps = sf('Opportunity').filter((o) => o.Clarity_Order_No__c);
    expect(opps).toHaveLength(orders.length);
    const completed = orders.find((o) => o.StatusKey === 'Completed')!;
    const opp = opps.find((o) => o.Clarity_Order_No__c === completed.CustomKey)!;
    expect(opp).toMatchObject({ StageName: 'Closed Won', Shop_Order_Status__c: 'Completed', Amount: completed.Total, Tracking_Number__c: completed.TrackingNumber });
    expect(activities(String(completed.CustomKey)).map((a) => a.type)).toEqual(['Order_Placed', 'Order_Confirmed', 'Order_Shipped', 'Order_Completed']);
    const voided = orders.find((o) => o.StatusKey === 'Void')!;
    expect(opps.find((o) => o.Clarity_Order_No__c === voided.CustomKey)!.StageName).toBe('Closed Lost');
  });

  it('a new order is pushed; steps between two polls all arrive, the shipment with its tracking number; nothing twice', async () => {
    f.pushTo('clarity-orders');
    const cart = f.shop.fillCart('priya.raman@blueridgehydraulics.example', [{ sku: 'PV-3300', quantity: 10 }]);
    f.shop.advanceClock(10 * 60_000);
    const order = f.shop.convertCart(Number(cart.ID), 'PO-7781');
    await f.settle();
    const no = String(order.CustomKey);
    expect(sf('Opportunity').filter((o) => o.Clarity_Order_No__c === no)).toMatchObject([{ Shop_Order_Status__c: 'Pending', Amount: 389 }]);
    f.pushTo(null);
    for (const step of ['Confirm', 'CreatePickTicket', 'Ship'] as const) {
      f.shop.advanceClock(HOUR);
      f.shop.orderAction(Number(order.ID), step);
    }
    await f.poll('clarity-orders');
    await f.poll('clarity-orders');
    const tracking = String(f.shop.state.get('SalesOrder', Number(order.ID))!.TrackingNumber);
    expect(activities(no).map((a) => [a.type, a.value])).toEqual([
      ['Order_Placed', `Web order ${no} (Pending)`],
      ['Order_Confirmed', `Web order ${no} (Confirmed)`],
      ['Order_Shipped', `Web order ${no} (Shipped, tracking ${tracking})`],
    ]);
    expect(sf('Opportunity').filter((o) => o.Clarity_Order_No__c === no)).toMatchObject([{ Shop_Order_Status__c: 'Shipped', Tracking_Number__c: tracking }]);
    expect(prospect('priya.raman@blueridgehydraulics.example')).toMatchObject([{ last_order_status__c: 'Shipped' }]);
  });

  it('stock changed at one location reaches Product2', async () => {
    f.shop.advanceClock(HOUR);
    f.shop.setStock('HC-2210', 'WEST-B2', 40);
    await f.poll('clarity-catalogue');
    const product = f.shop.state.byKey('Product', 'HC-2210')!;
    expect(sf('Product2').filter((p) => p.Clarity_SKU__c === 'HC-2210')).toMatchObject([{ Stock_Quantity__c: product.StockQuantity, IsActive: true }]);
    expect(sf('Product2').filter((p) => p.Clarity_SKU__c).length).toBe(f.shop.state.rows('Product').length);
  });

  it('stock by location: a transfer between two locations (same total) reaches Product2 per location; a re-read writes nothing', async () => {
    const sku = 'HC-2210';
    const locations = () => f.shop.state.rows('ProductInventoryLocationSection').filter((r) => r.MasterKey === sku);
    const [from, to] = locations();
    f.shop.advanceClock(HOUR);
    f.shop.setStock(sku, String(from.SlaveKey), Number(from.Quantity) - 5);
    f.shop.setStock(sku, String(to.SlaveKey), Number(to.Quantity) + 5);
    await f.poll('clarity-stock-by-location');
    const expected = locations()
      .map((r) => `${String(r.SlaveKey)}:${Number(r.Quantity)}`)
      .sort()
      .join('; ');
    const product = f.shop.state.byKey('Product', sku)!;
    expect(sf('Product2').filter((p) => p.Clarity_SKU__c === sku)).toMatchObject([{ Stock_Quantity__c: product.StockQuantity, Stock_By_Warehouse__c: expected }]);
    expect(expected).toContain(`${String(to.SlaveKey)}:${Number(to.Quantity)}`);
    const recordRuns = async () => (await f.store.listRuns({ flow: 'clarity-stock-by-location', limit: 500 })).filter((r) => r.trigger === 'event').length;
    const before = await recordRuns();
    await f.poll('clarity-stock-by-location');
    expect(await recordRuns()).toBe(before);
    expect(await f.store.listDeadLetters({ status: 'open', flow: 'clarity-stock-by-location' })).toEqual([]);
  });

  it('an order number too long for Salesforce goes to the dead-letter queue, and a fixed replay lands once', async () => {
    const cart = f.shop.fillCart('elena.petrova@cascadepackaging.example', [{ sku: 'TP-7070', quantity: 2 }]);
    const order = f.shop.convertCart(Number(cart.ID));
    f.shop.advanceClock(HOUR);
    f.shop.state.update('SalesOrder', Number(order.ID), { CustomKey: 'SO-REISSUED-FOR-CUSTOMER-SERVICE-CASE-0042-A' });
    f.shop.orderAction(Number(order.ID), 'Confirm');
    await f.poll('clarity-orders');
    const dead = await f.store.listDeadLetters({ status: 'open', flow: 'clarity-orders' });
    expect(dead).toHaveLength(1);
    const [dl] = dead;
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/Clarity Order No: data value too large/);
    expect(dl.error.message).toMatch(/max length=40/);
    const payload = dl.payload as { record: { Record: { CustomKey: string } } };
    payload.record.Record.CustomKey = 'SO-CS-0042-A';
    await f.store.updateDeadLetterPayload(dl.id, payload as never, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    await f.poll('clarity-orders');
    expect(sf('Opportunity').filter((o) => o.Clarity_Order_No__c === 'SO-CS-0042-A')).toMatchObject([{ Shop_Order_Status__c: 'Confirmed' }]);
    expect(activities('SO-CS-0042-A').map((a) => a.type)).toEqual(['Order_Confirmed']);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });
});
