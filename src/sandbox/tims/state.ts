/**
 * The distributor's books held in memory, with the emulated server clock and the number series a
 * TIMS company keeps (customer codes, order, invoice and payment numbers).
 */
import type { AvailabilityRow, ContactRow, CustomerRow, CylinderRow, InvoiceRow, ItemRow, LocationRow, OrderRow, PaymentRow, StatementRow, Warehouse } from './types.js';

/** Settable clock that keeps running from where it was set. */
export class TimsClock {
  private offsetMs = 0;

  constructor(private readonly realNow: () => number = Date.now) {}

  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  /** The current stamp (RFC 3339, UTC, milliseconds). */
  stamp(): string {
    return this.now().toISOString();
  }

  /** Today's date (`YYYY-MM-DD`, UTC). */
  today(): string {
    return this.stamp().slice(0, 10);
  }

  set(at: Date): void {
    this.offsetMs = at.getTime() - this.realNow();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  resetToReal(): void {
    this.offsetMs = 0;
  }
}

/** Every table of the emulated company. */
export class TimsBooks {
  companyName = 'High Plains Welding & Gas Supply';
  warehouses: Warehouse[] = [];
  customers = new Map<string, CustomerRow>();
  locations = new Map<string, LocationRow>();
  contacts = new Map<string, ContactRow>();
  items = new Map<string, ItemRow>();
  availability = new Map<string, AvailabilityRow>();
  orders = new Map<string, OrderRow>();
  invoices = new Map<string, InvoiceRow>();
  payments = new Map<string, PaymentRow>();
  statements = new Map<string, StatementRow>();
  cylinders = new Map<string, CylinderRow>();
  /** Idempotency-Key → the created record's key (`customer:C1001`, `order:SO-100231`). */
  idempotency = new Map<string, string>();
  private counters = new Map<string, number>();

  constructor(readonly clock: TimsClock) {}

  /** The next number of a series (`order` → 100231), starting at `first`. */
  next(series: string, first: number): number {
    const n = (this.counters.get(series) ?? first - 1) + 1;
    this.counters.set(series, n);
    return n;
  }

  /** Empties every table and number series. */
  wipe(): void {
    for (const m of [this.customers, this.locations, this.contacts, this.items, this.availability, this.orders, this.invoices, this.payments, this.statements, this.cylinders, this.idempotency]) m.clear();
    this.counters.clear();
    this.warehouses = [];
  }

  /** Locations of a customer, default first. */
  locationsOf(customerCode: string): LocationRow[] {
    return [...this.locations.values()].filter((l) => l.customerCode === customerCode).sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.locationId.localeCompare(b.locationId));
  }

  /** Stamps a customer as changed now (its figures moved). */
  touchCustomer(customerCode: string): void {
    const c = this.customers.get(customerCode);
    if (c) c.modifiedAt = this.clock.stamp();
  }
}

/** Key of an availability row. */
export const availabilityKey = (itemCode: string, warehouseId: string): string => `${itemCode}/${warehouseId}`;
/** Key of a cylinder balance. */
export const cylinderKey = (customerCode: string, locationId: string, gasType: string, size: string): string => `${customerCode}|${locationId}|${gasType}|${size}`;
