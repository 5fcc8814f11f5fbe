/**
 * What happens in the distributor's TIMS: customers and orders entered through the bridge, and the
 * business events a test or the demo stages (cylinder deliveries and returns, will-call pick-ups,
 * shipments, invoices, payments, the nightly aging). Each event stamps what it changes, the customer
 * included, as the contract requires.
 */
import { Decimal } from 'decimal.js';
import { availabilityKey, cylinderKey, type TimsBooks } from './state.js';
import { BridgeError, type Address, type CustomerRow, type CylinderRow, type InvoiceRow, type OrderLine, type OrderRow, type OrderType, type PaymentRow } from './types.js';
import { addDays, money } from './views.js';

/** Monthly rent per cylinder by size code; other sizes rent at the default. */
const RENTAL_RATES: Record<string, string> = { '300': '8.50', '250': '8.00', '125': '6.50', '80': '6.00', B: '5.00', MC: '4.00', '50LB': '7.00', LP20: '4.50' };
const DEFAULT_RENTAL = '7.50';

/** Days to pay under a terms code (NET30 → 30, 2-10N30 → 30, COD → 0). */
export function termsDays(terms: string): number {
  if (/^COD$/i.test(terms)) return 0;
  const m = /N(?:ET)?\s*(\d+)$/i.exec(terms);
  return m ? Number(m[1]) : 30;
}

/** Input of a new customer (already checked against the contract's CustomerCreate). */
export interface NewCustomer {
  name: string;
  terms: string;
  status?: CustomerRow['status'];
  creditLimit?: string;
  salesperson?: string | null;
  email?: string | null;
  phone?: string | null;
  externalId?: string | null;
  billingAddress?: Address;
  locations?: Array<{ name: string; address: Address; warehouseId?: string }>;
}

/** Creates a customer with its locations; refuses a duplicate external id or e-mail (409). */
export function createCustomer(books: TimsBooks, input: NewCustomer): CustomerRow {
  if (input.externalId && [...books.customers.values()].some((c) => c.externalId === input.externalId)) {
    throw new BridgeError(409, 'duplicate_external_id', `a customer already has externalId ${input.externalId}`, 'externalId');
  }
  const email = input.email?.trim().toLowerCase() || null;
  if (email && [...books.customers.values()].some((c) => c.email?.toLowerCase() === email)) {
    throw new BridgeError(409, 'duplicate_email', `a customer already has e-mail ${email}`, 'email');
  }
  for (const [i, l] of (input.locations ?? []).entries()) {
    if (l.warehouseId && !books.warehouses.some((w) => w.warehouseId === l.warehouseId)) throw new BridgeError(422, 'unknown_reference', `no warehouse ${l.warehouseId}`, `locations.${i}.warehouseId`);
  }
  const now = books.clock.stamp();
  const customerCode = `C${books.next('customer', 1001)}`;
  const row: CustomerRow = {
    customerCode,
    name: input.name,
    status: input.status ?? 'active',
    creditLimit: money(input.creditLimit ?? '0'),
    terms: input.terms,
    salesperson: input.salesperson ?? null,
    email: input.email ?? null,
    phone: input.phone ?? null,
    externalId: input.externalId ?? null,
    billingAddress: input.billingAddress ?? null,
    priorSales: '0.00',
    createdAt: now,
    modifiedAt: now,
  };
  books.customers.set(customerCode, row);
  (input.locations ?? []).forEach((l, i) => addLocation(books, customerCode, l, i === 0));
  return row;
}

/** Adds a ship-to location; the first one of a customer is its default. */
export function addLocation(books: TimsBooks, customerCode: string, input: { name: string; address: Address; warehouseId?: string }, isDefault = false) {
  const existing = books.locationsOf(customerCode);
  const warehouseId = input.warehouseId ?? books.warehouses[0].warehouseId;
  if (!books.warehouses.some((w) => w.warehouseId === warehouseId)) throw new BridgeError(422, 'unknown_reference', `no warehouse ${warehouseId}`, 'warehouseId');
  const location = {
    locationId: `${customerCode}-${String(existing.length + 1).padStart(2, '0')}`,
    customerCode,
    name: input.name,
    address: input.address,
    isDefault: isDefault || existing.length === 0,
    warehouseId,
    modifiedAt: books.clock.stamp(),
  };
  books.locations.set(location.locationId, location);
  return location;
}

/** Changes a customer's master data; refuses an external id another customer has. */
export function updateCustomer(books: TimsBooks, customerCode: string, changes: Partial<CustomerRow>): CustomerRow {
  const c = books.customers.get(customerCode);
  if (!c) throw new BridgeError(404, 'not_found', `no customer ${customerCode}`);
  if (changes.externalId && [...books.customers.values()].some((o) => o.externalId === changes.externalId && o.customerCode !== customerCode)) {
    throw new BridgeError(409, 'duplicate_external_id', `another customer already has externalId ${changes.externalId}`, 'externalId');
  }
  Object.assign(c, changes, changes.creditLimit !== undefined ? { creditLimit: money(changes.creditLimit) } : {});
  c.modifiedAt = books.clock.stamp();
  return c;
}

