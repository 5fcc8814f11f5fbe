/** Carts, and abandoned carts (the same route filtered by `StatusKey=Abandoned`, as integrators poll them). */
import { stampMs, STATUS_FIELDS, type CefEntityDef, type EntityContext } from './common.js';
import type { CefRow } from '../client.js';
import type { FieldSpec } from '../../../core/connector.js';

const CART_STATUSES = ['New', 'Abandoned', 'Converted To Order'];

/** The fields of every sales collection (cart, order, invoice). */
export const SALES_COLLECTION_FIELDS: FieldSpec[] = [
  { name: 'UserID', type: 'reference', references: 'User' },
  { name: 'AccountID', type: 'reference', references: 'Account' },
  { name: 'UserUserName', type: 'string', readOnly: true },
  { name: 'UserContactEmail', type: 'email', readOnly: true },
  { name: 'UserContactFirstName', type: 'string', readOnly: true },
  { name: 'UserContactLastName', type: 'string', readOnly: true },
  { name: 'SalesItems', type: 'array', description: 'Lines: ProductID, ProductKey, ProductName, Sku, Quantity, UnitSoldPrice...' },
  { name: 'ItemQuantity', type: 'number', readOnly: true },
  { name: 'SubtotalItems', type: 'decimal', scale: 2, readOnly: true },
  { name: 'Total', type: 'decimal', scale: 2, readOnly: true },
  { name: 'Totals', type: 'object', readOnly: true },
];

const cartFields: FieldSpec[] = [
  { name: 'SessionID', type: 'string', description: 'The storefront session (Guid); recovery links restore the cart by it' },
  { name: 'TypeKey', type: 'string', description: 'Cart, Wish List, Favorites List...' },
  ...SALES_COLLECTION_FIELDS,
  ...STATUS_FIELDS(CART_STATUSES),
];

/** Shopping/Cart. */
export const cartEntity: CefEntityDef = {
  name: 'Cart',
  area: 'Shopping',
  plural: 'Carts',
  label: 'Cart',
  writable: true,
  findBy: ['UserID', 'StatusKey', 'SessionID'],
  fields: cartFields,
};

/**
 * Which process sets Abandoned differs between sites: with `cartIdleMinutes`, a New cart with items
 * and a signed-in shopper, untouched that long, is produced too, stamped when it crossed the idle
 * time (`AbandonedBy: idle`), so it is produced once, as soon as it qualifies.
 */
async function* abandonedRows(ctx: EntityContext, fromMs: number | null, signal?: AbortSignal): AsyncGenerator<CefRow> {
  const since = (ms: number | null): Record<string, string> => (ms === null ? {} : { ModifiedSince: new Date(ms).toISOString() });
  for await (const row of ctx.client.search('/Shopping/Carts', { StatusKey: 'Abandoned', ...since(fromMs) }, signal)) yield { ...row, AbandonedBy: 'status' };
  if (ctx.cartIdleMs <= 0) return;
  const now = ctx.now();
  for await (const row of ctx.client.search('/Shopping/Carts', { StatusKey: 'New', ...since(fromMs === null ? null : fromMs - ctx.cartIdleMs) }, signal)) {
    const touched = stampMs(row);
    if (touched === null || row.UserID === null || row.UserID === undefined) continue;
    if (!Array.isArray(row.SalesItems) || row.SalesItems.length === 0 || touched + ctx.cartIdleMs > now) continue;
    // Stamped when it crossed the idle time, so polling places it after the last read.
    yield { ...row, AbandonedBy: 'idle', UpdatedDate: new Date(touched + ctx.cartIdleMs).toISOString() };
  }
}

/** Carts whose status is Abandoned (polled with `StatusKey=Abandoned&ModifiedSince=...`), and idle carts when the setting asks. */
export const abandonedCartEntity: CefEntityDef = {
  name: 'AbandonedCart',
  routeName: 'Cart',
  area: 'Shopping',
  plural: 'Carts',
  label: 'Abandoned cart',
  writable: false,
  findBy: ['UserID'],
  baseFilter: { StatusKey: 'Abandoned' },
  fields: [...cartFields, { name: 'AbandonedBy', type: 'string', readOnly: true, description: 'status (the shop marked it) or idle (cartIdleMinutes)' }],
  changedRows: abandonedRows,
  description: 'Carts in status Abandoned. A cart abandoned, revived and abandoned again between two polls is seen once; use CartEvent when every transition counts.',
};
