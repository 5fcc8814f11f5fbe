/**
 * The demo's distributor day on the TIMS emulator: a seeded day plays every kind of event, each one
 * visible through the bridge contract afterwards (no event is only a sentence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimsDistributorDay } from '../../src/cli/demo/tims-day.js';
import { seededRandom } from '../../src/cli/demo/people.js';
import { startTimsEmulator, type RunningTimsEmulator } from '../../src/sandbox/tims/index.js';

describe("the demo's TIMS distributor day", () => {
  let emu: RunningTimsEmulator;
  beforeAll(async () => {
    emu = await startTimsEmulator();
  });
  afterAll(async () => emu?.close());

  it('plays deliveries, returns, will-call pick-ups, invoices and payments that land in TIMS', async () => {
    const day = new TimsDistributorDay({ url: emu.url, baseUrl: emu.baseUrl, apiKey: emu.apiKey }, seededRandom(7));
    const before = { orders: emu.books.orders.size, invoices: emu.books.invoices.size, payments: emu.books.payments.size };
    for (let i = 0; i < 60; i++) await day.step();
    const kinds = new Set(day.events.map((e) => e.kind));
    for (const k of ['cylinders-delivered', 'cylinders-returned', 'will-call-entered', 'will-call-picked-up', 'invoice-posted', 'payment-received'] as const) expect(kinds.has(k), k).toBe(true);
    for (const e of day.events.filter((x) => x.kind === 'will-call-picked-up')) expect(emu.books.orders.get(e.refs.orderNo)).toMatchObject({ status: 'invoiced', invoiceNo: e.refs.invoiceNo });
    for (const e of day.events.filter((x) => x.kind === 'payment-received')) expect(emu.books.payments.has(e.refs.paymentId)).toBe(true);
    expect(emu.books.orders.size).toBeGreaterThan(before.orders);
    expect(emu.books.invoices.size).toBeGreaterThan(before.invoices);
    expect(emu.books.payments.size).toBeGreaterThan(before.payments);
  });
});
