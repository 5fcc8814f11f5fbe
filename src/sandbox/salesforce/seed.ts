/** A realistic, deterministic B2B data set for the emulated org (accounts, contacts, leads, products, opportunities). */
import type { Org } from './org.js';

const COMPANIES = [
  ['Acme Industrial Supply', 'Manufacturing', 'Chicago', 'IL'], ['Brightline Logistics', 'Transportation', 'Memphis', 'TN'],
  ['Cedar Ridge Builders', 'Construction', 'Boise', 'ID'], ['Delta Precision Parts', 'Engineering', 'Dayton', 'OH'],
  ['Evergreen Health Partners', 'Healthcare', 'Portland', 'OR'], ['Foxhollow Foods', 'Food & Beverage', 'Madison', 'WI'],
  ['Granite Peak Energy', 'Energy', 'Denver', 'CO'], ['Harborview Retail Group', 'Retail', 'Baltimore', 'MD'],
  ['Ironclad Fasteners', 'Manufacturing', 'Cleveland', 'OH'], ['Juniper Analytics', 'Technology', 'Austin', 'TX'],
  ['Keystone Chemical', 'Chemicals', 'Allentown', 'PA'], ['Lakeshore Electronics', 'Electronics', 'Milwaukee', 'WI'],
  ['Meridian Consulting', 'Consulting', 'Atlanta', 'GA'], ['Northwind Traders', 'Retail', 'Seattle', 'WA'],
  ['Oakmont Agriculture', 'Agriculture', 'Fresno', 'CA'], ['Pioneer Valley Schools', 'Education', 'Springfield', 'MA'],
  ['Quarry Stone Works', 'Construction', 'Knoxville', 'TN'], ['Redwood Capital Bank', 'Banking', 'Sacramento', 'CA'],
  ['Summit Medical Devices', 'Healthcare', 'Minneapolis', 'MN'], ['Tidewater Marine', 'Transportation', 'Norfolk', 'VA'],
  ['Unity Packaging', 'Manufacturing', 'Grand Rapids', 'MI'], ['Vantage Software', 'Technology', 'Raleigh', 'NC'],
  ['Westfield Hardware', 'Retail', 'Omaha', 'NE'], ['Yellowstone Outfitters', 'Retail', 'Bozeman', 'MT'],
];
const FIRST = ['Ava', 'Ben', 'Carla', 'Diego', 'Elena', 'Frank', 'Grace', 'Hiro', 'Isabel', 'Jamal', 'Kira', 'Liam', 'Maya', 'Noah', 'Olivia', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tara'];
const LAST = ['Anders', 'Brooks', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jensen', 'Khan', 'Lopez', 'Moreau', 'Nakamura', 'Owens', 'Patel', 'Quinlan', 'Reyes', 'Schmidt', 'Turner'];
const TITLES = ['Purchasing Manager', 'Operations Director', 'VP Finance', 'Plant Manager', 'Buyer', 'CFO', 'IT Manager', 'Procurement Lead'];
const PRODUCTS = [
  ['Hex Bolt M8 x 40 (box of 100)', 'HB-M8-40', 'Consumables', 24.5], ['Hydraulic Pump HP-200', 'HP-200', 'Hardware', 1890],
  ['Conveyor Belt 10m', 'CB-10M', 'Hardware', 740], ['Safety Gloves (pair)', 'SG-01', 'Consumables', 6.75],
  ['Inventory Scanner X2', 'IS-X2', 'Hardware', 329], ['Annual Maintenance Plan', 'AMP-1Y', 'Services', 1200],
  ['On-site Installation (day)', 'OSI-D', 'Services', 950], ['Fleet Tracking License', 'FTL-1', 'Software', 180],
  ['Pallet Wrap Roll', 'PW-500', 'Consumables', 18.2], ['Industrial Shelving Unit', 'ISU-48', 'Hardware', 415],
];
const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];

/** Loads the seed data into an empty org. */
export function seedOrg(org: Org): void {
  const day = (offset: number): string => new Date(org.now() + offset * 86400_000).toISOString().slice(0, 10);
  const pricebook = org.insert('Pricebook2', { Name: 'Standard Price Book', IsActive: true }).id;
  org.table('Pricebook2').get(pricebook)!.IsStandard = true;
  const products = PRODUCTS.map(([name, code, family, price], i) => {
    const id = org.insert('Product2', { Name: name, ProductCode: code, Family: family, IsActive: true, Sage100_Item_Code__c: code, Description: `${String(name)} — stocked item` }).id;
    const pbe = org.insert('PricebookEntry', { Pricebook2Id: pricebook, Product2Id: id, UnitPrice: price, IsActive: true }).id;
    return { id, pbe, price: Number(price), i };
  });
  COMPANIES.forEach(([name, industry, city, state], i) => {
    const accountId = org.insert('Account', {
      Name: name, Industry: industry, Type: i % 3 === 0 ? 'Prospect' : 'Customer - Direct', BillingCity: city, BillingState: state, BillingCountry: 'USA',
      Phone: `+1 555 01${String(i).padStart(2, '0')}`, Website: `https://www.${String(name).toLowerCase().replace(/[^a-z]+/g, '')}.example`,
      NumberOfEmployees: 40 + i * 37, AnnualRevenue: 1_500_000 + i * 730_000,
      ...(i % 3 === 0 ? {} : { Sage100_Customer_No__c: `01-${String(name).slice(0, 3).toUpperCase()}${i}`, ERP_Status__c: 'Active', Credit_Limit__c: 10000 + i * 2500 }),
    }).id;
    for (let c = 0; c < 2; c++) {
      const first = FIRST[(i * 2 + c) % FIRST.length];
      const last = LAST[(i * 3 + c) % LAST.length];
      org.insert('Contact', {
        AccountId: accountId, FirstName: first, LastName: last, Title: TITLES[(i + c) % TITLES.length],
        Email: `${first}.${last}@${String(name).toLowerCase().replace(/[^a-z]+/g, '')}.example`.toLowerCase(), Phone: `+1 555 02${String(i * 2 + c).padStart(2, '0')}`,
        MailingCity: city, MailingState: state, MailingCountry: 'USA',
      });
    }
    const stage = STAGES[i % STAGES.length];
    const opp = org.insert('Opportunity', { AccountId: accountId, Name: `${String(name)} — ${i % 2 ? 'Spring restock' : 'Equipment upgrade'}`, StageName: stage, CloseDate: day(-30 + i * 5), Amount: 0, Pricebook2Id: pricebook }).id;
    const p = products[i % products.length];
    const qty = 1 + (i % 5);
    org.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: p.pbe, Quantity: qty, UnitPrice: p.price });
    org.update('Opportunity', opp, { Amount: Math.round(qty * p.price * 100) / 100 });
  });
  for (let i = 0; i < 24; i++) {
    const first = FIRST[(i * 7) % FIRST.length];
    const last = LAST[(i * 11 + 3) % LAST.length];
    const company = `${LAST[(i * 5) % LAST.length]} ${['Fabrication', 'Distributors', 'Supply Co.', 'Machining', 'Wholesale', 'Controls'][i % 6]}`;
    org.insert('Lead', {
      FirstName: first, LastName: last, Company: company, Title: TITLES[i % TITLES.length], Email: `${first}.${last}.${i}@lead${i}.example`.toLowerCase(),
      LeadSource: ['Web', 'Trade Show', 'Partner Referral', 'Phone Inquiry'][i % 4], Status: i % 4 === 0 ? 'Working - Contacted' : 'Open - Not Contacted',
      Industry: COMPANIES[i % COMPANIES.length][1], City: COMPANIES[(i + 5) % COMPANIES.length][2], State: COMPANIES[(i + 5) % COMPANIES.length][3], Country: 'USA',
    });
  }
  org.insert('Campaign', { Name: 'Spring Trade Show 2025', Type: 'Trade Show', Status: 'Completed', IsActive: false, StartDate: day(-90), EndDate: day(-88) });
  org.insert('Campaign', { Name: 'Q3 Maintenance Webinar', Type: 'Webinar', Status: 'Planned', IsActive: true, StartDate: day(20), EndDate: day(20) });
}
