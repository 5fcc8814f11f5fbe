/**
 * TIMS journeys 2 and 5 end to end: TIMS customers polled from the emulator enrich the Pardot
 * prospect and the Salesforce Account (balance, credit, lifetime value, last order, cylinder
 * holdings) and grade the prospect from the TIMS financials. A cylinder delivery, a payment and a
 * credit hold flow through on the next poll, updating in place; a second poll changes nothing.
 */
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timsJourneyFixture, type TimsJourneyFixture } from './harness.js';

const ENRICH = 'tims-customer-enrichment';
const GRADE = 'tims-lead-grade';

describe('TIMS journeys 2 and 5: customer enrichment and grade', () => {
  let f: TimsJourneyFixture;
  beforeAll(async () => {
    f = await timsJourneyFixture([ENRICH, GRADE]);
  }, 60_000);
  afterAll(async () => f?.close());

  const prospects = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);
  const accounts = (code: string) => [...f.salesforce.state.org.table('Account').values()].filter((a) => a.TIMS_Customer_Code__c === code);
  /** Figures computed here from the emulator's books, independently of the bridge's derivation. */
  function figures(code: string) {
    const invoices = [...f.tims.books.invoices.values()].filter((i) => i.customerCode === code);
    const cylinders = [...f.tims.books.cylinders.values()].filter((c) => c.customerCode === code && c.count > 0);
    return {
      balance: invoices.reduce((s, i) => s.add(i.balanceDue), new Decimal(0)).toFixed(2),
      pastDue: invoices.filter((i) => i.status === 'overdue').reduce((s, i) => s.add(i.balanceDue), new Decimal(0)).toFixed(2),
      held: cylinders.reduce((s, c) => s + c.count, 0),
      holdings: cylinders,
    };
  }
  /** The grade rule of flows/tims/tims-lead-grade.yaml, restated. */
  function grade(c: Record<string, unknown>): string {
    const pastDue = Number(c.pastDueBalance);
    if (c.status !== 'active' || pastDue > 5000) return 'D';
    if (pastDue > 0) return 'C';
    return Number(c.lifetimeSales) > 100000 && (c.averageDaysToPay === null || Number(c.averageDaysToPay) <= 30) ? 'A' : 'B';
  }

  it('writes balance, credit, lifetime value, last order and cylinder holdings to Pardot and Salesforce, and grades', async () => {
    await f.poll(ENRICH);
    await f.poll(GRADE);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const grades = new Set<string>();
    for (const c of f.tims.books.customers.values()) {
      const view = f.tims.customer(c.customerCode)!;
      const want = figures(c.customerCode);
      const [account, ...dupes] = accounts(c.customerCode);
      expect(dupes).toHaveLength(0);
      expect(account).toMatchObject({ Name: c.name, ERP_Status__c: c.status === 'active' ? 'Active' : c.status === 'credit-hold' ? 'On Hold' : 'Inactive', Cylinders_Held__c: want.held });
      expect(new Decimal(String(account.Balance__c)).toFixed(2)).toBe(want.balance);
      expect(new Decimal(String(account.Past_Due_Balance__c)).toFixed(2)).toBe(want.pastDue);
      expect(new Decimal(String(account.Credit_Limit__c)).toFixed(2)).toBe(c.creditLimit);
      expect(new Decimal(String(account.Lifetime_Value__c)).toFixed(2)).toBe(view.lifetimeSales);
      if (view.lastOrderDate) expect(account.Last_Order_Date__c).toBe(view.lastOrderDate);
      for (const h of want.holdings) expect(String(account.Cylinder_Holdings__c)).toContain(`${h.gasType} ${h.size} ×${h.count}`);
      if (!c.email) continue;
      const [prospect, ...more] = prospects(c.email);
      expect(more).toHaveLength(0);
      expect(prospect).toMatchObject({ erp_customer_number__c: c.customerCode, cylinders_held__c: want.held, grade: grade(view) });
      expect(new Decimal(String(prospect.account_balance__c)).toFixed(2)).toBe(want.balance);
      expect(new Decimal(String(prospect.past_due_balance__c)).toFixed(2)).toBe(want.pastDue);
      if (view.lastPaymentDate) expect(String(prospect.last_payment_date__c).slice(0, 10)).toBe(view.lastPaymentDate);
      grades.add(String(prospect.grade));
    }
    // The seeded books hold buyers of more than one grade.
    expect(grades.size).toBeGreaterThan(1);
  });

  it('carries a delivery, a payment and a credit hold through on the next poll, in place', async () => {
    const books = f.tims.books;
    const brewery = [...books.customers.values()].find((c) => c.name === 'Big Sky Brewing Co')!;
    const mine = [...books.customers.values()].find((c) => c.name === 'Stillwater Mine Maintenance')!;
    const counts = { accounts: f.salesforce.state.org.table('Account').size, prospects: f.pardot.state.prospects.size };
    f.tims.deliverCylinders({ customerCode: brewery.customerCode, gasType: 'CO2', size: '50LB', count: 6 });
    f.tims.returnCylinders({ customerCode: mine.customerCode, gasType: 'Argon', size: '300', count: 5 });
    const open = [...books.invoices.values()].find((i) => i.customerCode === mine.customerCode && i.status !== 'paid');
    if (open) f.tims.receivePayment({ customerCode: mine.customerCode, amount: open.balanceDue, invoiceNo: open.invoiceNo });
    f.tims.setCredit({ customerCode: brewery.customerCode, status: 'credit-hold' });
    await f.poll(ENRICH);
    await f.poll(GRADE);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [breweryAccount] = accounts(brewery.customerCode);
    expect(breweryAccount.Cylinders_Held__c).toBe(figures(brewery.customerCode).held);
    expect(breweryAccount.Cylinder_Holdings__c).toMatch(/CO2 50LB ×24/);
    expect(breweryAccount.ERP_Status__c).toBe('On Hold');
    expect(prospects(brewery.email!)[0]).toMatchObject({ customer_status__c: 'On Hold', grade: 'D', cylinders_held__c: figures(brewery.customerCode).held });
    const [mineAccount] = accounts(mine.customerCode);
    expect(mineAccount.Cylinder_Holdings__c).toMatch(/Argon 300 ×15/);
    expect(new Decimal(String(mineAccount.Balance__c)).toFixed(2)).toBe(figures(mine.customerCode).balance);
    expect(prospects(mine.email!)[0].last_payment_date__c).toBeTruthy();
    expect(f.salesforce.state.org.table('Account').size).toBe(counts.accounts);
    expect(f.pardot.state.prospects.size).toBe(counts.prospects);
  });

  it('enriches a customer holding so many kinds of cylinder that the summary passes 255 characters', async () => {
    // A fabrication shop renting every gas in several sizes: the one-line summary outgrows a text field.
    const shop = [...f.tims.books.customers.values()].find((c) => c.email && c.status === 'active' && c.name !== 'Big Sky Brewing Co' && c.name !== 'Stillwater Mine Maintenance')!;
    for (const gasType of ['Argon', 'Argon/CO2 75/25', 'Argon/CO2 90/10', 'Oxygen', 'Nitrogen', 'Helium']) {
      for (const size of ['300', '125', '80']) f.tims.deliverCylinders({ customerCode: shop.customerCode, gasType, size, count: 2 });
    }
    const summary = figures(shop.customerCode).holdings.map((c) => `${c.gasType} ${c.size} ×${c.count}`).join('; ');
    expect(summary.length).toBeGreaterThan(255);
    await f.poll(ENRICH);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [account] = accounts(shop.customerCode);
    const [prospect, ...more] = prospects(shop.email!);
    expect(more).toHaveLength(0);
    expect(account.Cylinders_Held__c).toBe(figures(shop.customerCode).held);
    expect(prospect.cylinders_held__c).toBe(figures(shop.customerCode).held);
    // Both text fields hold 255 characters: the summary is cut there (at a word), the count stays exact.
    const held = String(account.Cylinder_Holdings__c);
    expect(prospect.cylinder_holdings__c).toBe(held);
    expect(held.length).toBeGreaterThan(200);
    expect(held.length).toBeLessThanOrEqual(255);
    expect(summary.startsWith(held)).toBe(true);
  });

  it('changes nothing when nothing changed in TIMS', async () => {
    const before = JSON.stringify([...f.salesforce.state.org.table('Account').values()].filter((a) => a.TIMS_Customer_Code__c).map((a) => [a.Id, a.Balance__c, a.Cylinders_Held__c]));
    const prospectsBefore = f.pardot.state.prospects.size;
    await f.poll(ENRICH);
    await f.poll(GRADE);
    expect(JSON.stringify([...f.salesforce.state.org.table('Account').values()].filter((a) => a.TIMS_Customer_Code__c).map((a) => [a.Id, a.Balance__c, a.Cylinders_Held__c]))).toBe(before);
    expect(f.pardot.state.prospects.size).toBe(prospectsBefore);
  });

  it('writes nothing new when the same customer is delivered again to both flows', async () => {
    const mine = [...f.tims.books.customers.values()].find((c) => c.name === 'Stillwater Mine Maintenance')!;
    // The values, not the stamps: a prospect two flows write may be written again with what it holds.
    const values = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([k]) => !/^(updatedAt|LastModifiedDate|SystemModstamp)$/.test(k)));
    const snapshot = () => JSON.stringify([accounts(mine.customerCode).map(values), prospects(mine.email!).map(values), f.salesforce.state.org.table('Account').size, f.pardot.state.prospects.size]);
    const before = snapshot();
    expect(await f.deliverAgain(ENRICH, mine.customerCode)).toBe('succeeded');
    expect(await f.deliverAgain(GRADE, mine.email!)).toBe('succeeded');
    expect(snapshot()).toBe(before);
  });

  it('journey 2: dead-letters a customer whose Pardot field was deleted, and the replay after the fix lands once', async () => {
    const books = f.tims.books;
    const brewery = [...books.customers.values()].find((c) => c.name === 'Big Sky Brewing Co')!;
    // The marketing admin deleted the "Cylinders Held" custom field in Pardot.
    const [fieldKey, field] = [...f.pardot.state.customFields.entries()].find(([, cf]) => cf.fieldId === 'cylinders_held')!;
    f.pardot.state.customFields.delete(fieldKey);
    const nitrogen = f.tims.deliverCylinders({ customerCode: brewery.customerCode, gasType: 'Nitrogen', size: '300', count: 3 });
    await f.poll(ENRICH);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl).toMatchObject({ flow: ENRICH, errorKind: 'invalid_data' });
    expect(dl.error.message).toMatch(/cylinders_held__c/);
    const held = figures(brewery.customerCode).held;
    expect(prospects(brewery.email!)[0].cylinders_held__c).not.toBe(held);
    // The field is back; the dead letter is replayed as it was.
    f.pardot.state.customFields.set(fieldKey, field);
    await f.replayOnce(dl.id);
    const [prospect, ...more] = prospects(brewery.email!);
    expect(more).toHaveLength(0);
    expect(prospect.cylinders_held__c).toBe(held);
    expect(prospect.cylinder_holdings__c).toContain(`Nitrogen 300 ×${books.cylinders.get(nitrogen.balanceId as string)!.count}`);
    const [account, ...dupes] = accounts(brewery.customerCode);
    expect(dupes).toHaveLength(0);
    expect(account).toMatchObject({ Cylinders_Held__c: held });
  });

  it('journey 5: dead-letters a grade Pardot refuses, and the replay lands it once', async () => {
    const books = f.tims.books;
    const mine = [...books.customers.values()].find((c) => c.name === 'Stillwater Mine Maintenance')!;
    // An invoice of the mine's ages into overdue: the grade drops to C (or D).
    const invoiceNo = f.tims.postRentalInvoice(mine.customerCode);
    books.invoices.get(invoiceNo)!.dueDate = '2000-01-01';
    f.tims.ageInvoices();
    const want = grade(f.tims.customer(mine.customerCode)!);
    expect(['C', 'D']).toContain(want);
    // Pardot refuses the write once (error 154, injected: an automation rule locking grades, say).
    f.pardot.faults.add({ path: `/objects/prospects/${String(prospects(mine.email!)[0].id)}`, method: 'PATCH', count: 1, fault: { vendorError: '154' } });
    await f.poll(GRADE);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl).toMatchObject({ flow: GRADE, errorKind: 'invalid_data', recordKey: mine.customerCode });
    expect(prospects(mine.email!)[0].grade).not.toBe(want);
    await f.replayOnce(dl.id);
    const [prospect, ...more] = prospects(mine.email!);
    expect(more).toHaveLength(0);
    expect(prospect.grade).toBe(want);
  });

  it('spoke only the published contract with the TIMS bridge', () => {
    expect(f.tims.calls.length).toBeGreaterThan(0);
    expect(f.contractProblems()).toEqual([]);
  });
});
