/**
 * Business events a test must stage that eBWS cannot (it has no item or inventory operations):
 * creating an item, changing it, ordering and receiving stock and posting an invoice, through the emulator's
 * control API. Each is visible on the ODBC side with fresh DateUpdated stamps, as polling needs.
 * Also the Sage-side events tests used to stage by writing the company file: a stock adjustment, a
 * purchase order, a new warehouse, a contact keyed in Customer Maintenance, a customer deleted there
 * (its history stays) and an order keyed in Sales Order Entry (stock goes on sales order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_CashReceiptsHistory, AR_Customer, AR_CustomerContact, AR_InvoiceHistoryHeader, CI_Item, IM_ItemWarehouse, IM_Warehouse, SO_SalesOrderDetail, SO_SalesOrderHeader } from '../../../src/sandbox/sage100/schema.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';

let emu: RunningSage100Emulator;
beforeAll(async () => {
  emu = await startSage100Emulator({ seedSize: { customers: 2, items: 2, orders: 1, invoices: 0 }, now: new Date('2026-03-02T10:00:00Z') });
});
afterAll(async () => emu?.close());

async function activity(kind: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/__sandbox/activity/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Sage 100 control API: business events', () => {
  it('creates an item with an empty stock row, refuses a duplicate, and changes its price', async () => {
    expect(await activity('item', { ItemCode: 'new-widget', ItemCodeDesc: 'New widget', StandardUnitPrice: '12.5' })).toEqual({ status: 201, body: { ok: true, itemCode: 'NEW-WIDGET' } });
    const item = emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!;
    expect(item).toMatchObject({ ItemCodeDesc: 'New widget', DefaultWarehouseCode: '000', DateUpdated: '20260302' });
    expect(emu.db.get(IM_ItemWarehouse, { ItemCode: 'NEW-WIDGET', WarehouseCode: '000' })).toBeTruthy();
    expect((await activity('item', { ItemCode: 'NEW-WIDGET' })).status).toBe(409);
    expect((await activity('item-update', { itemCode: 'NEW-WIDGET', StandardUnitPrice: '13.75' })).status).toBe(200);
    expect(Number(emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!.StandardUnitPrice)).toBe(13.75);
    expect((await activity('item-update', { itemCode: 'NOPE', StandardUnitPrice: '1' })).status).toBe(404);
  });

  it('receives stock into the default or a named warehouse', async () => {
    expect(await activity('receive-stock', { itemCode: 'NEW-WIDGET', quantity: 40 })).toMatchObject({ status: 200, body: { quantityOnHand: '40' } });
    await activity('receive-stock', { itemCode: 'NEW-WIDGET', quantity: '5', warehouseCode: 'EST' });
    expect(Number(emu.db.get(IM_ItemWarehouse, { ItemCode: 'NEW-WIDGET', WarehouseCode: 'EST' })!.QuantityOnHand)).toBe(5);
    expect(Number(emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!.TotalQuantityOnHand)).toBe(45);
  });

  it('posts an order invoice: the order moves to invoice history', async () => {
    const order = emu.db.list(SO_SalesOrderHeader)[0];
    const posted = await activity('post-invoice', { salesOrderNo: order.SalesOrderNo });
    expect(posted.status).toBe(200);
    expect(emu.db.get(SO_SalesOrderHeader, { SalesOrderNo: order.SalesOrderNo })).toBeFalsy();
    expect(emu.db.list(AR_InvoiceHistoryHeader).map((h) => h.InvoiceNo)).toContain(posted.body.invoiceNo);
  });

  it('adjusts stock up and down, and a purchase order puts stock on order until it is received', async () => {
    const stock = () => emu.db.get(IM_ItemWarehouse, { ItemCode: 'NEW-WIDGET', WarehouseCode: '000' })!;
    emu.advanceClock(60_000);
    expect(await activity('adjust-stock', { itemCode: 'NEW-WIDGET', quantity: '-15' })).toMatchObject({ status: 200, body: { quantityOnHand: '25' } });
    expect(Number(emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!.TotalQuantityOnHand)).toBe(30);
    // The item is stamped now, so polling finds the change.
    expect(Number(emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!.TimeUpdated)).toBeCloseTo(Number(emu.clock.stamp().time), 3);
    expect((await activity('adjust-stock', { itemCode: 'NOPE', quantity: '1' })).status).toBe(404);
    const stamp = () => { const i = emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!; return `${i.DateUpdated} ${i.TimeUpdated}`; };
    const before = stamp();
    emu.advanceClock(60_000);
    expect(await activity('purchase-order', { itemCode: 'NEW-WIDGET', quantity: 40 })).toMatchObject({ status: 200, body: { quantityOnPurchaseOrder: '40' } });
    // Stock is polled through its item's stamp: ordering must move it.
    expect(stamp()).not.toBe(before);
    expect((await activity('purchase-order', { itemCode: 'NEW-WIDGET', quantity: 0 })).status).toBe(400);
    expect((await activity('purchase-order', { itemCode: 'NOPE', quantity: '1' })).status).toBe(404);
    await activity('receive-stock', { itemCode: 'NEW-WIDGET', quantity: 30 });
    expect([Number(stock().QuantityOnHand), Number(stock().QuantityOnPurchaseOrder)]).toEqual([55, 10]);
  });

  it('adds a warehouse and a customer contact, refusing duplicates and unknown customers', async () => {
    expect(await activity('warehouse', { WarehouseCode: 'nth', WarehouseDesc: 'North Warehouse' })).toEqual({ status: 201, body: { ok: true, warehouseCode: 'NTH' } });
    expect(emu.db.get(IM_Warehouse, { WarehouseCode: 'NTH' })).toMatchObject({ WarehouseDesc: 'North Warehouse' });
    expect((await activity('warehouse', { WarehouseCode: 'NTH' })).status).toBe(409);
    const c = emu.db.list(AR_Customer)[0];
    const customerId = `${c.ARDivisionNo}-${c.CustomerNo}`;
    expect((await activity('contact', { customerId, ContactCode: 'AP', ContactName: 'Accounts Payable', EmailAddress: 'ap@example.com' })).status).toBe(201);
    expect(emu.db.get(AR_CustomerContact, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, ContactCode: 'AP' })).toMatchObject({ EmailAddress: 'ap@example.com' });
    expect((await activity('contact', { customerId, ContactCode: 'AP' })).status).toBe(409);
    expect((await activity('contact', { customerId: '01-NOSUCH', ContactCode: 'AP' })).status).toBe(400);
  });

  it('enters a sales order (stock on sales order), then deletes a customer keeping its history', async () => {
    const c = emu.db.list(AR_Customer).find((x) => x.CreditHold !== 'Y')!;
    const onOrder = () => Number(emu.db.get(IM_ItemWarehouse, { ItemCode: 'NEW-WIDGET', WarehouseCode: '000' })!.QuantityOnSalesOrder);
    const before = onOrder();
    const entered = await activity('sales-order', { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, Lines: [{ ItemCode: 'NEW-WIDGET', QuantityOrdered: '20' }] });
    expect(entered.status).toBe(201);
    const salesOrderNo = String(entered.body.salesOrderNo);
    expect(emu.db.get(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo })).toMatchObject({ CustomerNo: c.CustomerNo });
    expect(emu.db.list(SO_SalesOrderDetail, { SalesOrderNo: salesOrderNo })).toHaveLength(1);
    expect(onOrder()).toBe(before + 20);
    expect((await activity('sales-order', { ARDivisionNo: '01', CustomerNo: 'NOSUCH', Lines: [] })).status).toBe(400);

    const customerId = `${c.ARDivisionNo}-${c.CustomerNo}`;
    // An open order keeps the customer; invoiced, the customer can go and its history stays.
    expect((await activity('delete-customer', { customerId })).status).toBe(400);
    for (const o of emu.db.list(SO_SalesOrderHeader).filter((h) => h.CustomerNo === c.CustomerNo)) await activity('post-invoice', { salesOrderNo: o.SalesOrderNo });
    await activity('payment', { customerId, amount: '1.00' });
    expect(await activity('delete-customer', { customerId })).toEqual({ status: 200, body: { ok: true } });
    expect(emu.db.get(AR_Customer, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo })).toBeFalsy();
    expect(emu.db.list(AR_InvoiceHistoryHeader).some((h) => h.CustomerNo === c.CustomerNo)).toBe(true);
    expect(emu.db.list(AR_CashReceiptsHistory).some((r) => r.CustomerNo === c.CustomerNo)).toBe(true);
    expect((await activity('delete-customer', { customerId })).status).toBe(404);
  });
});
