/**
 * Sage X3 journey 6 end to end: X3 items become Salesforce products with their base price in the
 * Standard Price Book, and the main warehouse's stock lands on each product; a price change and a
 * stock receipt in X3 update in place, re-polling changes nothing, and an item Salesforce cannot take
 * goes to the dead-letter queue and, fixed and replayed (twice), lands once.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSecond, x3JourneyFixture, type X3JourneyFixture } from '../../support/journeys.js';

describe('Sage X3 journey 6: catalogue and stock', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: ['x3-catalogue', 'x3-stock'], x3Seed: { items: 4, orders: 2 } });
  }, 60_000);
  afterAll(async () => f?.close());

  const table = (name: string) => [...f.salesforce.state.org.table(name).values()];
  const productsFor = (ref: string) => table('Product2').filter((p) => p.SageX3_Item_Ref__c === ref);
  const available = (ref: string) => {
    const m = f.x3.tables.get('ITMMVT', `${ref}~NA011`)!;
    return new Decimal(String(m.PHYSTO)).minus(String(m.PHYALL)).toNumber();
  };

  it('creates each item as a product with its price and stock, and updates both in place', async () => {
    await f.poll('x3-catalogue');
    await f.poll('x3-stock');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const items = f.x3.tables.list('ITMMASTER');
    expect(items).toHaveLength(4);
    for (const item of items) {
      const ref = String(item.ITMREF);
      const [product, ...dupes] = productsFor(ref);
      expect(dupes).toHaveLength(0);
      expect(product).toMatchObject({ Name: item.ITMDES1, ProductCode: ref, IsActive: true });
      expect(Number(product.Stock_On_Hand__c)).toBe(available(ref));
      const entries = table('PricebookEntry').filter((e) => e.Product2Id === product.Id);
      expect(entries).toHaveLength(1);
      expect(new Decimal(String(entries[0].UnitPrice)).toFixed(2)).toBe(String(item.BASPRI));
    }
    const ref = String(items[0].ITMREF);
    await nextSecond();
    f.x3.business.modifyItem(ref, { fields: { BASPRI: '249.99' }, children: {} }, 'JSMITH');
    f.x3.business.receiveStock(ref, 'NA011', '30');
    await f.poll('x3-catalogue');
    await f.poll('x3-stock');
    await f.poll('x3-catalogue');
    await f.poll('x3-stock');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [product, ...dupes] = productsFor(ref);
    expect(dupes).toHaveLength(0);
    expect(Number(product.Stock_On_Hand__c)).toBe(available(ref));
    const entries = table('PricebookEntry').filter((e) => e.Product2Id === product.Id);
    expect(entries.map((e) => Number(e.UnitPrice))).toEqual([249.99]);
  });

  it('dead-letters an item without a description (Salesforce needs a product name); fixed and replayed, it lands once', async () => {
    await nextSecond();
    f.x3.business.createItem({ fields: { ITMREF: 'BMS900', ITMDES1: 'Tubeless sealant 1L', TCLCOD: 'BMSOL', BASPRI: '24.90' }, children: {} }, 'JSMITH');
    // Imported into X3 by a data load that left the description empty.
    f.x3.business.editItem('BMS900', { ITMDES1: '' }, 'IMPORT');
    await f.poll('x3-catalogue');
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.details.field).toBe('Name');
    expect(productsFor('BMS900')).toHaveLength(0);
    const p = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...p, record: { ...p.record, ITMDES1: 'Tubeless sealant 1L' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    await f.store.replayDeadLetters([dl.id], 'test').catch(() => undefined);
    await f.drain();
    const [product, ...dupes] = productsFor('BMS900');
    expect(dupes).toHaveLength(0);
    expect(product.Name).toBe('Tubeless sealant 1L');
    expect(table('PricebookEntry').filter((e) => e.Product2Id === product.Id).map((e) => Number(e.UnitPrice))).toEqual([24.9]);
  });
});
