/**
 * Business events a test must stage that eBWS cannot (it has no item or inventory operations):
 * creating an item, changing it, ordering and receiving stock and posting an invoice, through the emulator's
 * control API. Each is visible on the ODBC side with fresh DateUpdated stamps, as polling needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_InvoiceHistoryHeader, CI_Item, IM_ItemWarehouse, SO_SalesOrderHeader } from '../../../src/sandbox/sage100/schema.js';
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

  it('orders goods from a supplier: on purchase order grows and the item is stamped; a receipt takes it off', async () => {
    const stamp = () => { const i = emu.db.get(CI_Item, { ItemCode: 'NEW-WIDGET' })!; return `${i.DateUpdated} ${i.TimeUpdated}`; };
    const before = stamp();
    emu.advanceClock(60_000);
    expect(await activity('purchase-order', { itemCode: 'NEW-WIDGET', quantity: '30' })).toMatchObject({ status: 200, body: { quantityOnPurchaseOrder: '30' } });
    expect(Number(emu.db.get(IM_ItemWarehouse, { ItemCode: 'NEW-WIDGET', WarehouseCode: '000' })!.QuantityOnPurchaseOrder)).toBe(30);
    // Stock is polled through its item's stamp: ordering must move it.
    expect(stamp()).not.toBe(before);
    await activity('receive-stock', { itemCode: 'NEW-WIDGET', quantity: '12' });
    expect(Number(emu.db.get(IM_ItemWarehouse, { ItemCode: 'NEW-WIDGET', WarehouseCode: '000' })!.QuantityOnPurchaseOrder)).toBe(18);
    expect((await activity('purchase-order', { itemCode: 'NOPE', quantity: '1' })).status).toBe(404);
    expect((await activity('purchase-order', { itemCode: 'NEW-WIDGET', quantity: '0' })).status).toBe(400);
  });

  it('posts an order invoice: the order moves to invoice history', async () => {
    const order = emu.db.list(SO_SalesOrderHeader)[0];
    const posted = await activity('post-invoice', { salesOrderNo: order.SalesOrderNo });
    expect(posted.status).toBe(200);
    expect(emu.db.get(SO_SalesOrderHeader, { SalesOrderNo: order.SalesOrderNo })).toBeFalsy();
    expect(emu.db.list(AR_InvoiceHistoryHeader).map((h) => h.InvoiceNo)).toContain(posted.body.invoiceNo);
  });
});
