/** SO_SalesOrder: an open sales order (SO_SalesOrderHeader) with its lines (SO_SalesOrderDetail) as `Lines`. */
import type { EntitySpec, FieldSpec } from '../../../core/connector.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, chunks, customerId, date, dec, groupBy, normalise, str, type EntityModule } from './entity.js';

/** Fields of one order line. */
export const salesOrderLineFields: FieldSpec[] = [
  str('LineKey', 6, { readOnly: true }), str('LineSeqNo', 14, { readOnly: true }),
  str('ItemCode', 30, { required: true, references: 'CI_Item' }), str('ItemType', 1, { readOnly: true }), str('ItemCodeDesc', 30),
  str('WarehouseCode', 3), str('UnitOfMeasure', 4),
  dec('QuantityOrdered', 4, { required: true }), dec('QuantityShipped', 4, { readOnly: true }), dec('QuantityBackordered', 4, { readOnly: true }),
  dec('UnitPrice', 4, { description: 'Defaults to the item price when empty.' }), dec('ExtensionAmt', 2, { readOnly: true }), date('PromiseDate'),
];

const address = (prefix: string): FieldSpec[] => [
  str(`${prefix}Name`, 30), str(`${prefix}Address1`, 30), str(`${prefix}Address2`, 30), str(`${prefix}Address3`, 30),
  str(`${prefix}City`, 20), str(`${prefix}State`, 2), str(`${prefix}ZipCode`, 10), str(`${prefix}CountryCode`, 3),
];

/** SO_SalesOrder as Syncline sees it. */
export const salesOrderSpec: EntitySpec = {
  name: 'SO_SalesOrder',
  label: 'Sales order',
  idField: 'SalesOrderNo',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'delete'],
  description: 'Open sales orders (header + Lines). An invoiced order leaves this table and appears in AR_InvoiceHistory.',
  fields: [
    str('SalesOrderNo', 7, { externalId: true, description: 'Generated with GetNextSalesOrderNo when empty on create.' }),
    date('OrderDate'),
    { name: 'OrderType', type: 'picklist', maxLength: 1, enum: ['S', 'B', 'M', 'R', 'Q', 'P'], description: 'S standard, B back order, M master, R repeating, Q quote, P prospect quote.' },
    { name: 'OrderStatus', type: 'picklist', maxLength: 1, enum: ['N', 'O', 'C', 'H'], description: 'N new, O open, C closed, H hold.' },
    date('ShipExpireDate'),
    str('ARDivisionNo', 2, { required: true }), str('CustomerNo', 20, { required: true }),
    { name: 'CustomerId', type: 'reference', references: 'AR_Customer', description: 'ARDivisionNo-CustomerNo; may be given instead of the two on create.' },
    ...address('BillTo'), str('ShipToCode', 4), ...address('ShipTo'),
    str('ShipVia', 15), str('CustomerPONo', 15), str('WarehouseCode', 3), str('Comment', 30), str('TermsCode', 2), str('TaxSchedule', 9),
    str('SalespersonDivisionNo', 2), str('SalespersonNo', 4), { name: 'EmailAddress', type: 'email', maxLength: 250 },
    dec('TaxableAmt', 2, { readOnly: true }), dec('NonTaxableAmt', 2, { readOnly: true }), dec('SalesTaxAmt', 2, { readOnly: true }),
    dec('FreightAmt', 2), dec('DiscountAmt', 2),
    ...auditFields(),
    { name: 'Lines', type: 'array', required: true, description: 'Order lines: ItemCode, QuantityOrdered, UnitPrice, ...' },
  ],
};

/** Reading open orders over ODBC. */
export const salesOrderEntity: EntityModule = {
  spec: salesOrderSpec,
  select: 'SELECT * FROM SO_SalesOrderHeader',
  dateColumn: 'DateUpdated',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => String(row.SalesOrderNo),
  whereId: (id) => ({ sql: 'SalesOrderNo = ?', params: [id] }),
  async toData(rows: OdbcRow[], ctx) {
    const lines: OdbcRow[] = [];
    for (const part of chunks(rows.map((r) => String(r.SalesOrderNo)), 50)) {
      lines.push(...(await ctx.odbc.query(`SELECT * FROM SO_SalesOrderDetail WHERE SalesOrderNo IN (${part.map(() => '?').join(', ')})`, part, 'sales order lines')));
    }
    const byOrder = groupBy(lines, (l) => String(l.SalesOrderNo));
    return rows.map((row) => ({
      ...normalise(row, salesOrderSpec.fields),
      CustomerId: customerId(row),
      Lines: (byOrder.get(String(row.SalesOrderNo)) ?? [])
        .sort((a, b) => String(a.LineSeqNo).localeCompare(String(b.LineSeqNo)))
        .map((l) => normalise(l, salesOrderLineFields)),
    }));
  },
};
