/** Products: the catalogue, CustomKey = SKU, with prices and the total stock. */
import type { CefEntityDef } from './common.js';

/** Products/Product. */
export const productEntity: CefEntityDef = {
  name: 'Product',
  area: 'Products',
  plural: 'Products',
  label: 'Product',
  writable: true,
  fields: [
    { name: 'Name', type: 'string', required: true, maxLength: 256 },
    { name: 'Description', type: 'text' },
    { name: 'SeoUrl', type: 'string' },
    { name: 'PriceBase', type: 'decimal', scale: 2 },
    { name: 'PriceMsrp', type: 'decimal', scale: 2 },
    { name: 'PriceSale', type: 'decimal', scale: 2 },
    { name: 'StockQuantity', type: 'number', description: 'Total over every location' },
    { name: 'StockQuantityAllocated', type: 'number' },
    { name: 'StockQuantityPreSold', type: 'number' },
    { name: 'IsVisible', type: 'boolean' },
    { name: 'IsDiscontinued', type: 'boolean' },
    { name: 'UnitOfMeasure', type: 'string' },
    { name: 'ManufacturerPartNumber', type: 'string' },
    { name: 'Weight', type: 'number' },
  ],
};
