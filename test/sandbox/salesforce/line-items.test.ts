/**
 * Opportunity products in the emulated org, as Salesforce's object reference and help describe them:
 * a line's price book entry must be active and in the Opportunity's price book (an Opportunity without
 * one takes the entry's with its first line), a line gives a sales price or a total price, not both,
 * an Opportunity with lines has their total as its Amount (a written Amount is accepted and ignored),
 * and its price book cannot change once it has lines.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/sandbox/salesforce/errors.js';
import { Org } from '../../../src/sandbox/salesforce/org.js';

function org() {
  const o = new Org(() => Date.parse('2026-12-01T12:00:00Z'));
  const standard = o.insert('Pricebook2', { Name: 'Standard Price Book', IsActive: true }).id;
  const partner = o.insert('Pricebook2', { Name: 'Partner prices', IsActive: true }).id;
  const product = o.insert('Product2', { Name: 'Ball Valve', ProductCode: 'PV-3300', IsActive: true }).id;
  const entry = o.insert('PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: 38.9, IsActive: true }).id;
  const partnerEntry = o.insert('PricebookEntry', { Pricebook2Id: partner, Product2Id: product, UnitPrice: 31, IsActive: true }).id;
  const opp = o.insert('Opportunity', { Name: 'Web order', StageName: 'Closed Won', CloseDate: '2026-12-01', Amount: 999 }).id;
  return { o, standard, partner, product, entry, partnerEntry, opp };
}

function refused(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the org to refuse the write');
}

describe('Salesforce emulator: Opportunity products', () => {
  it('the first line gives the Opportunity its price book; Amount becomes the total of the lines and ignores writes', () => {
    const { o, standard, entry, opp } = org();
    const line = o.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: entry, Quantity: 10, UnitPrice: 38.9 }).id;
    expect(o.table('Opportunity').get(opp)).toMatchObject({ Pricebook2Id: standard, Amount: 389 });
    o.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: entry, Quantity: 2 });
    expect(o.table('Opportunity').get(opp)!.Amount).toBe(466.8);
    o.update('Opportunity', opp, { Amount: 5, StageName: 'Closed Won' });
    expect(o.table('Opportunity').get(opp)!.Amount).toBe(466.8);
    o.update('OpportunityLineItem', line, { Quantity: 4 });
    expect(o.table('OpportunityLineItem').get(line)).toMatchObject({ Quantity: 4, UnitPrice: 38.9, TotalPrice: 155.6 });
    expect(o.table('Opportunity').get(opp)!.Amount).toBe(233.4);
    o.remove('OpportunityLineItem', line);
    expect(o.table('Opportunity').get(opp)!.Amount).toBe(77.8);
  });

  it('refuses an entry of another price book, an inactive entry, both prices, and a price book change once lines exist', () => {
    const { o, partner, entry, partnerEntry, opp } = org();
    o.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: entry, Quantity: 1 });
    const other = refused(() => o.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: partnerEntry, Quantity: 1 }));
    expect(other).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['PricebookEntryId'] });
    expect(other.message).toMatch(/different pricebook than the one assigned to the opportunity/);
    expect(refused(() => o.update('Opportunity', opp, { Pricebook2Id: partner })).message).toMatch(/cannot change pricebook on opportunity with line items/);

    o.update('PricebookEntry', entry, { IsActive: false });
    expect(refused(() => o.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: entry, Quantity: 1 })).message).toMatch(/pricebook entry is inactive/);
    o.update('PricebookEntry', entry, { IsActive: true });
    expect(refused(() => o.insert('OpportunityLineItem', { OpportunityId: opp, PricebookEntryId: entry, Quantity: 1, UnitPrice: 1, TotalPrice: 1 })).errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    // A line never moves to another Opportunity or entry.
    const line = [...o.table('OpportunityLineItem').values()][0];
    expect(refused(() => o.update('OpportunityLineItem', String(line.Id), { PricebookEntryId: entry })).errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    expect(o.linesOf(opp)).toHaveLength(1);
  });
});
