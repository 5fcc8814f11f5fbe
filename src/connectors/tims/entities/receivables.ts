/**
 * TIMS receivables, read-only: invoices (sale and cylinder rental; open, overdue, paid), payments
 * (with the invoices they pay) and statements. Invoices and payments carry the customer's name and
 * e-mail, so a marketing flow can reach the buyer without a second lookup.
 */
import type { EntitySpec } from '../../../core/connector.js';
import type { EntityHandler } from '../../shared/entities.js';
import type { BridgeRecord } from '../client.js';
import { day, derived, money, pollList, stamp, text, toRecord, withCustomer, readOnlyFields, type EntityDeps } from './shared.js';

const customerFields = () => [derived(text('customerName', 40)), derived({ name: 'email', type: 'email' as const, description: "The customer's e-mail" })];

export const invoiceSpec: EntitySpec = {
  name: 'invoice',
  label: 'Invoice',
  idField: 'invoiceNo',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes', 'get'],
  fields: readOnlyFields([
    text('invoiceNo', 12),
    text('customerCode', 10),
    text('orderNo', 12),
    { name: 'kind', type: 'picklist', enum: ['sale', 'rental'] },
    day('invoiceDate'),
    day('dueDate'),
    money('total'),
    money('balanceDue'),
    { name: 'status', type: 'picklist', enum: ['open', 'overdue', 'paid'] },
    { name: 'lines', type: 'array' },
    day('paidDate'),
    stamp('modifiedAt'),
    ...customerFields(),
  ]),
};

export const paymentSpec: EntitySpec = {
  name: 'payment',
  label: 'Payment',
  idField: 'paymentId',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes'],
  fields: readOnlyFields([
    text('paymentId', 16),
    text('customerCode', 10),
    day('receivedDate'),
    money('amount'),
    { name: 'method', type: 'picklist', enum: ['check', 'ach', 'card', 'cash'] },
    text('reference', 30),
    { name: 'appliedTo', type: 'array', description: 'invoiceNo and amount of each invoice paid' },
    stamp('modifiedAt'),
    ...customerFields(),
  ]),
};

export const statementSpec: EntitySpec = {
  name: 'statement',
  label: 'Statement',
  idField: 'statementId',
  updatedField: 'modifiedAt',
  operations: ['read', 'changes'],
  fields: readOnlyFields([
    text('statementId'),
    text('customerCode', 10),
    day('statementDate'),
    money('openingBalance'),
    money('closingBalance'),
    money('rentalCharges'),
    { name: 'aging', type: 'object', description: 'current, days30, days60, days90' },
    stamp('modifiedAt'),
  ]),
};

/** The invoice entity. */
export function invoiceHandler(deps: EntityDeps): EntityHandler {
  const enrich = (rows: BridgeRecord[]) => withCustomer(deps, rows);
  return {
    spec: invoiceSpec,
    readChanges: (since, options) => pollList(deps, { path: '/invoices', entity: 'invoice', key: (r) => String(r.invoiceNo), enrich }, since, options),
    async get(id) {
      const row = await deps.client.find(`/invoices/${encodeURIComponent(id)}`);
      return row ? toRecord('invoice', id, (await enrich([row]))[0]) : null;
    },
  };
}

/** The payment entity. */
export function paymentHandler(deps: EntityDeps): EntityHandler {
  return {
    spec: paymentSpec,
    readChanges: (since, options) => pollList(deps, { path: '/payments', entity: 'payment', key: (r) => String(r.paymentId), enrich: (rows) => withCustomer(deps, rows) }, since, options),
  };
}

/** The statement entity. */
export function statementHandler(deps: EntityDeps): EntityHandler {
  return {
    spec: statementSpec,
    readChanges: (since, options) => pollList(deps, { path: '/statements', entity: 'statement', key: (r) => String(r.statementId) }, since, options),
  };
}