/** Input of a new order (already checked against the contract's OrderCreate). */
export interface NewOrder {
  type: OrderType;
  customerCode: string;
  locationId?: string | null;
  warehouseId?: string;
  orderDate?: string;
  poNumber?: string | null;
  blanketPo?: boolean;
  externalId?: string | null;
  lines: Array<{ itemCode: string; quantity: number; unitPrice?: string }>;
}

/** Enters an order or a quote: prices lines at list when no price is given, commits stock for ship and will-call. */
export function createOrder(books: TimsBooks, input: NewOrder): OrderRow {
  const customer = books.customers.get(input.customerCode);
  if (!customer) throw new BridgeError(422, 'unknown_reference', `no customer ${input.customerCode}`, 'customerCode');
  if (customer.status === 'inactive') throw new BridgeError(422, 'validation_failed', `customer ${input.customerCode} is inactive`, 'customerCode');
  if (input.externalId && [...books.orders.values()].some((o) => o.externalId === input.externalId)) {
    throw new BridgeError(409, 'duplicate_external_id', `an order already has externalId ${input.externalId}`, 'externalId');
  }
  const locations = books.locationsOf(input.customerCode);
  let locationId: string | null = null;
  let warehouseId = input.warehouseId;
  if (input.type === 'will-call') {
    if (!warehouseId) throw new BridgeError(422, 'validation_failed', 'a will-call order needs the pick-up branch', 'warehouseId');
    const branch = books.warehouses.find((w) => w.warehouseId === warehouseId);
    if (!branch) throw new BridgeError(422, 'unknown_reference', `no warehouse ${warehouseId}`, 'warehouseId');
    if (!branch.willCall) throw new BridgeError(422, 'validation_failed', `${branch.name} takes no will-call pick-ups`, 'warehouseId');
  } else {
    const location = input.locationId ? locations.find((l) => l.locationId === input.locationId) : locations[0];
    if (input.locationId && !location) throw new BridgeError(422, 'unknown_reference', `customer ${input.customerCode} has no location ${input.locationId}`, 'locationId');
    if (!location && input.type === 'ship') throw new BridgeError(422, 'validation_failed', `customer ${input.customerCode} has no ship-to location`, 'locationId');
    locationId = location?.locationId ?? null;
    warehouseId ??= location?.warehouseId ?? books.warehouses[0].warehouseId;
    if (!books.warehouses.some((w) => w.warehouseId === warehouseId)) throw new BridgeError(422, 'unknown_reference', `no warehouse ${warehouseId}`, 'warehouseId');
  }
  const lines: OrderLine[] = input.lines.map((l, i) => {
    const item = books.items.get(l.itemCode);
    if (!item) throw new BridgeError(422, 'unknown_reference', `no item ${l.itemCode}`, `lines.${i}.itemCode`);
    if (!item.active) throw new BridgeError(422, 'validation_failed', `item ${l.itemCode} is inactive`, `lines.${i}.itemCode`);
    const unitPrice = money(l.unitPrice ?? item.priceLevels.find((p) => p.level === 'list')!.price);
    return { lineNo: i + 1, itemCode: l.itemCode, quantity: l.quantity, unitPrice, extension: money(new Decimal(unitPrice).mul(l.quantity)) };
  });
  const orderNo = input.type === 'quote' ? `Q-${books.next('quote', 5001)}` : `SO-${books.next('order', 100231)}`;
  const order: OrderRow = {
    orderNo,
    type: input.type,
    status: 'open',
    customerCode: input.customerCode,
    locationId,
    warehouseId: warehouseId!,
    orderDate: input.orderDate ?? books.clock.today(),
    poNumber: input.poNumber ?? null,
    blanketPo: input.blanketPo ?? false,
    externalId: input.externalId ?? null,
    lines,
    total: money(lines.reduce((s, l) => s.add(l.extension), new Decimal(0))),
    pickedUpAt: null,
    invoiceNo: null,
    modifiedAt: books.clock.stamp(),
  };
  books.orders.set(orderNo, order);
  if (order.type !== 'quote') for (const l of lines) moveStock(books, l.itemCode, order.warehouseId, { committed: l.quantity });
  books.touchCustomer(order.customerCode);
  return order;
}

