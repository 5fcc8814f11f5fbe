/** B2B accounts (companies): the Salesforce Account source, with the dedicated Sage key column. */
import { STATUS_FIELDS, type CefEntityDef } from './common.js';

/** Accounts/Account. */
export const accountEntity: CefEntityDef = {
  name: 'Account',
  area: 'Accounts',
  plural: 'Accounts',
  label: 'Account',
  writable: true,
  findBy: ['StatusKey'],
  fields: [
    { name: 'Name', type: 'string', required: true, maxLength: 128 },
    { name: 'Description', type: 'text' },
    { name: 'TypeKey', type: 'string', description: 'Account type (the B2B segment: Wholesale, Distributor...)' },
    { name: 'Credit', type: 'decimal', scale: 2 },
    { name: 'IsOnHold', type: 'boolean' },
    { name: 'IsTaxable', type: 'boolean' },
    { name: 'TaxExemptionNo', type: 'string' },
    { name: 'SageID', type: 'string', description: 'The Sage customer key of this account' },
    { name: 'SalesmanCode', type: 'string' },
    { name: 'EIN', type: 'string' },
    { name: 'DunsNumber', type: 'string' },
    ...STATUS_FIELDS(['Normal', 'Credit Hold', 'Closed']),
  ],
};
