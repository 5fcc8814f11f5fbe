/**
 * What the shop does by itself or when a shopper or an admin acts: carts filled and left idle until
 * they age to Abandoned, carts converted to sales orders, orders moved through CEF's workflow routes
 * (Confirm, Hold, CreatePickTicket, Ship, Complete, Void) with shipments, tracking numbers, invoices
 * and stock kept in step. Every status change goes through ShopState.update, so each writes its event row.
 */
import { randomUUID } from 'node:crypto';
import { ActionFailure, ValidationFailure, type ShopState } from './state.js';
import type { Row } from './model.js';

/** One line a shopper puts in a cart. */
export interface CartLine {
  /** Product CustomKey (the SKU). */
  sku: string;
  quantity: number;
}

/** The workflow actions on a sales order (the PATCH routes of SalesOrderService.StateChanges). */
export type OrderAction = 'Confirm' | 'Pending' | 'Hold' | 'CreatePickTicket' | 'Ship' | 'Complete' | 'Void';

/** From which statuses each action is allowed, and the status it leads to. */
const TRANSITIONS: Record<OrderAction, { from: readonly string[]; to: string }> = {
  Confirm: { from: ['Pending', 'On Hold'], to: 'Confirmed' },
  Pending: { from: ['On Hold'], to: 'Pending' },
  Hold: { from: ['Pending', 'Confirmed', 'Processing'], to: 'On Hold' },
  CreatePickTicket: { from: ['Confirmed'], to: 'Processing' },
  Ship: { from: ['Confirmed', 'Processing'], to: 'Shipped' },
  Complete: { from: ['Shipped'], to: 'Completed' },
  Void: { from: ['Pending', 'On Hold', 'Confirmed', 'Processing'], to: 'Void' },
};

/** Every order action name. */
export const ORDER_ACTIONS = Object.keys(TRANSITIONS) as OrderAction[];

const STATE_IDS: Record<string, number> = { WORK: 1, HISTORY: 2 };
const CARRIERS = ['UPS', 'FedEx', 'USPS'];

/** The shop's behaviour over its state. */
export class Shop {
  /** Idle time after which a New cart with items becomes Abandoned. */
  abandonAfterMs: number;

  constructor(
    readonly state: ShopState,
    abandonAfterMs: number,
  ) {
    this.abandonAfterMs = abandonAfterMs;
  }

  /** A shopper (a user id, or none for an anonymous visitor) puts lines in a cart: their open cart, or a new one. A cart touched again is New again. */
  fillCart(userId: number | null, lines: CartLine[], cartId?: number): Row {
    const user = userId === null ? null : this.state.get('User', userId);
    if (userId !== null && !user) throw new ActionFailure([`User ${userId} not found`]);
    const items = lines.map((l, i) => this.salesItem(l, i));
    let cart = cartId !== undefined ? this.state.get('Cart', cartId) : userId !== null ? this.state.rows('Cart').find((c) => c.UserID === userId && c.StatusKey !== 'Converted To Order') : undefined;
    if (cart && cart.StatusKey === 'Converted To Order') throw new ActionFailure([`Cart ${String(cart.ID)} was already converted to an order`]);
    const values: Row = { ...this.people(user), ...totals(items), StatusKey: 'New' };
    if (!cart) {
      cart = this.state.insert('Cart', { SessionID: randomUUID(), TypeKey: 'Cart', TypeID: 1, StoreID: 1, SalesItems: [], ...values });
    }
    const withMaster = items.map((it) => ({ ...it, MasterID: cart.ID }));
    return this.state.update('Cart', Number(cart.ID), { ...values, SalesItems: withMaster });
  }

  /** Moves every New cart with items idle longer than the abandon time to Abandoned; returns those carts. */
  sweepAbandoned(): Row[] {
    const now = this.state.clock.nowMs();
    const out: Row[] = [];
    for (const cart of this.state.rows('Cart')) {
      if (cart.StatusKey !== 'New' || !Array.isArray(cart.SalesItems) || cart.SalesItems.length === 0) continue;
      const touched = Date.parse(String(cart.UpdatedDate ?? cart.CreatedDate));
      if (now - touched >= this.abandonAfterMs) out.push(this.state.update('Cart', Number(cart.ID), { StatusKey: 'Abandoned' }));
    }
    return out;
  }

  /** Marks one cart Abandoned now, whatever its idle time. */
  abandon(cartId: number): Row {
    const cart = this.cart(cartId);
    if (cart.StatusKey !== 'New') throw new ActionFailure([`Cart ${cartId} is '${String(cart.StatusKey)}'; only a New cart can be abandoned`]);
    return this.state.update('Cart', cartId, { StatusKey: 'Abandoned' });
  }

