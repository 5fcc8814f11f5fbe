/**
 * The live demo with `--erp sagex3`, in-process: the X3 emulator instead of Sage 100, the templates of
 * flows/sagex3 deployed, and the X3 business day. Asserts that the X3 events play, that a converted
 * lead became an X3 customer in the emulator's folder with its code on the Account, and that the bad
 * record reached the dead-letter queue naming X3's 35 characters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/cli/demo/people.js';
import { startDemo, type RunningDemo } from '../../../src/cli/demo/start-demo.js';

async function until<T>(what: string, fn: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('syncline demo --erp sagex3', () => {
  let dir: string;
  let demo: RunningDemo;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-demo-x3-'));
    demo = await startDemo({ erp: 'sagex3', port: 0, emulatorPorts: { salesforce: 0, pardot: 0, sagex3: 0 }, dataDir: dir, eventsPerMinute: 300, badRecordEvery: 5, random: seededRandom(20261206), statusEveryMs: 0, erpSeed: { customers: 15, items: 8, orders: 10 }, print: (l) => lines.push(l) });
  }, 60_000);

  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the X3 profile: its connection, its templates and X3 events', async () => {
    expect(demo.erp.name).toBe('sagex3');
    expect(demo.connections).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'sagex3', ok: true })]));
    expect(demo.flows.failed).toEqual([]);
    expect(demo.flows.deployed.map((f) => f.flow)).toEqual(expect.arrayContaining(['x3-lead-to-customer', 'x3-customer-enrichment', 'x3-closed-won-to-order']));
    await until('an X3 event', () => demo.traffic!.events.find((e) => e.system === 'sagex3'));
    expect(lines.some((l) => l.includes('  Sage X3     '))).toBe(true);
  }, 60_000);

  it('turns a converted lead into an X3 customer, and the bad record into a dead letter', async () => {
    const x3 = demo.emulators.sagex3!;
    const customer = await until('a converted lead as an X3 customer', () => {
      for (const e of demo.traffic!.events.filter((x) => x.kind === 'lead-converted')) {
        const c = x3.tables.list('BPCUSTOMER').find((r) => (r.CONTACT as Array<Record<string, string>>).some((k) => k.CNTEMA === e.refs.email.toLowerCase()));
        if (c) return { c, accountId: e.refs.accountId };
      }
      return null;
    });
    await until('the X3 code on the Account', () => demo.emulators.salesforce.state.org.table('Account').get(customer.accountId)?.SageX3_Customer_No__c === customer.c.BPCNUM);
    const dl = await until('the bad record in the dead-letter queue', async () => (await demo.runtime.store.listDeadLetters({ status: 'open' })).find((d) => /BPCNAM/.test(d.error.message)));
    expect(dl.error.message).toMatch(/35/);
  }, 60_000);
});
