/** The Sage 100 initial-load flow, shared by the bulk benchmark and the Sage 100 bulk e2e test so both load through the same mapping. */
export const SAGE100_BULK_FLOW = `name: bulk-customers
description: Sage 100 customers to Salesforce Accounts and Pardot prospects (initial load)
trigger: { type: manual }
source: { connection: sage100, entity: AR_Customer }
filter: "EmailAddress != ''"
targets:
  - name: account
    connection: salesforce
    entity: Account
    mapping:
      Name: CustomerName
      Sage100_Customer_No__c: { expr: "ARDivisionNo & '-' & CustomerNo" }
      BillingCity: City
      Phone: TelephoneNo
    write: { verb: upsert, externalIdField: Sage100_Customer_No__c }
  - name: prospect
    connection: pardot
    entity: prospect
    mapping:
      email: { expr: "$lowercase($trim(EmailAddress))" }
      company: CustomerName
    match: { keys: [email] }
`;

/** The Sage X3 initial-load flow, shared by the bulk benchmark and the X3 bulk e2e test so both load through the same mapping. */
export const X3_BULK_FLOW = `name: bulk-customers
description: Sage X3 customers to Salesforce Accounts and Pardot prospects (initial load)
trigger: { type: manual }
source: { connection: sagex3, entity: BPCUSTOMER }
filter: "CNTEMA != null and CNTEMA != ''"
targets:
  - name: account
    connection: salesforce
    entity: Account
    mapping:
      Name: BPCNAM
      SageX3_Customer_No__c: BPCNUM
      BillingCity: CTY
      Lifetime_Value__c: { expr: '$money(totals.lifetimeValue)' }
    write: { verb: upsert, externalIdField: SageX3_Customer_No__c }
  - name: prospect
    connection: pardot
    entity: prospect
    mapping:
      email: { expr: "$lowercase($trim(CNTEMA))" }
      company: BPCNAM
    match: { keys: [email] }
`;
