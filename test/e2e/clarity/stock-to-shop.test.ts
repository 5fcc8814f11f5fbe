/**
 * Journey 6, ERP stock into the web shop, end to end on the emulators: Sage 100 stock by warehouse
 * (IM_ItemWarehouse) and Sage X3 stock by site (ITMMVT) set the Clarity shop's quantity of the
 * product at the mapped location. Asserts the shop's final stock per location (and the product total
 * the shop keeps), that a re-read or an edit that leaves stock alone writes nothing, that warehouses
 * the shop does not sell from and items it does not sell are skipped with their reason, and that a
 * row of a warehouse missing from the table is dead-lettered with a readable reason and lands once
 * when the table is fixed and the dead letter replayed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClarityEmulator, type RunningClarityEmulator } from '../../../src/sandbox/clarity/index.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { AR_Customer, IM_ItemWarehouse } from '../../../src/sandbox/sage100/schema.js';
import { startSageX3Emulator, type RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { flowFileNames, flowSampleFailures } from '../../support/flows.js';
import { flowFiles, journeyHub, nextSecond } from '../../support/journeys.js';
import { journeyStores } from '../../support/postgres.js';

const STOCK_FLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../flows/shop-stock');
const SAGE = 'sage100-stock-to-clarity';
const X3 = 'x3-stock-to-clarity';
const MINUTE = 60_000;

describe('flows/shop-stock', () => {
  it.each(flowFileNames(STOCK_FLOWS_DIR))('%s loads and passes its samples', async (file) => {
    expect(await flowSampleFailures(STOCK_FLOWS_DIR, file)).toEqual([]);
  });
});

describe.each(await journeyStores('journey 6: ERP stock into the shop'))('journey 6: ERP stock into the shop (Sage 100, Sage X3 → Clarity) on %s', (storeKind) => {
  let salesforce: SalesforceEmulator;
  let pardot: RunningPardotEmulator;
  let sage: RunningSage100Emulator;
  let x3: RunningSageX3Emulator;
  let shop: RunningClarityEmulator;
  let hub: Awaited<ReturnType<typeof journeyHub>>;

  beforeAll(async () => {
    [salesforce, pardot, sage, x3, shop] = await Promise.all([
      startSalesforceEmulator({ seed: true }),
      startPardotEmulator({ seed: true, importStepMs: 5 }),
      startSage100Emulator({ seedSize: { customers: 2, items: 3, orders: 0, invoices: 0 } }),
      startSageX3Emulator({ seedSize: { customers: 2, items: 3, orders: 0 } }),
      startClarityEmulator(),
    ]);
    hub = await journeyHub(
      storeKind,
      {
        salesforce: { url: salesforce.url },
        pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId },
        sage100: { endpointUrl: sage.endpointUrl, odbcConnectionString: sage.odbcConnectionString, odbcDsn: sage.odbcDsn, companyCode: sage.companyCode },
        sagex3: { url: x3.url, endpoint: x3.endpoint, poolAlias: x3.poolAlias },
        clarity: { url: shop.url },
      },
      flowFiles(STOCK_FLOWS_DIR),
    );
  }, 90_000);
  afterAll(async () => {
    await hub?.stop();
    await Promise.all([salesforce?.close(), pardot?.close(), sage?.close(), x3?.close(), shop?.close()]);
  });

  /** The shop's stock row of a SKU at a location key (MAIN-A1, WEST-B2). */
  const shopRow = (sku: string, location: string) => shop.state.rows('ProductInventoryLocationSection').filter((r) => r.MasterKey === sku && r.SlaveKey === location);
  const dead = async (flow: string) => hub.store.listDeadLetters({ status: 'open', flow });
  const available = (itemCode: string, warehouse: string) => {
    const w = sage.db.get(IM_ItemWarehouse, { ItemCode: itemCode, WarehouseCode: warehouse })!;
    return Decimal.max(0, new Decimal(String(w.QuantityOnHand)).sub(String(w.QuantityOnSalesOrder ?? '0'))).toNumber();
  };
  const eventRuns = async (flow: string) => (await hub.store.listRuns({ flow, limit: 500 })).filter((r) => r.trigger === 'event');

  it('Sage 100: each warehouse the shop sells from sets the product at its location; the shop total follows; the rest is skipped with its reason', async () => {
    // The shop's catalogue comes from the ERP: two of its SKUs are Sage items.
    sage.advanceClock(MINUTE);
    sage.createItem({ ItemCode: 'HX-1001', ItemCodeDesc: 'Hex Bolt M10x50 zinc', StandardUnitPrice: '24.50' });
    sage.createItem({ ItemCode: 'TW-5005', ItemCodeDesc: 'Torque Wrench 3/8 drive', StandardUnitPrice: '129.00' });
    sage.receiveStock('HX-1001', '250', '000');
    sage.receiveStock('HX-1001', '35', 'WST');
    sage.receiveStock('TW-5005', '9', '000');
    sage.receiveStock('TW-5005', '4', 'EST');
    // Twenty on a sales order keyed in Sales Order Entry: not available to the shop.
    const buyer = sage.db.list(AR_Customer).find((c) => c.CreditHold !== 'Y')!;
    sage.enterSalesOrder({ ARDivisionNo: buyer.ARDivisionNo, CustomerNo: buyer.CustomerNo }, [{ ItemCode: 'HX-1001', WarehouseCode: '000', QuantityOrdered: '20' }]);
    await hub.poll(SAGE);
    expect(await dead(SAGE)).toEqual([]);

    expect(shopRow('HX-1001', 'MAIN-A1')).toMatchObject([{ Quantity: available('HX-1001', '000') }]);
    expect(available('HX-1001', '000')).toBe(230);
    expect(shopRow('HX-1001', 'WEST-B2')).toMatchObject([{ Quantity: 35 }]);
    expect(shopRow('TW-5005', 'MAIN-A1')).toMatchObject([{ Quantity: 9 }]);
    // TW-5005 has no Sage stock row at WST: the shop's own figure there stays.
    expect(shopRow('TW-5005', 'WEST-B2')).toMatchObject([{ Quantity: 6 }]);
    expect(shop.state.byKey('Product', 'HX-1001')!.StockQuantity).toBe(230 + 35);
    expect(shop.state.byKey('Product', 'TW-5005')!.StockQuantity).toBe(9 + 6);

    // East is mapped to none; the seeded Sage items are not sold in the shop.
    const skipped = (await hub.store.listRuns({ flow: SAGE, limit: 500 })).filter((r) => r.status === 'skipped');
    const reasons = new Set<string>();
    for (const run of skipped) {
      const filter = (await hub.store.listTraces(run.id)).find((t) => t.step === 'filter');
      reasons.add(String((filter?.after as { reason?: string } | undefined)?.reason));
    }
    expect(reasons).toContain('warehouse EST is not one the shop sells from (locations: none)');
    expect([...reasons].some((r) => /^item \S+ is not sold in the shop: no Clarity product has SKU /.test(r))).toBe(true);
  });

  it('Sage 100: the same stock read again, or an item edit that leaves stock alone, writes nothing to the shop', async () => {
    const row = shopRow('HX-1001', 'MAIN-A1')[0];
    const stamp = row.UpdatedDate ?? row.CreatedDate;
    const runs = (await eventRuns(SAGE)).length;
    await hub.poll(SAGE);
    expect((await eventRuns(SAGE)).length).toBe(runs);

    sage.advanceClock(MINUTE);
    sage.updateItem('HX-1001', { ItemCodeDesc: 'Hex Bolt M10x50 zinc plated' });
    await hub.poll(SAGE);
    const after = await eventRuns(SAGE);
    // Newest first: the runs this edit caused.
    const again = after.slice(0, after.length - runs);
    expect(again.length).toBeGreaterThan(0);
    const writes = (await Promise.all(again.map((run) => hub.store.listTraces(run.id)))).flat().filter((t) => t.step === 'write:stock');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((t) => t.status === 'unchanged')).toBe(true);
    const now = shopRow('HX-1001', 'MAIN-A1')[0];
    expect(now.UpdatedDate ?? now.CreatedDate).toBe(stamp);
    expect(shopRow('HX-1001', 'MAIN-A1')).toHaveLength(1);

    // A real change: ten shipped from West (the shipment moves the item's stamp) reach the shop once.
    sage.advanceClock(MINUTE);
    sage.adjustStock('HX-1001', '-10', 'WST');
    await hub.poll(SAGE);
    expect(shopRow('HX-1001', 'WEST-B2')).toMatchObject([{ Quantity: 25 }]);
  });

  it('Sage 100: a warehouse missing from the table goes to the dead-letter queue naming it; fixed and replayed, it lands once', async () => {
    sage.advanceClock(MINUTE);
    sage.addWarehouse({ WarehouseCode: 'NTH', WarehouseDesc: 'North Warehouse' });
    sage.receiveStock('TW-5005', '3', 'NTH');
    await hub.poll(SAGE);
    const [dl, ...more] = await dead(SAGE);
    expect(more).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toContain('warehouse NTH of item TW-5005 has no Clarity location: add it to the locations table of this flow (or map it to none), then replay');
    expect(shop.state.byKey('Product', 'TW-5005')!.StockQuantity).toBe(9 + 6);

    // The North warehouse ships to the shop's West DC: the table gains it, and the dead letter is replayed.
    const fixed = readFileSync(path.join(STOCK_FLOWS_DIR, `${SAGE}.yaml`), 'utf8').replace('locations: { "000": 1, WST: 2, EST: none }', 'locations: { "000": 1, WST: 2, EST: none, NTH: 2 }');
    expect(fixed).toContain('NTH: 2');
    await hub.hub.deployFlow(fixed, 'test');
    await hub.store.replayDeadLetters([dl.id], 'test');
    await hub.drain();
    expect(await dead(SAGE)).toEqual([]);
    expect((await hub.store.getDeadLetter(dl.id))?.status).toBe('replayed');
    expect(shopRow('TW-5005', 'WEST-B2')).toMatchObject([{ Quantity: 3 }]);
    expect(shop.state.byKey('Product', 'TW-5005')!.StockQuantity).toBe(9 + 3);
  });

  it('Sage X3: stock by site sets the product at its location; a re-read writes nothing; an unknown site is dead-lettered', async () => {
    await nextSecond();
    for (const [ref, des] of [['PV-3300', 'Ball Valve 1" Brass'], ['SG-4100', 'Safety Glasses (pack of 12)']]) {
      x3.business.createItem({ fields: { ITMREF: ref, ITMDES1: des, TCLCOD: 'BMSOL', BASPRI: '38.90' }, children: {} }, 'JSMITH');
    }
    x3.business.receiveStock('PV-3300', 'NA011', '120');
    x3.business.receiveStock('PV-3300', 'NA021', '15');
    x3.business.receiveStock('SG-4100', 'NA021', '44');
    x3.business.receiveStock('SG-4100', 'PT032', '500');
    await hub.poll(X3);
    expect(await dead(X3)).toEqual([]);
    const siteAvailable = (ref: string, site: string) => {
      const m = x3.tables.get('ITMMVT', `${ref}~${site}`)!;
      return new Decimal(String(m.PHYSTO)).minus(String(m.PHYALL)).toNumber();
    };
    expect(shopRow('PV-3300', 'MAIN-A1')).toMatchObject([{ Quantity: siteAvailable('PV-3300', 'NA011') }]);
    expect(siteAvailable('PV-3300', 'NA011')).toBe(120);
    expect(shopRow('PV-3300', 'WEST-B2')).toMatchObject([{ Quantity: 15 }]);
    expect(shopRow('SG-4100', 'WEST-B2')).toMatchObject([{ Quantity: 44 }]);
    expect(shop.state.byKey('Product', 'PV-3300')!.StockQuantity).toBe(135);

    const runs = (await eventRuns(X3)).length;
    await hub.poll(X3);
    expect((await eventRuns(X3)).length).toBe(runs);

    // A site nobody mapped: the Boston store, opened in X3 after the table was written.
    await nextSecond();
    x3.business.addSite({ FCY: 'NA031', FCYNAM: 'Boston store', CRY: 'US', LEGCPY: 'NA10' });
    x3.business.receiveStock('PV-3300', 'NA031', '8');
    await hub.poll(X3);
    const [dl, ...more] = await dead(X3);
    expect(more).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toContain('site NA031 of item PV-3300 has no Clarity location');
    expect(shop.state.byKey('Product', 'PV-3300')!.StockQuantity).toBe(135);
  });
});
