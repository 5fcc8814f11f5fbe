/**
 * AR_CashReceiptsHistory: posted cash receipts, one row per payment applied to one invoice, id
 * `DepositNo|ARDivisionNo|CustomerNo|CheckNo|InvoiceNo`. Polled by DateUpdated like the other tables.
 */
import type { EntitySpec } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, customerId, date, dec, normalise, str, type EntityModule } from './entity.js';

const KEY = ['DepositNo', 'ARDivisionNo', 'CustomerNo', 'CheckNo', 'InvoiceNo'];

/** AR_CashReceiptsHistory as Syncline sees it (read only). */
export const cashReceiptSpec: EntitySpec = {
  name: 'AR_CashReceiptsHistory',
  label: 'Cash receipt',
  idField: 'id',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find'],
  description: 'Payments received (posted cash receipts), one row per invoice a payment was applied to. Id DepositNo|ARDivisionNo|CustomerNo|CheckNo|InvoiceNo.',
  fields: [
    str('DepositNo', 5), str('ARDivisionNo', 2), str('CustomerNo', 20), { name: 'CustomerId', type: 'reference', references: 'AR_Customer' },
    str('CheckNo', 10), str('InvoiceNo', 7), str('InvoiceType', 2), date('TransactionDate'), str('PaymentType', 5), dec('PostingAmt', 2),
    ...auditFields(),
  ],
};

/** Reading cash receipts over ODBC. */
export const cashReceiptEntity: EntityModule = {
  spec: cashReceiptSpec,
  select: 'SELECT * FROM AR_CashReceiptsHistory',
  dateColumn: 'DateUpdated',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => KEY.map((k) => String(row[k] ?? '').trim()).join('|'),
  whereId(id) {
    const parts = id.split('|');
    if (parts.length !== KEY.length) throw new SyncError('invalid_data', `Sage 100 cash receipt id "${id}" is not of the form ${KEY.join('|')}`, { system: 'sage100', field: 'id', value: id });
    return { sql: KEY.map((k) => `${k} = ?`).join(' AND '), params: parts };
  },
  toData: async (rows: OdbcRow[]) => rows.map((r) => ({ ...normalise(r, cashReceiptSpec.fields), CustomerId: customerId(r) })),
};
