/** CI_Item: the item master, id ItemCode. */
import type { EntitySpec } from '../../../core/connector.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, dec, normalise, str, type EntityModule } from './entity.js';

/** CI_Item as Syncline sees it (read only: eBWS has no item operations). */
export const itemSpec: EntitySpec = {
  name: 'CI_Item',
  label: 'Item',
  idField: 'ItemCode',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find'],
  fields: [
    str('ItemCode', 30, { externalId: true }),
    { name: 'ItemType', type: 'picklist', maxLength: 1, description: '1 regular item; other values are misc, charge and comment items.' },
    str('ItemCodeDesc', 30), str('ProductLine', 4), str('PriceCode', 4),
    { name: 'InactiveItem', type: 'picklist', enum: ['Y', 'N'], maxLength: 1 },
    str('SalesUnitOfMeasure', 4), dec('StandardUnitPrice', 4), dec('StandardUnitCost', 4), dec('TotalQuantityOnHand', 4),
    str('DefaultWarehouseCode', 3), str('Category1', 10), str('Category2', 10), str('Category3', 10), str('Category4', 10),
    ...auditFields(),
  ],
};

/** Reading items over ODBC. */
export const itemEntity: EntityModule = {
  spec: itemSpec,
  select: 'SELECT * FROM CI_Item',
  dateColumn: 'DateUpdated',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => String(row.ItemCode),
  whereId: (id) => ({ sql: 'ItemCode = ?', params: [id] }),
  toData: async (rows: OdbcRow[]) => rows.map((r) => normalise(r, itemSpec.fields)),
};
