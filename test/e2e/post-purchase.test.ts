/**
 * Journey 3 end to end: sales order status changes made in the Sage 100 emulator become Pardot
 * external activities and a last-order-status value on the buyer's prospect; re-polling records
 * nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SO_SalesOrderHeader } from '../../src/sandbox/sage100/schema.js';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

const FLOW = 'post-purchase';

describe('journey 3: post-purchase', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [FLOW], sageSeed: { customers: 4, orders: 3 } });
  }, 60_000);
  afterAll(async () => f?.close());

  const activitiesFor = (email: string) => [...f.pardot.state.externalActivities.values()].filter((a) => a.email === email);
  const prospectFor = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);

  it('turns each status change into one timeline activity and the prospect’s last order status', async () => {
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const order = f.sage.db.list(SO_SalesOrderHeader).find((o) => String(o.EmailAddress ?? '').trim() !== '' && o.OrderType === 'S')!;
    const no = String(order.SalesOrderNo);
    const email = String(order.EmailAddress).trim().toLowerCase();
    const initial = activitiesFor(email).filter((a) => String(a.value).includes(no));
    expect(initial).toHaveLength(1);

    f.sage.advanceClock(1000);
    f.sage.setOrderStatus(no, 'H');
    await f.poll(FLOW);
    f.sage.advanceClock(1000);
    f.sage.setOrderStatus(no, 'O');
    f.sage.advanceClock(1000);
    expect(f.sage.setOrderStatus(no, 'C')).toBe('C');
    await f.poll(FLOW);
    // Polled again with nothing new: the overlap re-reads the order, the inbox drops the repeat.
    await f.poll(FLOW);

    const mine = activitiesFor(email).filter((a) => String(a.value).includes(no));
    // Placed (first read), On Hold, then Shipped: O and C happened between two polls, so only the latest is seen.
    expect(mine.map((a) => a.type)).toEqual([initial[0].type, 'Order_On_Hold', 'Order_Shipped']);
    expect(mine.every((a) => a.extension === 'Syncline')).toBe(true);
    const [prospect, ...more] = prospectFor(email);
    expect(more).toHaveLength(0);
    expect(prospect.last_order_status__c).toBe('Shipped');
    expect(prospect.erp_customer_number__c).toBe(`${String(order.ARDivisionNo)}-${String(order.CustomerNo)}`);
  });
});