  /** Checks a cart out: a Pending sales order with its lines, and the cart Converted To Order. */
  convert(cartId: number, purchaseOrderNumber?: string): Row {
    const cart = this.cart(cartId);
    if (cart.StatusKey === 'Converted To Order') throw new ActionFailure([`Cart ${cartId} was already converted to an order`]);
    if (cart.UserID === null || cart.UserID === undefined) throw new ActionFailure(['An anonymous cart cannot be checked out; sign in first']);
    const items = (cart.SalesItems as Row[]) ?? [];
    if (items.length === 0) throw new ActionFailure([`Cart ${cartId} is empty`]);
    const number = `SO-${String(this.state.rows('SalesOrder').length + 100_045)}`;
    const order = this.state.insert('SalesOrder', {
      CustomKey: number,
      UserID: cart.UserID,
      AccountID: cart.AccountID ?? null,
      UserUserName: cart.UserUserName,
      UserContactEmail: cart.UserContactEmail,
      UserContactFirstName: cart.UserContactFirstName,
      UserContactLastName: cart.UserContactLastName,
      StatusKey: 'Pending',
      StateKey: 'WORK',
      StateID: STATE_IDS.WORK,
      PurchaseOrderNumber: purchaseOrderNumber ?? null,
      TrackingNumber: null,
      ShipmentID: null,
      SalesItems: [],
      ...totals(items),
      OriginalDate: this.state.clock.iso(),
      SerializableAttributes: { CartID: cart.ID },
    });
    this.state.update('SalesOrder', Number(order.ID), { SalesItems: items.map((it) => ({ ...it, MasterID: order.ID })) });
    // A new order's first event: no old status (the row CEF writes when an order is created).
    this.state.recordEvent('SalesOrder', null, this.state.get('SalesOrder', Number(order.ID))!);
    this.state.update('Cart', cartId, { StatusKey: 'Converted To Order' });
    return this.state.get('SalesOrder', Number(order.ID))!;
  }

  /** Runs one workflow action on an order; refused (ActionSucceeded false) when its status does not allow it. */
  orderAction(orderId: number, action: OrderAction, options: { trackingNumber?: string; carrier?: string } = {}): Row {
    const order = this.state.get('SalesOrder', orderId);
    if (!order) throw new ValidationFailure([{ ErrorCode: 'NotFound', FieldName: 'ID', Message: `SalesOrder ${orderId} not found` }], 404);
    const t = TRANSITIONS[action];
    if (!t.from.includes(String(order.StatusKey))) {
      throw new ActionFailure([`Sales order ${String(order.CustomKey)} is '${String(order.StatusKey)}'; ${action} is allowed only from ${t.from.join(', ')}`]);
    }
    const values: Row = { StatusKey: t.to };
    if (action === 'Confirm') values.OrderApprovedDate = this.state.clock.iso();
    if (action === 'Ship') Object.assign(values, this.ship(order, options));
    if (action === 'Complete' || action === 'Void') Object.assign(values, { StateKey: 'HISTORY', StateID: STATE_IDS.HISTORY });
    const updated = this.state.update('SalesOrder', orderId, values);
    if (action === 'Complete') {
      for (const inv of this.state.rows('SalesInvoice').filter((i) => i.SalesOrderID === orderId)) this.state.update('SalesInvoice', Number(inv.ID), { StatusKey: 'Paid', BalanceDue: 0 });
      if (updated.ShipmentID) this.state.update('Shipment', Number(updated.ShipmentID), { StatusKey: 'Delivered', DateDelivered: this.state.clock.iso() });
    }
    return updated;
  }

  /**
   * An admin changes a line's quantity on an order not yet confirmed (the storefront's order edit): the
   * totals follow. No status changes, so no event row: the change travels with the order's next event.
   */
  editOrderLine(orderId: number, lineId: number, quantity: number): Row {
    const order = this.state.get('SalesOrder', orderId);
    if (!order) throw new ValidationFailure([{ ErrorCode: 'NotFound', FieldName: 'ID', Message: `SalesOrder ${orderId} not found` }], 404);
    if (!['Pending', 'On Hold'].includes(String(order.StatusKey))) throw new ActionFailure([`Sales order ${String(order.CustomKey)} is '${String(order.StatusKey)}'; its lines can change only while Pending or On Hold`]);
    if (!Number.isInteger(quantity) || quantity <= 0) throw new ActionFailure([`Quantity must be a positive whole number (got ${quantity})`]);
    const items = ((order.SalesItems as Row[]) ?? []).map((it) => ({ ...it }));
    const line = items.find((it) => Number(it.ID) === lineId);
    if (!line) throw new ActionFailure([`Sales order ${String(order.CustomKey)} has no line ${lineId}`]);
    line.Quantity = quantity;
    return this.state.update('SalesOrder', orderId, { SalesItems: items, ...totals(items) });
  }

