/**
 * The tables the emulated Clarity eCommerce (CEF) Admin API serves, as the framework's generated
 * services name them: each entity lives under an area (`/Contacts/Users`, `/Ordering/SalesOrders`)
 * with a plural search route and singular CRUD routes. Status keys and their ids follow CEF's
 * DefaultData.cs.
 */

/** One stored row, PascalCase as the API serialises it. */
export type Row = Record<string, unknown>;

/** One table of the emulated shop. */
export interface TableDef {
  /** Singular entity name (`User`, `SalesOrder`), used in the CRUD routes. */
  name: string;
  /** Service area (`Contacts`, `Ordering`). */
  area: string;
  /** Plural name used by the search route (`Users`). */
  plural: string;
  /** Permission prefix checked by the routes (`Contacts.User` → `.View`, `.Create`, `.Update`, `.Deactivate`). */
  permission: string;
  /** Fields a Create must carry; a missing one is a ServiceStack validation error naming it. */
  required: readonly string[];
  /** Status keys in id order (status id = index + 1), for status-bearing entities. */
  statuses?: readonly string[];
  /** Event tables are written by the shop itself and only searched. */
  readOnly?: boolean;
  /** First id handed out, so ids look like a live shop's. */
  firstId: number;
}

/** CEF's default SalesOrderStatus keys (DefaultData.cs). */
export const SALES_ORDER_STATUSES = [
  'Pending', 'On Hold', 'Confirmed', 'Backordered', 'Split', 'Partial Payment Received', 'Full Payment Received',
  'Processing', 'Shipped', 'Shipped from Vendor', 'Ready for Pickup', 'Completed', 'Void',
] as const;
/** CEF's CartStatus keys. */
export const CART_STATUSES = ['New', 'Abandoned', 'Converted To Order'] as const;
/** Shipment statuses the emulator uses. */
export const SHIPMENT_STATUSES = ['Pending', 'Shipped', 'Arrival Scan', 'Delivered'] as const;
/** Invoice statuses the emulator uses. */
export const INVOICE_STATUSES = ['Unpaid', 'Partially Paid', 'Paid', 'Void'] as const;
/** User statuses. */
export const USER_STATUSES = ['Normal', 'Locked Out', 'Pending Approval'] as const;
/** Account statuses. */
export const ACCOUNT_STATUSES = ['Normal', 'Credit Hold', 'Closed'] as const;

/** The shop's stock locations (CEF location sections), by SlaveID. */
export const LOCATIONS: ReadonlyArray<{ ID: number; Key: string; Name: string }> = [
  { ID: 1, Key: 'MAIN-A1', Name: 'Main Warehouse, Aisle 1' },
  { ID: 2, Key: 'WEST-B2', Name: 'West DC, Bay 2' },
];

/** Every table, by singular name. */
export const TABLES: readonly TableDef[] = [
  { name: 'User', area: 'Contacts', plural: 'Users', permission: 'Contacts.User', required: ['UserName', 'Email'], statuses: USER_STATUSES, firstId: 1001 },
  { name: 'Contact', area: 'Contacts', plural: 'Contacts', permission: 'Contacts.Contact', required: ['LastName'], firstId: 2001 },
  { name: 'Account', area: 'Accounts', plural: 'Accounts', permission: 'Accounts.Account', required: ['Name'], statuses: ACCOUNT_STATUSES, firstId: 301 },
  { name: 'Product', area: 'Products', plural: 'Products', permission: 'Products.Product', required: ['CustomKey', 'Name'], firstId: 501 },
  { name: 'ProductInventoryLocationSection', area: 'Inventory', plural: 'ProductInventoryLocationSections', permission: 'Inventory.ProductInventoryLocationSection', required: ['MasterID', 'SlaveID'], firstId: 701 },
  { name: 'Cart', area: 'Shopping', plural: 'Carts', permission: 'Shopping.Cart', required: ['SessionID'], statuses: CART_STATUSES, firstId: 5001 },
  { name: 'CartEvent', area: 'Shopping', plural: 'CartEvents', permission: 'Shopping.CartEvent', required: [], readOnly: true, firstId: 1 },
  { name: 'SalesOrder', area: 'Ordering', plural: 'SalesOrders', permission: 'Ordering.SalesOrder', required: ['UserID'], statuses: SALES_ORDER_STATUSES, firstId: 10001 },
  { name: 'SalesOrderEvent', area: 'Ordering', plural: 'SalesOrderEvents', permission: 'Ordering.SalesOrderEvent', required: [], readOnly: true, firstId: 1 },
  { name: 'Shipment', area: 'Shipping', plural: 'Shipments', permission: 'Shipping.Shipment', required: ['SalesOrderID'], statuses: SHIPMENT_STATUSES, firstId: 20001 },
  { name: 'SalesInvoice', area: 'Invoicing', plural: 'SalesInvoices', permission: 'Invoicing.SalesInvoice', required: ['UserID'], statuses: INVOICE_STATUSES, firstId: 30001 },
];

/** Table by singular name. */
export const TABLE_BY_NAME: ReadonlyMap<string, TableDef> = new Map(TABLES.map((t) => [t.name, t]));

/** The status id of `key` in `table` (1-based, DefaultData order), or undefined when unknown. */
export function statusId(table: TableDef, key: string): number | undefined {
  const i = table.statuses?.indexOf(key) ?? -1;
  return i >= 0 ? i + 1 : undefined;
}
