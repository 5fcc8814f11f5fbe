/**
 * The Sage 100 pair's journey parts of issue 22, end to end against the emulators, on SQLite and
 * PostgreSQL:
 * - J2: an invoice posted, a payment received and a credit memo refresh the customer's lifetime
 *   value, open balance and dates on the Pardot prospect and the Salesforce Account in one poll,
 *   while the customer record itself is unchanged; a re-poll counts nothing twice.
 * - J3: invoices, credit memos and payments become Pardot external activities; an invoice without an
 *   email finds its prospect through the customer's contacts; one matching no prospect is skipped
 *   with the reason on its run trace.
 * - J6: stock by warehouse lands on Product_Stock__c records related to Product2; stock received
 *   crosses the threshold and gives each prospect who asked (the "Back in stock: <item>" list) one
 *   Back_In_Stock activity.
 * - J1: a won Opportunity on an Account without an ERP customer creates the customer from the
 *   Account and its primary contact, then the order (the polled variant).
 * Each checks every system's final state, that the same event twice gives one record, and that a
 * bad record reaches the dead-letter queue with a readable reason. Expected figures are computed
 * here from the emulator's rows, independently of the connector.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AR_CashReceiptsHistory,
  AR_Customer,
  AR_InvoiceHistoryHeader,
  AR_OpenInvoice,
  CI_Item,
  IM_ItemWarehouse,
  SO_SalesOrderHeader,
} from '../../src/sandbox/sage100/schema.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';

const FLOWS = ['customer-enrichment', 'invoice-activity', 'payment-activity', 'catalogue', 'stock-by-warehouse', 'back-in-stock'];
const CLOSED_WON = 'closed-won-to-order-polled';

const ymd = (v: unknown) => String(v ?? '').replace(/^(\d{4})-?(\d{2})-?(\d{2}).*$/, '$1-$2-$3');
const money = (v: unknown) => new Decimal(String(v ?? 0)).toFixed(2);

describe.each(['sqlite', 'postgres'] as const)('Sage 100 pair, issue 22 journeys on %s', (storeKind) => {
  let f: JourneyFixture;
  let run = true;
  beforeAll(async () => {
    if (storeKind === 'postgres') run = await requirePostgres('Sage 100 journeys on postgres');
    if (!run) return;
    f = await journeyFixture({ store: storeKind, flows: FLOWS, sageSeed: { customers: 4, items: 3, orders: 3, invoices: 8 } });
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, 'variants', `${CLOSED_WON}.yaml`), 'utf8'), 'test');
  }, 90_000);
  afterAll(async () => f?.close());

  const sf = () => f.salesforce.state.org;
  const prospectsWith = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);
  const activities = (type: string, prospectId?: unknown) => [...f.pardot.state.externalActivities.values()].filter((a) => a.type === type && (prospectId === undefined || a.prospectId === prospectId));
  const deadFor = async (flow: string) => (await f.store.listDeadLetters({ status: 'open' })).filter((d) => d.flow === flow);
  const custRows = <T extends { name: string }>(table: T, id: string) => {
    const [ARDivisionNo, CustomerNo] = id.split('-');
    return f.sage.db.list(table as never, { ARDivisionNo, CustomerNo });
  };
  /** The customer's figures summed here from Sage's rows. */
  function figures(id: string) {
    const invoices = custRows(AR_InvoiceHistoryHeader, id);
    const lifetime = invoices.reduce((s, i) => {
      const amt = new Decimal(String(i.TaxableSalesAmt)).add(String(i.NonTaxableSalesAmt)).abs();
      return i.InvoiceType === 'CM' ? s.sub(amt) : s.add(amt);
    }, new Decimal(0));
    const open = custRows(AR_OpenInvoice, id).reduce((s, i) => s.add(String(i.Balance)), new Decimal(0));
    const lastInvoice = invoices.filter((i) => i.InvoiceType !== 'CM').map((i) => ymd(i.InvoiceDate)).sort().at(-1) ?? null;
    const lastPayment = custRows(AR_CashReceiptsHistory, id).map((r) => ymd(r.TransactionDate)).sort().at(-1) ?? null;
    return { lifetime: lifetime.toFixed(2), open: open.toFixed(2), lastInvoice, lastPayment };
  }
  /**
   * Delivers the event of a run found by `key` once more under a new delivery id (a repeated delivery,
   * a retried job), as the poll produced it: same record, same id, same child entity.
   */
  async function deliverAgain(flow: string, key: string): Promise<void> {
    const runs = await f.store.listRuns({ flow, key });
    const [run] = runs;
    const trigger = (await f.store.listTraces(run.id)).find((t) => t.step === 'trigger')!;
    const source = (await f.store.listRuns({ flow, limit: 1 }))[0];
    const via = trigger.entity !== (await f.hub.flows.get(flow)).def.source.entity ? trigger.entity : undefined;
    const res = await f.store.ingest([{ flow, deliveryId: `again-${run.id}`, payload: { record: trigger.after ?? null, id: trigger.externalId ?? null, ...(via ? { via } : {}) }, recordKey: key }], { flowVersion: source.flowVersion, maxAttempts: 3 });
    expect(res.accepted).toBe(1);
    await f.drain();
    // It ran again, and succeeded.
    const after = await f.store.listRuns({ flow, key });
    expect(after.length).toBe(runs.length + 1);
    expect(after[0].status).toBe('succeeded');
  }
  /** A new customer keyed in Sage (no eBWS), with optional contacts. */
  function newCustomer(no: string, email: string, contacts: string[] = []): string {
    const id = f.sage.addCustomer({ CustomerNo: no, CustomerName: `Customer ${no}`, EmailAddress: email, SalespersonNo: '0100', TermsCode: '01' });
    contacts.forEach((c, i) => f.sage.addContact(id, { ContactCode: `C${i + 1}`, ContactName: `Contact ${i + 1}`, EmailAddress: c }));
    return id;
  }

  it('J2: invoice, payment and credit memo refresh the figures on the prospect and the Account in one poll, counting nothing twice', async () => {
    if (!run) return;
    await f.poll('customer-enrichment');
    expect(await deadFor('customer-enrichment')).toEqual([]);
    // A customer with an email and an open order, whose prospect and Account now exist.
    const order = f.sage.db.list(SO_SalesOrderHeader).find((o) => String(o.EmailAddress ?? '').trim() !== '')!;
    const id = `${order.ARDivisionNo}-${order.CustomerNo}`;
    const email = String(f.sage.db.get(AR_Customer, { ARDivisionNo: order.ARDivisionNo, CustomerNo: order.CustomerNo })!.EmailAddress).trim().toLowerCase();
    const accounts = sf().table('Account').size;
    const prospects = f.pardot.state.prospects.size;
    const customerBefore = f.sage.db.get(AR_Customer, { ARDivisionNo: order.ARDivisionNo, CustomerNo: order.CustomerNo })!;

    f.sage.advanceClock(60_000);
    const invoiceNo = f.sage.postInvoice(String(order.SalesOrderNo));
    const paid = f.sage.receivePayment(id, '100.00', { invoiceNo, checkNo: '5001' });
    expect(paid.applied).toEqual([{ invoiceNo, amount: '100.00' }]);
    f.sage.postCreditMemo(id, '25.50', 'damaged');
    // The customer record itself did not change: only its children did.
    const customerAfter = f.sage.db.get(AR_Customer, { ARDivisionNo: order.ARDivisionNo, CustomerNo: order.CustomerNo })!;
    expect([customerAfter.DateUpdated, customerAfter.TimeUpdated]).toEqual([customerBefore.DateUpdated, customerBefore.TimeUpdated]);

    await f.poll('customer-enrichment');
    expect(await deadFor('customer-enrichment')).toEqual([]);
    const want = figures(id);
    expect(want.lastInvoice).toBe(ymd(f.sage.db.today()));
    expect(want.lastPayment).toBe(ymd(f.sage.db.today()));
    const [account, ...moreAccounts] = [...sf().table('Account').values()].filter((a) => a.Sage100_Customer_No__c === id);
    expect(moreAccounts).toHaveLength(0);
    expect(money(account.Lifetime_Value__c)).toBe(want.lifetime);
    expect(money(account.Open_Balance__c)).toBe(want.open);
    expect(String(account.Last_Invoice_Date__c)).toBe(want.lastInvoice);
    expect(String(account.Last_Payment_Date__c)).toBe(want.lastPayment);
    expect(String(account.Last_Order_Date__c)).toBe(ymd(order.OrderDate) > ymd(account.Last_Order_Date__c) ? ymd(order.OrderDate) : String(account.Last_Order_Date__c));
    const [prospect, ...moreProspects] = prospectsWith(email);
    expect(moreProspects).toHaveLength(0);
    expect(money(prospect.lifetime_value__c)).toBe(want.lifetime);
    expect(money(prospect.open_balance__c)).toBe(want.open);
    expect(String(prospect.last_invoice_date__c).slice(0, 10)).toBe(want.lastInvoice);
    expect(String(prospect.last_payment_date__c).slice(0, 10)).toBe(want.lastPayment);

    // The same rows read again (the poll overlap re-reads them): nothing counted twice, nothing new.
    await f.poll('customer-enrichment');
    await f.poll('customer-enrichment');
    const [again] = [...sf().table('Account').values()].filter((a) => a.Sage100_Customer_No__c === id);
    expect(money(again.Lifetime_Value__c)).toBe(want.lifetime);
    expect(money(again.Open_Balance__c)).toBe(want.open);
    expect(money(prospectsWith(email)[0].lifetime_value__c)).toBe(want.lifetime);
    // The invoice's event delivered once more: the customer is re-read, nothing changes.
    await deliverAgain('customer-enrichment', `${invoiceNo}-000000`);
    const [thrice] = [...sf().table('Account').values()].filter((a) => a.Sage100_Customer_No__c === id);
    expect(money(thrice.Lifetime_Value__c)).toBe(want.lifetime);
    expect(money(prospectsWith(email)[0].open_balance__c)).toBe(want.open);
    expect(sf().table('Account').size).toBe(accounts);
    expect(f.pardot.state.prospects.size).toBe(prospects);

    // A receipt of a customer Sage no longer has (deleted in Customer Maintenance; its history stays): dead-lettered, saying which parent is missing.
    const ghost = newCustomer('GHOST', '');
    const { depositNo } = f.sage.receivePayment(ghost, '1.00', { checkNo: '1' });
    f.sage.deleteCustomer(ghost);
    await f.poll('customer-enrichment');
    const dead = await deadFor('customer-enrichment');
    expect(dead).toHaveLength(1);
    expect(dead[0].error.message).toContain(`AR_CashReceiptsHistory ${depositNo}|01|GHOST|1|PP${depositNo} belongs to AR_Customer 01-GHOST, which does not exist`);
  }, 120_000);

  it('J3: invoices, credit memos and payments become activities; no header email goes through the contacts; no prospect is a traced skip', async () => {
    if (!run) return;
    // The first poll only marks where now is (startFrom: now): the seeded history is not played.
    await f.poll('invoice-activity');
    await f.poll('payment-activity');
    const known = [...f.pardot.state.prospects.values()].find((p) => !p.isDeleted && typeof p.email === 'string' && !String(p.email).includes('abc-company'))!;
    const viaContact = newCustomer('J3A', '', ['', ` ${String(known.email).toUpperCase()} `]);
    const nobody = newCustomer('J3B', '', ['nobody@nowhere.example']);
    // An order with an email on its header, posted.
    const order = f.sage.db.list(SO_SalesOrderHeader).find((o) => String(o.EmailAddress ?? '').trim() !== '')!;
    const headerEmail = String(order.EmailAddress).trim().toLowerCase();
    const headerProspect = prospectsWith(headerEmail)[0];
    expect(headerProspect).toBeDefined();
    f.sage.advanceClock(60_000);
    const invoiceNo = f.sage.postInvoice(String(order.SalesOrderNo));
    const creditNo = f.sage.postCreditMemo(viaContact, '40.00');
    const lostNo = f.sage.postCreditMemo(nobody, '5.00');
    const payment = f.sage.receivePayment(viaContact, '12.34', { checkNo: '7001' });
    const invoicedBefore = activities('Order_Invoiced', headerProspect.id).length;
    const knownInvoiceDate = f.pardot.state.prospects.get(known.id as number)!.last_invoice_date__c ?? null;

    await f.poll('invoice-activity');
    await f.poll('payment-activity');
    expect((await deadFor('invoice-activity')).concat(await deadFor('payment-activity'))).toEqual([]);
    const invoiced = activities('Order_Invoiced', headerProspect.id).filter((a) => String(a.value).startsWith(`Invoice ${invoiceNo} `));
    expect(invoiced).toHaveLength(1);
    expect(activities('Order_Invoiced', headerProspect.id).length).toBe(invoicedBefore + 1);
    expect(String(prospectsWith(headerEmail)[0].last_invoice_date__c).slice(0, 10)).toBe(ymd(f.sage.db.today()));
    const credited = activities('Credit_Memo_Issued', known.id).filter((a) => a.value === `Credit memo ${creditNo} for 40.00`);
    expect(credited).toHaveLength(1);
    const paid = activities('Payment_Received', known.id).filter((a) => a.value === `Payment 7001 (CHECK) of 12.34 on account`);
    expect(paid).toHaveLength(1);
    expect(payment.applied).toEqual([{ invoiceNo: `PP${payment.depositNo}`, amount: '12.34' }]);
    expect(String(f.pardot.state.prospects.get(known.id as number)!.last_payment_date__c).slice(0, 10)).toBe(ymd(f.sage.db.today()));
    expect(f.pardot.state.prospects.get(known.id as number)!.erp_customer_number__c).toBe(viaContact);
    // A credit memo is not an invoice: the last invoice date stays as it was.
    expect(f.pardot.state.prospects.get(known.id as number)!.last_invoice_date__c ?? null).toEqual(knownInvoiceDate);
    // Nobody in Pardot for the other credit memo: skipped, with the addresses tried on the trace.
    const [skipped] = await f.store.listRuns({ flow: 'invoice-activity', key: `${lostNo}-000000` });
    expect(skipped.status).toBe('skipped');
    const filter = (await f.store.listTraces(skipped.id)).find((t) => t.step === 'filter')!;
    expect(JSON.stringify(filter.after)).toContain(`no Pardot prospect for Credit memo ${lostNo} of customer ${nobody}: tried nobody@nowhere.example`);
    expect(activities('Credit_Memo_Issued').some((a) => String(a.value).includes(lostNo))).toBe(false);

    // Polled again: one activity per document still.
    const total = f.pardot.state.externalActivities.size;
    await f.poll('invoice-activity');
    await f.poll('payment-activity');
    expect(f.pardot.state.externalActivities.size).toBe(total);
    // The same invoice and payment delivered once more (a repeat, a retried job): still one entry each.
    await deliverAgain('invoice-activity', `${invoiceNo}-000000`);
    await deliverAgain('payment-activity', `${payment.depositNo}|01|J3A|7001|PP${payment.depositNo}`.toLowerCase());
    expect(f.pardot.state.externalActivities.size).toBe(total);

    // A document of a customer Sage no longer has (deleted after its credit memo): dead-lettered by the required lookup.
    const ghost = newCustomer('GHOST3', '');
    f.sage.postCreditMemo(ghost, '10.00');
    f.sage.deleteCustomer(ghost);
    await f.poll('invoice-activity');
    const dead = await deadFor('invoice-activity');
    expect(dead).toHaveLength(1);
    expect(dead[0].error.message).toContain('lookup "customer" found no AR_Customer on "sage100" with id 01-GHOST3');
  }, 120_000);

  it('J6: stock by warehouse reaches Product_Stock__c; stock received tells each prospect who asked once', async () => {
    if (!run) return;
    await f.poll('catalogue');
    await f.poll('stock-by-warehouse');
    expect(await deadFor('stock-by-warehouse')).toEqual([]);
    const stockRows = () => [...sf().table('Product_Stock__c').values()];
    const rows = f.sage.db.list(IM_ItemWarehouse).filter((w) => f.sage.db.get(CI_Item, { ItemCode: w.ItemCode })!.ItemType === '1');
    expect(rows.length).toBeGreaterThan(0);
    for (const w of rows) {
      const key = `${w.ItemCode}|${w.WarehouseCode}`;
      const [rec, ...dupes] = stockRows().filter((s) => s.Sage100_Stock_Key__c === key);
      expect(dupes).toHaveLength(0);
      expect(rec.On_Hand__c).toBe(Number(w.QuantityOnHand));
      expect(rec.On_Order__c).toBe(Number(w.QuantityOnPurchaseOrder));
      expect(rec.Available__c).toBe(new Decimal(String(w.QuantityOnHand)).sub(String(w.QuantityOnSalesOrder)).toNumber());
      const product = sf().table('Product2').get(String(rec.Product__c))!;
      expect(product.Sage100_Item_Code__c).toBe(w.ItemCode);
    }

    // An item sold out, and a prospect who asked to hear when it is back.
    const item = rows[0];
    const key = { ItemCode: item.ItemCode, WarehouseCode: item.WarehouseCode };
    f.sage.advanceClock(60_000);
    // Sold out in every warehouse (the threshold is per warehouse).
    for (const w of f.sage.db.list(IM_ItemWarehouse, { ItemCode: item.ItemCode })) {
      f.sage.adjustStock(w.ItemCode, new Decimal(String(w.QuantityOnSalesOrder)).sub(String(w.QuantityOnHand)).toString(), w.WarehouseCode);
    }
    f.sage.orderStock(key.ItemCode, new Decimal(40).sub(String(f.sage.db.get(IM_ItemWarehouse, key)!.QuantityOnPurchaseOrder)).toString(), key.WarehouseCode);
    f.sage.updateItem(item.ItemCode, { ItemCodeDesc: String(f.sage.db.get(CI_Item, { ItemCode: item.ItemCode })!.ItemCodeDesc) });
    const [asker, asker2] = [...f.pardot.state.prospects.values()].filter((p) => !p.isDeleted && p.email);
    const listId = f.pardot.state.nextId('list');
    const at = new Date().toISOString();
    f.pardot.state.lists.set(listId, { id: listId, name: `Back in stock: ${item.ItemCode}`, title: 'Back in stock', description: null, isDynamic: false, isPublic: false, folderId: null, campaignId: null, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    const mid = f.pardot.state.nextId('listMembership');
    f.pardot.state.listMemberships.set(mid, { id: mid, listId, prospectId: asker.id, optedOut: false, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    const mid2 = f.pardot.state.nextId('listMembership');
    f.pardot.state.listMemberships.set(mid2, { id: mid2, listId, prospectId: asker2.id, optedOut: false, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    await f.poll('stock-by-warehouse');
    await f.poll('back-in-stock');
    expect(activities('Back_In_Stock', asker.id)).toHaveLength(0);
    const sold = stockRows().find((s) => s.Sage100_Stock_Key__c === `${item.ItemCode}|${item.WarehouseCode}`)!;
    expect(sold.Available__c).toBe(0);

    f.sage.advanceClock(60_000);
    f.sage.receiveStock(item.ItemCode, '25', item.WarehouseCode);
    await f.poll('stock-by-warehouse');
    await f.poll('back-in-stock');
    expect((await deadFor('stock-by-warehouse')).concat(await deadFor('back-in-stock'))).toEqual([]);
    const back = stockRows().find((s) => s.Sage100_Stock_Key__c === `${item.ItemCode}|${item.WarehouseCode}`)!;
    expect(back.Available__c).toBe(25);
    expect(back.On_Hand__c).toBe(new Decimal(String(item.QuantityOnSalesOrder)).add(25).toNumber());
    expect(back.On_Order__c).toBe(15);
    expect(activities('Back_In_Stock', asker.id)).toHaveLength(1);
    expect(activities('Back_In_Stock', asker2.id)).toHaveLength(1);
    expect(String(activities('Back_In_Stock', asker.id)[0].value)).toContain(`${item.ItemCode} is back in stock at warehouse ${item.WarehouseCode}`);
    // The request is answered: the prospect left the list.
    expect([...f.pardot.state.listMemberships.values()].filter((m) => m.listId === listId && !m.isDeleted)).toHaveLength(0);

    // More stock later: the answered request gets nothing more; stock records stay one per warehouse.
    f.sage.advanceClock(60_000);
    f.sage.receiveStock(item.ItemCode, '5', item.WarehouseCode);
    await f.poll('stock-by-warehouse');
    await f.poll('back-in-stock');
    await f.poll('back-in-stock');
    expect(activities('Back_In_Stock', asker.id)).toHaveLength(1);
    expect(activities('Back_In_Stock', asker2.id)).toHaveLength(1);
    expect(stockRows().filter((s) => s.Sage100_Stock_Key__c === `${item.ItemCode}|${item.WarehouseCode}`)).toHaveLength(1);

    // Stock of an item the catalogue never published: dead-lettered, naming the missing product.
    f.sage.createItem({ ItemCode: 'J6-UNLISTED', ItemCodeDesc: 'Not in the catalogue', StandardUnitPrice: '1' });
    f.sage.receiveStock('J6-UNLISTED', '3');
    await f.poll('stock-by-warehouse');
    const dead = await deadFor('stock-by-warehouse');
    expect(dead).toHaveLength(1);
    expect(dead[0].recordKey).toBe('J6-UNLISTED|000');
    expect(dead[0].error.message).toMatch(/Product__c/);
  }, 120_000);

  it('J1: a won deal on an Account without an ERP customer creates the customer from the Account and its primary contact, then the order', async () => {
    if (!run) return;
    // The first poll takes the seeded deals; ours comes after.
    await f.poll(CLOSED_WON);
    const org = sf();
    const entries = [...org.table('PricebookEntry').values()].filter((e) => [...org.table('Product2').values()].some((p) => p.Id === e.Product2Id && p.Sage100_Item_Code__c && f.sage.db.get(CI_Item, { ItemCode: String(p.Sage100_Item_Code__c) })));
    expect(entries.length).toBeGreaterThan(0);
    const accountId = org.insert('Account', { Name: 'Harbour Pumps & Valves', BillingStreet: '9 Quay Rd', BillingCity: 'Portland', BillingState: 'Maine', BillingPostalCode: '04101', BillingCountry: 'United States', Phone: '(207) 555-0142' }).id;
    const other = org.insert('Contact', { AccountId: accountId, LastName: 'Other', Email: 'other@harbourpumps.example' }).id;
    const primary = org.insert('Contact', { AccountId: accountId, FirstName: 'Kemi', LastName: 'Adeyemi', Email: 'K.Adeyemi@HarbourPumps.example' }).id;
    const opp = org.insert('Opportunity', { AccountId: accountId, Name: 'First order', StageName: 'Closed Won', CloseDate: '2026-12-01', Pricebook2Id: entries[0].Pricebook2Id }).id;
    org.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: other, Role: 'Influencer', IsPrimary: false });
    org.insert('OpportunityContactRole', { OpportunityId: opp, ContactId: primary, Role: 'Decision Maker', IsPrimary: true });
    org.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: entries[0].Id, Quantity: 3, UnitPrice: 12.5 });
    // A won deal whose Account has no contact with an email: Sage needs one, so it is refused.
    const badAccount = org.insert('Account', { Name: 'No Email Co' }).id;
    org.insert('Contact', { AccountId: badAccount, LastName: 'Silent' });
    const badOpp = org.insert('Opportunity', { AccountId: badAccount, Name: 'No email', StageName: 'Closed Won', CloseDate: '2026-12-01' }).id;
    org.insert('OpportunityLineItem', { OpportunityId: badOpp, PricebookEntryId: entries[0].Id, Quantity: 1, UnitPrice: 1 });
    const customersBefore = f.sage.db.list(AR_Customer).length;
    const ordersBefore = f.sage.db.list(SO_SalesOrderHeader).length;

    await new Promise((r) => setTimeout(r, 1100)); // SystemModstamp has whole seconds
    org.update('Opportunity', opp, { Description: 'won' });
    org.update('Opportunity', badOpp, { Description: 'won' });
    await f.poll(CLOSED_WON);
    const customerNo = String(org.table('Account').get(accountId)!.Sage100_Customer_No__c);
    expect(customerNo).toMatch(/^01-/);
    const [div, no] = customerNo.split('-');
    const customer = f.sage.db.get(AR_Customer, { ARDivisionNo: div, CustomerNo: no })!;
    expect(customer.CustomerName).toBe('Harbour Pumps & Valves');
    expect(customer.EmailAddress).toBe('k.adeyemi@harbourpumps.example');
    expect(customer.City).toBe('Portland');
    expect(customer.State).toBe('ME');
    expect(customer.UDF_SF_ACCOUNT_ID).toBe(accountId);
    expect((await deadFor(CLOSED_WON)).filter((d) => d.recordKey === opp).map((d) => d.error.message)).toEqual([]);
    const orderNo = String(org.table('Opportunity').get(opp)!.Sage100_Order_No__c);
    const order = f.sage.db.get(SO_SalesOrderHeader, { SalesOrderNo: orderNo })!;
    expect(`${order.ARDivisionNo}-${order.CustomerNo}`).toBe(customerNo);
    const dead = (await deadFor(CLOSED_WON)).filter((d) => d.recordKey === badOpp);
    expect(dead).toHaveLength(1);
    expect(dead[0].error.message).toMatch(/EmailAddress/);

    // The write-backs changed the Opportunity and the Account; polled again: one customer, one order.
    await new Promise((r) => setTimeout(r, 1100));
    org.update('Opportunity', opp, { Description: 'edited after the order' });
    await f.poll(CLOSED_WON);
    await f.poll(CLOSED_WON);
    expect(f.sage.db.list(AR_Customer).filter((c) => c.UDF_SF_ACCOUNT_ID === accountId)).toHaveLength(1);
    expect(f.sage.db.list(AR_Customer).length).toBe(customersBefore + 1);
    expect(f.sage.db.list(SO_SalesOrderHeader).filter((o) => o.CustomerPONo === opp.slice(0, 15))).toHaveLength(1);
    expect(f.sage.db.list(SO_SalesOrderHeader).length).toBe(ordersBefore + 1);
  }, 120_000);
});
