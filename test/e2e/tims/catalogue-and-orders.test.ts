import type { JsonObject } from '../../../src/core/json.js';
/**
 * TIMS journeys 6 and 7 end to end. Items become Salesforce products with their hazmat flag and
 * Standard Price Book entry; availability in every warehouse lands on the product as a total and
 * per branch, and a subscriber tells the prospects who asked that an item is back at a branch. A converted lead's customer (journey 1) wins a deal for those products: posted as the
 * Salesforce flow callout posts it (the webhook variant), it becomes a will-call order at the chosen
 * branch (or a route delivery), its number lands on the Opportunity, and a second post makes no
 * second order. A deal with a product that has no TIMS item goes to the dead-letter queue and, fixed,
 * lands once. The template follows Change Data Capture: a deal won in Salesforce becomes its order
 * with nothing posted, once; a deal won on an Account that is not a TIMS customer yet makes the
 * customer from the Account and its primary contact first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSandboxClient } from '../../../src/cli/demo/sandbox-clients.js';
import { streamWatermarkKey } from '../../../src/engine/stream-runner.js';
import { waitFor } from '../../support/engine.js';
import { timsJourneyFixture, type TimsJourneyFixture } from './harness.js';

const CATALOGUE = 'tims-catalogue';
const STOCK = 'tims-availability';
const LEADS = 'tims-lead-to-customer';
const TEMPLATE = 'tims-closed-won-to-order';
const ORDERS = 'tims-closed-won-to-order-webhook';
const SECRET = 'tims-closed-won-test-secret';
const BACK = 'tims-back-in-stock';

describe('TIMS journey 7 on Change Data Capture (the template)', () => {
  let f: TimsJourneyFixture;
  beforeAll(async () => {
    f = await timsJourneyFixture([CATALOGUE, LEADS, TEMPLATE]);
    // The fixture's hub runs workers only; follow the streams too, as `syncline start` does.
    f.hub.streams.start();
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];
  const entryOf = (itemCode: string) => rows('PricebookEntry').find((e) => e.Product2Id === rows('Product2').find((p) => p.TIMS_Item_Code__c === itemCode)!.Id)!;

  it('turns a deal won in Salesforce into its TIMS order with nothing posted, once', async () => {
    await waitFor(() => f.hub.streams.following().includes('salesforce/entity:Opportunity'), 'the hub to follow the Opportunity stream');
    await f.poll(CATALOGUE);
    const leadId = org().insert('Lead', { LastName: 'Lund', Company: 'Gallatin Welding', Email: 'erik@gallatinwelding.example', Street: '20 Main St', City: 'Bozeman', State: 'MT', PostalCode: '59715', Country: 'US', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll(LEADS);
    const code = String(org().table('Account').get(accountId)!.TIMS_Customer_Code__c);
    expect(f.tims.books.customers.get(code)).toMatchObject({ name: 'Gallatin Welding' });
    const co2 = entryOf('CO2-50');
    org().update('Opportunity', opportunityId!, { Pricebook2Id: co2.Pricebook2Id });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: co2.Id, Quantity: 4, UnitPrice: 36 });
    const before = f.tims.books.orders.size;
    org().update('Opportunity', opportunityId!, { StageName: 'Closed Won', Fulfillment__c: 'Will-call', Pickup_Branch__c: 'BZN' });
    await waitFor(() => org().table('Opportunity').get(opportunityId!)!.TIMS_Order_No__c !== null, 'the TIMS order number on the Opportunity', 60_000);
    const orderNo = String(org().table('Opportunity').get(opportunityId!)!.TIMS_Order_No__c);
    expect(f.tims.books.orders.get(orderNo)).toMatchObject({ type: 'will-call', customerCode: code, warehouseId: 'BZN', externalId: opportunityId, lines: [{ itemCode: 'CO2-50', quantity: 4, unitPrice: '36.00' }] });
    // The write-back is a change event too: it finds the cross-reference and orders nothing.
    const last = f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/OpportunityChangeEvent').at(-1)!.replayId;
    await waitFor(async () => Number(((await f.store.getWatermark(TEMPLATE, streamWatermarkKey('salesforce', 'Opportunity')))?.extra as { replayId?: number } | undefined)?.replayId ?? 0) >= last, 'the stream to take the write-back', 60_000);
    await f.drain(60_000);
    expect(f.tims.books.orders.size).toBe(before + 1);
    expect((await f.store.listDeadLetters({ status: 'open', flow: TEMPLATE })).filter((d) => d.recordKey === opportunityId)).toEqual([]);
    expect(f.contractProblems()).toEqual([]);
  }, 120_000);

  it('creates the customer from the Account and its primary contact, then the order, for a deal won on an Account that is not a TIMS customer yet (journey 1, won deal)', async () => {
    await waitFor(() => f.hub.streams.following().includes('salesforce/entity:Opportunity'), 'the hub to follow the Opportunity stream');
    await f.poll(CATALOGUE);
    // Made through Salesforce REST, as a rep would; the hub hears only the change events.
    const sf = new SalesforceSandboxClient(f.salesforce.url);
    const co2 = entryOf('CO2-50');
    const accountId = await sf.create('Account', { Name: 'Yellowstone Brewing', BillingStreet: '4 Canyon Rd', BillingCity: 'Livingston', BillingState: 'Montana', BillingPostalCode: '59047', BillingCountry: 'United States', Phone: '(406) 555-0177' });
    // A second contact on the Account, not on the deal: the primary contact role decides.
    await sf.create('Contact', { AccountId: accountId, FirstName: 'Bo', LastName: 'Ruiz', Email: 'bo.ruiz@yellowstonebrewing.example' });
    const contactId = await sf.create('Contact', { AccountId: accountId, FirstName: 'Mara', LastName: 'Holt', Email: 'Mara.Holt@YellowstoneBrewing.example' });
    const opportunityId = await sf.create('Opportunity', { AccountId: accountId, Name: 'CO2 for the taproom', StageName: 'Negotiation/Review', CloseDate: '2026-12-04', Pricebook2Id: co2.Pricebook2Id });
    await sf.create('OpportunityContactRole', { OpportunityId: opportunityId, ContactId: contactId, Role: 'Decision Maker', IsPrimary: true });
    await sf.create('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: co2.Id, Quantity: 6, UnitPrice: 36 });
    const customers = f.tims.books.customers.size;
    await sf.update('Opportunity', opportunityId, { StageName: 'Closed Won', Fulfillment__c: 'Ship' });
    await waitFor(() => org().table('Opportunity').get(opportunityId)!.TIMS_Order_No__c !== null, 'the won deal to be ordered', 60_000);
    const code = String(org().table('Account').get(accountId)!.TIMS_Customer_Code__c);
    expect(f.tims.books.customers.get(code)).toMatchObject({ name: 'Yellowstone Brewing', email: 'mara.holt@yellowstonebrewing.example', phone: '+14065550177', externalId: accountId });
    expect([...f.tims.books.locations.values()].filter((l) => l.customerCode === code)).toEqual([expect.objectContaining({ isDefault: true, warehouseId: 'BIL', address: expect.objectContaining({ line1: '4 Canyon Rd', city: 'Livingston', state: 'MT', postalCode: '59047' }) })]);
    const orderNo = String(org().table('Opportunity').get(opportunityId)!.TIMS_Order_No__c);
    expect(f.tims.books.orders.get(orderNo)).toMatchObject({ type: 'ship', customerCode: code, externalId: opportunityId });
    // The write-backs' change events (Account, Opportunity) and a later edit make nothing twice.
    await sf.update('Opportunity', opportunityId, { Description: 'edited after the order' });
    const last = f.salesforce.state.streaming.events.filter((e) => e.channel === '/data/OpportunityChangeEvent').at(-1)!.replayId;
    await waitFor(async () => Number(((await f.store.getWatermark(TEMPLATE, streamWatermarkKey('salesforce', 'Opportunity')))?.extra as { replayId?: number } | undefined)?.replayId ?? 0) >= last, 'the stream to take the edit', 60_000);
    await f.drain(60_000);
    expect(f.tims.books.customers.size).toBe(customers + 1);
    expect([...f.tims.books.orders.values()].filter((o) => o.externalId === opportunityId)).toHaveLength(1);
    expect((await f.store.listDeadLetters({ status: 'open', flow: TEMPLATE })).filter((d) => d.recordKey === opportunityId)).toEqual([]);
    expect(f.contractProblems()).toEqual([]);
  }, 120_000);
});

describe('TIMS journeys 6 and 7: catalogue, availability, closed won to order (the webhook variant)', () => {
  let f: TimsJourneyFixture;
  beforeAll(async () => {
    process.env.SYNCLINE_TIMS_CLOSED_WON_SECRET = SECRET;
    f = await timsJourneyFixture([CATALOGUE, STOCK, BACK, LEADS, `variants/${ORDERS}`]);
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const rows = (name: string) => [...org().table(name).values()];
  const products = (code: string) => rows('Product2').filter((p) => p.TIMS_Item_Code__c === code);
  /** Available across every warehouse, computed here from the emulator's stock rows. */
  const available = (itemCode: string) => [...f.tims.books.availability.values()].filter((a) => a.itemCode === itemCode).reduce((s, a) => s + Math.max(0, a.onHand - a.committed), 0);

  it('keeps one product per item with its hazmat flag, list price and stock by warehouse', async () => {
    await f.poll(CATALOGUE);
    await f.poll(STOCK);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    for (const item of f.tims.books.items.values()) {
      if (item.category === 'rental') {
        expect(products(item.itemCode)).toHaveLength(0);
        continue;
      }
      const [product, ...dupes] = products(item.itemCode);
      expect(dupes).toHaveLength(0);
      expect(product).toMatchObject({ Name: item.description, ProductCode: item.itemCode, Hazmat__c: item.hazmat, IsActive: true, Stock_Available__c: available(item.itemCode) });
      const entries = rows('PricebookEntry').filter((e) => e.Product2Id === product.Id);
      expect(entries).toHaveLength(1);
      expect(Number(entries[0].UnitPrice).toFixed(2)).toBe(item.priceLevels.find((p) => p.level === 'list')!.price);
      const stock = [...f.tims.books.availability.values()].filter((a) => a.itemCode === item.itemCode).sort((a, b) => a.warehouseId.localeCompare(b.warehouseId));
      expect(product.Stock_By_Warehouse__c).toBe(stock.map((a) => `${a.warehouseId}:${a.onHand - a.committed}`).join('; '));
    }
    expect(products('AC-B')[0].Description).toBe('Hazmat: DOT class 2.1, UN1001');
  });

  it('moves the stock figures when a branch receives cylinders, and changes nothing on a second poll', async () => {
    const before = rows('Product2').length;
    f.tims.setAvailability({ itemCode: 'HE-300', warehouseId: 'BZN', onHand: 40 });
    await f.poll(STOCK);
    await f.poll(STOCK);
    await f.poll(CATALOGUE);
    const [helium] = products('HE-300');
    expect(helium.Stock_Available__c).toBe(available('HE-300'));
    expect(helium.Stock_By_Warehouse__c).toMatch(/BZN:\d+/);
    expect(String(helium.Stock_By_Warehouse__c)).toContain(`BZN:${40 - f.tims.books.availability.get('HE-300/BZN')!.committed}`);
    expect(rows('Product2').length).toBe(before);
    // Still one Standard Price Book entry per TIMS product.
    const timsProducts = rows('Product2').filter((p) => p.TIMS_Item_Code__c);
    expect(rows('PricebookEntry').filter((e) => timsProducts.some((p) => p.Id === e.Product2Id)).length).toBe(timsProducts.length);
  });

  it('makes no second product, price or stock write when the same item and availability are delivered again', async () => {
    const values = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([k]) => !/^(LastModifiedDate|SystemModstamp)$/.test(k)));
    const snapshot = () => JSON.stringify([rows('Product2').map(values), rows('PricebookEntry').map(values)]);
    const before = snapshot();
    expect(await f.deliverAgain(CATALOGUE, 'AC-B')).toBe('succeeded');
    expect(await f.deliverAgain(STOCK, 'AR-300/BZN')).toBe('succeeded');
    expect(snapshot()).toBe(before);
  });

  it('dead-letters an item TIMS prices only at customer levels (no list price), and the replay after the fix lands once', async () => {
    const itemCode = 'FCW-045-33';
    f.tims.books.items.set(itemCode, { itemCode, description: 'Flux-cored wire .045, 33 lb spool', category: 'welding', unit: 'EA', hazmat: false, hazmatClass: null, unNumber: null, active: true, priceLevels: [{ level: 'level1', price: '118.00' }], modifiedAt: f.tims.clock.stamp() });
    await f.poll(CATALOGUE);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl).toMatchObject({ flow: CATALOGUE, errorKind: 'invalid_data', recordKey: itemCode });
    expect(dl.error.message).toMatch(/UnitPrice/);
    expect(rows('PricebookEntry').filter((e) => products(itemCode).some((p) => p.Id === e.Product2Id))).toHaveLength(0);
    // The TIMS user gives the item its list price; the dead letter is replayed with it.
    f.tims.books.items.get(itemCode)!.priceLevels.unshift({ level: 'list', price: '129.00' });
    const payload = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: { ...(payload.record as JsonObject), priceLevels: f.tims.books.items.get(itemCode)!.priceLevels.map((p) => ({ level: p.level, price: p.price })), listPrice: '129.00' } }, 'test');
    await f.replayOnce(dl.id);
    const [product, ...dupes] = products(itemCode);
    expect(dupes).toHaveLength(0);
    expect(product).toMatchObject({ Name: 'Flux-cored wire .045, 33 lb spool', ProductCode: itemCode, Family: 'Consumables', Hazmat__c: false });
    expect(rows('PricebookEntry').filter((e) => e.Product2Id === product.Id).map((e) => Number(e.UnitPrice))).toEqual([129]);
  });

  it('tells the prospects who asked that a gas is back at a branch, once, and takes them off the list', async () => {
    const stock = (warehouseId: string) => f.tims.books.availability.get(`HE-300/${warehouseId}`)!;
    // Helium sold out at every branch before the subscriber starts: old stock is not news.
    for (const w of ['BIL', 'BZN', 'GTF']) f.tims.setAvailability({ itemCode: 'HE-300', warehouseId: w, onHand: stock(w).committed });
    await f.poll(BACK);
    // Two prospects ask to hear when helium is back (the "Back in stock: HE-300" list).
    const pardot = f.pardot.state;
    const [asker, asker2] = [...pardot.prospects.values()].filter((p) => !p.isDeleted && p.email);
    const at = new Date().toISOString();
    const listId = pardot.nextId('list');
    pardot.lists.set(listId, { id: listId, name: 'Back in stock: HE-300', title: 'Back in stock', description: null, isDynamic: false, isPublic: false, folderId: null, campaignId: null, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    for (const p of [asker, asker2]) {
      const id = pardot.nextId('listMembership');
      pardot.listMemberships.set(id, { id, listId, prospectId: p.id, optedOut: false, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    }
    const backInStock = (p: Record<string, unknown>) => [...pardot.externalActivities.values()].filter((a) => a.type === 'Back_In_Stock' && a.email === p.email);
    // A cylinder comes back empty at Billings: still none available, nobody is told.
    f.tims.setAvailability({ itemCode: 'HE-300', warehouseId: 'BIL', onHand: stock('BIL').committed });
    await f.poll(BACK);
    expect(backInStock(asker)).toHaveLength(0);

    // The Great Falls fill plant restocks Bozeman.
    f.tims.setAvailability({ itemCode: 'HE-300', warehouseId: 'BZN', onHand: stock('BZN').committed + 12 });
    await f.poll(BACK);
    expect(await f.store.listDeadLetters({ status: 'open', flow: BACK })).toEqual([]);
    for (const p of [asker, asker2]) expect(backInStock(p).map((a) => a.value)).toEqual([`HE-300 is back in stock at the Bozeman branch (asked on list ${listId})`]);
    // Answered: both left the list. More stock, a re-poll and the same change again tell nobody twice.
    expect([...pardot.listMemberships.values()].filter((m) => m.listId === listId && !m.isDeleted)).toHaveLength(0);
    f.tims.setAvailability({ itemCode: 'HE-300', warehouseId: 'BZN', onHand: stock('BZN').onHand + 6 });
    await f.poll(BACK);
    await f.poll(BACK);
    await f.deliverAgain(BACK, 'HE-300/BZN');
    for (const p of [asker, asker2]) expect(backInStock(p)).toHaveLength(1);
    // The same changes reached the product too (tims-availability subscribes to them with its own watermark).
    await f.poll(STOCK);
    expect(products('HE-300')[0].Stock_Available__c).toBe(available('HE-300'));
  });

  /** The Opportunity with its lines, shaped as the Salesforce flow's callout sends it. */
  function closedWonPayload(opportunityId: string): Record<string, unknown> {
    const opp = org().table('Opportunity').get(opportunityId)!;
    const account = org().table('Account').get(String(opp.AccountId))!;
    const lines = rows('OpportunityLineItem')
      .filter((l) => l.OpportunityId === opportunityId)
      .map((l) => ({ Id: l.Id, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Product2: { TIMS_Item_Code__c: org().table('Product2').get(String(l.Product2Id))?.TIMS_Item_Code__c ?? null } }));
    return { Id: opp.Id, Name: opp.Name, AccountId: opp.AccountId, StageName: opp.StageName, CloseDate: opp.CloseDate, Fulfillment__c: opp.Fulfillment__c, Pickup_Branch__c: opp.Pickup_Branch__c, Account: { TIMS_Customer_Code__c: account.TIMS_Customer_Code__c }, OpportunityLineItems: lines };
  }
  const entryOf = (itemCode: string) => rows('PricebookEntry').find((e) => e.Product2Id === products(itemCode)[0].Id)!;

  it('turns a won will-call deal into a TIMS order at the chosen branch, writes its number back, once', async () => {
    const leadId = org().insert('Lead', { LastName: 'Holt', Company: 'Bridger Brewing', Email: 'megan@bridgerbrewing.example', Street: '1609 S Church Ave', City: 'Bozeman', State: 'MT', PostalCode: '59715', Country: 'US', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll(LEADS);
    const code = String(org().table('Account').get(accountId)!.TIMS_Customer_Code__c);
    expect(f.tims.books.customers.get(code)).toMatchObject({ name: 'Bridger Brewing' });
    const co2 = entryOf('CO2-50');
    const n2 = entryOf('N2-300');
    org().update('Opportunity', opportunityId!, { Pricebook2Id: co2.Pricebook2Id });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: co2.Id, Quantity: 12, UnitPrice: 34.5 });
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: n2.Id, Quantity: 2, UnitPrice: n2.UnitPrice });
    org().update('Opportunity', opportunityId!, { StageName: 'Closed Won', Fulfillment__c: 'Will-call', Pickup_Branch__c: 'BZN' });
    const committed = f.tims.books.availability.get('CO2-50/BZN')!.committed;

    const payload = closedWonPayload(opportunityId!);
    expect(await f.post(ORDERS, SECRET, payload, `${opportunityId}-1`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    await f.drain();
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const orderNo = String(org().table('Opportunity').get(opportunityId!)!.TIMS_Order_No__c);
    const order = f.tims.books.orders.get(orderNo)!;
    expect(order).toMatchObject({ type: 'will-call', status: 'open', customerCode: code, warehouseId: 'BZN', locationId: null, externalId: opportunityId, lines: [{ itemCode: 'CO2-50', quantity: 12, unitPrice: '34.50' }, { itemCode: 'N2-300', quantity: 2, unitPrice: Number(n2.UnitPrice).toFixed(2) }] });
    expect(f.tims.books.availability.get('CO2-50/BZN')!.committed).toBe(committed + 12);

    // Salesforce retries the callout, and the rep saves the deal again: no second order.
    const count = f.tims.books.orders.size;
    expect(await f.post(ORDERS, SECRET, payload, `${opportunityId}-2`)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await f.post(ORDERS, SECRET, payload, `${opportunityId}-2`)).toMatchObject({ status: 202, body: { duplicates: 1 } });
    await f.drain();
    expect(f.tims.books.orders.size).toBe(count);
    expect(org().table('Opportunity').get(opportunityId!)!.TIMS_Order_No__c).toBe(orderNo);
    // Picked up at Bozeman: the order moves on in TIMS, the deal keeps its number.
    f.tims.pickUp(orderNo);
    expect(f.tims.books.orders.get(orderNo)!.status).toBe('picked-up');
  });

  it('turns a won delivery deal into a ship order to the default ship-to', async () => {
    const account = rows('Account').find((a) => a.TIMS_Customer_Code__c)!;
    const entry = entryOf('AR-300');
    const opportunityId = org().insert('Opportunity', { AccountId: account.Id, Name: 'Argon for the spring season', StageName: 'Closed Won', CloseDate: '2026-12-04', Fulfillment__c: 'Ship', Pricebook2Id: entry.Pricebook2Id }).id;
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entry.Id, Quantity: 6, UnitPrice: entry.UnitPrice });
    await f.post(ORDERS, SECRET, closedWonPayload(opportunityId), `${opportunityId}-1`);
    await f.drain();
    const orderNo = String(org().table('Opportunity').get(opportunityId)!.TIMS_Order_No__c);
    const code = String(account.TIMS_Customer_Code__c);
    expect(f.tims.books.orders.get(orderNo)).toMatchObject({ type: 'ship', customerCode: code, locationId: f.tims.books.locationsOf(code)[0].locationId, poNumber: 'Argon for the spring' });
  });

  it('dead-letters a deal with a product TIMS does not know, and the fixed replay makes one order', async () => {
    const account = rows('Account').find((a) => a.TIMS_Customer_Code__c)!;
    const pricebookId = entryOf('AR-300').Pricebook2Id;
    const productId = org().insert('Product2', { Name: 'Installation service', IsActive: true }).id;
    const entryId = org().insert('PricebookEntry', { Pricebook2Id: pricebookId, Product2Id: productId, UnitPrice: 150, IsActive: true }).id;
    const opportunityId = org().insert('Opportunity', { AccountId: account.Id, Name: 'Regulators and install', StageName: 'Closed Won', CloseDate: '2026-12-04', Fulfillment__c: 'Ship', Pricebook2Id: pricebookId }).id;
    org().insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entryId, Quantity: 1, UnitPrice: 150 });
    const before = f.tims.books.orders.size;
    await f.post(ORDERS, SECRET, closedWonPayload(opportunityId), `${opportunityId}-1`);
    await f.drain();
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/itemCode/);
    expect(f.tims.books.orders.size).toBe(before);
    // The rep replaces the line with the regulator TIMS sells.
    const payload = dl.payload as { record: Record<string, unknown> };
    const fixed = { ...payload.record, OpportunityLineItems: [{ Quantity: 2, UnitPrice: 96, Product2: { TIMS_Item_Code__c: 'REG-AR' } }] };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: fixed }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const made = [...f.tims.books.orders.values()].filter((o) => o.externalId === opportunityId);
    expect(made).toHaveLength(1);
    expect(made[0].lines).toEqual([{ lineNo: 1, itemCode: 'REG-AR', quantity: 2, unitPrice: '96.00', extension: '192.00' }]);
    expect(org().table('Opportunity').get(opportunityId)!.TIMS_Order_No__c).toBe(made[0].orderNo);
  });

  it('spoke only the published contract with the TIMS bridge', () => {
    expect(f.tims.calls.length).toBeGreaterThan(0);
    expect(f.contractProblems()).toEqual([]);
  });
});
