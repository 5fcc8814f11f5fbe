/**
 * Shop orders → Salesforce with their lines: each Clarity order line is one OpportunityLineItem on
 * the product's entry in the Standard Price Book (the one clarity-catalogue keeps), so the
 * Opportunity's Amount is Salesforce's roll-up of its lines. Every later event of an order (each
 * carries the whole order) updates the same lines, never adds a second set, and a quantity changed
 * in the shop updates its line. A line whose product Salesforce does not have yet waits (retried,
 * the product named on the run) and lands once the catalogue published it.
 * Expected figures are computed here from the shop's rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/sandbox/clarity/model.js';
import { waitFor } from '../../support/engine.js';
import { journeyStores } from '../../support/postgres.js';
import { clarityFixture, type ClarityFixture } from './harness.js';

const FLOWS = ['clarity-catalogue', 'clarity-accounts', 'clarity-customers', 'clarity-orders'];
const ORDERS = 'clarity-orders';
const HOUR = 3_600_000;

describe.each(await journeyStores('Clarity orders with their lines'))('Clarity orders → Opportunities with their lines on %s', (store) => {
  let f: ClarityFixture;
  beforeAll(async () => {
    f = await clarityFixture(FLOWS, { store });
    for (const flow of FLOWS) await f.poll(flow);
  }, 90_000);
  afterAll(async () => f?.close());

  const sf = (obj: string) => [...f.salesforce.state.org.table(obj).values()];
  const standardBook = () => sf('Pricebook2').find((p) => p.IsStandard === true)!.Id;
  const oppOf = (orderNo: string) => sf('Opportunity').filter((o) => o.Clarity_Order_No__c === orderNo);
  const linesOf = (oppId: unknown) => sf('OpportunityLineItem').filter((l) => l.OpportunityId === oppId);
  const money = (n: number) => Math.round(n * 100) / 100;

  /** The order's Opportunity carries exactly its lines, each on the product's standard entry. */
  function expectLines(order: Row): void {
    const [opp, ...dupes] = oppOf(String(order.CustomKey));
    expect(dupes).toHaveLength(0);
    expect(opp.Pricebook2Id).toBe(standardBook());
    const items = order.SalesItems as Row[];
    const lines = linesOf(opp.Id);
    expect(lines).toHaveLength(items.length);
    for (const item of items) {
      const [line, ...twice] = lines.filter((l) => l.Clarity_Line_Key__c === `${String(order.CustomKey)}/${String(item.ID)}`);
      expect(twice).toHaveLength(0);
      expect(line).toMatchObject({ Quantity: item.Quantity, UnitPrice: item.UnitSoldPrice, TotalPrice: money(Number(item.Quantity) * Number(item.UnitSoldPrice)) });
      const entry = f.salesforce.state.org.table('PricebookEntry').get(String(line.PricebookEntryId))!;
      expect(entry.Pricebook2Id).toBe(standardBook());
      expect(f.salesforce.state.org.table('Product2').get(String(entry.Product2Id))!.Clarity_SKU__c).toBe(item.Sku);
    }
    expect(opp.Amount).toBe(money(items.reduce((s, it) => s + Number(it.Quantity) * Number(it.UnitSoldPrice), 0)));
  }

  it("each order of the shop's history is one Opportunity with its lines, however many events it had", async () => {
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const orders = f.shop.state.rows('SalesOrder');
    expect(orders.length).toBeGreaterThan(3);
    for (const order of orders) expectLines(order);
    // The completed order had five events (placed, confirmed, picked, shipped, completed), each carrying its lines.
    const completed = orders.find((o) => o.StatusKey === 'Completed')!;
    expect(f.shop.state.rows('SalesOrderEvent').filter((e) => e.MasterID === completed.ID)).toHaveLength(5);
  });

  it('a new order: its lines once; the next events update them; a changed quantity updates its line and the Amount', async () => {
    f.pushTo(ORDERS);
    const cart = f.shop.fillCart('priya.raman@blueridgehydraulics.example', [{ sku: 'PV-3300', quantity: 10 }, { sku: 'SG-4100', quantity: 2 }]);
    f.shop.advanceClock(10 * 60_000);
    const created = f.shop.convertCart(Number(cart.ID), 'PO-7790');
    await f.settle();
    f.pushTo(null);
    const no = String(created.CustomKey);
    expectLines(f.shop.state.get('SalesOrder', Number(created.ID))!);
    expect(oppOf(no)[0].Amount).toBe(money(10 * 38.9 + 2 * 35.7));

    // Read again (the reconciling read): the inbox drops the repeat, nothing is added.
    await f.poll(ORDERS);
    expect(linesOf(oppOf(no)[0].Id)).toHaveLength(2);

    // The buyer calls: 4 glasses, not 2. The edit travels with the order's next event.
    f.shop.advanceClock(HOUR);
    f.shop.editOrderLine(Number(created.ID), 2, 4);
    f.shop.orderAction(Number(created.ID), 'Confirm');
    f.shop.advanceClock(HOUR);
    f.shop.orderAction(Number(created.ID), 'CreatePickTicket');
    await f.poll(ORDERS);
    await f.poll(ORDERS);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const order = f.shop.state.get('SalesOrder', Number(created.ID))!;
    expect((order.SalesItems as Row[]).map((it) => it.Quantity)).toEqual([10, 4]);
    expectLines(order);
    expect(oppOf(no)[0].Amount).toBe(money(10 * 38.9 + 4 * 35.7));
    const glasses = linesOf(oppOf(no)[0].Id).find((l) => l.Clarity_Line_Key__c === `${no}/2`)!;
    expect(glasses).toMatchObject({ Quantity: 4, TotalPrice: money(4 * 35.7) });
  });

  it('a line whose product Salesforce does not have yet waits, named on the run, and lands once the catalogue publishes it', async () => {
    f.shop.advanceClock(HOUR);
    f.shop.state.insert('Product', { CustomKey: 'BR-8080', Name: 'Brass Reducer 1" x 3/4"', PriceBase: 17.4, PriceSale: null, StockQuantity: 0, IsVisible: true, IsDiscontinued: false, UnitOfMeasure: 'EA' });
    const cart = f.shop.fillCart('maria.delgado@abbottfasteners.example', [{ sku: 'HX-1002', quantity: 3 }, { sku: 'BR-8080', quantity: 6 }]);
    f.shop.advanceClock(10 * 60_000);
    const order = f.shop.convertCart(Number(cart.ID));
    const no = String(order.CustomKey);
    const placed = f.shop.state.rows('SalesOrderEvent').filter((e) => e.MasterID === order.ID).at(-1)!;
    await f.hub.runFlowNow(ORDERS, 'test');
    await waitFor(async () => (await f.store.listRuns({ flow: ORDERS, key: String(placed.ID) })).some((r) => r.status === 'retrying'), 'the order event to wait for its product', 60_000);
    const [waiting] = (await f.store.listRuns({ flow: ORDERS, key: String(placed.ID) })).filter((r) => r.status === 'retrying');
    expect(waiting.error).toMatchObject({ kind: 'not_found' });
    expect(waiting.error?.message).toContain('target "line-items", field PricebookEntryId: no active price book entry for product BR-8080 (Brass Reducer 1" x 3/4")');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    // The Opportunity and the line Salesforce could take are written; only the new product's line waits.
    expect(linesOf(oppOf(no)[0].Id).map((l) => l.Clarity_Line_Key__c)).toEqual([`${no}/1`]);

    // The catalogue's next read publishes the product; the waiting event's next attempt adds its line, once.
    await f.hub.runFlowNow('clarity-catalogue', 'test');
    await f.drain(180_000);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expectLines(f.shop.state.get('SalesOrder', Number(order.ID))!);
    expect((await f.store.listRuns({ flow: ORDERS, key: String(placed.ID) })).filter((r) => r.status === 'succeeded')).toHaveLength(1);
  }, 240_000);
});
