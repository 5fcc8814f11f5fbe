/**
 * The entities known without a live org: the standard fields the journeys use plus the Syncline
 * custom fields (Sage100_Customer_No__c, …). discover() replaces them with the org's own describe.
 */
import type { EntitySpec, FieldSpec, FieldType } from '../../../core/connector.js';

type F = [name: string, type: FieldType, extra?: Partial<FieldSpec>];

const ro: Partial<FieldSpec> = { readOnly: true };
const AUDIT: F[] = [
  ['Id', 'id', ro], ['IsDeleted', 'boolean', ro], ['CreatedDate', 'datetime', ro], ['LastModifiedDate', 'datetime', ro], ['SystemModstamp', 'datetime', ro],
];
const OWNER: F = ['OwnerId', 'reference', { references: 'User' }];
const LEAD_SOURCE: F = ['LeadSource', 'picklist'];

function entity(name: string, label: string, fields: F[], description: string): EntitySpec {
  return {
    name,
    label,
    idField: 'Id',
    updatedField: 'SystemModstamp',
    fields: [...AUDIT, ...fields].map(([n, type, extra]) => ({ name: n, type, ...extra })),
    operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert', 'delete', 'batch'],
    maxBatchSize: 200,
    description,
    // An org adds custom fields of its own: only its describe (discover()) lists them all.
    openFields: true,
  };
}

