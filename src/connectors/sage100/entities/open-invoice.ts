/**
 * AR_OpenInvoice: what customers still owe, one row per open invoice, credit memo or unapplied cash,
 * id `01-ABF|InvoiceNo|InvoiceType`. Its Balance falls as cash is applied, which stamps the row.
 */
import type { EntitySpec } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, customerId, date, dec, normalise, parseCustomerId, str, type EntityModule } from './entity.js';

/** AR_OpenInvoice as Syncline sees it (read only). */
export const openInvoiceSpec: EntitySpec = {
  name: 'AR_OpenInvoice',
  label: 'Open invoice',
  idField: 'id',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find'],
  description: 'Open receivables per customer; Balance is what is still due (negative for credits). Id 01-ABF|InvoiceNo|InvoiceType.',
  fields: [
    str('ARDivisionNo', 2), str('CustomerNo', 20), { name: 'CustomerId', type: 'reference', references: 'AR_Customer' },
    str('InvoiceNo', 7), str('InvoiceType', 2), date('InvoiceDate'), date('InvoiceDueDate'), str('TermsCode', 2), str('CustomerPONo', 15),
    dec('InvoiceAmt', 2), dec('Balance', 2),
    ...auditFields(),
  ],
};

/** Reading open invoices over ODBC. */
export const openInvoiceEntity: EntityModule = {
  spec: openInvoiceSpec,
  select: 'SELECT * FROM AR_OpenInvoice',
  dateColumn: 'DateUpdated',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => `${customerId(row)}|${String(row.InvoiceNo ?? '').trim()}|${String(row.InvoiceType ?? '').trim()}`,
  whereId(id) {
    const parts = id.split('|');
    if (parts.length !== 3) throw new SyncError('invalid_data', `Sage 100 open invoice id "${id}" is not of the form <ARDivisionNo>-<CustomerNo>|<InvoiceNo>|<InvoiceType>`, { system: 'sage100', field: 'id', value: id });
    const k = parseCustomerId(parts[0]);
    return { sql: 'ARDivisionNo = ? AND CustomerNo = ? AND InvoiceNo = ? AND InvoiceType = ?', params: [k.ARDivisionNo, k.CustomerNo, parts[1], parts[2]] };
  },
  toData: async (rows: OdbcRow[]) => rows.map((r) => ({ ...normalise(r, openInvoiceSpec.fields), CustomerId: customerId(r) })),
};
