/** Shipments with their carrier tracking numbers. */
import { STATUS_FIELDS, type CefEntityDef } from './common.js';

/** Shipping/Shipment. */
export const shipmentEntity: CefEntityDef = {
  name: 'Shipment',
  area: 'Shipping',
  plural: 'Shipments',
  label: 'Shipment',
  writable: true,
  findBy: ['SalesOrderID', 'StatusKey'],
  fields: [
    { name: 'SalesOrderID', type: 'reference', references: 'SalesOrder', required: true },
    { name: 'TrackingNumber', type: 'string' },
    { name: 'ShipCarrierKey', type: 'string' },
    { name: 'ShipDate', type: 'datetime' },
    { name: 'EstimatedDeliveryDate', type: 'datetime' },
    { name: 'DateDelivered', type: 'datetime' },
    ...STATUS_FIELDS(['Pending', 'Shipped', 'Arrival Scan', 'Delivered']),
  ],
};
