/** Contacts: names, phones and the address of users and account contacts. */
import type { CefEntityDef } from './common.js';

/** Contacts/Contact. */
export const contactEntity: CefEntityDef = {
  name: 'Contact',
  area: 'Contacts',
  plural: 'Contacts',
  label: 'Contact',
  writable: true,
  findBy: ['Email'],
  fields: [
    { name: 'FirstName', type: 'string' },
    { name: 'MiddleName', type: 'string' },
    { name: 'LastName', type: 'string', required: true },
    { name: 'FullName', type: 'string' },
    { name: 'Email1', type: 'email' },
    { name: 'Phone1', type: 'phone' },
    { name: 'Phone2', type: 'phone' },
    { name: 'Fax1', type: 'phone' },
    { name: 'Website1', type: 'string' },
    { name: 'Address', type: 'object', description: 'Company, Street1..3, City, RegionCode, CountryCode, PostalCode' },
  ],
};
