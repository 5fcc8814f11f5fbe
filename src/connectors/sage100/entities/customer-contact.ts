/** AR_CustomerContact: a customer's contacts (read only here), id `01-ABF-<ContactCode>`; found by `CustomerId` to join a customer's people. */
import type { EntitySpec } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { OdbcRow } from '../odbc-client.js';
import { auditFields, customerId, normalise, parseCustomerId, str, type EntityModule } from './entity.js';

/** AR_CustomerContact as Syncline sees it. */
export const customerContactSpec: EntitySpec = {
  name: 'AR_CustomerContact',
  label: 'Customer contact',
  idField: 'id',
  updatedField: 'DateUpdated',
  operations: ['read', 'changes', 'get', 'find'],
  description: "A customer's contacts. Id is ARDivisionNo-CustomerNo-ContactCode; find by CustomerId (01-ABF) lists a customer's contacts.",
  fields: [
    str('ARDivisionNo', 2), str('CustomerNo', 20), { name: 'CustomerId', type: 'reference', references: 'AR_Customer' },
    str('ContactCode', 10), str('ContactName', 30), str('Salutation', 30), str('ContactTitle', 30),
    str('AddressLine1', 30), str('AddressLine2', 30), str('AddressLine3', 30), str('City', 20), str('State', 2), str('ZipCode', 10), str('CountryCode', 3),
    { name: 'TelephoneNo1', type: 'phone', maxLength: 17 }, str('TelephoneExt1', 5), { name: 'TelephoneNo2', type: 'phone', maxLength: 17 }, str('TelephoneExt2', 5),
    { name: 'FaxNo', type: 'phone', maxLength: 17 }, { name: 'EmailAddress', type: 'email', maxLength: 250 }, str('ContactNotes', 250),
    ...auditFields(),
  ],
};

/** Reading contacts over ODBC. */
export const customerContactEntity: EntityModule = {
  spec: customerContactSpec,
  select: 'SELECT * FROM AR_CustomerContact',
  dateColumn: 'DateUpdated',
  stampOf: (row) => ({ date: row.DateUpdated, time: row.TimeUpdated }),
  idOf: (row) => `${customerId(row)}-${String(row.ContactCode ?? '').trim()}`,
  whereId(id) {
    const m = /^(\d{2}-.+)-([^-]+)$/.exec(id.trim());
    if (!m) throw new SyncError('invalid_data', `Sage 100 contact id "${id}" is not of the form <ARDivisionNo>-<CustomerNo>-<ContactCode>`, { system: 'sage100', field: 'id', value: id });
    const k = parseCustomerId(m[1]);
    return { sql: 'ARDivisionNo = ? AND CustomerNo = ? AND ContactCode = ?', params: [k.ARDivisionNo, k.CustomerNo, m[2].toUpperCase()] };
  },
  toData: async (rows: OdbcRow[]) => rows.map((r) => ({ ...normalise(r, customerContactSpec.fields), CustomerId: customerId(r) })),
};
