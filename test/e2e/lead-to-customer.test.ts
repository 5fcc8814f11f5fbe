/**
 * Journey 1 end to end: a Lead converted in the Salesforce emulator is polled, becomes one Sage 100
 * customer, and the customer number lands on the converted Account. Repeats never duplicate; an
 * invalid lead goes to the dead-letter queue and, replayed after a fix, lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';

const FLOW = 'lead-to-customer';

describe.each(['sqlite', 'postgres'] as const)('journey 1: lead to customer on %s', (store) => {
  let f: JourneyFixture;
  let run = true;
  beforeAll(async () => {
    if (store === 'postgres') run = await requirePostgres('journey 1 on postgres');
    if (run) f = await journeyFixture({ flows: [FLOW], store });
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const customersWithEmail = (email: string) => f.sage.db.list(AR_Customer).filter((c) => String(c.EmailAddress ?? '').trim().toLowerCase() === email);
  function convertedLead(values: Record<string, unknown>): { leadId: string; accountId: string } {
    const leadId = org().insert('Lead', { Status: 'Open - Not Contacted', ...values }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    return { leadId, accountId };
  }

  it('creates one customer with the required defaults and writes its number back to the Account', async () => {
    if (!run) return;
    const { accountId } = convertedLead({ FirstName: 'Ann', LastName: 'Lee', Company: 'Contoso Ltd', Email: 'Ann.Lee@Contoso.example', Phone: '(415) 555-0123', City: 'San Francisco', State: 'California', Country: 'United States' });
    await f.poll(FLOW);
    const [customer, ...more] = customersWithEmail('ann.lee@contoso.example');
    expect(more).toHaveLength(0);
    expect(customer).toMatchObject({ ARDivisionNo: '01', CustomerName: 'Contoso Ltd', State: 'CA', CountryCode: 'USA', SalespersonNo: '0100', TermsCode: '01' });
    const account = org().table('Account').get(accountId)!;
    expect(account.Sage100_Customer_No__c).toBe(`01-${String(customer.CustomerNo)}`);
  });

  it('never makes a second customer for the same lead, nor for a second lead with the same email', async () => {
    if (!run) return;
    const before = f.sage.db.list(AR_Customer).length;
    const lead = [...org().table('Lead').values()].find((l) => l.Company === 'Contoso Ltd')!;
    // Re-polling re-reads the overlap window: the inbox drops the repeat.
    await f.poll(FLOW);
    // The same lead delivered again under a new delivery id (a lost watermark, a replay): the
    // cross-reference finds the customer, so it is updated in place, not created again.
    const runtime = await f.hub.flows.get(FLOW);
    const record = JSON.parse(JSON.stringify(lead)) as Record<string, unknown>;
    const again = await f.store.ingest([{ flow: FLOW, deliveryId: `redelivered-${String(lead.Id)}`, payload: { record, id: String(lead.Id), type: 'changed' } as never, recordKey: String(lead.Id) }], { flowVersion: runtime.version, maxAttempts: 3 });
    expect(again.accepted).toBe(1);
    await f.drain();
    // A second lead with the same email, converted into the same Account, matches by email.
    const accountId = String(lead.ConvertedAccountId);
    const second = org().insert('Lead', { Status: 'Open - Not Contacted', LastName: 'Lee', Company: 'Contoso Ltd', Email: 'ann.lee@contoso.example' }).id;
    f.salesforce.state.convertLead(second, { accountId });
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.sage.db.list(AR_Customer).length).toBe(before);
    const [customer, ...more] = customersWithEmail('ann.lee@contoso.example');
    expect(more).toHaveLength(0);
    expect(org().table('Account').get(accountId)!.Sage100_Customer_No__c).toBe(`01-${String(customer.CustomerNo)}`);
  });

  it('sends a company name over 30 characters to the dead-letter queue, and a fixed replay lands once', async () => {
    if (!run) return;
    const { accountId } = convertedLead({ LastName: 'Diaz', Company: 'Adventure Works Cycles International Holdings', Email: 'diaz@adventure-works.example' });
    await f.poll(FLOW);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/CustomerName/);
    expect(dl.error.message).toMatch(/30/);
    expect(customersWithEmail('diaz@adventure-works.example')).toHaveLength(0);
    const payload = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: { ...payload.record, Company: 'Adventure Works Cycles' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const [customer, ...more] = customersWithEmail('diaz@adventure-works.example');
    expect(more).toHaveLength(0);
    expect(customer.CustomerName).toBe('Adventure Works Cycles');
    expect(org().table('Account').get(accountId)!.Sage100_Customer_No__c).toBe(`01-${String(customer.CustomerNo)}`);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });
});
