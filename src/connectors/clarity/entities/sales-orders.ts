/** Sales orders; their workflow (Confirm, Ship, Complete...) runs through the state routes, written as `Action`. */
import type { Fields } from '../../../core/json.js';
import { STATUS_FIELDS, type CefEntityDef, type EntityContext } from './common.js';
import { SALES_COLLECTION_FIELDS } from './carts.js';

/** CEF's default sales-order status keys. */
export const SALES_ORDER_STATUSES = ['Pending', 'On Hold', 'Confirmed', 'Backordered', 'Split', 'Partial Payment Received', 'Full Payment Received', 'Processing', 'Shipped', 'Shipped from Vendor', 'Ready for Pickup', 'Completed', 'Void'];

/** Ordering/SalesOrder. */
export const salesOrderEntity: CefEntityDef = {
  name: 'SalesOrder',
  area: 'Ordering',
  plural: 'SalesOrders',
  label: 'Sales order',
  writable: true,
  findBy: ['UserID', 'AccountID', 'StatusKey'],
  fields: [
    ...SALES_COLLECTION_FIELDS,
    ...STATUS_FIELDS(SALES_ORDER_STATUSES),
    { name: 'StateKey', type: 'string', readOnly: true, description: 'WORK or HISTORY' },
    { name: 'PurchaseOrderNumber', type: 'string' },
    { name: 'TrackingNumber', type: 'string' },
    { name: 'ShipmentID', type: 'reference', references: 'Shipment', readOnly: true },
    { name: 'ActualShipDate', type: 'datetime', readOnly: true },
    { name: 'OrderApprovedDate', type: 'datetime', readOnly: true },
    { name: 'ActionTrackingNumber', type: 'string', description: 'Write-only: the tracking number sent with Action Ship' },
    { name: 'Action', type: 'picklist', enum: ['Confirm', 'Pending', 'Hold', 'CreatePickTicket', 'Ship', 'Complete', 'Void'], description: 'Write-only: runs this workflow route (PATCH /Ordering/SalesOrder/{Action}/{ID}) after the other fields' },
  ],
  writeOnly: ['Action', 'ActionTrackingNumber'],
  async afterWrite(ctx: EntityContext, id: string, values: Fields, recordKey: string | undefined): Promise<void> {
    const action = String(values.Action);
    const json = values.ActionTrackingNumber ? { TrackingNumber: String(values.ActionTrackingNumber) } : undefined;
    await ctx.client.action({ method: 'PATCH', path: `/Ordering/SalesOrder/${encodeURIComponent(action)}/${id}`, json, recordKey: recordKey ?? id, fields: ['Action', 'StatusKey', 'TrackingNumber'] });
  },
};
