/**
 * Exactly-once effect across a crash: a worker process is killed (SIGKILL) right after a vendor write
 * returned and before its job committed (SYNCLINE_TEST_CRASH_AFTER_WRITE). The retry must find what
 * the dead attempt wrote, by the key the flow wrote into it, instead of writing it again: one Sage 100
 * order per won Opportunity, one Pardot timeline entry per order status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SO_SalesOrderHeader } from '../../src/sandbox/sage100/schema.js';
import { signWebhook } from '../../src/engine/intake.js';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { queueDrained, waitFor } from '../support/engine.js';
import { bundledScript } from '../support/bundled-script.js';

const JOURNEY_WORKER = path.resolve('test/support/journey-worker-main.ts');

/** Runs a worker process over the fixture's store that kills itself after `crashAfter`'s write; resolves when it died. */
async function crashingWorker(url: string, crashAfter: string): Promise<{ child: ChildProcess; died: Promise<NodeJS.Signals | number | null> }> {
  const child = spawn(process.execPath, [await bundledScript(JOURNEY_WORKER)], {
    env: { ...process.env, SYNCLINE_DATABASE_URL: url, SYNCLINE_TEST_CRASH_AFTER_WRITE: crashAfter, LEASE_MS: '1500' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const died = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve({ child, died });
    });
  });
}

describe('exactly-once effect when a worker dies between the write and the commit', () => {
  let f: JourneyFixture | null = null;
  let child: ChildProcess | null = null;
  let guard: { close(): Promise<void> } | null = null;
  afterEach(async () => {
    await guard?.close();
    guard = null;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = null;
    await f?.close();
    f = null;
  });

  it('makes one Sage 100 order for a won Opportunity (found again by its CustomerPONo)', async () => {
    process.env.SYNCLINE_CLOSED_WON_SECRET = 'exactly-once-secret';
    f = await journeyFixture({ flows: ['lead-to-customer', 'catalogue'], sageSeed: { items: 3, orders: 1 } });
    // The webhook form of journey 7 (the template follows Change Data Capture): a variant.
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, 'variants', 'closed-won-to-order-webhook.yaml'), 'utf8'), 'test');
    const org = f.salesforce.state.org;
    const rows = (name: string) => [...org.table(name).values()];
    const leadId = org.insert('Lead', { LastName: 'Okafor', Company: 'Blue Ridge Hydraulics', Email: 'j.okafor@blueridge.example', Status: 'Open - Not Contacted' }).id;
    const { accountId, opportunityId } = f.salesforce.state.convertLead(leadId, { createOpportunity: true });
    await f.poll('lead-to-customer');
    await f.poll('catalogue');
    const entry = rows('PricebookEntry').find((e) => rows('Product2').some((p) => p.Id === e.Product2Id && String(p.Sage100_Item_Code__c ?? '').match(/^\d{4}-/)))!;
    org.update('Opportunity', opportunityId!, { Pricebook2Id: entry.Pricebook2Id });
    org.insert('OpportunityLineItem', { OpportunityId: opportunityId, PricebookEntryId: entry.Id, Quantity: 2, UnitPrice: 100 });
    org.update('Opportunity', opportunityId!, { StageName: 'Closed Won' });
    // The sandbox's company file is written by the emulator's SQLite and read by the ODBC driver's own
    // SQLite in this same process: when the driver's last connection closes it checkpoints and removes
    // the WAL under the emulator's feet. Holding one driver connection open keeps the file readable
    // while the hub's connections are closed and reopened.
    const { default: odbc } = (await import('odbc' as string)) as { default: { connect(s: string): Promise<{ close(): Promise<void> }> } };
    guard = await odbc.connect(f.sage.odbcConnectionString);
    // The in-process workers stop; the dying worker process takes the job.
    await f.hub.stop();

    const opp = org.table('Opportunity').get(opportunityId!)!;
    const account = org.table('Account').get(accountId)!;
    const body = {
      Id: opp.Id, Name: opp.Name, AccountId: opp.AccountId, StageName: 'Closed Won', CloseDate: opp.CloseDate,
      Account: { Sage100_Customer_No__c: account.Sage100_Customer_No__c },
      OpportunityLineItems: [{ Quantity: 2, UnitPrice: 100, Product2: { Sage100_Item_Code__c: org.table('Product2').get(String(entry.Product2Id))!.Sage100_Item_Code__c } }],
    };
    const raw = Buffer.from(JSON.stringify(body));
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await f.hub.intake.receive('closed-won-to-order-webhook', { headers: { 'x-delivery-id': 'won-1', 'x-syncline-timestamp': ts, 'x-syncline-signature': signWebhook('exactly-once-secret', ts, raw, 'won-1') }, rawBody: raw });
    expect(res.status).toBe(202);

    const ordersFor = () => f!.sage.db.list(SO_SalesOrderHeader).filter((o) => String(o.CustomerPONo) === opportunityId!.slice(0, 15));
    const worker = await crashingWorker(f.url, 'closed-won-to-order-webhook/order');
    child = worker.child;
    expect(await worker.died).toBe('SIGKILL');
    // The order was made, but the job, its cross-reference and the write-back were not committed.
    expect(ordersFor()).toHaveLength(1);
    expect(org.table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c ?? null).toBeNull();

    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(() => queueDrained(f!.store), 'the retried job', 30_000);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(ordersFor()).toHaveLength(1);
    expect(org.table('Opportunity').get(opportunityId!)!.Sage100_Order_No__c).toBe(String(ordersFor()[0].SalesOrderNo));
  }, 90_000);

  it('records one Pardot external activity per order status (found again by email, type and value)', async () => {
    f = await journeyFixture({ flows: ['post-purchase'], sageSeed: { customers: 4, orders: 3 }, workers: false });
    await f.hub.runFlowNow('post-purchase', 'test');
    const worker = await crashingWorker(f.url, 'post-purchase/activity');
    child = worker.child;
    expect(await worker.died).toBe('SIGKILL');
    const activities = () => [...f!.pardot.state.externalActivities.values()];
    expect(activities().length).toBeGreaterThanOrEqual(1);

    await f.hub.startWorkers(1, { idlePollMs: 20 }, false);
    await waitFor(() => queueDrained(f!.store), 'the retried jobs', 30_000);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    const seen = activities().map((a) => `${a.email} ${a.type} ${a.value}`);
    const orders = f.sage.db.list(SO_SalesOrderHeader).filter((o) => String(o.EmailAddress ?? '').trim() !== '' && o.OrderType === 'S');
    expect(seen.length).toBe(orders.length);
    expect(new Set(seen).size).toBe(seen.length);
  }, 90_000);
});
