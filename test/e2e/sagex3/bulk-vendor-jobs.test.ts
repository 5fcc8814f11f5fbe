/**
 * A bulk initial load large enough for the vendors' bulk APIs (3,000 Sage X3 customers: a Salesforce
 * Bulk API 2.0 job and a Pardot import) finishes on the emulators with every vendor job settled, on
 * SQLite and PostgreSQL: each customer is an Account and a prospect once, linked to both, nothing
 * dead-lettered, no batch job retried. It checks what stalled the 100,000-customer load (issue 13):
 * a batch job that carried every record's full JSON through each check, settled in one transaction
 * with every link (the worker's lease renewals waited behind it, the lease lapsed and the job ran
 * twice at once), and a prospect read-back that started over when one idle kept-alive connection was
 * closed under it. Here the stored batch payload must stay well under the records' size, no store
 * call may carry more than one slice of links, and a connection dropped in the read-back must cost
 * nothing but one repeated request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../../src/engine/bulk-load.js';
import { SETTLE_SLICE } from '../../../src/engine/batch-check.js';
import type { JobCompletion, XrefLink } from '../../../src/store/types.js';
import { startPardotEmulator, type RunningPardotEmulator } from '../../../src/sandbox/pardot/index.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { startSageX3Emulator, type RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';
import { journeyHub } from '../../support/journeys.js';
import { X3_BULK_FLOW as FLOW } from '../../../bench/bulk-flows.js';

const CUSTOMERS = 3000;

describe.each(['sqlite', 'postgres'] as const)('bulk load through vendor jobs (%s)', (storeKind) => {
  let salesforce: SalesforceEmulator;
  let pardot: RunningPardotEmulator;
  let x3: RunningSageX3Emulator;
  let h: Awaited<ReturnType<typeof journeyHub>>;
  beforeAll(async () => {
    [salesforce, pardot, x3] = await Promise.all([
      startSalesforceEmulator({ seed: false, dailyApiLimit: 1_000_000 }),
      startPardotEmulator({ seed: false, importStepMs: 5, dailyLimit: 1_000_000 }),
      startSageX3Emulator({ seedSize: { customers: CUSTOMERS, items: 2, orders: 0 } }),
    ]);
    h = await journeyHub(
      storeKind,
      { salesforce: { url: salesforce.url }, pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId }, sagex3: { url: x3.url, endpoint: x3.endpoint, poolAlias: x3.poolAlias } },
      new Map([['bulk-customers', FLOW]]),
    );
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
    await Promise.all([salesforce?.close(), pardot?.close(), x3?.close()]);
  });

  it(`loads ${CUSTOMERS} customers into both targets once, every vendor job settled in small steps`, async () => {
    // What each store call the settlement makes carries.
    const linkCalls: number[] = [];
    const completions: Array<Pick<JobCompletion, 'xref' | 'enqueue'>> = [];
    const link = h.store.link.bind(h.store);
    const completeJob = h.store.completeJob.bind(h.store);
    h.store.link = (links: XrefLink[]) => (linkCalls.push(links.length), link(links));
    h.store.completeJob = (input: JobCompletion) => (completions.push({ xref: input.xref, enqueue: input.enqueue }), completeJob(input));
    // The prospect read-back's second page arrives on a connection the server then closes.
    pardot.faults.add({ method: 'GET', path: 'objects/prospects\\?.*nextPageToken', count: 1, fault: { drop: true } });

    const res = await bulkLoad({ store: h.store, pool: h.hub.pool, flows: h.hub.flows }, 'bulk-customers', { pageSize: 100_000 });
    expect(res).toMatchObject({ read: CUSTOMERS, queued: 0, pending: 2 * CUSTOMERS });

    const batchJobs = async () => (await h.store.listRuns({ flow: 'bulk-customers', limit: 100 })).filter((r) => r.trigger === 'batch');
    // Every record's data is in the batch payload, packed: the two payloads together stay far below the records' JSON.
    const recordsJson = JSON.stringify(x3.tables.list('BPCUSTOMER')).length;
    let largestPayload = 0;
    await h.drain(240_000);
    for (const run of await batchJobs()) largestPayload = Math.max(largestPayload, JSON.stringify((await h.store.getJob(run.jobId))?.payload ?? null).length);
    expect(largestPayload).toBeGreaterThan(0);
    expect(largestPayload).toBeLessThan(recordsJson / 3);

    const runs = await batchJobs();
    expect(runs.map((r) => [r.stats?.target, r.status, r.stats?.written, r.stats?.failed]).sort()).toEqual([
      ['account', 'succeeded', CUSTOMERS, 0],
      ['prospect', 'succeeded', CUSTOMERS, 0],
    ]);
    // No batch job ran more than once: nothing retried, nothing left, nothing dead.
    expect(runs).toHaveLength(2);
    expect(await h.store.queueStats()).toMatchObject({ queued: 0, running: 0, delayed: 0 });
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(pardot.faults.injected).toBe(1);

    // Links went in slices; the completions carried none.
    expect(linkCalls.reduce((a, b) => a + b, 0)).toBe(2 * CUSTOMERS);
    expect(Math.max(...linkCalls)).toBeLessThanOrEqual(SETTLE_SLICE);
    expect(completions.every((c) => (c.xref?.length ?? 0) === 0 && (c.enqueue?.length ?? 0) === 0)).toBe(true);

    const customers = x3.tables.list('BPCUSTOMER');
    const accounts = [...salesforce.state.org.table('Account').values()];
    expect(accounts).toHaveLength(CUSTOMERS);
    expect(new Set(accounts.map((a) => a.SageX3_Customer_No__c)).size).toBe(CUSTOMERS);
    const prospects = [...pardot.state.prospects.values()];
    expect(prospects).toHaveLength(CUSTOMERS);
    type Line = Record<string, string>;
    for (const c of customers.filter((_, i) => i % 97 === 0)) {
      const id = { connection: 'sagex3', entity: 'BPCUSTOMER', id: String(c.BPCNUM) };
      const accountId = await h.store.xrefFind(id, 'salesforce', 'Account');
      expect(salesforce.state.org.table('Account').get(String(accountId))?.SageX3_Customer_No__c).toBe(c.BPCNUM);
      const prospectId = await h.store.xrefFind(id, 'pardot', 'prospect');
      expect(pardot.state.prospects.get(Number(prospectId))?.email).toBe((c.CONTACT as Line[])[0].CNTEMA.toLowerCase());
    }
  }, 420_000);
});
