/**
 * Related reads of the Salesforce connector: the change query of Opportunity selects the Account's
 * ERP number and the line items subquery; child results become arrays, a nested `nextRecordsUrl`
 * (Salesforce pages large child results) is followed, and a parent without children gets [].
 */
import { describe, expect, it } from 'vitest';
import type { SalesforceClient } from '../../../src/connectors/salesforce/client.js';
import { changesSoql } from '../../../src/connectors/salesforce/entities/read.js';
import { flattenChildren, relatedSelect } from '../../../src/connectors/salesforce/entities/related.js';

describe('Salesforce related reads', () => {
  it('adds the parent field and the child subquery to the Opportunity change query only', () => {
    const soql = changesSoql('Opportunity', null, ['Name'], Date.parse('2026-01-01T00:00:00Z'));
    expect(soql).toContain('Account.Sage100_Customer_No__c');
    expect(soql).toContain('(SELECT Id, Quantity, UnitPrice, TotalPrice, Product2Id, Product2.Sage100_Item_Code__c FROM OpportunityLineItems)');
    expect(relatedSelect('Lead')).toEqual([]);
  });

  it('turns child results into arrays and follows a nested nextRecordsUrl', async () => {
    const calls: string[] = [];
    const client = {
      json: async (req: { path: string }) => {
        calls.push(req.path);
        return { totalSize: 3, done: true, records: [{ attributes: { type: 'OpportunityLineItem' }, Id: '00k3', Quantity: 3 }] };
      },
    } as unknown as SalesforceClient;
    const rec = {
      Id: '006A',
      OpportunityLineItems: {
        totalSize: 3,
        done: false,
        nextRecordsUrl: '/services/data/v62.0/query/01gX-2',
        records: [{ attributes: { type: 'OpportunityLineItem' }, Id: '00k1', Quantity: 1, Product2: { attributes: { type: 'Product2' }, Sage100_Item_Code__c: 'A' } }, { Id: '00k2', Quantity: 2 }],
      },
    };
    const out = await flattenChildren(client, 'Opportunity', rec);
    expect(calls).toEqual(['/services/data/v62.0/query/01gX-2']);
    expect(out.OpportunityLineItems).toEqual([{ Id: '00k1', Quantity: 1, Product2: { Sage100_Item_Code__c: 'A' } }, { Id: '00k2', Quantity: 2 }, { Id: '00k3', Quantity: 3 }]);
    expect((await flattenChildren(client, 'Opportunity', { Id: '006B', OpportunityLineItems: null })).OpportunityLineItems).toEqual([]);
  });
});
