/**
 * IM_ItemWarehouse: stock per item and warehouse, id `ItemCode|WarehouseCode`. The table carries no
 * change stamp of its own, so changes are polled through the item's CI_Item DateUpdated/TimeUpdated
 * (Sage updates the item when its quantities move); the stamp of a stock row is its item's.
 */
import { Decimal } from 'decimal.js';
import type { EntitySpec } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { OdbcRow } from '../odbc-client.js';
import { date, dec, normalise, str, type EntityModule } from './entity.js';

/** IM_ItemWarehouse as Syncline sees it (read only). */
export const itemWarehouseSpec: EntitySpec = {
  name: 'IM_ItemWarehouse',
  label: 'Stock by warehouse',
  idField: 'id',
  updatedField: 'ItemDateUpdated',
  operations: ['read', 'changes', 'get', 'find'],
  fields: [
    str('ItemCode', 30), str('WarehouseCode', 3),
    dec('QuantityOnHand', 4), dec('QuantityOnSalesOrder', 4), dec('QuantityOnBackOrder', 4), dec('QuantityOnPurchaseOrder', 4),
    dec('QuantityAvailable', 4, { readOnly: true, description: 'Computed by the connector: on hand less on sales order.' }),
    date('ItemDateUpdated', { readOnly: true }), str('ItemTimeUpdated', 8, { readOnly: true }),
  ],
};

/** Reading stock over ODBC (joined to CI_Item for the stamp). */
export const itemWarehouseEntity: EntityModule = {
  spec: itemWarehouseSpec,
  select:
    'SELECT w.ItemCode, w.WarehouseCode, w.QuantityOnHand, w.QuantityOnSalesOrder, w.QuantityOnBackOrder, w.QuantityOnPurchaseOrder, ' +
    'i.DateUpdated AS ItemDateUpdated, i.TimeUpdated AS ItemTimeUpdated FROM IM_ItemWarehouse w, CI_Item i WHERE w.ItemCode = i.ItemCode',
  dateColumn: 'i.DateUpdated',
  stampOf: (row) => ({ date: row.ItemDateUpdated, time: row.ItemTimeUpdated }),
  idOf: (row) => `${row.ItemCode}|${row.WarehouseCode}`,
  column: (field) => (field.startsWith('Item') && field !== 'ItemCode' ? `i.${field.slice(4)}` : `w.${field}`),
  whereId(id) {
    const i = id.lastIndexOf('|');
    if (i <= 0) throw new SyncError('invalid_data', `Sage 100 stock id "${id}" is not of the form <ItemCode>|<WarehouseCode>`, { system: 'sage100', field: 'id', value: id });
    return { sql: 'w.ItemCode = ? AND w.WarehouseCode = ?', params: [id.slice(0, i), id.slice(i + 1)] };
  },
  toData: async (rows: OdbcRow[]) =>
    rows.map((r) => {
      const data = normalise(r, itemWarehouseSpec.fields);
      const avail = new Decimal(String(data.QuantityOnHand ?? 0)).sub(String(data.QuantityOnSalesOrder ?? 0));
      return { ...data, QuantityAvailable: avail.toFixed(4) };
    }),
};
