/**
 * Sage X3 journey 3 end to end: an X3 order placed, put on hold, released, shipped and invoiced
 * becomes Pardot external activities on the buyer's timeline and their prospect's last order status;
 * re-polling records nothing twice; an order whose activity Pardot refuses is dead-lettered and,
 * replayed after the fix, lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSecond, x3JourneyFixture, type X3JourneyFixture } from '../../support/journeys.js';

const FLOW = 'x3-post-purchase';

describe('Sage X3 journey 3: post-purchase', () => {
  let f: X3JourneyFixture;
  beforeAll(async () => {
    f = await x3JourneyFixture({ flows: [FLOW], x3Seed: { customers: 4, orders: 3 } });
  }, 60_000);
  afterAll(async () => f?.close());

  type Line = Record<string, string>;
  const activitiesFor = (email: string, order: string) => [...f.pardot.state.externalActivities.values()].filter((a) => a.email === email && String(a.value).includes(order));
  const prospectsFor = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);

  it('turns each change of an order into one timeline activity and the prospect\'s last order status', async () => {
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const customer = f.x3.tables.get('BPCUSTOMER', 'PT001') ? 'PT001' : String(f.x3.tables.list('BPCUSTOMER')[0].BPCNUM);
    const email = String((f.x3.tables.get('BPCUSTOMER', customer)!.CONTACT as Line[])[0].CNTEMA);
    await nextSecond();
    f.x3.business.setCredit(customer, '100.00');
    const order = String(f.x3.business.createOrder({ fields: { BPCORD: customer, SALFCY: 'NA011' }, children: { SORDERQ: [{ fields: { ITMREF: 'BMS001', QTY: '1' } }] } }, 'JSMITH').row.SOHNUM);
    await f.poll(FLOW);
    expect(activitiesFor(email, order).map((a) => a.type)).toEqual(['Order_On_Hold']);
    expect(prospectsFor(email)[0].last_order_status__c).toBe('On Hold');

    await nextSecond();
    f.x3.business.setCredit(customer, '100000.00');
    f.x3.business.releaseOrder(order);
    await f.poll(FLOW);
    await nextSecond();
    f.x3.business.shipOrder(order);
    await f.poll(FLOW);
    await nextSecond();
    f.x3.business.postInvoice(order);
    await f.poll(FLOW);
    // Nothing new: the overlap re-reads the order, the inbox drops the repeat.
    await f.poll(FLOW);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const mine = activitiesFor(email, order);
    expect(mine.map((a) => a.type)).toEqual(['Order_On_Hold', 'Order_Placed', 'Order_Shipped', 'Order_Invoiced']);
    expect(mine.every((a) => a.extension === 'Syncline')).toBe(true);
    expect(mine.at(-1)!.value).toBe(`Sales order ${order} (Delivered, Invoiced)`);
    const [prospect, ...more] = prospectsFor(email);
    expect(more).toHaveLength(0);
    expect(prospect).toMatchObject({ last_order_status__c: 'Invoiced', erp_customer_number__c: customer });
    expect(f.x3.tables.get('SORDER', order)).toMatchObject({ ORDSTA: '2', DLVSTA: '3', INVSTA: '3' });
  });

  it('dead-letters an activity Pardot refuses and lands it once after the fix', async () => {
    const customer = String(f.x3.tables.list('BPCUSTOMER')[1].BPCNUM);
    const email = String((f.x3.tables.get('BPCUSTOMER', customer)!.CONTACT as Line[])[0].CNTEMA);
    await nextSecond();
    const order = String(f.x3.business.createOrder({ fields: { BPCORD: customer, SALFCY: 'NA021' }, children: { SORDERQ: [{ fields: { ITMREF: 'BMS002', QTY: '1' } }] } }, 'JSMITH').row.SOHNUM);
    // The marketing admin deactivated the activity type in Pardot.
    const type = f.pardot.state.externalActivityTypes.find((t) => t.type === 'Order_Placed')!;
    type.isActive = false;
    await f.poll(FLOW);
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open' });
    expect(others).toHaveLength(0);
    expect(dl.error.message).toMatch(/Order_Placed|type/i);
    type.isActive = true;
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    expect(activitiesFor(email, order).map((a) => a.type)).toEqual(['Order_Placed']);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });
});
