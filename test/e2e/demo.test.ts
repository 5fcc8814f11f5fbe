/**
 * The live demo, in-process: emulators, Syncline on a fresh SQLite file, the templates in flows/,
 * and fast traffic. Asserts that records really flowed (a converted lead became a Sage 100 customer
 * in the emulator's company file; a bad record reached the dead-letter queue), that the console and
 * the admin API answer with the demo credentials, and that everything stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/cli/demo/people.js';
import { sageBooksOf } from '../../src/cli/demo/sage-books.js';
import { startDemo, type RunningDemo } from '../../src/cli/demo/start-demo.js';
import { readStatus } from '../../src/cli/demo/status.js';
import { isPortFree, preferredPort } from '../../src/cli/demo/ports.js';
import { createServer } from 'node:net';

const FLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../flows');

async function until<T>(what: string, fn: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('syncline demo', () => {
  let dir: string;
  let demo: RunningDemo;
  const lines: string[] = [];
  const since = new Date().toISOString();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-demo-'));
    demo = await startDemo({
      port: 0,
      emulatorPorts: { salesforce: 0, pardot: 0, sage100: 0 },
      dataDir: dir,
      flowsDir: FLOWS_DIR,
      eventsPerMinute: 300,
      badRecordEvery: 6,
      random: seededRandom(20261123),
      statusEveryMs: 2000,
      // A small company keeps the templates' first full read short, so the live events show sooner.
      sage100Seed: { customers: 40, items: 20, orders: 15, invoices: 80 },
      print: (l) => lines.push(l),
    });
  }, 60_000);

  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys the templates in flows/ and plays business events in every system', async () => {
    expect(demo.flows.failed).toEqual([]);
    expect(demo.connections.filter((c) => !c.ok)).toEqual([]);
    expect(demo.flows.deployed.map((f) => f.flow)).toContain('lead-to-customer');
    await until('events in Salesforce, Pardot and Sage 100', () => new Set(demo.traffic!.events.map((e) => e.system)).size === 3, 40_000);
    const lead = await until('a web-form lead', () => demo.traffic!.events.find((e) => e.kind === 'web-lead'));
    expect(lines.some((l) => l.includes(' Salesforce  web form: new Lead ') && l.includes(lead.refs.email))).toBe(true);
  }, 60_000);

  it('turns a converted lead into a Sage 100 customer in the emulator’s company file', async () => {
    const books = sageBooksOf(demo.emulators.sage100!.db);
    const found = await until('a converted lead as a Sage customer', () => {
      for (const e of demo.traffic!.events.filter((x) => x.kind === 'lead-converted')) {
        const c = books.customerByEmail(e.refs.email);
        if (c) return { event: e, customer: c };
      }
      return null;
    });
    expect(found.customer.name).toBe(found.event.refs.company);
    // …and the customer number came back to the converted Account in Salesforce.
    const org = demo.emulators.salesforce.state.org;
    const erpNo = await until('the customer number on the Account', () => org.table('Account').get(found.event.refs.accountId)?.Sage100_Customer_No__c as string | undefined);
    expect(erpNo).toContain(found.customer.id.split('-')[1]);
    const status = await readStatus(demo.runtime.store, since);
    expect(status.succeeded).toBeGreaterThan(0);
  }, 60_000);

  it('puts the bad record on purpose in the dead-letter queue with a readable reason', async () => {
    const bad = await until('a bad record event', () => demo.traffic!.events.find((e) => e.kind === 'bad-record'));
    const dead = await until('its dead letter', async () => (await demo.runtime.store.listDeadLetters({ limit: 50 })).find((d) => JSON.stringify(d).includes(bad.refs.company)));
    expect(dead.errorKind).toBe('invalid_data');
    expect(JSON.stringify(dead.error)).toMatch(/CustomerName.*30/);
    // The guide's story: edit the value in the dead letter, replay it, and it lands once.
    const payload = dead.payload as Record<string, unknown>;
    const fixed = 'Fixed Name Co';
    const edited = JSON.parse(JSON.stringify(payload).split(bad.refs.company).join(fixed)) as Record<string, unknown>;
    await demo.runtime.store.updateDeadLetterPayload(dead.id, edited as never, 'test');
    await demo.runtime.store.replayDeadLetters([dead.id], 'test');
    const books = sageBooksOf(demo.emulators.sage100!.db);
    const landed = await until('the replayed record in Sage 100', () => books.customerByEmail(bad.refs.email));
    expect(landed.name).toBe(fixed);
    expect(books.customers().filter((c) => c.name === fixed)).toHaveLength(1);
  }, 60_000);

  it('posts invoices, receives payments and goods in Sage 100, and the issue 22 journeys take each', async () => {
    const store = demo.runtime.store;
    const played = (kind: string) => demo.traffic!.events.filter((e) => e.kind === kind);
    // Each run of a journey that read the event's record: succeeded, or skipped with its reason (a buyer Pardot does not know).
    const handled = async (flow: string, match: (r: { recordKey: string | null; status: string }) => boolean) =>
      (await store.listRuns({ flow, limit: 500 })).find((r) => match(r) && (r.status === 'succeeded' || r.status === 'skipped'));
    const invoice = await until('a posted invoice read by invoice-activity', async () => {
      for (const e of played('invoice-posted')) if (await handled('invoice-activity', (r) => r.recordKey === `${e.refs.invoiceNo}-000000`)) return e;
      return null;
    });
    // The same invoice refreshed its customer's figures (customer-enrichment, refreshed by invoice history).
    // The same invoice refreshed its customer's figures (customer-enrichment, refreshed by invoice history): the customer was read again after it.
    await until('the invoice to refresh its customer', async () =>
      (await store.listRuns({ flow: 'customer-enrichment', since: invoice.at.toISOString(), limit: 500 })).find((r) => r.recordKey === invoice.refs.customerId && r.status === 'succeeded'),
    );
    await until('a payment read by payment-activity', async () => {
      for (const e of played('payment-received')) if (await handled('payment-activity', (r) => String(r.recordKey).toUpperCase().startsWith(`${e.refs.depositNo}|${e.refs.customerId.replace('-', '|')}|`))) return e;
      return null;
    });
    const stock = await until('goods received published as Product Stock', async () => {
      for (const e of played('stock-received')) {
        if (!(await handled('stock-by-warehouse', (r) => r.recordKey === `${e.refs.itemCode}|000`))) continue;
        const row = [...demo.emulators.salesforce.state.org.table('Product_Stock__c').values()].find((s) => s.Sage100_Stock_Key__c === `${e.refs.itemCode}|000`);
        if (row) return { e, row };
      }
      return null;
    });
    expect(Number(stock.row.On_Hand__c)).toBeGreaterThan(0);
    expect(played('credit-memo').length + played('stock-alert-requested').length).toBeGreaterThan(0);
  }, 60_000);

  it('serves the console and the admin API, and signs in the demo user', async () => {
    const home = await fetch(`${demo.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    const spec = await fetch(`${demo.url}/api/v1/openapi.json`);
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const login = await fetch(`${demo.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(demo.credentials) });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { role: string; mustChangePassword: boolean } }).user).toMatchObject({ role: 'admin', mustChangePassword: false });
  });

  it('prints status lines read from the store', async () => {
    await until('a status line', () => lines.some((l) => l.includes('── status: runs')), 10_000);
  });

  it('stops the server and the emulators', async () => {
    const urls = [demo.url, demo.emulators.salesforce.url, demo.emulators.pardot.url, demo.emulators.sage100!.url];
    await demo.stop();
    for (const u of urls) await expect(fetch(`${u}/`)).rejects.toThrow();
    expect(demo.traffic!.errors.filter((e) => !/credit hold/i.test(e.message))).toEqual([]);
  });
});

describe('demo ports', () => {
  it('keeps a free default port and falls back to any port when it is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      expect(await isPortFree(taken, '127.0.0.1')).toBe(false);
      expect(await preferredPort(taken, '127.0.0.1')).toBe(0);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    expect(await preferredPort(taken, '127.0.0.1')).toBe(taken);
    expect(await preferredPort(0, '127.0.0.1')).toBe(0);
  });
});
