/**
 * Journey 6 end to end: Sage 100 items polled from the emulator become Salesforce Product2 records
 * (upsert on Sage100_Item_Code__c) with their Standard Price Book entry; a price change updates the
 * entry in place.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI_Item } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'catalogue';

describe('journey 6: catalogue', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW], sageSeed: { items: 3 } });
  }, 60_000);
  afterAll(async () => f?.close());

  const table = (name: string) => [...f.salesforce.state.org.table(name).values()];
  const productsFor = (code: string) => table('Product2').filter((p) => p.Sage100_Item_Code__c === code);
  const entriesFor = (productId: string) => table('PricebookEntry').filter((e) => e.Product2Id === productId);
  const standardBook = () => table('Pricebook2').find((b) => b.IsStandard === true)!;

  it('creates each item as a product with its standard price, and updates the price in place', async () => {
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const items = f.sage.db.list(CI_Item);
    expect(items.length).toBe(3);
    for (const item of items) {
      const [product, ...dupes] = productsFor(String(item.ItemCode));
      expect(dupes).toHaveLength(0);
      expect(product).toMatchObject({ Name: String(item.ItemCodeDesc).trim(), ProductCode: item.ItemCode, IsActive: item.InactiveItem !== 'Y' });
      const [entry, ...more] = entriesFor(String(product.Id));
      expect(more).toHaveLength(0);
      expect(entry.Pricebook2Id).toBe(standardBook().Id);
      expect(new Decimal(String(entry.UnitPrice)).toFixed(2)).toBe(new Decimal(String(item.StandardUnitPrice)).toFixed(2));
    }

    const item = items[0];
    f.sage.advanceClock(1000);
    // A price change in Item Maintenance, staged through the emulator's control API.
    const changed = await fetch(`${f.sage.url}/__sandbox/activity/item-update`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ itemCode: item.ItemCode, StandardUnitPrice: '249.99' }) });
    expect(changed.status).toBe(200);
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [product, ...dupes] = productsFor(String(item.ItemCode));
    expect(dupes).toHaveLength(0);
    const [entry, ...more] = entriesFor(String(product.Id));
    expect(more).toHaveLength(0);
    expect(Number(entry.UnitPrice)).toBe(249.99);
  });
});
