/** AR_Customer: the customer master, id `01-ABF` (ARDivisionNo-CustomerNo), with lifetime invoice figures attached. */
import type { EntitySpec } from '../../../core/connector.js';
import { customerInvoiceTotals } from '../invoice-totals.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, customerId, date, dec, normalise, parseCustomerId, str, type EntityModule } from './entity.js';

/** AR_Customer as Syncline sees it. */
export const customerSpec: EntitySpec = {
  name: 'AR_Customer',
  label: 'Customer',
  idField: 'id',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert', 'delete'],
  description: 'Customer master. Id is ARDivisionNo-CustomerNo (01-ABF). Written through eBWS, read through ODBC.',
  fields: [
    str('ARDivisionNo', 2, { required: true, description: 'Two-digit division; the connection default is used when empty.' }),
    str('CustomerNo', 20, { externalId: true, description: 'Uppercase; generated with GetNextCustomerNo when empty on create.' }),
    str('CustomerName', 30, { required: true }),
    str('AddressLine1', 30), str('AddressLine2', 30), str('AddressLine3', 30),
    str('City', 20), str('State', 2), str('ZipCode', 10),
    str('CountryCode', 3, { description: "Sage's 3-character code (USA), not ISO-2." }),
    { name: 'TelephoneNo', type: 'phone', maxLength: 17 }, str('TelephoneExt', 5), { name: 'FaxNo', type: 'phone', maxLength: 17 },
    { name: 'EmailAddress', type: 'email', maxLength: 250 }, str('URLAddress', 50), str('ContactCode', 10),
    str('SalespersonDivisionNo', 2, { required: true }), str('SalespersonNo', 4, { required: true, references: 'AR_Salesperson' }),
    str('TermsCode', 2, { required: true, references: 'AR_TermsCode' }), str('TaxSchedule', 9), str('ShipMethod', 15),
    str('PriceLevel', 1), str('CustomerType', 4),
    dec('CreditLimit', 2), { name: 'CreditHold', type: 'picklist', enum: ['Y', 'N'], maxLength: 1 },
    { name: 'CustomerStatus', type: 'picklist', maxLength: 1, description: 'A active, I inactive (values not verified against every Sage version).' },
    date('DateEstablished'),
    ...auditFields(),
    dec('LifetimeSalesAmt', 2, { readOnly: true, description: 'Computed by the connector: net invoiced sales from AR_InvoiceHistoryHeader (credit memos subtracted).' }),
    { name: 'LifetimeInvoiceCount', type: 'integer', readOnly: true, description: 'Computed by the connector: invoices posted (credit memos excluded).' },
    date('FirstInvoiceDate', { readOnly: true, description: 'Computed by the connector.' }),
    date('LastInvoiceDate', { readOnly: true, description: 'Computed by the connector.' }),
    { name: 'CreditMemoCount', type: 'integer', readOnly: true, description: 'Computed by the connector: credit memos posted.' },
    dec('OpenBalance', 2, { readOnly: true, description: 'Computed by the connector: sum of AR_OpenInvoice balances (what the customer still owes).' }),
    date('LastOrderDate', { readOnly: true, description: 'Computed by the connector: latest OrderDate of invoiced and open standard orders.' }),
    date('LastPaymentDate', { readOnly: true, description: 'Computed by the connector: latest AR_CashReceiptsHistory TransactionDate.' }),
  ],
};

/** Reading AR_Customer over ODBC. */
export const customerEntity: EntityModule = {
  spec: customerSpec,
  select: 'SELECT * FROM AR_Customer',
  dateColumn: 'DateUpdated',
  primaryKey: ['ARDivisionNo', 'CustomerNo'],
  stampSelect: 'SELECT DateUpdated, TimeUpdated FROM AR_Customer',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => customerId(row),
  whereId(id) {
    const k = parseCustomerId(id);
    return { sql: 'ARDivisionNo = ? AND CustomerNo = ?', params: [k.ARDivisionNo, k.CustomerNo] };
  },
  async toData(rows: OdbcRow[], ctx) {
    const totals = rows.length ? await customerInvoiceTotals(ctx.odbc, rows.map(customerId)) : new Map();
    return rows.map((row) => {
      const t = totals.get(customerId(row));
      // normalise made a new object: the figures go onto it rather than into another copy.
      const data = normalise(row, customerSpec.fields);
      data.LifetimeSalesAmt = t?.lifetimeSales ?? '0.00';
      data.LifetimeInvoiceCount = t?.invoiceCount ?? 0;
      data.FirstInvoiceDate = t?.firstInvoiceDate ?? null;
      data.LastInvoiceDate = t?.lastInvoiceDate ?? null;
      data.CreditMemoCount = t?.creditMemoCount ?? 0;
      data.OpenBalance = t?.openBalance ?? '0.00';
      data.LastOrderDate = t?.lastOrderDate ?? null;
      data.LastPaymentDate = t?.lastPaymentDate ?? null;
      return data;
    });
  },
};