  private ship(order: Row, options: { trackingNumber?: string; carrier?: string }): Row {
    const carrier = options.carrier ?? CARRIERS[Number(order.ID) % CARRIERS.length];
    const tracking = options.trackingNumber ?? trackingFor(carrier, Number(order.ID));
    const now = this.state.clock.nowMs();
    const shipment = this.state.insert('Shipment', {
      CustomKey: `SH-${String(order.CustomKey)}`,
      SalesOrderID: order.ID,
      TrackingNumber: tracking,
      ShipCarrierKey: carrier,
      ShipDate: new Date(now).toISOString(),
      EstimatedDeliveryDate: new Date(now + 3 * 86_400_000).toISOString(),
      DateDelivered: null,
      StatusKey: 'Shipped',
    });
    this.state.insert('SalesInvoice', {
      CustomKey: `INV-${String(order.CustomKey).replace(/^SO-/, '')}`,
      SalesOrderID: order.ID,
      UserID: order.UserID,
      AccountID: order.AccountID ?? null,
      UserContactEmail: order.UserContactEmail,
      StatusKey: 'Unpaid',
      Total: order.Total,
      BalanceDue: order.Total,
      DueDate: new Date(now + 30 * 86_400_000).toISOString(),
    });
    for (const line of (order.SalesItems as Row[]) ?? []) this.takeStock(Number(line.ProductID), Number(line.Quantity));
    return { TrackingNumber: tracking, ShipmentID: shipment.ID, ActualShipDate: new Date(now).toISOString() };
  }

  /** Takes shipped quantity from the product's locations (the fullest first) and keeps the product's total in step. */
  private takeStock(productId: number, quantity: number): void {
    let left = quantity;
    const rows = this.state.rows('ProductInventoryLocationSection').filter((r) => r.MasterID === productId).sort((a, b) => Number(b.Quantity) - Number(a.Quantity));
    for (const r of rows) {
      if (left <= 0) break;
      const take = Math.min(left, Number(r.Quantity));
      if (take > 0) this.state.update('ProductInventoryLocationSection', Number(r.ID), { Quantity: Number(r.Quantity) - take });
      left -= take;
    }
    syncProductStock(this.state, productId);
  }

  private cart(cartId: number): Row {
    const cart = this.state.get('Cart', cartId);
    if (!cart) throw new ValidationFailure([{ ErrorCode: 'NotFound', FieldName: 'ID', Message: `Cart ${cartId} not found` }], 404);
    return cart;
  }

  private salesItem(line: CartLine, i: number): Row {
    const product = this.state.byKey('Product', line.sku);
    if (!product) throw new ActionFailure([`Product '${line.sku}' not found`]);
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) throw new ActionFailure([`Quantity of '${line.sku}' must be a positive whole number`]);
    const price = Number(product.PriceSale ?? product.PriceBase);
    return {
      ID: i + 1,
      ProductID: product.ID,
      ProductKey: product.CustomKey,
      ProductName: product.Name,
      Sku: product.CustomKey,
      UnitOfMeasure: product.UnitOfMeasure ?? 'EA',
      Quantity: line.quantity,
      QuantityBackOrdered: 0,
      QuantityPreSold: 0,
      UnitCorePrice: Number(product.PriceBase),
      UnitSoldPrice: price,
    };
  }

  private people(user: Row | null | undefined): Row {
    if (!user) return { UserID: null, AccountID: null, UserUserName: null, UserContactEmail: null, UserContactFirstName: null, UserContactLastName: null };
    const contact = user.ContactID ? this.state.get('Contact', Number(user.ContactID)) : undefined;
    return {
      UserID: user.ID,
      AccountID: user.AccountID ?? null,
      UserUserName: user.UserName,
      UserContactEmail: contact?.Email1 ?? user.Email,
      UserContactFirstName: contact?.FirstName ?? null,
      UserContactLastName: contact?.LastName ?? null,
    };
  }
}

/** A product's StockQuantity is the sum of its locations' quantities. */
export function syncProductStock(state: ShopState, productId: number): void {
  const total = state.rows('ProductInventoryLocationSection').filter((r) => r.MasterID === productId).reduce((s, r) => s + Number(r.Quantity), 0);
  const product = state.get('Product', productId);
  if (product && product.StockQuantity !== total) state.update('Product', productId, { StockQuantity: total });
}

/** Cart or order totals from its lines, rounded to cents. */
function totals(items: Row[]): Row {
  const sub = Math.round(items.reduce((s, it) => s + Number(it.UnitSoldPrice) * Number(it.Quantity), 0) * 100) / 100;
  const qty = items.reduce((s, it) => s + Number(it.Quantity), 0);
  return {
    ItemQuantity: qty,
    SubtotalItems: sub,
    SubtotalShipping: 0,
    SubtotalTaxes: 0,
    SubtotalFees: 0,
    SubtotalHandling: 0,
    SubtotalDiscounts: 0,
    Total: sub,
    Totals: { SubTotal: sub, Shipping: 0, Handling: 0, Fees: 0, Discounts: 0, Tax: 0, Total: sub },
  };
}

/** A tracking number shaped like the carrier's. */
function trackingFor(carrier: string, n: number): string {
  const digits = String(100_000_000 + n * 7919).padStart(12, '0');
  if (carrier === 'UPS') return `1Z999AA1${digits.slice(-10)}`;
  if (carrier === 'FedEx') return `7${digits.slice(-11)}`;
  return `9400${digits}`;
}