/** Salesforce entities with the fields the journeys map. */
export const ENTITIES: EntitySpec[] = [
  entity('Lead', 'Lead', [
    OWNER, ['FirstName', 'string', { maxLength: 40 }], ['LastName', 'string', { required: true, maxLength: 80 }], ['Company', 'string', { required: true, maxLength: 255 }],
    ['Title', 'string', { maxLength: 128 }], ['Email', 'email', { maxLength: 80 }], ['Phone', 'phone', { maxLength: 40 }], ['Status', 'picklist'], LEAD_SOURCE,
    ['Industry', 'picklist'], ['Street', 'text'], ['City', 'string', { maxLength: 40 }], ['State', 'string', { maxLength: 80 }], ['PostalCode', 'string', { maxLength: 20 }],
    ['Country', 'string', { maxLength: 80 }], ['HasOptedOutOfEmail', 'boolean'], ['IsConverted', 'boolean', ro], ['ConvertedDate', 'date', ro],
    ['ConvertedAccountId', 'reference', { ...ro, references: 'Account' }], ['ConvertedContactId', 'reference', { ...ro, references: 'Contact' }],
    ['ConvertedOpportunityId', 'reference', { ...ro, references: 'Opportunity' }],
  ], 'A prospect not yet qualified; converting it creates an Account and Contact.'),
  entity('Contact', 'Contact', [
    OWNER, ['AccountId', 'reference', { references: 'Account' }], ['FirstName', 'string', { maxLength: 40 }], ['LastName', 'string', { required: true, maxLength: 80 }],
    ['Title', 'string', { maxLength: 128 }], ['Email', 'email', { maxLength: 80 }], ['Phone', 'phone', { maxLength: 40 }], ['MobilePhone', 'phone', { maxLength: 40 }], LEAD_SOURCE,
    ['MailingStreet', 'text'], ['MailingCity', 'string', { maxLength: 40 }], ['MailingState', 'string', { maxLength: 80 }], ['MailingPostalCode', 'string', { maxLength: 20 }],
    ['MailingCountry', 'string', { maxLength: 80 }], ['HasOptedOutOfEmail', 'boolean'],
  ], 'A person at an Account.'),
  entity('Account', 'Account', [
    OWNER, ['Name', 'string', { required: true, maxLength: 255 }], ['AccountNumber', 'string', { maxLength: 40 }], ['Type', 'picklist'], ['Industry', 'picklist'],
    ['Phone', 'phone', { maxLength: 40 }], ['Website', 'string', { maxLength: 255 }], ['BillingStreet', 'text'], ['BillingCity', 'string', { maxLength: 40 }],
    ['BillingState', 'string', { maxLength: 80 }], ['BillingPostalCode', 'string', { maxLength: 20 }], ['BillingCountry', 'string', { maxLength: 80 }],
    ['ShippingStreet', 'text'], ['ShippingCity', 'string', { maxLength: 40 }], ['ShippingState', 'string', { maxLength: 80 }], ['ShippingPostalCode', 'string', { maxLength: 20 }],
    ['ShippingCountry', 'string', { maxLength: 80 }], ['AnnualRevenue', 'decimal', { scale: 2 }], ['NumberOfEmployees', 'integer'],
    ['Sage100_Customer_No__c', 'string', { externalId: true, maxLength: 20, description: 'Sage 100 customer number (ARDivisionNo-CustomerNo); the upsert key from the ERP.' }],
    ['Lifetime_Value__c', 'decimal', { scale: 2, description: 'Total invoiced in Sage 100.' }], ['Last_Order_Date__c', 'date', { description: 'Date of the latest Sage 100 sales order.' }],
    ['Credit_Limit__c', 'decimal', { scale: 2 }], ['ERP_Status__c', 'picklist', { enum: ['Active', 'On Hold', 'Inactive', 'Pending'] }],
  ], 'A company: customer, prospect or partner.'),
  entity('Opportunity', 'Opportunity', [
    OWNER, ['AccountId', 'reference', { references: 'Account' }], ['Name', 'string', { required: true, maxLength: 120 }], ['StageName', 'picklist', { required: true }],
    ['Amount', 'decimal', { scale: 2 }], ['CloseDate', 'date', { required: true }], ['Probability', 'number'], ['Type', 'picklist'], LEAD_SOURCE,
    ['IsClosed', 'boolean', ro], ['IsWon', 'boolean', ro], ['CampaignId', 'reference', { references: 'Campaign' }], ['Pricebook2Id', 'reference', { references: 'Pricebook2' }],
    ['Sage100_Order_No__c', 'string', { externalId: true, maxLength: 20, description: 'Sage 100 sales order number.' }],
  ], 'A deal; Closed Won opportunities become ERP sales orders.'),
  entity('OpportunityLineItem', 'Opportunity Product', [
    ['OpportunityId', 'reference', { required: true, references: 'Opportunity' }], ['PricebookEntryId', 'reference', { references: 'PricebookEntry' }],
    ['Product2Id', 'reference', { references: 'Product2' }], ['Quantity', 'number', { required: true }], ['UnitPrice', 'decimal', { scale: 2 }],
    ['TotalPrice', 'decimal', { scale: 2 }], ['Discount', 'number'], ['ServiceDate', 'date'], ['Description', 'string', { maxLength: 255 }],
  ], 'A product line on an Opportunity.'),
  entity('Product2', 'Product', [
    ['Name', 'string', { required: true, maxLength: 255 }], ['ProductCode', 'string', { maxLength: 255 }], ['Description', 'text'], ['IsActive', 'boolean'], ['Family', 'picklist'],
    ['Sage100_Item_Code__c', 'string', { externalId: true, maxLength: 30, description: 'Sage 100 item code; the upsert key from the ERP.' }],
  ], 'A product or service sold.'),
  entity('PricebookEntry', 'Price Book Entry', [
    ['Pricebook2Id', 'reference', { required: true, references: 'Pricebook2' }], ['Product2Id', 'reference', { required: true, references: 'Product2' }],
    ['UnitPrice', 'decimal', { required: true, scale: 2 }], ['IsActive', 'boolean'], ['UseStandardPrice', 'boolean'],
  ], "A product's price in a price book."),
  entity('Campaign', 'Campaign', [
    OWNER, ['Name', 'string', { required: true, maxLength: 80 }], ['Type', 'picklist'], ['Status', 'picklist'], ['StartDate', 'date'], ['EndDate', 'date'], ['IsActive', 'boolean'],
  ], 'A marketing campaign.'),
  entity('CampaignMember', 'Campaign Member', [
    ['CampaignId', 'reference', { required: true, references: 'Campaign' }], ['LeadId', 'reference', { references: 'Lead' }], ['ContactId', 'reference', { references: 'Contact' }],
    ['Status', 'picklist'], ['HasResponded', 'boolean', ro],
  ], 'A Lead or Contact in a Campaign.'),
  entity('Task', 'Task', [
    OWNER, ['Subject', 'string', { maxLength: 255 }], ['Status', 'picklist'], ['Priority', 'picklist'], ['ActivityDate', 'date'], ['Description', 'text'],
    ['WhoId', 'reference', { references: 'Contact' }], ['WhatId', 'reference', { references: 'Account' }], ['TaskSubtype', 'picklist'],
  ], 'An activity (call, email, to-do) logged against a person or record.'),
];