/** Changes a warehouse's quantities by the given amounts (creating the row when new) and stamps it. */
export function moveStock(books: TimsBooks, itemCode: string, warehouseId: string, delta: { onHand?: number; committed?: number; onOrder?: number }): void {
  const key = availabilityKey(itemCode, warehouseId);
  const row = books.availability.get(key) ?? { itemCode, warehouseId, onHand: 0, committed: 0, onOrder: 0, modifiedAt: '' };
  row.onHand += delta.onHand ?? 0;
  row.committed = Math.max(0, row.committed + (delta.committed ?? 0));
  row.onOrder = Math.max(0, row.onOrder + (delta.onOrder ?? 0));
  row.modifiedAt = books.clock.stamp();
  books.availability.set(key, row);
}

function orderOf(books: TimsBooks, orderNo: string): OrderRow {
  const o = books.orders.get(orderNo);
  if (!o) throw new BridgeError(404, 'not_found', `no order ${orderNo}`);
  return o;
}

/** Stages a will-call order at its branch (`ready`). */
export function stageWillCall(books: TimsBooks, orderNo: string): OrderRow {
  const o = orderOf(books, orderNo);
  if (o.type !== 'will-call' || o.status !== 'open') throw new BridgeError(409, 'validation_failed', `order ${orderNo} is not an open will-call order`, 'orderNo');
  o.status = 'ready';
  o.modifiedAt = books.clock.stamp();
  return o;
}

/** The customer collects a will-call order at the branch: stock leaves the shelf. */
export function pickUp(books: TimsBooks, orderNo: string): OrderRow {
  const o = orderOf(books, orderNo);
  if (o.type !== 'will-call' || (o.status !== 'open' && o.status !== 'ready')) throw new BridgeError(409, 'validation_failed', `order ${orderNo} is not a will-call order waiting for pick-up (${o.type}, ${o.status})`, 'orderNo');
  o.status = 'picked-up';
  o.pickedUpAt = books.clock.stamp();
  o.modifiedAt = o.pickedUpAt;
  for (const l of o.lines) moveStock(books, l.itemCode, o.warehouseId, { onHand: -l.quantity, committed: -l.quantity });
  books.touchCustomer(o.customerCode);
  return o;
}

/** A ship order leaves on the route truck. */
export function ship(books: TimsBooks, orderNo: string): OrderRow {
  const o = orderOf(books, orderNo);
  if (o.type !== 'ship' || o.status !== 'open') throw new BridgeError(409, 'validation_failed', `order ${orderNo} is not an open ship order (${o.type}, ${o.status})`, 'orderNo');
  o.status = 'shipped';
  o.modifiedAt = books.clock.stamp();
  for (const l of o.lines) moveStock(books, l.itemCode, o.warehouseId, { onHand: -l.quantity, committed: -l.quantity });
  books.touchCustomer(o.customerCode);
  return o;
}

/** Posts the invoice of a shipped or picked-up order; due by the customer's terms. */
export function postInvoice(books: TimsBooks, orderNo: string): InvoiceRow {
  const o = orderOf(books, orderNo);
  if (o.status !== 'shipped' && o.status !== 'picked-up') throw new BridgeError(409, 'validation_failed', `order ${orderNo} is ${o.status}: only shipped or picked-up orders are invoiced`, 'orderNo');
  const customer = books.customers.get(o.customerCode)!;
  const today = books.clock.today();
  const invoice = addInvoice(books, {
    customerCode: o.customerCode,
    orderNo,
    kind: 'sale',
    invoiceDate: today,
    dueDate: addDays(today, termsDays(customer.terms)),
    lines: o.lines.map((l) => ({ itemCode: l.itemCode, description: books.items.get(l.itemCode)?.description ?? l.itemCode, quantity: l.quantity, amount: l.extension })),
  });
  o.status = 'invoiced';
  o.invoiceNo = invoice.invoiceNo;
  o.modifiedAt = books.clock.stamp();
  return invoice;
}

/** Bills a month's cylinder rental for a customer's current holdings. */
export function postRentalInvoice(books: TimsBooks, customerCode: string): InvoiceRow {
  const customer = books.customers.get(customerCode);
  if (!customer) throw new BridgeError(404, 'not_found', `no customer ${customerCode}`);
  const held = [...books.cylinders.values()].filter((c) => c.customerCode === customerCode && c.count > 0);
  if (!held.length) throw new BridgeError(409, 'validation_failed', `customer ${customerCode} holds no cylinders`, 'customerCode');
  const today = books.clock.today();
  return addInvoice(books, {
    customerCode,
    orderNo: null,
    kind: 'rental',
    invoiceDate: today,
    dueDate: addDays(today, termsDays(customer.terms)),
    lines: held.map((c) => ({ itemCode: 'RENT-CYL', description: `Cylinder rental ${c.gasType} ${c.size}`, quantity: c.count, amount: money(new Decimal(c.rentalRate).mul(c.count)) })),
  });
}

