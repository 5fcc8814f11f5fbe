/**
 * Journey 2 end to end: Sage 100 customers polled from the emulator enrich the Pardot prospect
 * (custom fields) and the Salesforce Account (upsert on Sage100_Customer_No__c); a credit-limit
 * change in Sage flows through on the next poll without duplicating anything.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer, AR_InvoiceHistoryHeader, SO_SalesOrderHeader } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'customer-enrichment';

describe('journey 2: customer enrichment', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW], sageSeed: { customers: 4, invoices: 12 } });
  }, 60_000);
  afterAll(async () => f?.close());

  const prospectsWithEmail = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);
  const accountsWithNumber = (no: string) => [...f.salesforce.state.org.table('Account').values()].filter((a) => a.Sage100_Customer_No__c === no);
  /** Net invoiced sales computed here from the emulator's invoice history, independently of the connector. */
  function lifetime(div: string, no: string): string {
    return f.sage.db
      .list(AR_InvoiceHistoryHeader)
      .filter((i) => i.ARDivisionNo === div && i.CustomerNo === no)
      .reduce((sum, i) => {
        const amt = new Decimal(String(i.TaxableSalesAmt ?? 0)).add(String(i.NonTaxableSalesAmt ?? 0));
        return i.InvoiceType === 'CM' ? sum.sub(amt) : sum.add(amt);
      }, new Decimal(0))
      .toFixed(2);
  }
  /** The latest invoice date (YYYY-MM-DD), or undefined without invoices. */
  function lastInvoice(div: string, no: string): string | undefined {
    const dates = f.sage.db
      .list(AR_InvoiceHistoryHeader)
      .filter((i) => i.ARDivisionNo === div && i.CustomerNo === no)
      .map((i) => String(i.InvoiceDate).replace(/^(\d{4})-?(\d{2})-?(\d{2}).*$/, '$1-$2-$3'))
      .sort();
    return dates.at(-1);
  }

  /** The latest order date (YYYY-MM-DD) over invoiced orders and open standard orders, or undefined. */
  function lastOrder(div: string, no: string): string | undefined {
    const ymd = (v: unknown) => String(v ?? '').replace(/^(\d{4})-?(\d{2})-?(\d{2}).*$/, '$1-$2-$3');
    const invoiced = f.sage.db.list(AR_InvoiceHistoryHeader).filter((i) => i.ARDivisionNo === div && i.CustomerNo === no && i.InvoiceType !== 'CM' && i.OrderDate);
    const open = f.sage.db.list(SO_SalesOrderHeader).filter((o) => o.ARDivisionNo === div && o.CustomerNo === no && o.OrderType === 'S' && o.OrderDate);
    return [...invoiced, ...open].map((r) => ymd(r.OrderDate)).sort().at(-1);
  }

  it('writes ERP number, lifetime value, last order date, credit limit and status to Pardot and Salesforce', async () => {
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const customers = f.sage.db.list(AR_Customer);
    expect(customers.length).toBe(4);
    let withInvoices = 0;
    for (const c of customers) {
      const id = `${String(c.ARDivisionNo)}-${String(c.CustomerNo)}`;
      const value = lifetime(String(c.ARDivisionNo), String(c.CustomerNo));
      if (value !== '0.00') withInvoices += 1;
      const [account, ...dupes] = accountsWithNumber(id);
      expect(dupes).toHaveLength(0);
      expect(account.Name).toBe(String(c.CustomerName).trim());
      expect(new Decimal(String(account.Lifetime_Value__c)).toFixed(2)).toBe(value);
      const last = lastInvoice(String(c.ARDivisionNo), String(c.CustomerNo));
      if (last) expect(String(account.Last_Invoice_Date__c)).toBe(last);
      const lastOrdered = lastOrder(String(c.ARDivisionNo), String(c.CustomerNo));
      if (lastOrdered) expect(String(account.Last_Order_Date__c)).toBe(lastOrdered);
      expect(new Decimal(String(account.Credit_Limit__c)).toFixed(2)).toBe(new Decimal(String(c.CreditLimit)).toFixed(2));
      const email = String(c.EmailAddress ?? '').trim().toLowerCase();
      if (!email) continue;
      const [prospect, ...more] = prospectsWithEmail(email);
      expect(more).toHaveLength(0);
      expect(prospect.erp_customer_number__c).toBe(id);
      expect(new Decimal(String(prospect.lifetime_value__c)).toFixed(2)).toBe(value);
      if (last) expect(String(prospect.last_invoice_date__c).slice(0, 10)).toBe(last);
      if (lastOrdered) expect(String(prospect.last_order_date__c).slice(0, 10)).toBe(lastOrdered);
      expect(prospect.customer_status__c).toBe(c.CreditHold === 'Y' ? 'On Hold' : 'Active');
    }
    expect(withInvoices).toBeGreaterThan(0);
  });

  it('carries a credit-limit change and a credit hold through on the next poll, updating in place', async () => {
    const c = f.sage.db.list(AR_Customer).find((x) => String(x.EmailAddress ?? '').trim() !== '')!;
    const id = `${String(c.ARDivisionNo)}-${String(c.CustomerNo)}`;
    const accounts = f.salesforce.state.org.table('Account').size;
    const prospects = f.pardot.state.prospects.size;
    f.sage.advanceClock(1000);
    f.sage.setCreditLimit(id, '75000.00', 'Y');
    await f.poll(FLOW);
    const [account] = accountsWithNumber(id);
    expect(account.ERP_Status__c).toBe('On Hold');
    expect(Number(account.Credit_Limit__c)).toBe(75000);
    const [prospect] = prospectsWithEmail(String(c.EmailAddress).trim().toLowerCase());
    expect(prospect.customer_status__c).toBe('On Hold');
    expect(new Decimal(String(prospect.credit_limit__c)).toFixed(2)).toBe('75000.00');
    expect(f.salesforce.state.org.table('Account').size).toBe(accounts);
    expect(f.pardot.state.prospects.size).toBe(prospects);
  });
});
