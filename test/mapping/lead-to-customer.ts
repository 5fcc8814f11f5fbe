/** A realistic lead-to-customer flow (Salesforce Lead → Sage 100 AR_Customer) shared by the mapping tests and the benchmark. */
import type { EntitySpec } from '../../src/core/connector.js';
import type { FlowDef } from '../../src/core/flow.js';
import type { Fields } from '../../src/core/json.js';

/** About fifteen fields: copies, a name split, a phone, a value map, a condition, a cross-reference lookup. */
export const leadToCustomer: FlowDef = {
  name: 'lead-to-customer',
  trigger: { type: 'manual' },
  source: { connection: 'salesforce', entity: 'Lead' },
  filter: 'IsConverted = false and Email != ""',
  valueMaps: {
    ratings: { Hot: '1', Warm: '2', Cold: '3' },
  },
  targets: [
    {
      name: 'customer',
      connection: 'sage100',
      entity: 'AR_Customer',
      mapping: {
        ARDivisionNo: { value: '01' },
        CustomerName: { expr: '$truncate($rtrim(Company), 30)', required: true },
        AddressLine1: 'Street',
        City: 'City',
        State: { expr: '$stateCode(State)' },
        ZipCode: 'PostalCode',
        CountryCode: { expr: '$sageCountry(Country)', default: 'USA' },
        TelephoneNo: { expr: '$phoneE164(Phone, "US")' },
        EmailAddress: { expr: '$emailNormalize(Email)', required: true },
        UDF_CONTACT_FIRST: { expr: '$splitName(Name).first' },
        UDF_CONTACT_LAST: { expr: '$splitName(Name).last' },
        PriceLevel: { from: 'Rating', map: 'ratings', default: '3' },
        SalespersonNo: { expr: '$xref("salesforce", "User", OwnerId, "sage100", "AR_Salesperson")', default: '0100' },
        CreditLimit: { expr: 'AnnualRevenue > 1000000 ? 50000 : 10000' },
        URLAddress: { from: 'Website', when: 'Status = "Qualified"' },
        UDF_SF_LEAD_ID: 'Id',
      },
    },
  ],
};

/** The Sage 100 AR_Customer fields the flow writes, as the connector would declare them. */
export const arCustomer: EntitySpec = {
  name: 'AR_Customer',
  idField: 'CustomerNo',
  operations: ['create', 'update', 'get'],
  fields: [
    { name: 'ARDivisionNo', type: 'string', required: true, maxLength: 2 },
    { name: 'CustomerNo', type: 'string', maxLength: 20, readOnly: true },
    { name: 'CustomerName', type: 'string', required: true, maxLength: 30 },
    { name: 'AddressLine1', type: 'string', maxLength: 30 },
    { name: 'City', type: 'string', maxLength: 20 },
    { name: 'State', type: 'string', maxLength: 2 },
    { name: 'ZipCode', type: 'string', maxLength: 10 },
    { name: 'CountryCode', type: 'string', maxLength: 3 },
    { name: 'TelephoneNo', type: 'phone', maxLength: 17 },
    { name: 'EmailAddress', type: 'email', maxLength: 250 },
    { name: 'UDF_CONTACT_FIRST', type: 'string', maxLength: 30 },
    { name: 'UDF_CONTACT_LAST', type: 'string', maxLength: 30 },
    { name: 'PriceLevel', type: 'picklist', enum: ['1', '2', '3'] },
    { name: 'SalespersonNo', type: 'string', required: true, maxLength: 4 },
    { name: 'CreditLimit', type: 'decimal', scale: 2 },
    { name: 'URLAddress', type: 'string', maxLength: 50 },
    { name: 'UDF_SF_LEAD_ID', type: 'id', maxLength: 18 },
  ],
};

const FIRST = ['Ann', 'María José', 'Li', 'Olusegun', 'Zoë', 'Jean-Luc', 'Priya', 'Søren'];
const LAST = ['Lee', 'de la Cruz', 'Wang', 'Adeyemi', 'Müller', "O'Brien", 'van Dijk', 'Nakamura'];
const COMPANIES = ['Northwind Traders', 'Contoso Ltd', 'Fabrikam Inc', 'Adventure Works Cycles International', 'Tailspin Toys   '];
const STATES = ['California', 'NY', 'texas', 'Washington', 'IL'];
const RATINGS = ['Hot', 'Warm', 'Cold', undefined];
// Assigned US area codes, so the sample phones are the valid numbers a CRM mostly holds.
const AREA_CODES = [212, 415, 312, 617, 206, 303, 404, 512, 615, 702, 305, 713, 214, 602, 919, 503, 801, 612, 216, 313];

/** The i-th of a deterministic family of varied leads (distinct ids, emails and phones). */
export function sampleLead(i: number): Fields {
  const first = FIRST[i % FIRST.length];
  const last = LAST[(i >> 3) % LAST.length];
  const lead: Fields = {
    Id: '00Q5e' + String(i).padStart(10, '0'),
    Name: `${first} ${last}`,
    Company: COMPANIES[i % COMPANIES.length],
    Street: `${100 + (i % 900)} Main St`,
    City: 'Springfield',
    State: STATES[i % STATES.length],
    PostalCode: String(10000 + (i % 89999)),
    Country: i % 7 === 0 ? 'Canada' : 'United States',
    Phone: `(${AREA_CODES[i % AREA_CODES.length]}) ${200 + ((i * 7) % 800)}-${String(i % 10000).padStart(4, '0')}`,
    Email: ` ${first.replace(/\W/gu, '')}.${i}@Example.COM `,
    OwnerId: '005' + String(i % 50).padStart(12, '0'),
    AnnualRevenue: (i % 10) * 250_000,
    Website: `https://example${i}.com`,
    Status: i % 3 === 0 ? 'Qualified' : 'Open',
    IsConverted: false,
  };
  const rating = RATINGS[i % RATINGS.length];
  if (rating !== undefined) lead.Rating = rating;
  return lead;
}
