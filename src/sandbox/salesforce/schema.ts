/**
 * The emulated org's metadata: objects, key prefixes and fields with the attributes describe()
 * reports and validation enforces. Extend the table to add objects or custom fields a journey needs.
 */

/** Salesforce field types as describe() names them. */
export type SfFieldType =
  | 'id' | 'string' | 'textarea' | 'email' | 'phone' | 'url' | 'picklist' | 'boolean' | 'currency'
  | 'double' | 'percent' | 'int' | 'date' | 'datetime' | 'reference';

/** One field of an emulated object. */
export interface SfField {
  /** API name. */
  name: string;
  /** Label shown by describe(). */
  label: string;
  /** describe() type. */
  type: SfFieldType;
  /** Maximum characters for text types. */
  length: number;
  /** May be null/blank. */
  nillable: boolean;
  /** Settable on insert. */
  createable: boolean;
  /** Settable on update. */
  updateable: boolean;
  /** Usable as an upsert key. */
  externalId: boolean;
  /** Unique values enforced (DUPLICATE_VALUE). */
  unique: boolean;
  /** Filled by the server when omitted on insert (so not required). */
  defaultedOnCreate: boolean;
  /** Allowed values for picklists. */
  picklistValues: string[];
  /** A picklist that refuses other values. */
  restrictedPicklist: boolean;
  /** Target objects of a reference field. */
  referenceTo: string[];
  /** Relationship name of a reference field (`Account` for AccountId). */
  relationshipName: string | null;
  /** Name of the child relationship this reference creates on its parent (`Contacts` for Contact.AccountId); null for none. */
  childRelationshipName: string | null;
  /** Digits of a number field. */
  precision: number;
  /** Digits after the point of a number field. */
  scale: number;
  /** True for custom (`__c`) fields. */
  custom: boolean;
}

/** One emulated object. */
export interface SfObject {
  /** API name. */
  name: string;
  /** Label. */
  label: string;
  /** Plural label. */
  labelPlural: string;
  /** 3-character id prefix. */
  keyPrefix: string;
  /** Fields by API name. */
  fields: Map<string, SfField>;
}

type FieldInit = Partial<SfField> & { name: string; type: SfFieldType };

function field(init: FieldInit): SfField {
  const sys = init.type === 'id';
  const defaults: SfField = {
    name: init.name,
    label: init.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/ Id$/, ' ID'),
    type: init.type,
    length: ['string', 'email', 'phone', 'url', 'picklist'].includes(init.type) ? 255 : init.type === 'textarea' ? 32000 : init.type === 'id' || init.type === 'reference' ? 18 : 0,
    nillable: !sys && init.type !== 'boolean',
    createable: !sys,
    updateable: !sys,
    externalId: false,
    unique: false,
    defaultedOnCreate: init.type === 'boolean',
    picklistValues: [],
    restrictedPicklist: false,
    referenceTo: [],
    relationshipName: null,
    childRelationshipName: null,
    precision: init.type === 'currency' ? 18 : init.type === 'double' || init.type === 'percent' ? 18 : 0,
    scale: init.type === 'currency' ? 2 : 0,
    custom: init.name.endsWith('__c'),
  };
  return { ...defaults, ...init };
}

/** A field the server sets (read-only). */
function sys(name: string, type: SfFieldType, extra: Partial<SfField> = {}): FieldInit {
  return { name, type, createable: false, updateable: false, nillable: type !== 'boolean', defaultedOnCreate: true, ...extra };
}

function ref(name: string, to: string, extra: Partial<SfField> = {}): FieldInit {
  return { name, type: 'reference', referenceTo: [to], relationshipName: name.replace(/Id$/, ''), ...extra };
}

function pick(name: string, values: string[], extra: Partial<SfField> = {}): FieldInit {
  return { name, type: 'picklist', picklistValues: values, ...extra };
}

const AUDIT: FieldInit[] = [
  { name: 'Id', type: 'id', nillable: false, createable: false, updateable: false, defaultedOnCreate: true },
  sys('IsDeleted', 'boolean'),
  sys('CreatedDate', 'datetime'),
  ref('CreatedById', 'User', { createable: false, updateable: false, defaultedOnCreate: true, relationshipName: 'CreatedBy' }),
  sys('LastModifiedDate', 'datetime'),
  ref('LastModifiedById', 'User', { createable: false, updateable: false, defaultedOnCreate: true, relationshipName: 'LastModifiedBy' }),
  sys('SystemModstamp', 'datetime'),
];
/** Objects the SOAP merge() call accepts; their merged-away records carry MasterRecordId (read-only). */
export const MERGEABLE = ['Account', 'Contact', 'Lead'];
const MASTER_RECORD = (obj: string): FieldInit => ref('MasterRecordId', obj, { createable: false, updateable: false, relationshipName: 'MasterRecord' });
const OWNER: FieldInit = ref('OwnerId', 'User', { defaultedOnCreate: true, nillable: false, relationshipName: 'Owner' });

