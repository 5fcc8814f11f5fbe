/**
 * TIMS journey 1 end to end: a Lead converted in the Salesforce emulator is polled and becomes one
 * TIMS customer with its default ship-to location; the customer code lands on the converted Account.
 * Repeats never duplicate; a lead whose company name is too long for TIMS goes to the dead-letter
 * queue and, replayed after a fix, lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timsJourneyFixture, type TimsJourneyFixture } from './harness.js';

const FLOW = 'tims-lead-to-customer';

describe('TIMS journey 1: lead to customer', () => {
  let f: TimsJourneyFixture;
  beforeAll(async () => {
    f = await timsJourneyFixture([FLOW]);
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const customersWithEmail = (email: string) => [...f.tims.books.customers.values()].filter((c) => c.email === email);
  function convertedLead(values: Record<string, unknown>): { leadId: string; accountId: string } {
    const leadId = org().insert('Lead', { Status: 'Open - Not Contacted', ...values }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    return { leadId, accountId };
  }

  it('creates one customer with its ship-to at the Billings branch and writes the code back to the Account', async () => {
    const { accountId } = convertedLead({ FirstName: 'Dale', LastName: 'Crane', Company: 'Laurel Refinery Maintenance', Email: 'Maint@LaurelRefinery.example', Phone: '(406) 628-0000', Street: '803 Hwy 212 S', City: 'Laurel', State: 'Montana', PostalCode: '59044', Country: 'United States' });
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [customer, ...more] = customersWithEmail('maint@laurelrefinery.example');
    expect(more).toHaveLength(0);
    expect(customer).toMatchObject({ name: 'Laurel Refinery Maintenance', terms: 'NET30', salesperson: 'WEB', phone: '+14066280000', externalId: accountId, status: 'active', billingAddress: { line1: '803 Hwy 212 S', city: 'Laurel', state: 'MT', postalCode: '59044', country: 'US' } });
    const locations = f.tims.books.locationsOf(customer.customerCode);
    expect(locations).toHaveLength(1);
    expect(locations[0]).toMatchObject({ isDefault: true, warehouseId: 'BIL', name: 'Laurel Refinery Maintenance', address: { city: 'Laurel' } });
    expect(org().table('Account').get(accountId)!.TIMS_Customer_Code__c).toBe(customer.customerCode);
  });

  it('never makes a second customer: not on a re-poll, a redelivery, nor a second lead of the same Account', async () => {
    const before = f.tims.books.customers.size;
    const lead = [...org().table('Lead').values()].find((l) => l.Company === 'Laurel Refinery Maintenance')!;
    await f.poll(FLOW);
    const runtime = await f.hub.flows.get(FLOW);
    const record = JSON.parse(JSON.stringify(lead)) as Record<string, unknown>;
    const again = await f.store.ingest([{ flow: FLOW, deliveryId: `redelivered-${String(lead.Id)}`, payload: { record, id: String(lead.Id), type: 'changed' } as never, recordKey: String(lead.Id) }], { flowVersion: runtime.version, maxAttempts: 3 });
    expect(again.accepted).toBe(1);
    await f.drain();
    // A colleague's lead, another e-mail, converted into the same Account: the bridge knows the Account.
    const accountId = String(lead.ConvertedAccountId);
    const second = org().insert('Lead', { Status: 'Open - Not Contacted', LastName: 'Vega', Company: 'Laurel Refinery Maintenance', Email: 'rosa.vega@laurelrefinery.example', Phone: '(406) 628-0101' }).id;
    f.salesforce.state.convertLead(second, { accountId });
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.tims.books.customers.size).toBe(before);
    // The Account's customer, found through its link, holds the latest converted lead's contact data.
    const [customer, ...more] = [...f.tims.books.customers.values()].filter((c) => c.externalId === accountId);
    expect(more).toHaveLength(0);
    expect(f.tims.books.locationsOf(customer.customerCode)).toHaveLength(1);
    expect(org().table('Account').get(accountId)!.TIMS_Customer_Code__c).toBe(customer.customerCode);
  });

  it('sends a company name over 40 characters to the dead-letter queue, and a fixed replay lands once', async () => {
    const { accountId } = convertedLead({ LastName: 'Brandt', Company: 'Stillwater Valley Agricultural Cooperative Association', Email: 'cbrandt@svaca.example', Street: '12 Grain Rd', City: 'Columbus', State: 'MT', PostalCode: '59019', Country: 'US' });
    await f.poll(FLOW);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/name/);
    expect(dl.error.message).toMatch(/40/);
    expect(customersWithEmail('cbrandt@svaca.example')).toHaveLength(0);
    const payload = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: { ...payload.record, Company: 'Stillwater Valley Ag Co-op' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const [customer, ...more] = customersWithEmail('cbrandt@svaca.example');
    expect(more).toHaveLength(0);
    expect(customer.name).toBe('Stillwater Valley Ag Co-op');
    expect(org().table('Account').get(accountId)!.TIMS_Customer_Code__c).toBe(customer.customerCode);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
    // Replaying the same dead letter again changes nothing.
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    expect(customersWithEmail('cbrandt@svaca.example')).toHaveLength(1);
  });

  it('spoke only the published contract with the TIMS bridge', () => {
    expect(f.tims.calls.length).toBeGreaterThan(0);
    expect(f.contractProblems()).toEqual([]);
  });
});
