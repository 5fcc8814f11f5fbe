/**
 * Lifetime figures per customer, summed exactly (decimal.js over the driver's decimal strings) from
 * AR_InvoiceHistoryHeader, so a flow can write lifetime value and last order date without adding
 * floats. Credit memos (InvoiceType CM) always reduce the totals, whatever sign they are stored with.
 */
import { Decimal } from 'decimal.js';
import type { OdbcClient } from './odbc-client.js';
import { chunks, groupBy, parseCustomerId } from './entities/entity.js';
import { odbcDate } from './stamps.js';

/** A customer's invoice history in figures. Amounts are exact decimal strings with 2 places. */
export interface InvoiceTotals {
  /** Invoices (IN, DM, ...) posted, credit memos excluded. */
  invoiceCount: number;
  creditMemoCount: number;
  /** Net sales: taxable + non-taxable amounts, less credit memos. */
  lifetimeSales: string;
  lifetimeTax: string;
  lifetimeFreight: string;
  /** First and last invoice dates (`YYYY-MM-DD`), null without invoices. */
  firstInvoiceDate: string | null;
  lastInvoiceDate: string | null;
}

/** Totals for customers without any invoice. */
export const NO_INVOICES: InvoiceTotals = {
  invoiceCount: 0,
  creditMemoCount: 0,
  lifetimeSales: '0.00',
  lifetimeTax: '0.00',
  lifetimeFreight: '0.00',
  firstInvoiceDate: null,
  lastInvoiceDate: null,
};

/** Lifetime totals for each customer id (`01-ABF`); every id asked for is in the result. */
export async function customerInvoiceTotals(odbc: OdbcClient, customerIds: string[]): Promise<Map<string, InvoiceTotals>> {
  const result = new Map<string, InvoiceTotals>();
  const keys = [...new Set(customerIds)].map((id) => ({ id, ...parseCustomerId(id) }));
  for (const [division, group] of groupBy(keys, (k) => k.ARDivisionNo)) {
    for (const part of chunks(group, 50)) {
      const rows = await odbc.query(
        'SELECT ARDivisionNo, CustomerNo, InvoiceType, InvoiceDate, TaxableSalesAmt, NonTaxableSalesAmt, SalesTaxAmt, FreightAmt FROM AR_InvoiceHistoryHeader ' +
          `WHERE ARDivisionNo = ? AND CustomerNo IN (${part.map(() => '?').join(', ')})`,
        [division, ...part.map((k) => k.CustomerNo)],
        'invoice totals',
      );
      const byCustomer = groupBy(rows, (r) => `${r.ARDivisionNo}-${String(r.CustomerNo).toUpperCase()}`);
      for (const k of part) result.set(k.id, sum(byCustomer.get(`${k.ARDivisionNo}-${k.CustomerNo}`) ?? []));
    }
  }
  return result;
}

function sum(rows: Array<Record<string, unknown>>): InvoiceTotals {
  if (rows.length === 0) return { ...NO_INVOICES };
  let sales = new Decimal(0);
  let tax = new Decimal(0);
  let freight = new Decimal(0);
  let invoices = 0;
  let credits = 0;
  let first: string | null = null;
  let last: string | null = null;
  const amount = (v: unknown) => new Decimal(v === null || v === undefined || v === '' ? 0 : String(v));
  for (const r of rows) {
    const credit = String(r.InvoiceType).trim() === 'CM';
    const signed = (d: Decimal) => (credit ? d.abs().neg() : d);
    sales = sales.add(signed(amount(r.TaxableSalesAmt).add(amount(r.NonTaxableSalesAmt))));
    tax = tax.add(signed(amount(r.SalesTaxAmt)));
    freight = freight.add(signed(amount(r.FreightAmt)));
    if (credit) credits += 1;
    else invoices += 1;
    const d = odbcDate(r.InvoiceDate);
    if (d && !credit) {
      if (!first || d < first) first = d;
      if (!last || d > last) last = d;
    }
  }
  return {
    invoiceCount: invoices,
    creditMemoCount: credits,
    lifetimeSales: sales.toFixed(2),
    lifetimeTax: tax.toFixed(2),
    lifetimeFreight: freight.toFixed(2),
    firstInvoiceDate: first,
    lastInvoiceDate: last,
  };
}
