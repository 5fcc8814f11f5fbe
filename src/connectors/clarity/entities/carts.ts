/** Carts, and abandoned carts (the same route filtered by `StatusKey=Abandoned`, as integrators poll them). */
import { STATUS_FIELDS, type CefEntityDef } from './common.js';
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

/** Carts whose status is Abandoned (polled with `StatusKey=Abandoned&ModifiedSince=...`). */
export const abandonedCartEntity: CefEntityDef = {
  name: 'AbandonedCart',
  routeName: 'Cart',
  area: 'Shopping',
  plural: 'Carts',
  label: 'Abandoned cart',
  writable: false,
  findBy: ['UserID'],
  baseFilter: { StatusKey: 'Abandoned' },
  fields: cartFields,
  description: 'Carts in status Abandoned. A cart abandoned, revived and abandoned again between two polls is seen once; use CartEvent when every transition counts.',
};
