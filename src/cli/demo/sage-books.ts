/**
 * What a person at the Sage 100 office sees and does without eBWS: looks up customers, items and
 * open orders, and books a goods receipt. Reads the emulator's company file directly (the demo runs
 * the emulator in-process); writes go through the same table helpers Sage's own screens would use.
 */
import { Decimal } from 'decimal.js';
import type { CompanyDb } from '../../sandbox/sage100/db.js';
import { AR_Customer, CI_Item, IM_ItemWarehouse, SO_SalesOrderHeader } from '../../sandbox/sage100/schema.js';

/** A customer as the demo picks one (`id` is `01-ABF`). */
export interface SageCustomerRef {
  id: string;
  name: string;
  creditLimit: string;
  onHold: boolean;
  /** Salesforce Account id when Syncline created or linked this customer. */
  salesforceAccountId: string;
}

/** A stocked item. */
export interface SageItemRef {
  code: string;
  description: string;
}

/** An open sales order. */
export interface SageOrderRef {
  no: string;
  status: string;
  customerId: string;
}

/** The reads and office actions the traffic generator needs from Sage 100. */
export interface SageBooks {
  customers(): SageCustomerRef[];
  /** Stocked, active items (miscellaneous charges excluded). */
  items(): SageItemRef[];
  openOrders(): SageOrderRef[];
  /** Books a goods receipt into a warehouse; returns the new quantity on hand there. */
  receiveStock(itemCode: string, warehouseCode: string, quantity: number): string;
  /** The first customer whose email address equals `email` (case-insensitive), if any. */
  customerByEmail(email: string): SageCustomerRef | null;
}

function customerRef(r: Record<string, string>): SageCustomerRef {
  return { id: `${r.ARDivisionNo}-${r.CustomerNo}`, name: r.CustomerName, creditLimit: r.CreditLimit, onHold: r.CreditHold === 'Y', salesforceAccountId: r.UDF_SF_ACCOUNT_ID ?? '' };
}

/** SageBooks over the emulator's company database. */
export function sageBooksOf(db: CompanyDb): SageBooks {
  return {
    customers: () => db.list(AR_Customer).map(customerRef),
    items: () =>
      db
        .list(CI_Item)
        .filter((i) => i.ItemType === '1' && i.InactiveItem !== 'Y')
        .map((i) => ({ code: i.ItemCode, description: i.ItemCodeDesc })),
    openOrders: () => db.list(SO_SalesOrderHeader).map((o) => ({ no: o.SalesOrderNo, status: o.OrderStatus, customerId: `${o.ARDivisionNo}-${o.CustomerNo}` })),
    receiveStock(itemCode, warehouseCode, quantity) {
      return db.tx(() => {
        const key = { ItemCode: itemCode, WarehouseCode: warehouseCode };
        const stock = db.get(IM_ItemWarehouse, key);
        const onHand = new Decimal(stock?.QuantityOnHand ?? 0).add(quantity).toString();
        if (stock) db.update(IM_ItemWarehouse, key, { QuantityOnHand: onHand });
        else db.insert(IM_ItemWarehouse, { ...key, QuantityOnHand: onHand });
        const item = db.get(CI_Item, { ItemCode: itemCode });
        // Stamping the item is how Sage shows the change to anyone polling CI_Item by DateUpdated.
        if (item) db.update(CI_Item, { ItemCode: itemCode }, { TotalQuantityOnHand: new Decimal(item.TotalQuantityOnHand || 0).add(quantity).toString() });
        return onHand;
      });
    },
    customerByEmail(email) {
      const row = db.list(AR_Customer).find((r) => (r.EmailAddress ?? '').toLowerCase() === email.toLowerCase());
      return row ? customerRef(row) : null;
    },
  };
}
