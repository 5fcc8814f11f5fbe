/** Every entity of the Clarity connector, in one table. */
import type { EntityTable } from '../../shared/entities.js';
import { accountEntity } from './accounts.js';
import { abandonedCartEntity, cartEntity } from './carts.js';
import { cefEntity, type CefEntityDef, type EntityContext } from './common.js';
import { contactEntity } from './contacts.js';
import { cartEventEntity, salesOrderEventEntity } from './events.js';
import { inventoryEntity } from './inventory.js';
import { salesInvoiceEntity } from './invoices.js';
import { productEntity } from './products.js';
import { salesOrderEntity } from './sales-orders.js';
import { shipmentEntity } from './shipments.js';
import { userEntity } from './users.js';

/** The declarations, in the order the console lists them. */
export const ENTITY_DEFS: readonly CefEntityDef[] = [
  userEntity,
  contactEntity,
  accountEntity,
  productEntity,
  inventoryEntity,
  cartEntity,
  abandonedCartEntity,
  cartEventEntity,
  salesOrderEntity,
  salesOrderEventEntity,
  shipmentEntity,
  salesInvoiceEntity,
];

/** The handler table of one connection. */
export function entityTable(ctx: EntityContext): EntityTable {
  return Object.fromEntries(ENTITY_DEFS.map((d) => [d.name, cefEntity(d, ctx)]));
}
