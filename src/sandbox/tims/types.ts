/**
 * The emulated distributor's records, in the bridge contract's shapes (docs/connectors/tims-contract.yaml).
 * Stored fields only: a customer's figures (balance, cylinders held...) are derived on read (views.ts).
 */

/** A postal address as the contract spells it. */
export interface Address {
  line1: string;
  line2?: string | null;
  city: string;
  state: string;
  postalCode: string;
  country: string;
}

/** A branch; will-call orders are picked up at branches with `willCall`. */
export interface Warehouse {
  warehouseId: string;
  name: string;
  willCall: boolean;
}

/** A customer's master data (figures are derived). */
export interface CustomerRow {
  customerCode: string;
  name: string;
  status: 'active' | 'credit-hold' | 'inactive';
  creditLimit: string;
  terms: string;
  salesperson: string | null;
  email: string | null;
  phone: string | null;
  externalId: string | null;
  billingAddress: Address | null;
  /** Invoiced before the emulated history starts (keeps lifetime sales believable). */
  priorSales: string;
  createdAt: string;
  modifiedAt: string;
}

export interface LocationRow {
  locationId: string;
  customerCode: string;
  name: string;
  address: Address;
  isDefault: boolean;
  warehouseId: string;
  modifiedAt: string;
}

export interface ContactRow {
  contactId: string;
  customerCode: string;
  firstName: string | null;
  lastName: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  modifiedAt: string;
}

export interface PriceLevel {
  level: 'list' | 'level1' | 'level2' | 'level3';
  price: string;
}

export interface ItemRow {
  itemCode: string;
  description: string;
  category: 'gas' | 'hardgoods' | 'welding' | 'safety' | 'rental';
  unit: 'EA' | 'CYL' | 'CF' | 'LB' | 'GAL' | 'BOX' | 'MO';
  hazmat: boolean;
  hazmatClass: string | null;
  unNumber: string | null;
  active: boolean;
  priceLevels: PriceLevel[];
  modifiedAt: string;
}

export interface AvailabilityRow {
  itemCode: string;
  warehouseId: string;
  onHand: number;
  committed: number;
  onOrder: number;
  modifiedAt: string;
}

export type OrderType = 'ship' | 'will-call' | 'quote';
export type OrderStatus = 'open' | 'ready' | 'picked-up' | 'shipped' | 'invoiced' | 'cancelled' | 'expired';

export interface OrderLine {
  lineNo: number;
  itemCode: string;
  quantity: number;
  unitPrice: string;
  extension: string;
}

export interface OrderRow {
  orderNo: string;
  type: OrderType;
  status: OrderStatus;
  customerCode: string;
  locationId: string | null;
  warehouseId: string;
  orderDate: string;
  poNumber: string | null;
  blanketPo: boolean;
  externalId: string | null;
  lines: OrderLine[];
  total: string;
  pickedUpAt: string | null;
  invoiceNo: string | null;
  modifiedAt: string;
}

export interface InvoiceLine {
  itemCode: string;
  description: string;
  quantity: number;
  amount: string;
}

export interface InvoiceRow {
  invoiceNo: string;
  customerCode: string;
  orderNo: string | null;
  kind: 'sale' | 'rental';
  invoiceDate: string;
  dueDate: string;
  total: string;
  balanceDue: string;
  status: 'open' | 'overdue' | 'paid';
  lines: InvoiceLine[];
  paidDate: string | null;
  modifiedAt: string;
}

export interface PaymentRow {
  paymentId: string;
  customerCode: string;
  receivedDate: string;
  amount: string;
  method: 'check' | 'ach' | 'card' | 'cash';
  reference: string | null;
  appliedTo: Array<{ invoiceNo: string; amount: string }>;
  modifiedAt: string;
}

export interface StatementRow {
  statementId: string;
  customerCode: string;
  statementDate: string;
  openingBalance: string;
  closingBalance: string;
  rentalCharges: string;
  aging: { current: string; days30: string; days60: string; days90: string };
  modifiedAt: string;
}

export interface CylinderRow {
  balanceId: string;
  customerCode: string;
  locationId: string;
  gasType: string;
  size: string;
  count: number;
  rentalRate: string;
  lastDeliveryDate: string | null;
  lastReturnDate: string | null;
  modifiedAt: string;
}

/** An error the bridge answers, in the contract's one shape. */
export class BridgeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
