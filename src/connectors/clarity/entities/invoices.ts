/** Sales invoices of shipped orders. */
import { STATUS_FIELDS, type CefEntityDef } from './common.js';

/** Invoicing/SalesInvoice. */
export const salesInvoiceEntity: CefEntityDef = {
  name: 'SalesInvoice',
  area: 'Invoicing',
  plural: 'SalesInvoices',
  label: 'Sales invoice',
  writable: true,
  findBy: ['SalesOrderID', 'UserID', 'AccountID', 'StatusKey'],
  fields: [
    { name: 'SalesOrderID', type: 'reference', references: 'SalesOrder' },
    { name: 'UserID', type: 'reference', references: 'User' },
    { name: 'AccountID', type: 'reference', references: 'Account' },
    { name: 'UserContactEmail', type: 'email', readOnly: true },
    { name: 'Total', type: 'decimal', scale: 2 },
    { name: 'BalanceDue', type: 'decimal', scale: 2 },
    { name: 'DueDate', type: 'datetime' },
    ...STATUS_FIELDS(['Unpaid', 'Partially Paid', 'Paid', 'Void']),
  ],
};
