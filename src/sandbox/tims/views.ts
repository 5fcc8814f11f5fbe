/**
 * Records as the bridge answers them: stored rows plus what TIMS derives (a customer's balance,
 * past-due balance, lifetime sales, cylinders held and rental; availability's `available`).
 */
import { Decimal } from 'decimal.js';
import type { TimsBooks } from './state.js';
import type { AvailabilityRow, CustomerRow, CylinderRow } from './types.js';

/** Decimal → contract money (`"1250.00"`). */
export const money = (d: Decimal.Value): string => new Decimal(d).toFixed(2);

/** Whole days between two `YYYY-MM-DD` dates. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Adds days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A cylinder balance with its monthly rental. */
export function cylinderView(c: CylinderRow): Record<string, unknown> {
  return { ...c, monthlyRental: money(new Decimal(c.rentalRate).mul(c.count)) };
}

/** An availability row with `available`. */
export function availabilityView(a: AvailabilityRow): Record<string, unknown> {
  return { itemCode: a.itemCode, warehouseId: a.warehouseId, onHand: a.onHand, committed: a.committed, available: a.onHand - a.committed, onOrder: a.onOrder, modifiedAt: a.modifiedAt };
}

/** A customer with the figures TIMS keeps for it. */
export function customerView(books: TimsBooks, c: CustomerRow): Record<string, unknown> {
  const invoices = [...books.invoices.values()].filter((i) => i.customerCode === c.customerCode);
  const balance = invoices.reduce((s, i) => s.add(i.balanceDue), new Decimal(0));
  const pastDue = invoices.filter((i) => i.status === 'overdue').reduce((s, i) => s.add(i.balanceDue), new Decimal(0));
  const lifetime = invoices.reduce((s, i) => s.add(i.total), new Decimal(c.priorSales));
  const cylinders = [...books.cylinders.values()].filter((x) => x.customerCode === c.customerCode);
  const held = cylinders.reduce((s, x) => s + x.count, 0);
  const rental = cylinders.reduce((s, x) => s.add(new Decimal(x.rentalRate).mul(x.count)), new Decimal(0));
  const orderDates = [...books.orders.values()].filter((o) => o.customerCode === c.customerCode && o.type !== 'quote' && o.status !== 'cancelled').map((o) => o.orderDate).sort();
  const paymentDates = [...books.payments.values()].filter((p) => p.customerCode === c.customerCode).map((p) => p.receivedDate).sort();
  const paid = invoices.filter((i) => i.paidDate !== null);
  const averageDaysToPay = paid.length ? Math.round(paid.reduce((s, i) => s + Math.max(0, daysBetween(i.invoiceDate, i.paidDate!)), 0) / paid.length) : null;
  const { priorSales: _prior, ...master } = c;
  return {
    ...master,
    balance: money(balance),
    pastDueBalance: money(pastDue),
    lifetimeSales: money(lifetime),
    defaultLocationId: books.locationsOf(c.customerCode)[0]?.locationId ?? null,
    cylindersHeld: held,
    monthlyRental: money(rental),
    lastOrderDate: orderDates.at(-1) ?? null,
    lastPaymentDate: paymentDates.at(-1) ?? null,
    averageDaysToPay,
  };
}
