/**
 * TIMS journey 3 end to end: a will-call order picked up at its branch, its invoice aging into
 * overdue, and the payment that settles it each put one external activity on the buyer's Pardot
 * timeline and set the prospect's fields. Polling again adds nothing; an order in a status the flow
 * does not know goes to the dead-letter queue and, replayed after a fix, lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timsJourneyFixture, type TimsJourneyFixture } from './harness.js';

const ORDERS = 'tims-order-activity';
const INVOICES = 'tims-invoice-status';
const PAYMENTS = 'tims-payment-received';
const DAY = 86_400_000;

describe('TIMS journey 3: orders, invoices and payments to Pardot', () => {
  let f: TimsJourneyFixture;
  beforeAll(async () => {
    f = await timsJourneyFixture([ORDERS, INVOICES, PAYMENTS]);
    for (const flow of [ORDERS, INVOICES, PAYMENTS]) await f.poll(flow);
  }, 60_000);
  afterAll(async () => f?.close());

  const activities = (email: string, type?: string) => [...f.pardot.state.externalActivities.values()].filter((a) => a.email === email && (!type || a.type === type));
  const prospect = (email: string) => {
    const [p, ...more] = [...f.pardot.state.prospects.values()].filter((x) => x.email === email && !x.isDeleted);
    expect(more).toHaveLength(0);
    return p;
  };
  const emailOf = (code: string) => f.tims.books.customers.get(code)!.email!;

  it('records the seeded history: one activity per order status seen, overdue invoices, payments', async () => {
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const books = f.tims.books;
    for (const o of books.orders.values()) {
      const email = books.customers.get(o.customerCode)!.email;
      if (!email || o.type === 'quote') continue;
      expect(activities(email).some((a) => String(a.value).includes(o.orderNo))).toBe(true);
    }
    for (const i of [...books.invoices.values()].filter((x) => x.status === 'overdue')) {
      const email = books.customers.get(i.customerCode)!.email;
      if (email) expect(activities(email, 'Invoice_Overdue').filter((a) => String(a.value).includes(i.invoiceNo))).toHaveLength(1);
    }
    for (const p of books.payments.values()) {
      const email = books.customers.get(p.customerCode)!.email;
      if (email) expect(activities(email, 'Payment_Received').filter((a) => String(a.value).includes(p.paymentId))).toHaveLength(1);
    }
  });

  it('follows a will-call order from pick-up at the branch to its invoice going overdue and being paid', async () => {
    const order = [...f.tims.books.orders.values()].find((o) => o.type === 'will-call' && o.status === 'ready')!;
    const email = emailOf(order.customerCode);
    f.tims.pickUp(order.orderNo);
    await f.poll(ORDERS);
    expect(activities(email, 'Order_Picked_Up').filter((a) => String(a.value).includes(order.orderNo))).toHaveLength(1);
    expect(activities(email, 'Order_Picked_Up')[0].value).toBe(`Will-call order ${order.orderNo} (Picked up, ${order.total})`);
    expect(prospect(email).last_order_status__c).toBe('Picked up');

    const invoiceNo = f.tims.postInvoice(order.orderNo);
    await f.poll(ORDERS);
    await f.poll(INVOICES);
    expect(activities(email, 'Order_Invoiced').filter((a) => String(a.value).includes(order.orderNo))).toHaveLength(1);
    expect(prospect(email).last_invoice_status__c).toBe('Open');
    expect(activities(email, 'Invoice_Overdue').filter((a) => String(a.value).includes(invoiceNo))).toHaveLength(0);
    // Sixty days on, the nightly aging finds it unpaid. (The emulated TIMS clock runs ahead; its
    // stamps come back to now so the hub's clock accepts them.)
    f.tims.clock.advance(60 * DAY);
    const aged = f.tims.ageInvoices();
    f.tims.clock.advance(-60 * DAY);
    expect(aged).toContain(invoiceNo);
    for (const no of aged) f.tims.books.invoices.get(no)!.modifiedAt = f.tims.clock.stamp();
    await f.poll(INVOICES);
    const invoice = f.tims.books.invoices.get(invoiceNo)!;
    expect(activities(email, 'Invoice_Overdue').filter((a) => String(a.value).includes(invoiceNo)).map((a) => a.value)).toEqual([`Invoice ${invoiceNo}: ${invoice.balanceDue} due ${invoice.dueDate}`]);
    expect(prospect(email).last_invoice_status__c).toBe('Overdue');

    const paymentId = f.tims.receivePayment({ customerCode: order.customerCode, amount: invoice.balanceDue, method: 'card', reference: 'AUTH 11Q', invoiceNo });
    await f.poll(PAYMENTS);
    await f.poll(INVOICES);
    expect(activities(email, 'Payment_Received').filter((a) => String(a.value).includes(paymentId)).map((a) => a.value)).toEqual([`Payment ${paymentId} of ${invoice.total} by card for ${invoiceNo}`]);
    expect(String(prospect(email).last_payment_date__c).slice(0, 10)).toBe(f.tims.clock.today());
    expect(prospect(email).last_invoice_status__c).toBe('Paid');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });

  it('adds nothing when polled again', async () => {
    const before = f.pardot.state.externalActivities.size;
    const prospects = f.pardot.state.prospects.size;
    for (const flow of [ORDERS, INVOICES, PAYMENTS]) await f.poll(flow);
    expect(f.pardot.state.externalActivities.size).toBe(before);
    expect(f.pardot.state.prospects.size).toBe(prospects);
  });

  it('adds nothing when the same order, invoice and payment are delivered again', async () => {
    const order = [...f.tims.books.orders.values()].find((o) => o.type === 'will-call' && o.status === 'invoiced' && o.invoiceNo && f.tims.books.invoices.get(o.invoiceNo)!.status === 'paid')!;
    const payment = [...f.tims.books.payments.values()].find((p) => p.appliedTo.some((a) => a.invoiceNo === order.invoiceNo))!;
    const email = emailOf(order.customerCode);
    const before = { activities: f.pardot.state.externalActivities.size, mine: activities(email).length, prospects: f.pardot.state.prospects.size };
    // Each runs again, and each activity it would add is found on the timeline instead.
    expect(await f.deliverAgain(ORDERS, order.orderNo)).toBe('succeeded');
    expect(await f.deliverAgain(INVOICES, order.invoiceNo!)).toBe('succeeded');
    expect(await f.deliverAgain(PAYMENTS, payment.paymentId)).toBe('succeeded');
    expect(f.pardot.state.externalActivities.size).toBe(before.activities);
    expect(activities(email)).toHaveLength(before.mine);
    expect(f.pardot.state.prospects.size).toBe(before.prospects);
    expect(activities(email, 'Payment_Received').filter((a) => String(a.value).includes(payment.paymentId))).toHaveLength(1);
  });

  it('dead-letters an order in a status the flow does not map, and a fixed replay lands once', async () => {
    const order = [...f.tims.books.orders.values()].find((o) => o.type === 'ship' && o.status === 'open' && f.tims.books.customers.get(o.customerCode)!.email)!;
    const email = emailOf(order.customerCode);
    // A status this flow's value maps do not know (a bridge on a newer TIMS release).
    order.status = 'expired';
    order.modifiedAt = f.tims.clock.stamp();
    await f.poll(ORDERS);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/last_order_status__c/);
    const before = activities(email).length;
    const payload = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: { ...payload.record, status: 'shipped' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    expect(activities(email).length).toBe(before + 1);
    expect(activities(email, 'Order_Shipped').filter((a) => String(a.value).includes(order.orderNo))).toHaveLength(1);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    expect(activities(email).length).toBe(before + 1);
  });

  it('spoke only the published contract with the TIMS bridge', () => {
    expect(f.tims.calls.length).toBeGreaterThan(0);
    expect(f.contractProblems()).toEqual([]);
  });
});
