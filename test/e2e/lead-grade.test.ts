/** Journey 5 end to end: the credit limit set in the Sage 100 emulator grades the Pardot prospect by the flow's rule. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'lead-grade';

describe('journey 5: lead grade from the ERP', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW], sageSeed: { customers: 4 } });
  }, 60_000);
  afterAll(async () => f?.close());

  const gradeOf = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted).map((p) => p.grade);

  it('grades A over 50,000, B over 10,000, C otherwise, D on credit hold, and regrades on change', async () => {
    const customers = f.sage.db.list(AR_Customer).filter((c) => String(c.EmailAddress ?? '').trim() !== '');
    expect(customers.length).toBeGreaterThanOrEqual(4);
    const ids = customers.slice(0, 4).map((c) => `${String(c.ARDivisionNo)}-${String(c.CustomerNo)}`);
    const limits: Array<[string, 'Y' | 'N', string]> = [['75000.00', 'N', 'A'], ['50000.00', 'N', 'B'], ['9999.99', 'N', 'C'], ['90000.00', 'Y', 'D']];
    limits.forEach(([limit, hold], i) => f.sage.setCreditLimit(ids[i], limit, hold));
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    customers.slice(0, 4).forEach((c, i) => expect(gradeOf(String(c.EmailAddress).trim().toLowerCase())).toEqual([limits[i][2]]));

    f.sage.advanceClock(1000);
    f.sage.setCreditLimit(ids[2], '60000.00', 'N');
    await f.poll(FLOW);
    expect(gradeOf(String(customers[2].EmailAddress).trim().toLowerCase())).toEqual(['A']);
  });
});
