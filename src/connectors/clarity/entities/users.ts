/** Storefront users (shoppers and B2B buyers): the Pardot prospect source, with the email opt-in flags. */
import type { Fields } from '../../../core/json.js';
import type { CefRow } from '../client.js';
import { defaultData, STATUS_FIELDS, type CefEntityDef } from './common.js';

/** Contacts/User. */
export const userEntity: CefEntityDef = {
  name: 'User',
  area: 'Contacts',
  plural: 'Users',
  label: 'User (shopper)',
  writable: true,
  findBy: ['Email', 'AccountID'],
  fields: [
    { name: 'UserName', type: 'string', required: true, maxLength: 256 },
    { name: 'Email', type: 'email', required: true, maxLength: 256 },
    { name: 'PhoneNumber', type: 'phone' },
    { name: 'DisplayName', type: 'string' },
    { name: 'IsApproved', type: 'boolean' },
    { name: 'IsEmailSubscriber', type: 'boolean', description: 'The shopper opted in to marketing email; never make a prospect mailable without it' },
    { name: 'IsSMSAllowed', type: 'boolean' },
    { name: 'TypeKey', type: 'string', description: 'User type (the shop segment: Retail, Wholesale, Distributor...)' },
    { name: 'ContactID', type: 'reference', references: 'Contact' },
    { name: 'AccountID', type: 'reference', references: 'Account' },
    { name: 'AccountKey', type: 'string', readOnly: true, description: "The account's CustomKey" },
    { name: 'AccountName', type: 'string', readOnly: true },
    { name: 'FirstName', type: 'string', readOnly: true, description: "From the user's contact" },
    { name: 'LastName', type: 'string', readOnly: true, description: "From the user's contact" },
    { name: 'Contact', type: 'object', readOnly: true },
    ...STATUS_FIELDS(['Normal', 'Locked Out', 'Pending Approval']),
  ],
  toData(row: CefRow): Fields {
    const contact = (row.Contact ?? null) as CefRow | null;
    return { ...defaultData(row), FirstName: (contact?.FirstName as string | undefined) ?? null, LastName: (contact?.LastName as string | undefined) ?? null };
  },
};
