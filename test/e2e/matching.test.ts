/**
 * A match finds the target however the target stores the key (journey 1 against Sage 100): an
 * existing customer keyed with capitals and padding is found by the lower-cased email, a found link
 * (the converted Account already linked to a customer) beats a search by email, and an email that
 * finds two customers is a conflict for a person, never a third customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'lead-to-customer';

describe('journey 1 matching against Sage 100', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW, 'customer-enrichment'], sageSeed: { customers: 2, orders: 0, invoices: 0 } });
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const customers = () => f.sage.db.list(AR_Customer);
  const withEmail = (email: string) => customers().filter((c) => String(c.EmailAddress ?? '').trim().toLowerCase() === email);
  /** A customer keyed in Customer Maintenance, staged through the emulator's control API. */
  async function newCustomer(values: Record<string, string>): Promise<void> {
    const res = await fetch(`${f.sage.url}/__sandbox/activity/new-customer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(values) });
    expect(res.status).toBe(201);
  }
  function convert(values: Record<string, unknown>, accountId?: string): { leadId: string; accountId: string } {
    const leadId = org().insert('Lead', { Status: 'Open - Not Contacted', ...values }).id;
    return { leadId, accountId: f.salesforce.state.convertLead(leadId, accountId ? { accountId } : {}).accountId };
  }

  it('finds a customer stored with capitals by the lead\'s lower-cased email instead of creating a second one', async () => {
    await newCustomer({ ARDivisionNo: '01', CustomerNo: 'CAPS', CustomerName: 'Capital Letters Inc', EmailAddress: 'Ann.Capital@Letters.Example' });
    const before = customers().length;
    const { accountId } = convert({ LastName: 'Capital', Company: 'Capital Letters Inc', Email: 'ann.capital@letters.example' });
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(customers().length).toBe(before);
    expect(org().table('Account').get(accountId)!.Sage100_Customer_No__c).toBe('01-CAPS');
  });

  it('prefers the converted Account\'s existing customer (its link) to a search by email', async () => {
    // customer-enrichment made the Account of customer 01-LINK and linked the two.
    await newCustomer({ ARDivisionNo: '01', CustomerNo: 'LINK', CustomerName: 'Linked Co', EmailAddress: 'ap@linked.example' });
    await f.poll('customer-enrichment');
    const account = [...org().table('Account').values()].find((a) => a.Sage100_Customer_No__c === '01-LINK')!;
    expect(account).toBeDefined();
    // Another customer already has the lead's email; without the link the email would pick it.
    await newCustomer({ ARDivisionNo: '01', CustomerNo: 'OTHER', CustomerName: 'Other Co', EmailAddress: 'buyer@linked.example' });
    const before = customers().length;
    convert({ LastName: 'Buyer', Company: 'Linked Co', Email: 'buyer@linked.example' }, String(account.Id));
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(customers().length).toBe(before);
    // The Account keeps its customer number (it does not flip to OTHER), and LINK got the lead's email.
    expect(org().table('Account').get(String(account.Id))!.Sage100_Customer_No__c).toBe('01-LINK');
    expect(String(f.sage.db.get(AR_Customer, { ARDivisionNo: '01', CustomerNo: 'LINK' })!.EmailAddress).trim()).toBe('buyer@linked.example');
  });

  it('sends an email that finds two customers to the dead-letter queue as a conflict, and creates nothing', async () => {
    await newCustomer({ ARDivisionNo: '01', CustomerNo: 'TWIN1', CustomerName: 'Twin One', EmailAddress: 'Twins@Example.com' });
    await newCustomer({ ARDivisionNo: '01', CustomerNo: 'TWIN2', CustomerName: 'Twin Two', EmailAddress: 'twins@example.COM' });
    const before = customers().length;
    convert({ LastName: 'Twin', Company: 'Twins Ltd', Email: 'twins@example.com' });
    await f.poll(FLOW);
    const dead = await f.store.listDeadLetters({ status: 'open' });
    expect(dead).toHaveLength(1);
    expect(dead[0].error).toMatchObject({ kind: 'conflict', details: { field: 'EmailAddress' } });
    expect(customers().length).toBe(before);
    expect(withEmail('twins@example.com')).toHaveLength(2);
  });
});
