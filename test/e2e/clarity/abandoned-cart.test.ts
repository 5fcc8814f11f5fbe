/**
 * Journey 4 end to end, played with the shop's clock: a shopper fills a cart and leaves; an hour of
 * idle time later the shop marks it Abandoned and pushes the change; the hub finds or creates the
 * Pardot prospect, writes the cart on it and adds it to the recovery list. The reconciling read of the
 * same change runs nothing twice; a repeated push is dropped and a lost one is caught by the
 * reconciling read; an anonymous cart is skipped with its reason on the trace; a second abandonment
 * lists the prospect once; the checkout records the purchase and takes the prospect off the list. A
 * bad record goes to the dead-letter queue with a readable reason and a fixed replay lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/sandbox/clarity/model.js';
import { journeyStores } from '../../support/postgres.js';
import { clarityFixture, type ClarityFixture } from './harness.js';

const ABANDONED = 'clarity-cart-abandoned';
const RECOVERED = 'clarity-cart-recovered';
const RECOVERY_LIST = 48211;
const HOUR = 3_600_000;

describe.each(await journeyStores('journey 4: abandoned cart recovery (Clarity → Pardot)'))('journey 4: abandoned cart recovery (Clarity → Pardot) on %s', (store) => {
  let f: ClarityFixture;
  beforeAll(async () => {
    f = await clarityFixture([ABANDONED, RECOVERED], { store });
    f.pushTo(ABANDONED);
    // The shop's history: its old carts age out on the first read; both flows catch up.
    await f.poll(ABANDONED);
    await f.poll(RECOVERED);
    await f.settle();
  }, 60_000);
  afterAll(async () => f?.close());

  const prospects = (email: string) => [...f.pardot.state.prospects.values()].filter((p) => p.email === email && !p.isDeleted);
  const onList = (prospectId: unknown) => [...f.pardot.state.listMemberships.values()].filter((m) => m.listId === RECOVERY_LIST && m.prospectId === prospectId && !m.isDeleted);
  const runsOf = async (eventId: unknown) => f.store.listRuns({ flow: ABANDONED, key: String(eventId), limit: 50 });
  const lastCartEvent = (cartId: unknown): Row => f.shop.state.rows('CartEvent').filter((e) => e.MasterID === cartId).at(-1)!;

  it('the shop history: a non-subscriber is listed but never mailable; an anonymous cart is skipped with its reason', async () => {
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [james] = prospects('james.okafor@abbottfasteners.example');
    expect(james).toMatchObject({ optedOut: true, cart_status__c: 'Abandoned', cart_value__c: 77.8 });
    expect(onList(james.id)).toHaveLength(1);
    const anonymous = f.shop.state.rows('Cart').find((c) => c.UserID === null)!;
    const [run] = await f.store.listRuns({ flow: ABANDONED, key: String(lastCartEvent(anonymous.ID).ID) });
    expect(run.status).toBe('skipped');
    const traces = await f.store.listTraces(run.id);
    expect(traces.find((t) => t.step === 'filter')?.after).toEqual({ reason: 'anonymous cart: no signed-in shopper with an email to send a recovery email to' });
  });

  it('an idle cart is abandoned by the clock, pushed, and recovered once: prospect found, cart fields, list', async () => {
    // Noah bought before (the shop history): his prospect exists, off the list.
    expect(prospects('noah.fischer@mailbox.example')).toMatchObject([{ cart_status__c: 'Purchased' }]);
    const cart = f.shop.fillCart('noah.fischer@mailbox.example', [{ sku: 'TW-5005', quantity: 1 }, { sku: 'SG-4100', quantity: 2 }]);
    f.shop.advanceClock(30 * 60_000);
    await f.settle();
    expect(prospects('noah.fischer@mailbox.example')).toMatchObject([{ cart_status__c: 'Purchased' }]);
    expect(onList(prospects('noah.fischer@mailbox.example')[0].id)).toHaveLength(0);
    f.shop.advanceClock(31 * 60_000);
    await f.settle();
    const event = lastCartEvent(cart.ID);
    expect(event).toMatchObject({ NewStatusID: 2 });
    const [noah, ...more] = prospects('noah.fischer@mailbox.example');
    expect(more).toHaveLength(0);
    expect(noah).toMatchObject({ firstName: 'Noah', lastName: 'Fischer', cart_value__c: 200.4, cart_status__c: 'Abandoned', cart_recovery_url__c: `https://shop.example.com/Cart?restore=${String(cart.SessionID)}` });
    expect(noah.cart_items__c).toBe('1 x Torque Wrench 3/8" drive, 10-80 Nm (TW-5005); 2 x Safety Glasses, anti-fog (pack of 12) (SG-4100)');
    expect(noah.optedOut).not.toBe(true);
    expect(onList(noah.id)).toHaveLength(1);

    // The reconciling poll reads the same change: the inbox drops it (one delivery id both ways).
    await f.poll(ABANDONED);
    expect(await runsOf(event.ID)).toHaveLength(1);
    // A repeated push is dropped too.
    f.shop.faults.add({ method: 'POST', path: 'cart\\.abandoned', count: 1, fault: { repeat: 2 } });
    const again = f.shop.fillCart('noah.fischer@mailbox.example', [{ sku: 'TW-5005', quantity: 2 }], Number(cart.ID));
    f.shop.advanceClock(2 * HOUR);
    await f.settle();
    await f.poll(ABANDONED);
    const second = lastCartEvent(again.ID);
    expect(second.ID).not.toBe(event.ID);
    expect(await runsOf(second.ID)).toHaveLength(1);
    // Abandoned twice: listed once, the cart fields show the second cart.
    expect(onList(noah.id)).toHaveLength(1);
    expect(prospects('noah.fischer@mailbox.example')[0]).toMatchObject({ cart_value__c: 258, cart_items__c: '2 x Torque Wrench 3/8" drive, 10-80 Nm (TW-5005)' });
    expect(f.shop.deliveries.filter((d) => d.type === 'cart.abandoned' && d.status === 202).length).toBeGreaterThanOrEqual(4);
  });

  it('the checkout records the purchase and takes the prospect off the list', async () => {
    const cart = f.shop.state.rows('Cart').find((c) => c.UserContactEmail === 'noah.fischer@mailbox.example' && c.StatusKey === 'Abandoned')!;
    f.shop.advanceClock(HOUR);
    f.shop.convertCart(Number(cart.ID));
    await f.poll(RECOVERED);
    await f.poll(RECOVERED);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const [noah] = prospects('noah.fischer@mailbox.example');
    expect(noah.cart_status__c).toBe('Recovered');
    expect(noah.last_order_date__c).toBe(new Date(f.shop.clock.nowMs()).toISOString().slice(0, 10));
    expect(onList(noah.id)).toHaveLength(0);
  });

  it('a push the shop lost is caught by the reconciling read', async () => {
    f.shop.faults.add({ method: 'POST', path: 'cart\\.abandoned', count: 1, fault: { drop: true } });
    const cart = f.shop.fillCart('elena.petrova@cascadepackaging.example', [{ sku: 'HX-1002', quantity: 3 }]);
    f.shop.advanceClock(2 * HOUR);
    await f.settle();
    expect(f.shop.deliveries.at(-1)).toMatchObject({ type: 'cart.abandoned', status: null });
    const elena = prospects('elena.petrova@cascadepackaging.example')[0];
    expect(onList(elena.id)).toHaveLength(0);
    await f.poll(ABANDONED);
    expect(prospects('elena.petrova@cascadepackaging.example')[0]).toMatchObject({ cart_status__c: 'Abandoned', cart_value__c: 29.25 });
    expect(onList(elena.id)).toHaveLength(1);
    expect(await runsOf(lastCartEvent(cart.ID).ID)).toHaveLength(1);
  });

  it('a cart too big for the prospect field goes to the dead-letter queue, and a fixed replay lands once', async () => {
    const lines = ['HX-1001', 'HX-1002', 'HC-2210', 'PV-3300', 'SG-4100', 'TW-5005', 'TP-7070'].map((sku) => ({ sku, quantity: 12 }));
    const cart = f.shop.fillCart('diego.santos@webmail.example', lines);
    f.shop.advanceClock(2 * HOUR);
    await f.settle();
    const [dl, ...others] = await f.store.listDeadLetters({ status: 'open', flow: ABANDONED });
    expect(others).toHaveLength(0);
    expect(dl.errorKind).toBe('invalid_data');
    expect(dl.error.message).toMatch(/cart_items__c/);
    expect(dl.error.message).toMatch(/255/);
    expect(onList(prospects('diego.santos@webmail.example')[0].id)).toHaveLength(0);
    const payload = dl.payload as { record: { Record: { SalesItems: unknown[] } } };
    payload.record.Record.SalesItems = payload.record.Record.SalesItems.slice(0, 3);
    await f.store.updateDeadLetterPayload(dl.id, payload as never, 'test');
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    const [diego, ...more] = prospects('diego.santos@webmail.example');
    expect(more).toHaveLength(0);
    expect(diego.cart_items__c).toMatch(/^12 x Hex Bolt/);
    expect(onList(diego.id)).toHaveLength(1);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
    expect(cart.ID).toBeDefined();
  });
});
