/**
 * Regression found by the chaos run: when the target write of a record succeeded but its write-back
 * failed, the retry found the target unchanged (same payload hash) and skipped the write-back too, so
 * the converted Account never got its Sage 100 customer number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'lead-to-customer';

describe('write-back after a retried record', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW] });
  }, 60_000);
  afterAll(async () => f?.close());

  it('still writes the customer number back when the first write-back attempt failed', async () => {
    const org = f.salesforce.state.org;
    const leadId = org.insert('Lead', { Status: 'Open - Not Contacted', LastName: 'Retry', Company: 'Writeback Co', Email: 'retry.writeback@example.com' }).id;
    const { accountId } = f.salesforce.state.convertLead(leadId);
    // The Account update (the write-back) fails once with a 503; everything else answers normally.
    f.salesforce.faults.add({ method: 'PATCH', path: '/sobjects/Account/', count: 1, fault: { status: 503, body: { error: 'unavailable' } } });
    await f.poll(FLOW, 60_000);
    expect(f.salesforce.faults.injected).toBe(1);
    const customers = f.sage.db.list(AR_Customer).filter((c) => c.EmailAddress === 'retry.writeback@example.com');
    expect(customers).toHaveLength(1);
    expect(org.table('Account').get(accountId)!.Sage100_Customer_No__c).toBe(`01-${String(customers[0].CustomerNo)}`);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  }, 90_000);
});
