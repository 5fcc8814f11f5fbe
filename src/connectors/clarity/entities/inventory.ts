/** Stock by location (ProductInventoryLocationSection): one row per product and location section. */
import type { CefEntityDef } from './common.js';

/** Inventory/ProductInventoryLocationSection. */
export const inventoryEntity: CefEntityDef = {
  name: 'ProductInventoryLocationSection',
  area: 'Inventory',
  plural: 'ProductInventoryLocationSections',
  label: 'Stock by location',
  writable: true,
  findBy: ['MasterID', 'SlaveID'],
  fields: [
    { name: 'MasterID', type: 'reference', references: 'Product', required: true, description: 'The product' },
    { name: 'MasterKey', type: 'string', readOnly: true, description: "The product's CustomKey (SKU)" },
    { name: 'SlaveID', type: 'integer', required: true, description: 'The location section' },
    { name: 'SlaveKey', type: 'string', readOnly: true, description: "The location section's key" },
    { name: 'SlaveName', type: 'string', readOnly: true },
    { name: 'Quantity', type: 'number' },
    { name: 'QuantityAllocated', type: 'number' },
    { name: 'QuantityPreSold', type: 'number' },
    { name: 'QuantityBroken', type: 'number' },
  ],
};
