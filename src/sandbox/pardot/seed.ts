/**
 * Realistic seed data: B2B contacts of an industrial distributor, the custom fields the journeys
 * write, the lists and external activity types they use, a few campaigns and visitor activities.
 */
import type { Row } from './query.js';
import type { PardotState } from './state.js';
import { toSecond } from './time.js';

/** The custom fields the journeys need (`fieldId`, label, Pardot type). */
export const SEED_CUSTOM_FIELDS: Array<[string, string, string]> = [
  ['erp_customer_number', 'ERP Customer Number', 'text'],
  ['lifetime_value', 'Lifetime Value', 'number'],
  ['last_order_date', 'Last Order Date', 'date'],
  ['total_spend', 'Total Spend', 'number'],
  ['credit_limit', 'Credit Limit', 'number'],
  ['customer_status', 'Customer Status', 'dropdown'],
  ['cart_value', 'Cart Value', 'number'],
  ['cart_items', 'Cart Items', 'textarea'],
  ['last_order_status', 'Last Order Status', 'dropdown'],
  ['stock_level', 'Stock Level', 'number'],
  ['open_balance', 'Open Balance', 'number'],
  // Clarity eCommerce pair (journeys 4 and 8).
  ['cart_recovery_url', 'Cart Recovery URL', 'text'],
  ['cart_status', 'Cart Status', 'text'],
  ['shop_segment', 'Shop Segment', 'text'],
  // TIMS pair (flows/tims): receivables and rented cylinders.
  ['account_balance', 'Account Balance', 'number'],
  ['past_due_balance', 'Past Due Balance', 'number'],
  ['cylinders_held', 'Cylinders Held', 'number'],
  ['cylinder_holdings', 'Cylinder Holdings', 'textarea'],
  ['last_payment_date', 'Last Payment Date', 'date'],
  ['last_invoice_status', 'Last Invoice Status', 'dropdown'],
  // Sage 100 pair (journeys 2, 3 and 6).
  ['last_invoice_date', 'Last Invoice Date', 'date'],
];

/** External activity types registered for the Syncline extension: DeveloperNames, so API names (no spaces). */
export const SEED_ACTIVITY_TYPES = ['Order_Shipped', 'Order_Invoiced', 'Order_Placed', 'Order_On_Hold', 'Order_Confirmed', 'Order_Completed', 'Order_Cancelled', 'Order_Ready_For_Pickup', 'Order_Picked_Up', 'Payment_Received', 'Invoice_Overdue', 'Credit_Memo_Issued', 'Back_In_Stock'];

const PEOPLE: Array<[string, string, string, string, string, string]> = [
  ['Maria', 'Delgado', 'Abbott Fasteners', 'Purchasing Manager', 'Cleveland', 'OH'],
  ['James', 'Okafor', 'Abbott Fasteners', 'Plant Engineer', 'Cleveland', 'OH'],
  ['Priya', 'Raman', 'Blue Ridge Hydraulics', 'Buyer', 'Roanoke', 'VA'],
  ['Tom', 'Whitaker', 'Blue Ridge Hydraulics', 'Operations Director', 'Roanoke', 'VA'],
  ['Elena', 'Petrova', 'Cascade Packaging', 'Procurement Lead', 'Tacoma', 'WA'],
  ['Marcus', 'Lee', 'Cascade Packaging', 'Maintenance Supervisor', 'Tacoma', 'WA'],
  ['Sofia', 'Marino', 'Delta Pump & Valve', 'Owner', 'Baton Rouge', 'LA'],
  ['Daniel', 'Kim', 'Evergreen Machining', 'Purchasing Agent', 'Portland', 'OR'],
  ['Hannah', 'Schulz', 'Evergreen Machining', 'Controller', 'Portland', 'OR'],
  ['Kwame', 'Mensah', 'Frontier Conveyor', 'Buyer', 'Denver', 'CO'],
  ['Laura', 'Chen', 'Granite State Tooling', 'VP Operations', 'Manchester', 'NH'],
  ['Robert', 'Novak', 'Heartland Bearings', 'Purchasing Manager', 'Des Moines', 'IA'],
  ['Aisha', 'Bello', 'Heartland Bearings', 'Accounts Payable', 'Des Moines', 'IA'],
  ['Victor', 'Alvarez', 'Iron Range Supply', 'General Manager', 'Duluth', 'MN'],
  ['Grace', "O'Neill", 'Keystone Electrical', 'Project Buyer', 'Harrisburg', 'PA'],
  ['Samuel', 'Adeyemi', 'Lakeshore Plastics', 'Plant Manager', 'Milwaukee', 'WI'],
  ['Yuki', 'Tanaka', 'Lakeshore Plastics', 'Quality Engineer', 'Milwaukee', 'WI'],
  ['Olivia', 'Brennan', 'Magnolia Process Controls', 'Buyer', 'Jackson', 'MS'],
  ['Ahmed', 'Haddad', 'Northstar Robotics', 'Supply Chain Analyst', 'Minneapolis', 'MN'],
  ['Chloe', 'Dubois', 'Northstar Robotics', 'Purchasing Manager', 'Minneapolis', 'MN'],
  ['Peter', 'Lindqvist', 'Ozark Industrial', 'Owner', 'Springfield', 'MO'],
  ['Fatima', 'Zahra', 'Pacific Rim Components', 'Procurement Specialist', 'Oakland', 'CA'],
  ['Brian', 'Murphy', 'Quarry Equipment Co', 'Fleet Manager', 'Knoxville', 'TN'],
  ['Isabel', 'Costa', 'Redwood Fabrication', 'Office Manager', 'Eureka', 'CA'],
  ['Nathan', 'Brooks', 'Summit Filtration', 'Maintenance Planner', 'Boise', 'ID'],
  ['Mei', 'Wong', 'Summit Filtration', 'Buyer', 'Boise', 'ID'],
  ['Carlos', 'Ruiz', 'Tri-County Welding Supply', 'Purchasing Manager', 'El Paso', 'TX'],
  ['Rachel', 'Goldberg', 'Union Valve & Fitting', 'Director of Purchasing', 'Newark', 'NJ'],
  ['Oluwaseun', 'Balogun', 'Valley Steel Service', 'Inventory Manager', 'Fresno', 'CA'],
  ['Emma', 'Johansson', 'Westbrook Automation', 'Engineering Manager', 'Grand Rapids', 'MI'],
  ['Liam', 'Walsh', 'Westbrook Automation', 'Buyer', 'Grand Rapids', 'MI'],
  ['Zara', 'Patel', 'Yellowstone Mill Supply', 'Owner', 'Billings', 'MT'],
];

