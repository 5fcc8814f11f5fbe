/**
 * Stock by location (ProductInventoryLocationSection): one row per product and location section.
 * Each record also carries its product's stock over every location (`ProductStockQuantity`,
 * `StockByLocation` "EAST-A1:300; WEST-B2:40"), so a change at one location can update the product's
 * per-location figures in one write.
 */
import type { SourceRecord } from '../../../core/connector.js';
import type { CefRow } from '../client.js';
import type { CefEntityDef, EntityContext } from './common.js';

/** Sibling rows of the products of `records`, one search per product. */
async function withProductStock(ctx: EntityContext, records: SourceRecord[], signal?: AbortSignal): Promise<SourceRecord[]> {
  const byProduct = new Map<string, CefRow[]>();
  for (const master of new Set(records.map((r) => String(r.data.MasterID)))) {
    const rows: CefRow[] = [];
    for await (const row of ctx.client.search('/Inventory/ProductInventoryLocationSections', { MasterID: master }, signal)) rows.push(row);
    byProduct.set(master, rows.sort((a, b) => String(a.SlaveKey ?? a.SlaveID).localeCompare(String(b.SlaveKey ?? b.SlaveID))));
  }
  return records.map((r) => {
    const rows = byProduct.get(String(r.data.MasterID)) ?? [];
    const total = rows.reduce((s, x) => s + (Number(x.Quantity) || 0), 0);
    const byLocation = rows.map((x) => `${String(x.SlaveKey ?? x.SlaveID)}:${Number(x.Quantity) || 0}`).join('; ');
    return { ...r, data: { ...r.data, ProductStockQuantity: total, StockByLocation: byLocation } };
  });
}

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
    { name: 'ProductStockQuantity', type: 'number', readOnly: true, description: "The product's stock over every location (read by Syncline)" },
    { name: 'StockByLocation', type: 'string', readOnly: true, description: 'Every location of the product as "KEY:quantity; …" (read by Syncline)' },
  ],
  withRelated: withProductStock,
};