const ADDRESS = (p: string): FieldInit[] => [
  { name: `${p}Street`, type: 'textarea', length: 255 },
  { name: `${p}City`, type: 'string', length: 40 },
  { name: `${p}State`, type: 'string', length: 80 },
  { name: `${p}PostalCode`, type: 'string', length: 20 },
  { name: `${p}Country`, type: 'string', length: 80 },
];

const INDUSTRIES = ['Agriculture', 'Banking', 'Chemicals', 'Construction', 'Consulting', 'Education', 'Electronics', 'Energy', 'Engineering', 'Food & Beverage', 'Healthcare', 'Manufacturing', 'Retail', 'Technology', 'Transportation', 'Other'];
const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];
const LEAD_STATUS = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];

/** Object definitions: name, label, key prefix and fields beyond the audit fields. */
const DEFINITIONS: { name: string; label: string; plural: string; prefix: string; owned: boolean; fields: FieldInit[] }[] = [
  {
    name: 'User', label: 'User', plural: 'Users', prefix: '005', owned: false,
    fields: [{ name: 'Username', type: 'string', length: 80, nillable: false }, { name: 'Name', type: 'string', length: 121, createable: false, updateable: false }, { name: 'Email', type: 'email', nillable: false }, { name: 'IsActive', type: 'boolean' }],
  },
  {
    name: 'Account', label: 'Account', plural: 'Accounts', prefix: '001', owned: true,
    fields: [
      { name: 'Name', type: 'string', length: 255, nillable: false },
      { name: 'AccountNumber', type: 'string', length: 40 },
      pick('Type', ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other']),
      pick('Industry', INDUSTRIES),
      { name: 'Phone', type: 'phone', length: 40 },
      { name: 'Website', type: 'url' },
      { name: 'Description', type: 'textarea' },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int', precision: 8 },
      ...ADDRESS('Billing'),
      ...ADDRESS('Shipping'),
      ref('ParentId', 'Account', { relationshipName: 'Parent', childRelationshipName: 'ChildAccounts' }),
      { name: 'Sage100_Customer_No__c', type: 'string', length: 20, externalId: true, unique: true },
      { name: 'Lifetime_Value__c', type: 'currency', precision: 18, scale: 2 },
      { name: 'Last_Order_Date__c', type: 'date' },
      { name: 'Credit_Limit__c', type: 'currency', precision: 18, scale: 2 },
      pick('ERP_Status__c', ['Active', 'On Hold', 'Inactive', 'Pending'], { restrictedPicklist: true }),
      { name: 'SageX3_Customer_No__c', type: 'string', length: 15, externalId: true, unique: true },
      { name: 'Open_Balance__c', type: 'currency', precision: 18, scale: 2 },
      // Sage 100 pair, journey 2: refreshed when an invoice posts or a payment arrives.
      { name: 'Last_Invoice_Date__c', type: 'date' },
      { name: 'Last_Payment_Date__c', type: 'date' },
      { name: 'Clarity_Account_Key__c', type: 'string', length: 128, externalId: true, unique: true },
      // TIMS pair (flows/tims): the customer code, receivable figures and cylinder holdings.
      { name: 'TIMS_Customer_Code__c', type: 'string', length: 10, externalId: true, unique: true },
      { name: 'Balance__c', type: 'currency', precision: 18, scale: 2 },
      { name: 'Past_Due_Balance__c', type: 'currency', precision: 18, scale: 2 },
      { name: 'Cylinders_Held__c', type: 'double', precision: 8, scale: 0 },
      { name: 'Cylinder_Holdings__c', type: 'string', length: 255 },
    ],
  },
  {
    name: 'Contact', label: 'Contact', plural: 'Contacts', prefix: '003', owned: true,
    fields: [
      ref('AccountId', 'Account', { childRelationshipName: 'Contacts' }),
      pick('Salutation', ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']),
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', length: 80, nillable: false },
      { name: 'Name', type: 'string', length: 121, createable: false, updateable: false },
      { name: 'Title', type: 'string', length: 128 },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'phone', length: 40 },
      { name: 'MobilePhone', type: 'phone', length: 40 },
      { name: 'Department', type: 'string', length: 80 },
      pick('LeadSource', ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Trade Show', 'Other']),
      { name: 'HasOptedOutOfEmail', type: 'boolean' },
      ...ADDRESS('Mailing'),
      { name: 'Clarity_User_Id__c', type: 'string', length: 40, externalId: true, unique: true },
    ],
  },
  {
    name: 'Lead', label: 'Lead', plural: 'Leads', prefix: '00Q', owned: true,
    fields: [
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', length: 80, nillable: false },
      { name: 'Name', type: 'string', length: 121, createable: false, updateable: false },
      { name: 'Company', type: 'string', length: 255, nillable: false },
      { name: 'Title', type: 'string', length: 128 },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'phone', length: 40 },
      { name: 'Website', type: 'url' },
      pick('Status', LEAD_STATUS, { nillable: false, defaultedOnCreate: true, restrictedPicklist: true }),
      pick('LeadSource', ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Trade Show', 'Other']),
      pick('Industry', INDUSTRIES),
      pick('Rating', ['Hot', 'Warm', 'Cold']),
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int', precision: 8 },
      { name: 'Description', type: 'textarea' },
      { name: 'HasOptedOutOfEmail', type: 'boolean' },
      { name: 'Street', type: 'textarea', length: 255 },
      { name: 'City', type: 'string', length: 40 },
      { name: 'State', type: 'string', length: 80 },
      { name: 'PostalCode', type: 'string', length: 20 },
      { name: 'Country', type: 'string', length: 80 },
      sys('IsConverted', 'boolean'),
      sys('ConvertedDate', 'date'),
      ref('ConvertedAccountId', 'Account', { createable: false, updateable: false, relationshipName: 'ConvertedAccount' }),
      ref('ConvertedContactId', 'Contact', { createable: false, updateable: false, relationshipName: 'ConvertedContact' }),
      ref('ConvertedOpportunityId', 'Opportunity', { createable: false, updateable: false, relationshipName: 'ConvertedOpportunity' }),
    ],
  },
  {
    name: 'Opportunity', label: 'Opportunity', plural: 'Opportunities', prefix: '006', owned: true,
    fields: [
      ref('AccountId', 'Account', { childRelationshipName: 'Opportunities' }),
      { name: 'Name', type: 'string', length: 120, nillable: false },
      pick('StageName', STAGES, { nillable: false, restrictedPicklist: true }),
      { name: 'Amount', type: 'currency' },
      { name: 'Probability', type: 'percent', precision: 3 },
      { name: 'CloseDate', type: 'date', nillable: false },
      pick('Type', ['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer']),
      pick('LeadSource', ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Trade Show', 'Other']),
      { name: 'Description', type: 'textarea' },
      sys('IsClosed', 'boolean'),
      sys('IsWon', 'boolean'),
      ref('CampaignId', 'Campaign', { relationshipName: 'Campaign', childRelationshipName: 'Opportunities' }),
      ref('Pricebook2Id', 'Pricebook2', { childRelationshipName: 'Opportunities' }),
      { name: 'Sage100_Order_No__c', type: 'string', length: 20, externalId: true, unique: true },
      { name: 'SageX3_Order_No__c', type: 'string', length: 20, externalId: true, unique: true },
      { name: 'Clarity_Order_No__c', type: 'string', length: 40, externalId: true, unique: true },
      { name: 'Shop_Order_Status__c', type: 'string', length: 40 },
      { name: 'Tracking_Number__c', type: 'string', length: 60 },
      // TIMS pair: how the won deal is fulfilled (a route delivery or a will-call pick-up at a branch) and the order it became.
      { name: 'TIMS_Order_No__c', type: 'string', length: 12, externalId: true, unique: true },
      pick('Fulfillment__c', ['Ship', 'Will-call'], { restrictedPicklist: true }),
      { name: 'Pickup_Branch__c', type: 'string', length: 6 },
    ],
  },
  {
    name: 'Product2', label: 'Product', plural: 'Products', prefix: '01t', owned: false,
    fields: [
      { name: 'Name', type: 'string', length: 255, nillable: false },
      { name: 'ProductCode', type: 'string', length: 255 },
      { name: 'Description', type: 'textarea', length: 4000 },
      { name: 'IsActive', type: 'boolean' },
      pick('Family', ['Hardware', 'Software', 'Services', 'Consumables']),
      { name: 'Sage100_Item_Code__c', type: 'string', length: 30, externalId: true, unique: true },
      { name: 'SageX3_Item_Ref__c', type: 'string', length: 20, externalId: true, unique: true },
      { name: 'Stock_On_Hand__c', type: 'double', precision: 18, scale: 3 },
      { name: 'Clarity_SKU__c', type: 'string', length: 128, externalId: true, unique: true },
      { name: 'Stock_Quantity__c', type: 'double' },
      // TIMS pair: the item code, its hazmat flag and what is available across the branches.
      { name: 'TIMS_Item_Code__c', type: 'string', length: 20, externalId: true, unique: true },
      { name: 'Hazmat__c', type: 'boolean' },
      { name: 'Stock_Available__c', type: 'double', precision: 18, scale: 0 },
      { name: 'Stock_By_Warehouse__c', type: 'string', length: 255 },
    ],
  },
  {
    name: 'Pricebook2', label: 'Price Book', plural: 'Price Books', prefix: '01s', owned: false,
    fields: [{ name: 'Name', type: 'string', length: 255, nillable: false }, { name: 'IsActive', type: 'boolean' }, sys('IsStandard', 'boolean'), { name: 'Description', type: 'string' }],
  },
  {
    name: 'PricebookEntry', label: 'Price Book Entry', plural: 'Price Book Entries', prefix: '01u', owned: false,
    fields: [
      ref('Pricebook2Id', 'Pricebook2', { nillable: false, updateable: false, childRelationshipName: 'PricebookEntries' }),
      ref('Product2Id', 'Product2', { nillable: false, updateable: false, childRelationshipName: 'PricebookEntries' }),
      { name: 'UnitPrice', type: 'currency', nillable: false },
      { name: 'IsActive', type: 'boolean' },
      { name: 'UseStandardPrice', type: 'boolean' },
      { name: 'Name', type: 'string', createable: false, updateable: false },
      { name: 'ProductCode', type: 'string', createable: false, updateable: false },
    ],
  },
  {
    name: 'OpportunityLineItem', label: 'Opportunity Product', plural: 'Opportunity Product', prefix: '00k', owned: false,
    fields: [
      ref('OpportunityId', 'Opportunity', { nillable: false, updateable: false, childRelationshipName: 'OpportunityLineItems' }),
      ref('PricebookEntryId', 'PricebookEntry', { updateable: false, childRelationshipName: 'OpportunityLineItems' }),
      ref('Product2Id', 'Product2', { updateable: false }),
      { name: 'Quantity', type: 'double', nillable: false },
      { name: 'UnitPrice', type: 'currency' },
      { name: 'TotalPrice', type: 'currency' },
      { name: 'Discount', type: 'percent' },
      { name: 'ServiceDate', type: 'date' },
      { name: 'Description', type: 'string' },
      { name: 'Name', type: 'string', length: 376, createable: false, updateable: false },
      // Clarity pair: the shop order line a line item stands for (`SO-100050/2`), so a re-read order updates its lines.
      { name: 'Clarity_Line_Key__c', type: 'string', length: 80, externalId: true, unique: true },
    ],
  },
  {
    // The people on a deal; IsPrimary marks the primary contact (journey 1 makes the ERP customer from it).
    name: 'OpportunityContactRole', label: 'Opportunity Contact Role', plural: 'Opportunity Contact Role', prefix: '00K', owned: false,
    fields: [
      ref('OpportunityId', 'Opportunity', { nillable: false, updateable: false, childRelationshipName: 'OpportunityContactRoles' }),
      ref('ContactId', 'Contact', { nillable: false, childRelationshipName: 'OpportunityContactRoles' }),
      pick('Role', ['Business User', 'Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Evaluator', 'Executive Sponsor', 'Influencer', 'Technical Buyer', 'Other']),
      { name: 'IsPrimary', type: 'boolean' },
    ],
  },
  {
    // Sage 100 stock per item and warehouse (IM_ItemWarehouse), a custom object related to Product2 (journey 6).
    name: 'Product_Stock__c', label: 'Product Stock', plural: 'Product Stock', prefix: 'a0S', owned: false,
    fields: [
      { name: 'Name', type: 'string', length: 80, nillable: false },
      ref('Product__c', 'Product2', { relationshipName: 'Product__r', childRelationshipName: 'Product_Stock__r' }),
      { name: 'Sage100_Stock_Key__c', type: 'string', length: 40, externalId: true, unique: true },
      { name: 'Warehouse_Code__c', type: 'string', length: 3 },
      { name: 'On_Hand__c', type: 'double', precision: 18, scale: 4 },
      { name: 'On_Order__c', type: 'double', precision: 18, scale: 4 },
      { name: 'Available__c', type: 'double', precision: 18, scale: 4 },
    ],
  },
  {
    name: 'Campaign', label: 'Campaign', plural: 'Campaigns', prefix: '701', owned: true,
    fields: [
      { name: 'Name', type: 'string', length: 80, nillable: false },
      pick('Type', ['Conference', 'Webinar', 'Trade Show', 'Public Relations', 'Partners', 'Referral Program', 'Advertisement', 'Banner Ads', 'Direct Mail', 'Email', 'Telemarketing', 'Other']),
      pick('Status', ['Planned', 'In Progress', 'Completed', 'Aborted']),
      { name: 'StartDate', type: 'date' },
      { name: 'EndDate', type: 'date' },
      { name: 'IsActive', type: 'boolean' },
      { name: 'Description', type: 'textarea' },
    ],
  },
  {
    name: 'CampaignMember', label: 'Campaign Member', plural: 'Campaign Members', prefix: '00v', owned: false,
    fields: [
      ref('CampaignId', 'Campaign', { nillable: false, updateable: false, childRelationshipName: 'CampaignMembers' }),
      ref('LeadId', 'Lead', { updateable: false, childRelationshipName: 'CampaignMembers' }),
      ref('ContactId', 'Contact', { updateable: false, childRelationshipName: 'CampaignMembers' }),
      pick('Status', ['Planned', 'Received', 'Responded', 'Sent'], { defaultedOnCreate: true }),
      { name: 'HasResponded', type: 'boolean', createable: false, updateable: false },
    ],
  },
  {
    name: 'Task', label: 'Task', plural: 'Tasks', prefix: '00T', owned: true,
    fields: [
      { name: 'Subject', type: 'string', length: 255 },
      pick('Status', ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'], { nillable: false, defaultedOnCreate: true }),
      pick('Priority', ['High', 'Normal', 'Low'], { nillable: false, defaultedOnCreate: true }),
      { name: 'ActivityDate', type: 'date' },
      { name: 'Description', type: 'textarea' },
      { name: 'WhoId', type: 'reference', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who', childRelationshipName: 'Tasks' },
      { name: 'WhatId', type: 'reference', referenceTo: ['Account', 'Opportunity', 'Campaign'], relationshipName: 'What', childRelationshipName: 'Tasks' },
      pick('TaskSubtype', ['Task', 'Email', 'Call'], { defaultedOnCreate: true }),
    ],
  },
];

/** Builds the object table of a fresh org. */
export function buildSchema(): Map<string, SfObject> {
  const out = new Map<string, SfObject>();
  for (const d of DEFINITIONS) {
    const fields = new Map<string, SfField>();
    const merge = MERGEABLE.includes(d.name) ? [MASTER_RECORD(d.name)] : [];
    for (const f of [...AUDIT, ...merge, ...(d.owned ? [OWNER] : []), ...d.fields]) fields.set(f.name, field(f));
    out.set(d.name, { name: d.name, label: d.label, labelPlural: d.plural, keyPrefix: d.prefix, fields });
  }
  return out;
}

/** Finds an object by name, case-insensitively as Salesforce does. */
export function findObject(schema: Map<string, SfObject>, name: string): SfObject | undefined {
  const exact = schema.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const o of schema.values()) if (o.name.toLowerCase() === lower) return o;
  return undefined;
}

/** Finds a field by name, case-insensitively. */
export function findField(obj: SfObject, name: string): SfField | undefined {
  const exact = obj.fields.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const f of obj.fields.values()) if (f.name.toLowerCase() === lower) return f;
  return undefined;
}

/** Finds a reference field by its relationship name (`Account` → AccountId). */
export function findRelationship(obj: SfObject, rel: string): SfField | undefined {
  const lower = rel.toLowerCase();
  for (const f of obj.fields.values()) if (f.relationshipName && f.relationshipName.toLowerCase() === lower) return f;
  return undefined;
}

/** A child relationship of an object: the child object and the reference field on it that points here. */
export interface ChildRelationship {
  /** Relationship name used in subqueries (`OpportunityLineItems`). */
  name: string;
  /** The child object. */
  child: SfObject;
  /** The child's reference field to the parent. */
  field: SfField;
}

/** The child relationships of an object, from the reference fields of every object that point to it. */
export function childRelationships(schema: Map<string, SfObject>, parent: SfObject): ChildRelationship[] {
  const out: ChildRelationship[] = [];
  for (const child of schema.values()) {
    for (const f of child.fields.values()) {
      if (f.childRelationshipName && f.referenceTo.includes(parent.name)) out.push({ name: f.childRelationshipName, child, field: f });
    }
  }
  return out;
}

/** Finds a child relationship by name, case-insensitively. */
export function findChildRelationship(schema: Map<string, SfObject>, parent: SfObject, name: string): ChildRelationship | undefined {
  const lower = name.toLowerCase();
  return childRelationships(schema, parent).find((r) => r.name.toLowerCase() === lower);
}
