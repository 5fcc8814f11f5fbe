/**
 * What a person at the Sage 100 office sees without eBWS: customers, items, open orders and open
 * invoices. Reads the emulator's company file directly (the demo runs the emulator in-process);
 * the office's actions (receipts of goods, payments, credit memos) go through the emulator's
 * control endpoints (sandbox-clients.ts), as Sage's own screens would make them.
 */
import { Decimal } from 'decimal.js';
import type { CompanyDb } from '../../sandbox/sage100/db.js';
import { AR_Customer, AR_OpenInvoice, CI_Item, SO_SalesOrderHeader } from '../../sandbox/sage100/schema.js';

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

/** An invoice with a balance still due. */
export interface SageOpenInvoiceRef {
  invoiceNo: string;
  customerId: string;
  balance: string;
}

/** The reads the traffic generator needs from Sage 100. */
export interface SageBooks {
  customers(): SageCustomerRef[];
  /** Stocked, active items (miscellaneous charges excluded). */
  items(): SageItemRef[];
  openOrders(): SageOrderRef[];
  /** Invoices with a positive balance due. */
  openInvoices(): SageOpenInvoiceRef[];
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
    openInvoices: () =>
      db
        .list(AR_OpenInvoice)
        .filter((i) => i.InvoiceType === 'IN' && new Decimal(i.Balance || 0).gt(0))
        .map((i) => ({ invoiceNo: i.InvoiceNo, customerId: `${i.ARDivisionNo}-${i.CustomerNo}`, balance: i.Balance })),
    customerByEmail(email) {
      const row = db.list(AR_Customer).find((r) => (r.EmailAddress ?? '').toLowerCase() === email.toLowerCase());
      return row ? customerRef(row) : null;
    },
  };
}
