/**
 * Related reads of the Salesforce connector: the change query of Opportunity selects the Account's
 * ERP number and the line items subquery, with only the ERP fields the org has (a Sage 100 org has no
 * Sage X3 item field); child results become arrays, a nested `nextRecordsUrl` (Salesforce pages large
 * child results) is followed, and a parent without children gets [].
 */
import { describe, expect, it } from 'vitest';
import type { SalesforceClient } from '../../../src/connectors/salesforce/client.js';
import { changesSoql } from '../../../src/connectors/salesforce/entities/read.js';
import { flattenChildren, relatedIn, relatedSelect } from '../../../src/connectors/salesforce/entities/related.js';

describe('Salesforce related reads', () => {
  it('adds the parent field and the child subquery to the Opportunity change query only', () => {
    const soql = changesSoql('Opportunity', null, ['Name'], Date.parse('2026-01-01T00:00:00Z'));
    expect(soql).toContain('Account.Sage100_Customer_No__c');
    expect(soql).toContain('(SELECT Id, Quantity, UnitPrice, TotalPrice, Product2Id, Product2.Sage100_Item_Code__c, Product2.SageX3_Item_Ref__c, Product2.TIMS_Item_Code__c FROM OpportunityLineItems)');
    expect(relatedSelect('Lead')).toEqual([]);
  });

  it("selects only the ERP fields the org's Account and Product2 have", async () => {
    const described: Record<string, string[]> = { Account: ['Id', 'Name', 'SageX3_Customer_No__c'], Product2: ['Id', 'Name', 'SageX3_Item_Ref__c'] };
    const asked: string[] = [];
    const related = await relatedIn('Opportunity', async (object) => {
      asked.push(object);
      return described[object] ?? [];
    });
    expect(related).toEqual({ parents: ['Account.SageX3_Customer_No__c'], children: [{ relationship: 'OpportunityLineItems', fields: ['Id', 'Quantity', 'UnitPrice', 'TotalPrice', 'Product2Id', 'Product2.SageX3_Item_Ref__c'] }] });
    expect(new Set(asked)).toEqual(new Set(['Account', 'Product2']));
    const soql = changesSoql('Opportunity', null, ['Name'], Date.parse('2026-01-01T00:00:00Z'), related);
    expect(soql).toContain('Account.SageX3_Customer_No__c, (SELECT Id, Quantity, UnitPrice, TotalPrice, Product2Id, Product2.SageX3_Item_Ref__c FROM OpportunityLineItems)');
    expect(soql).not.toContain('Sage100');
    expect(soql).not.toContain('TIMS');
    expect(await relatedIn('Lead', async () => [])).toBeUndefined();
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
