/** AR_InvoiceHistory: posted invoices and credit memos (AR_InvoiceHistoryHeader + Detail as `Lines`), id `InvoiceNo-HeaderSeqNo`. */
import { Decimal } from 'decimal.js';
import type { EntitySpec, FieldSpec } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, chunks, customerId, date, dec, groupBy, normalise, str, type EntityModule } from './entity.js';

/** Fields of one invoice line. */
export const invoiceLineFields: FieldSpec[] = [
  str('DetailSeqNo', 6), str('ItemCode', 30), str('ItemCodeDesc', 30), str('WarehouseCode', 3),
  dec('QuantityShipped', 4), dec('UnitPrice', 4), dec('ExtensionAmt', 2),
];

/** AR_InvoiceHistory as Syncline sees it (read only). */
export const invoiceHistorySpec: EntitySpec = {
  name: 'AR_InvoiceHistory',
  label: 'Invoice history',
  idField: 'id',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find'],
  description: 'Posted invoices and credit memos with their lines. Credit memos have InvoiceType CM.',
  fields: [
    str('InvoiceNo', 7), str('HeaderSeqNo', 6), str('ModuleCode', 3, { description: 'A/R, J/C or S/O' }),
    { name: 'InvoiceType', type: 'picklist', maxLength: 2, enum: ['IN', 'CM', 'DM', 'AD', 'FC', 'CA', 'XD'] },
    date('InvoiceDate'), str('SalesOrderNo', 7), str('ARDivisionNo', 2), str('CustomerNo', 20),
    { name: 'CustomerId', type: 'reference', references: 'AR_Customer' },
    str('CustomerPONo', 15), str('BillToName', 30), str('ShipToName', 30), str('ShipToCity', 20), str('ShipToState', 2), str('ShipToZipCode', 10),
    str('SalespersonDivisionNo', 2), str('SalespersonNo', 4), str('TermsCode', 2),
    dec('TaxableSalesAmt', 2), dec('NonTaxableSalesAmt', 2), dec('SalesTaxAmt', 2), dec('FreightAmt', 2),
    dec('InvoiceTotal', 2, { readOnly: true, description: 'Computed by the connector: taxable + non-taxable + tax + freight.' }),
    ...auditFields(),
    date('OrderDate', { description: 'The order date of an S/O invoice.' }),
    { name: 'EmailAddress', type: 'email', maxLength: 250, description: 'Copied from the order; often empty (A/R invoices, credit memos).' },
    { name: 'Lines', type: 'array' },
  ],
};

/** Reading invoice history over ODBC. */
export const invoiceHistoryEntity: EntityModule = {
  spec: invoiceHistorySpec,
  select: 'SELECT * FROM AR_InvoiceHistoryHeader',
  dateColumn: 'DateUpdated',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => `${row.InvoiceNo}-${row.HeaderSeqNo}`,
  whereId(id) {
    const m = /^([^-]+)-(.+)$/.exec(id);
    if (!m) throw new SyncError('invalid_data', `Sage 100 invoice id "${id}" is not of the form <InvoiceNo>-<HeaderSeqNo>`, { system: 'sage100', field: 'id', value: id });
    return { sql: 'InvoiceNo = ? AND HeaderSeqNo = ?', params: [m[1], m[2]] };
  },
  async toData(rows: OdbcRow[], ctx) {
    const lines: OdbcRow[] = [];
    for (const part of chunks([...new Set(rows.map((r) => String(r.InvoiceNo)))], 50)) {
      lines.push(...(await ctx.odbc.query(`SELECT * FROM AR_InvoiceHistoryDetail WHERE InvoiceNo IN (${part.map(() => '?').join(', ')})`, part, 'invoice lines')));
    }
    const byInvoice = groupBy(lines, (l) => `${l.InvoiceNo}-${l.HeaderSeqNo}`);
    return rows.map((row) => {
      const data = normalise(row, invoiceHistorySpec.fields);
      const total = ['TaxableSalesAmt', 'NonTaxableSalesAmt', 'SalesTaxAmt', 'FreightAmt'].reduce((acc, k) => acc.add(String(data[k] ?? 0)), new Decimal(0));
      return {
        ...data,
        CustomerId: customerId(row),
        InvoiceTotal: total.toFixed(2),
        Lines: (byInvoice.get(`${row.InvoiceNo}-${row.HeaderSeqNo}`) ?? [])
          .sort((a, b) => String(a.DetailSeqNo).localeCompare(String(b.DetailSeqNo)))
          .map((l) => normalise(l, invoiceLineFields)),
      };
    });
  },
};