function emailFor(first: string, last: string, company: string): string {
  const domain = company.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '') + '.com';
  return `${first[0].toLowerCase()}.${last.toLowerCase().replace(/[^a-z]/g, '')}@${domain}`;
}

/** Fills an empty state with the seed data set; stamps are spread over the 30 days before `now`. */
export function seedState(state: PardotState, now: number): void {
  const base = toSecond(now - 30 * 86_400_000);
  const stamp = (i: number) => base + i * 3_600_000;

  SEED_CUSTOM_FIELDS.forEach(([fieldId, name, type], i) => {
    const id = state.nextId('customField');
    state.customFields.set(id, {
      id,
      fieldId,
      name,
      type,
      isRequired: false,
      isRecordMultipleResponses: false,
      isUseValues: type === 'dropdown',
      isAnalyticsSynced: false,
      salesforceId: null,
      createdById: 1001,
      updatedById: 1001,
      createdAt: stamp(i),
      updatedAt: stamp(i),
    });
  });

  for (const [i, name] of ['Spring Trade Show', 'Abandoned Cart Follow-up', 'Customer Newsletter'].entries()) {
    const id = state.nextId('campaign');
    state.campaigns.set(id, { id, name, cost: 0, folderId: null, parentCampaignId: null, salesforceId: null, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: stamp(i), updatedAt: stamp(i) });
  }
  const firstCampaign = [...state.campaigns.keys()][0];

  for (const [i, [name, description, isDynamic]] of (
    [
      ['Abandoned cart recovery', 'Prospects with an open cart, fed by Syncline', false],
      ['Customers', 'Prospects with an ERP customer number', false],
      ['Newsletter subscribers', 'Monthly product news', false],
      ['High score prospects', 'Score above 100 (rule-driven)', true],
      // Shop segments (Clarity user types), journey 8.
      ['Shop: Retail', 'Retail shoppers of the web shop', false],
      ['Shop: Wholesale', 'Wholesale buyers of the web shop', false],
      ['Shop: Distributor', 'Distributor buyers of the web shop', false],
    ] as Array<[string, string, boolean]>
  ).entries()) {
    const id = state.nextId('list');
    state.lists.set(id, { id, name, title: name, description, isDynamic, isPublic: false, folderId: null, campaignId: null, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: stamp(i), updatedAt: stamp(i) });
  }
  const customersList = [...state.lists.values()].find((l) => l.name === 'Customers')!.id;

  PEOPLE.forEach(([firstName, lastName, company, jobTitle, city, st], i) => {
    const id = state.nextId('prospect');
    const isCustomer = i % 3 === 0;
    const at = stamp(10 + i);
    const row: Row = {
      id,
      email: emailFor(firstName, lastName, company),
      firstName,
      lastName,
      company,
      jobTitle,
      city,
      state: st,
      country: 'United States',
      phone: `+1 555 01${String(i).padStart(2, '0')}`,
      website: `https://www.${emailFor(firstName, lastName, company).split('@')[1]}`,
      industry: 'Industrial Distribution',
      score: (i * 37) % 150,
      grade: ['A', 'B+', 'B', 'C'][i % 4],
      optedOut: false,
      isDoNotEmail: false,
      isDoNotCall: false,
      isReviewed: false,
      isStarred: false,
      doNotSell: false,
      campaignId: firstCampaign,
      isDeleted: false,
      createdById: 1001,
      updatedById: 1001,
      createdAt: at,
      updatedAt: at,
      lastActivityAt: at,
    };
    if (isCustomer) {
      row.erp_customer_number__c = `01-${company.slice(0, 3).toUpperCase()}${String(i).padStart(3, '0')}`;
      row.customer_status__c = 'Active';
      row.total_spend__c = 1000 + i * 250;
    }
    state.prospects.set(id, row);
    if (isCustomer) {
      const mid = state.nextId('listMembership');
      state.listMemberships.set(mid, { id: mid, listId: customersList, prospectId: id, optedOut: false, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    }
    for (const [k, [type, typeName, details]] of (
      [
        [6, 'Email', 'Spring catalogue'],
        [11, 'Email', 'Spring catalogue'],
        [2, 'Visit', 'https://www.example-distributor.com/products/bearings'],
      ] as Array<[number, string, string]>
    ).entries()) {
      const vid = state.nextId('visitorActivity');
      const t = at + k * 60_000;
      state.visitorActivities.set(vid, { id: vid, prospectId: id, visitorId: null, visitId: null, type, typeName, details, campaignId: firstCampaign, createdAt: t, updatedAt: t });
    }
  });

  state.externalActivityTypes = SEED_ACTIVITY_TYPES.map((type) => ({ extension: 'Syncline', type, isActive: true }));
}
