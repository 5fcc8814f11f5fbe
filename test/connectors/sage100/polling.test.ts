/**
 * Change polling through ODBC across a midnight boundary on a Sage server in another time zone:
 * the emulator clock is set to 23:59 local, records change before and after midnight, and the
 * connector must return exactly those changed after the watermark, in (stamp, key) order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePage, Watermark } from '../../../src/core/connector.js';
import { sage100Connector } from '../../../src/connectors/sage100/index.js';
import type { Connector } from '../../../src/core/connector.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { emulatorSettings, testContext } from './context.js';

const ZONE = 'America/Chicago';
// 2026-06-15 23:59:00 in Chicago (CDT, UTC-5).
const BEFORE_MIDNIGHT = new Date('2026-06-16T04:59:00.000Z');

let emu: RunningSage100Emulator;
let conn: Connector;

async function drain(entity: string, since: Watermark | null): Promise<{ ids: string[]; pages: ChangePage[]; next: Watermark | null }> {
  const pages: ChangePage[] = [];
  let mark = since;
  for (;;) {
    const page = await conn.readChanges(entity, mark, { limit: 500 });
    pages.push(page);
    mark = page.next;
    if (!page.hasMore) break;
  }
  return { ids: pages.flatMap((p) => p.records.map((r) => r.id)), pages, next: mark };
}

beforeAll(async () => {
  emu = await startSage100Emulator({ timeZone: ZONE, now: new Date(BEFORE_MIDNIGHT.getTime() - 3 * 3600_000) });
  conn = sage100Connector.create(testContext(emulatorSettings(emu)));
});
afterAll(async () => {
  await conn?.close();
  await emu?.close();
});

describe('polling AR_Customer', () => {
  it('finds exactly the customers changed after the watermark, across midnight, in (stamp, key) order', async () => {
    const initial = await drain('AR_Customer', null);
    expect(new Set(initial.ids).size).toBe(300);
    const ids = initial.ids;
    const [a, b, c, d, z] = [ids[10], ids[20], ids[30], ids[40], ids[50]];
    // A change at 23:50 local moves the watermark to 04:50Z: already the 16th in UTC, still the 15th in Chicago.
    emu.setClock(new Date(BEFORE_MIDNIGHT.getTime() - 9 * 60_000));
    emu.editCustomer(z, { City: 'Ten To Midnight' });
    const first = await drain('AR_Customer', initial.next);
    expect(first.ids).toEqual([z]);
    const mark = first.next!;
    expect(mark.at.slice(0, 10)).toBe('2026-06-16');

    emu.setClock(BEFORE_MIDNIGHT);
    emu.advanceClock(10_000);
    emu.editCustomer(a, { City: 'Before Midnight' }); // 23:59:10
    emu.advanceClock(40_000);
    emu.setCreditLimit(b, '12345.67'); // 23:59:50
    emu.advanceClock(40_000);
    emu.editCustomer(c, { City: 'After Midnight' }); // 00:00:30 next day
    emu.advanceClock(5_000);
    emu.editCustomer(a, { City: 'Again After' }); // a changes twice: returned once, with its latest stamp
    emu.advanceClock(5_000);
    emu.setCreditLimit(d, '500');

    const changed = await drain('AR_Customer', mark);
    expect(changed.ids).toEqual([b, c, a, d]);
    const recs = changed.pages.flatMap((p) => p.records);
    // 23:59:50 CDT is 04:59:50Z on the 16th; 00:00:30 CDT is 05:00:30Z. The emulator clock keeps running
    // while the test works and decimal hours have 36 ms steps, so allow a second.
    const near = (iso: string | undefined, expected: string) => expect(Math.abs(Date.parse(iso ?? '') - Date.parse(expected))).toBeLessThan(1000);
    near(recs[0].updatedAt, '2026-06-16T04:59:50.000Z');
    near(recs[1].updatedAt, '2026-06-16T05:00:30.000Z');
    expect(recs[0].data.CreditLimit).toBe('12345.67');
    expect(recs[2].data.City).toBe('Again After');
    expect(recs[1].data.DateUpdated).toBe('2026-06-16');
    expect(recs[0].data.DateUpdated).toBe('2026-06-15');

    // Nothing new: no records, the watermark stays.
    const again = await conn.readChanges('AR_Customer', changed.next, { limit: 500 });
    expect(again.records).toEqual([]);
    expect(again.next).toEqual(changed.next);
  });

  it('pages with a limit without losing or repeating records at equal stamps', async () => {
    const start = (await drain('AR_Customer', null)).next!;
    const ids = (await drain('AR_Customer', null)).ids;
    // Three customers in one transaction-free burst at the very same instant (equal stamps: key tie-break).
    emu.clock.set(new Date(emu.clock.now().getTime() + 60_000));
    const frozen = emu.clock.now();
    const picked = [ids[50], ids[51], ids[52]];
    for (const id of picked) {
      emu.clock.set(frozen);
      emu.editCustomer(id, { City: 'Same Instant' });
    }
    const seen: string[] = [];
    let mark: Watermark | null = start;
    for (let i = 0; i < 5; i++) {
      const page: ChangePage = await conn.readChanges('AR_Customer', mark, { limit: 1 });
      seen.push(...page.records.map((r) => r.id));
      mark = page.next;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual([...picked].sort());
  });

  it('with a connector-side overlap, returns a late write stamped before the watermark, once', async () => {
    const overlapping = sage100Connector.create(testContext(emulatorSettings(emu, { pollOverlapSeconds: 300 })));
    const mark = (await drain('AR_Customer', null)).next!;
    const ids = (await drain('AR_Customer', null)).ids;
    // A workstation with a slow clock writes a stamp 60 s older than the newest one already produced.
    emu.clock.set(new Date(Date.parse(mark.at) - 60_000));
    emu.editCustomer(ids[60], { City: 'Late Writer' });
    // Without overlap the late write is behind the watermark and not returned; with it, it is returned once.
    expect((await conn.readChanges('AR_Customer', mark, { limit: 500 })).records).toEqual([]);
    const seeded = await overlapping.readChanges('AR_Customer', null, { limit: 1000 });
    expect(seeded.hasMore).toBe(false);
    emu.clock.set(new Date(Date.parse(seeded.next!.at) - 30_000));
    emu.editCustomer(ids[61], { City: 'Later Writer' });
    const page = await overlapping.readChanges('AR_Customer', seeded.next, { limit: 500 });
    expect(page.records.map((r) => r.id)).toEqual([ids[61]]);
    const next = await overlapping.readChanges('AR_Customer', page.next, { limit: 500 });
    expect(next.records).toEqual([]);
    await overlapping.close();
  });

  it("with the flow's overlap (options.overlapMs), returns a late write stamped before the watermark exactly once", async () => {
    const options = { limit: 1000, overlapMs: 300_000 };
    const ids = (await drain('AR_Customer', null)).ids;
    // The watermark as a flow with this overlap stores it: its seen list covers the overlap window.
    const first = await conn.readChanges('AR_Customer', null, options);
    expect(first.hasMore).toBe(false);
    const seeded = first.next!;
    expect((await conn.readChanges('AR_Customer', seeded, options)).records).toEqual([]);
    emu.clock.set(new Date(Date.parse(seeded.at) - 45_000));
    emu.editCustomer(ids[70], { City: 'Late Again' });
    const page = await conn.readChanges('AR_Customer', seeded, options);
    expect(page.records.map((r) => r.id)).toEqual([ids[70]]);
    expect((await conn.readChanges('AR_Customer', page.next, options)).records).toEqual([]);
  });

  it('polls sales orders and invoice history changed by Sage-side activity', async () => {
    const orders = await drain('SO_SalesOrder', null);
    const invoices = await drain('AR_InvoiceHistory', null);
    emu.clock.set(new Date(emu.clock.now().getTime() + 3600_000));
    const order = orders.ids[5];
    emu.setOrderStatus(order, 'H');
    const changedOrders = await drain('SO_SalesOrder', orders.next);
    expect(changedOrders.ids).toEqual([order]);
    expect(changedOrders.pages[0].records[0].data.OrderStatus).toBe('H');
    const invoiceNo = emu.postInvoice(order);
    const changedInvoices = await drain('AR_InvoiceHistory', invoices.next);
    expect(changedInvoices.ids).toEqual([`${invoiceNo}-000000`]);
    expect(changedInvoices.pages[0].records[0].data.SalesOrderNo).toBe(order);
    expect(await conn.get('SO_SalesOrder', order)).toBeNull();
  });
});
