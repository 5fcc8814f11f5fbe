/**
 * Sage X3 journey 1 end to end: a Lead converted in the Salesforce emulator (polled, or followed by
 * Change Data Capture as the template does) becomes one
 * X3 customer (address, contact, category defaults), whose code lands on the converted Account.
 * Repeats never duplicate; a lead X3 refuses (no country) goes to the dead-letter queue with X3's
 * reason, and replayed after a fix lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x3JourneyFixture, type X3JourneyFixture } from '../../support/journeys.js';
import { waitFor } from '../../support/engine.js';

const FLOW = 'x3-lead-to-customer';

describe('Sage X3 journey 1: lead to customer', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: [FLOW] });
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  type Line = Record<string, string>;
  const customersWithEmail = (email: string) => f.x3.tables.list('BPCUSTOMER').filter((c) => (c.CONTACT as Line[]).some((k) => k.CNTEMA === email));
  function convertedLead(values: Record<string, unknown>): { leadId: string; accountId: string } {
    const leadId = org().insert('Lead', { Status: 'Open - Not Contacted', ...values }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    return { leadId, accountId };
  }

  it('creates one customer with its address, contact and category defaults, and writes its code back to the Account', async () => {
    const prospects = f.pardot.state.prospects.size;
    const { accountId } = convertedLead({ FirstName: 'Ann', LastName: 'Lee', Company: 'Contoso Bikes', Email: 'Ann.Lee@Contoso.example', Phone: '(415) 555-0123', Street: '1 Market St', City: 'San Francisco', State: 'California', PostalCode: '94105', Country: 'United States' });
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [customer, ...more] = customersWithEmail('ann.lee@contoso.example');
    expect(more).toHaveLength(0);
    expect(customer).toMatchObject({ BPCNAM: 'Contoso Bikes', BCGCOD: 'WEB', CRY: 'US', BPCSTA: '2', CUR: 'USD', PTE: 'NET15', OSTAUZ: '5000.00' });
    expect(customer.BPADDRESS).toEqual([expect.objectContaining({ BPAADD: 'MAIN', ADDLIG1: '1 Market St', CTY: 'San Francisco', SAT: 'CA', POSCOD: '94105', TEL1: '+14155550123', WEB1: 'ann.lee@contoso.example' })]);
    expect(customer.CONTACT).toEqual([expect.objectContaining({ CNTFNA: 'Ann', CNTLNA: 'Lee', CNTEMA: 'ann.lee@contoso.example' })]);
    expect(org().table('Account').get(accountId)!.SageX3_Customer_No__c).toBe(customer.BPCNUM);
    // Pardot is not part of this journey.
    expect(f.pardot.state.prospects.size).toBe(prospects);
  });

  it('never makes a second customer for the same lead, nor for a second lead with the same email', async () => {
    const before = f.x3.tables.count('BPCUSTOMER');
    const lead = [...org().table('Lead').values()].find((l) => l.Company === 'Contoso Bikes')!;
    await f.poll(FLOW);
    // The same lead delivered again under a new delivery id: the cross-reference finds the customer.
    const runtime = await f.hub.flows.get(FLOW);
    const record = JSON.parse(JSON.stringify(lead)) as Record<string, unknown>;
    const again = await f.store.ingest([{ flow: FLOW, deliveryId: `redelivered-${String(lead.Id)}`, payload: { record, id: String(lead.Id), type: 'changed' } as never, recordKey: String(lead.Id) }], { flowVersion: runtime.version, maxAttempts: 3 });
    expect(again.accepted).toBe(1);
    await f.drain();
    const accountId = String(lead.ConvertedAccountId);
    const second = org().insert('Lead', { Status: 'Open - Not Contacted', LastName: 'Lee', Company: 'Contoso Bikes', Email: 'ann.lee@contoso.example', Country: 'United States' }).id;
    f.salesforce.state.convertLead(second, { accountId });
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(f.x3.tables.count('BPCUSTOMER')).toBe(before);
    const [customer, ...more] = customersWithEmail('ann.lee@contoso.example');
    expect(more).toHaveLength(0);
    expect(customer.CONTACT).toHaveLength(1);
    expect(org().table('Account').get(accountId)!.SageX3_Customer_No__c).toBe(customer.BPCNUM);
  });

  it('sends a lead X3 refuses to the dead-letter queue with X3\'s reason, and a fixed replay lands once', async () => {
    const { accountId } = convertedLead({ LastName: 'Diaz', Company: 'Adventure Works', Email: 'diaz@adventure-works.example', Country: 'Atlantis' });
    await f.poll(FLOW);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/CRY : Mandatory field/);
    expect(dl.error.details).toMatchObject({ field: 'CRY', system: 'sagex3' });
    expect(customersWithEmail('diaz@adventure-works.example')).toHaveLength(0);
    const payload = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: { ...payload.record, Country: 'Canada' } }, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const [customer, ...more] = customersWithEmail('diaz@adventure-works.example');
    expect(more).toHaveLength(0);
    expect(customer).toMatchObject({ CRY: 'CA', BCGCOD: 'INT', PTE: 'NET45' });
    expect(org().table('Account').get(accountId)!.SageX3_Customer_No__c).toBe(customer.BPCNUM);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });
});

describe('Sage X3 journey 1 on Change Data Capture (the template)', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: [FLOW] });
    // The fixture's hub runs workers only; follow the streams too, as `syncline start` does.
    f.hub.streams.start();
  }, 60_000);
  afterAll(async () => f?.close());

  it("makes the customer from the conversion's change event, without a poll, once", async () => {
    await waitFor(() => f.hub.streams.following().length === 1, 'the hub to follow the Lead stream');
    const org = f.salesforce.state.org;
    const leadId = org.insert('Lead', { Status: 'Open - Not Contacted', LastName: 'Okafor', Company: 'Lagos Cycles', Email: 'n.okafor@lagos-cycles.example', Country: 'United States' }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    await waitFor(() => org.table('Account').get(accountId)!.SageX3_Customer_No__c != null, 'the X3 customer code on the Account', 60_000);
    await f.drain(60_000);
    const made = f.x3.tables.list('BPCUSTOMER').filter((c) => (c.CONTACT as Array<Record<string, string>>).some((k) => k.CNTEMA === 'n.okafor@lagos-cycles.example'));
    expect(made.map((c) => c.BPCNUM)).toEqual([org.table('Account').get(accountId)!.SageX3_Customer_No__c]);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  }, 120_000);
});