/** Adds an open invoice and stamps the customer. */
export function addInvoice(books: TimsBooks, input: Omit<InvoiceRow, 'invoiceNo' | 'total' | 'balanceDue' | 'status' | 'paidDate' | 'modifiedAt'>): InvoiceRow {
  const total = money(input.lines.reduce((s, l) => s.add(l.amount), new Decimal(0)));
  const invoice: InvoiceRow = { ...input, invoiceNo: `IN-${books.next('invoice', 300412)}`, total, balanceDue: total, status: 'open', paidDate: null, modifiedAt: books.clock.stamp() };
  books.invoices.set(invoice.invoiceNo, invoice);
  books.touchCustomer(input.customerCode);
  return invoice;
}

/** Receives a payment and applies it to the named invoice, else to the oldest open ones. */
export function receivePayment(books: TimsBooks, input: { customerCode: string; amount: string; method?: PaymentRow['method']; reference?: string | null; invoiceNo?: string; receivedDate?: string }): PaymentRow {
  if (!books.customers.has(input.customerCode)) throw new BridgeError(404, 'not_found', `no customer ${input.customerCode}`);
  let left = new Decimal(input.amount);
  if (!left.isPositive()) throw new BridgeError(422, 'validation_failed', 'a payment must be positive', 'amount');
  const open = [...books.invoices.values()]
    .filter((i) => i.customerCode === input.customerCode && i.status !== 'paid' && (!input.invoiceNo || i.invoiceNo === input.invoiceNo))
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.invoiceNo.localeCompare(b.invoiceNo));
  if (input.invoiceNo && !open.length) throw new BridgeError(409, 'validation_failed', `invoice ${input.invoiceNo} is not open for ${input.customerCode}`, 'invoiceNo');
  const receivedDate = input.receivedDate ?? books.clock.today();
  const appliedTo: PaymentRow['appliedTo'] = [];
  for (const inv of open) {
    if (!left.isPositive()) break;
    const applied = Decimal.min(left, inv.balanceDue);
    inv.balanceDue = money(new Decimal(inv.balanceDue).sub(applied));
    left = left.sub(applied);
    if (new Decimal(inv.balanceDue).isZero()) {
      inv.status = 'paid';
      inv.paidDate = receivedDate;
    }
    inv.modifiedAt = books.clock.stamp();
    appliedTo.push({ invoiceNo: inv.invoiceNo, amount: money(applied) });
  }
  const payment: PaymentRow = { paymentId: `PMT-${books.next('payment', 70021)}`, customerCode: input.customerCode, receivedDate, amount: money(input.amount), method: input.method ?? 'check', reference: input.reference ?? null, appliedTo, modifiedAt: books.clock.stamp() };
  books.payments.set(payment.paymentId, payment);
  books.touchCustomer(input.customerCode);
  return payment;
}

/** The nightly aging: open invoices past due become overdue (stamped, with their customers). */
export function ageInvoices(books: TimsBooks): string[] {
  const today = books.clock.today();
  const aged: string[] = [];
  for (const inv of books.invoices.values()) {
    if (inv.status !== 'open' || inv.dueDate >= today) continue;
    inv.status = 'overdue';
    inv.modifiedAt = books.clock.stamp();
    books.touchCustomer(inv.customerCode);
    aged.push(inv.invoiceNo);
  }
  return aged;
}

/** Cylinders delivered to (positive count) or returned from (negative) a customer's location. */
export function moveCylinders(books: TimsBooks, input: { customerCode: string; locationId?: string; gasType: string; size: string; count: number }): CylinderRow {
  if (!books.customers.has(input.customerCode)) throw new BridgeError(404, 'not_found', `no customer ${input.customerCode}`);
  const locationId = input.locationId ?? books.locationsOf(input.customerCode)[0]?.locationId;
  if (!locationId) throw new BridgeError(409, 'validation_failed', `customer ${input.customerCode} has no location`, 'locationId');
  if (!Number.isInteger(input.count) || input.count === 0) throw new BridgeError(422, 'validation_failed', 'count must be a non-zero whole number', 'count');
  const key = cylinderKey(input.customerCode, locationId, input.gasType, input.size);
  const today = books.clock.today();
  const row = books.cylinders.get(key) ?? { balanceId: key, customerCode: input.customerCode, locationId, gasType: input.gasType, size: input.size, count: 0, rentalRate: RENTAL_RATES[input.size] ?? DEFAULT_RENTAL, lastDeliveryDate: null, lastReturnDate: null, modifiedAt: '' };
  if (row.count + input.count < 0) throw new BridgeError(409, 'validation_failed', `${input.customerCode} holds ${row.count} ${input.gasType} ${input.size}, cannot return ${-input.count}`, 'count');
  row.count += input.count;
  if (input.count > 0) row.lastDeliveryDate = today;
  else row.lastReturnDate = today;
  row.modifiedAt = books.clock.stamp();
  books.cylinders.set(key, row);
  books.touchCustomer(input.customerCode);
  return row;
}
