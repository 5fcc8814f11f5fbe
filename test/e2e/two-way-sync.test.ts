/**
 * Two-way pairs end to end (issue 17) with the shipped customer-master template: Salesforce Accounts
 * and Sage 100 customers kept in step both ways through the emulators, on SQLite and PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import type { TraceRow } from '../../src/store/types.js';
import type { ConflictNote } from '../../src/engine/sync/settle.js';
import { FLOWS_DIR, journeyFixture, nextSecond, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';

const FLOW = 'customer-master';
const TEMPLATE = path.join(FLOWS_DIR, 'two-way', 'customer-master.yaml');

describe.each(['sqlite', 'postgres'] as const)('two-way customer master on %s', (storeKind) => {
  let f: JourneyFixture;
  let run = true;
  beforeAll(async () => {
    if (storeKind === 'postgres') run = await requirePostgres('two-way sync on postgres');
    if (!run) return;
    f = await journeyFixture({ flows: [], store: storeKind, seedCrm: false });
    await f.hub.deployFlow(readFileSync(TEMPLATE, 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const account = (id: string) => org().table('Account').get(id)!;
  const customer = (id: string) => f.sage.db.list(AR_Customer).find((c) => `${String(c.ARDivisionNo).trim()}-${String(c.CustomerNo).trim()}` === id);
  const text = (v: unknown) => String(v ?? '').trim();
  /** Trace steps of the runs that started after `since`. */
  async function stepsSince(since: string): Promise<TraceRow[]> {
    const runs = (await f.store.listRuns({ flow: FLOW, since, limit: 500 })).filter((r) => r.trigger !== 'manual');
    return (await Promise.all(runs.map((r) => f.store.listTraces(r.id)))).flat();
  }
  const now = () => new Date().toISOString();

  let accountId = '';
  let customerId = '';

  it('pairs a new Account with a new Sage 100 customer, and our own writes do not bounce back', async () => {
    if (!run) return;
    accountId = org().insert('Account', { Name: 'Fabrikam Inc', Phone: '(415) 555-0100', BillingCity: 'Oakland', BillingPostalCode: '94607', Website: 'fabrikam.example', BillingStreet: '1 Main St', Credit_Limit__c: 99_999 }).id;
    await f.poll(FLOW);
    customerId = String(account(accountId).Sage100_Customer_No__c);
    expect(customerId).toMatch(/^01-/);
    const c = customer(customerId)!;
    expect({ name: text(c.CustomerName), city: text(c.City), phone: text(c.TelephoneNo), web: text(c.URLAddress), street: text(c.AddressLine1) }).toEqual({
      name: 'Fabrikam Inc', city: 'Oakland', phone: '(415) 555-0100', web: 'fabrikam.example', street: '1 Main St',
    });
    // Finance owns credit: the Account's guess was not copied, and the ERP's value came back.
    expect(Number(c.CreditLimit)).toBe(0);
    expect(Number(account(accountId).Credit_Limit__c)).toBe(0);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);

    const t0 = now();
    const calls = f.sage.calls.length;
    await f.poll(FLOW);
    const steps = await stepsSince(t0);
    expect(steps.filter((s) => s.step.startsWith('write:') && s.status === 'ok')).toEqual([]);
    expect(f.sage.calls.slice(calls).filter((c) => /Create|Update/.test(c.operation))).toEqual([]);
  });

  it('keeps both changes when each side changed a different field', async () => {
    if (!run) return;
    await nextSecond();
    org().update('Account', accountId, { Phone: '(415) 555-0199' });
    f.sage.editCustomer(customerId, { City: 'Berkeley' });
    await f.poll(FLOW);
    expect(text(customer(customerId)!.TelephoneNo)).toBe('(415) 555-0199');
    expect(text(customer(customerId)!.City)).toBe('Berkeley');
    expect(account(accountId).Phone).toBe('(415) 555-0199');
    expect(account(accountId).BillingCity).toBe('Berkeley');
  });

  it('settles the same field changed on both sides by its owner, and the trace explains', async () => {
    if (!run) return;
    // Salesforce stamps to the second: a change in the second of our last write would share its stamp.
    await nextSecond();
    org().update('Account', accountId, { Credit_Limit__c: 50_000 });
    f.sage.editCustomer(customerId, { CreditLimit: '7500.00' });
    const t0 = now();
    await f.poll(FLOW);
    expect(Number(account(accountId).Credit_Limit__c)).toBe(7500);
    expect(Number(customer(customerId)!.CreditLimit)).toBe(7500);
    const credit = (await stepsSince(t0)).find((s) => s.step === 'conflict:Credit_Limit__c')!.after as unknown as ConflictNote;
    expect(credit.rule).toBe('owner: sage100');
    expect(credit.winner).toBe('b');
    expect(credit.a.value).toBe(50_000);
    expect(Number(credit.b.value)).toBe(7500);
    expect(credit.a.stamp).toBeTruthy();
    expect(credit.b.stamp).toBeTruthy();
    expect(credit.reason).toMatch(/sage100 is the system of record/);
  });

  it('settles the same field by the newest change (the systems\' own stamps), and the trace explains', async () => {
    if (!run) return;
    // Sage's edit of the zip code is a minute older, by its own clock, than Salesforce's.
    f.sage.advanceClock(-60_000);
    f.sage.editCustomer(customerId, { ZipCode: '94701' });
    f.sage.advanceClock(60_000);
    await nextSecond();
    org().update('Account', accountId, { BillingPostalCode: '94704' });
    const t0 = now();
    await f.poll(FLOW);
    expect(text(customer(customerId)!.ZipCode)).toBe('94704');
    expect(account(accountId).BillingPostalCode).toBe('94704');
    const zip = (await stepsSince(t0)).find((s) => s.step === 'conflict:BillingPostalCode')!.after as unknown as ConflictNote;
    expect(zip).toMatchObject({ rule: 'newest', winner: 'a', a: { system: 'salesforce', value: '94704' }, b: { system: 'sage100', value: '94701' } });
    expect(Date.parse(zip.a.stamp!) - Date.parse(zip.b.stamp!)).toBeGreaterThan(30_000);
    expect(zip.reason).toMatch(/salesforce changed it last/);
  });

  it('puts an "ask" conflict in the review queue and writes what a person decides', async () => {
    if (!run) return;
    await nextSecond();
    org().update('Account', accountId, { BillingStreet: '2 Harbor Way' });
    f.sage.editCustomer(customerId, { AddressLine1: '2 Harbour Way Suite 5' });
    await f.poll(FLOW);
    // Nobody guessed: both keep their value.
    expect(account(accountId).BillingStreet).toBe('2 Harbor Way');
    expect(text(customer(customerId)!.AddressLine1)).toBe('2 Harbour Way Suite 5');
    const [review, ...more] = await f.store.sync.listReviews({ flow: FLOW, status: 'open' });
    expect(more).toEqual([]);
    expect(review).toMatchObject({ field: 'BillingStreet', aId: accountId, bId: customerId, aValue: '2 Harbor Way', bValue: '2 Harbour Way Suite 5' });
    // Another poll does not open a second review.
    await f.poll(FLOW);
    expect(await f.store.sync.listReviews({ flow: FLOW, status: 'open' })).toHaveLength(1);

    await f.hub.resolveReview(review.id, { choose: 'b' }, 'alice');
    await f.drain();
    expect(account(accountId).BillingStreet).toBe('2 Harbour Way Suite 5');
    expect(text(customer(customerId)!.AddressLine1)).toBe('2 Harbour Way Suite 5');
    expect((await f.store.sync.getReview(review.id))!.status).toBe('applied');
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });
});

describe.each(['sqlite', 'postgres'] as const)('two-way deletes and merges on %s', (storeKind) => {
  let f: JourneyFixture;
  let run = true;
  beforeAll(async () => {
    if (storeKind === 'postgres') run = await requirePostgres('two-way deletes on postgres');
    if (!run) return;
    // An empty ERP company and CRM org: only this test's records pair.
    f = await journeyFixture({ flows: [], store: storeKind, seedCrm: false, sageSeed: { customers: 0, orders: 0, invoices: 0 } });
    await f.hub.deployFlow(readFileSync(TEMPLATE, 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const customer = (id: string) => f.sage.db.list(AR_Customer).find((c) => `${String(c.ARDivisionNo).trim()}-${String(c.CustomerNo).trim()}` === id);
  async function pairedAccount(values: Record<string, unknown>): Promise<{ accountId: string; customerId: string }> {
    const accountId = org().insert('Account', values).id;
    await f.poll(FLOW);
    const customerId = String(org().table('Account').get(accountId)!.Sage100_Customer_No__c);
    expect(customer(customerId)).toBeTruthy();
    return { accountId, customerId };
  }

  it('inactivates the ERP customer of a deleted Account, and a late update brings neither back', async () => {
    if (!run) return;
    const { accountId, customerId } = await pairedAccount({ Name: 'Tailspin Toys', BillingCity: 'Reno' });
    const before = { ...org().table('Account').get(accountId)! };
    await nextSecond();
    org().remove('Account', accountId);
    await f.poll(FLOW);
    expect(String(customer(customerId)!.CustomerStatus).trim()).toBe('I');
    expect(await f.store.sync.tombstoneOf({ connection: 'salesforce', entity: 'Account', id: accountId })).toMatchObject({ reason: 'deleted' });

    // A late delivery of an update made before the delete (a slow webhook, a replayed dead letter).
    const runtime = await f.hub.flows.get(FLOW);
    await f.store.ingest([{ flow: FLOW, deliveryId: `late-${accountId}`, payload: { record: before, id: accountId, side: 'a', type: 'changed' } as never, recordKey: `a:${accountId}` }], { flowVersion: runtime.version, maxAttempts: 3 });
    // And the ERP user edits the inactive customer afterwards.
    f.sage.editCustomer(customerId, { City: 'Sparks' });
    const accounts = org().table('Account').size;
    const customers = f.sage.db.list(AR_Customer).length;
    await f.poll(FLOW);
    expect(org().table('Account').size).toBe(accounts);
    expect(f.sage.db.list(AR_Customer).length).toBe(customers);
    expect(String(customer(customerId)!.CustomerStatus).trim()).toBe('I');
    const late = (await f.store.findTraces(accountId.toLowerCase())).find((t) => t.step === 'read:salesforce' && t.status === 'skipped');
    expect(late?.after).toMatchObject({ tombstone: 'deleted' });
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });

  it('marks the Account when its ERP customer is inactivated in Sage 100', async () => {
    if (!run) return;
    const { accountId, customerId } = await pairedAccount({ Name: 'Wingtip Supplies' });
    f.sage.editCustomer(customerId, { CustomerStatus: 'I' });
    await f.poll(FLOW);
    expect(org().table('Account').get(accountId)!.ERP_Status__c).toBe('Inactive');
  });

  it('follows a Salesforce merge: the surviving Account takes over the ERP customer', async () => {
    if (!run) return;
    const { accountId: loser, customerId } = await pairedAccount({ Name: 'Northwind', Phone: '(206) 555-0110' });
    const customers = f.sage.db.list(AR_Customer).length;
    await nextSecond();
    const master = org().insert('Account', { Name: 'Northwind Traders', Phone: '(206) 555-0110' }).id;
    f.salesforce.state.merge('Account', master, [loser]);
    await f.poll(FLOW);
    // No second customer: the survivor is paired with the loser's customer, and carries its number.
    expect(f.sage.db.list(AR_Customer).length).toBe(customers);
    expect(org().table('Account').get(master)!.Sage100_Customer_No__c).toBe(customerId);
    expect(String(customer(customerId)!.CustomerName).trim()).toBe('Northwind Traders');
    expect(String(customer(customerId)!.CustomerStatus).trim()).toBe('A');
    expect(await f.store.xrefFind({ connection: 'salesforce', entity: 'Account', id: master }, 'sage100', 'AR_Customer')).toBe(customerId);
    expect(await f.store.xrefFind({ connection: 'salesforce', entity: 'Account', id: loser }, 'sage100', 'AR_Customer')).toBeNull();
    expect(await f.store.sync.tombstoneOf({ connection: 'salesforce', entity: 'Account', id: loser })).toMatchObject({ reason: 'merged', mergedInto: master });
    // Quiet afterwards.
    const calls = f.sage.calls.length;
    await f.poll(FLOW);
    expect(f.sage.calls.slice(calls).filter((c) => /Create|Update/.test(c.operation))).toEqual([]);
  });
});

describe.each(['sqlite', 'postgres'] as const)('two-way reconciliation on %s', (storeKind) => {
  let f: JourneyFixture;
  let run = true;
  beforeAll(async () => {
    if (storeKind === 'postgres') run = await requirePostgres('two-way reconciliation on postgres');
    if (!run) return;
    f = await journeyFixture({ flows: [], store: storeKind, seedCrm: false, sageSeed: { customers: 0, orders: 0, invoices: 0 } });
    await f.hub.deployFlow(readFileSync(TEMPLATE, 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  const org = () => f.salesforce.state.org;
  const customer = (id: string) => f.sage.db.list(AR_Customer).find((c) => `${String(c.ARDivisionNo).trim()}-${String(c.CustomerNo).trim()}` === id);

  it('finds planted drift of every kind and fixes only the selected part', async () => {
    if (!run) return;
    // Three pairs in step.
    const ids = ['Adatum', 'Litware', 'Proseware'].map((Name) => org().insert('Account', { Name, BillingCity: 'Austin' }).id);
    await f.poll(FLOW);
    const cust = (accountId: string) => String(org().table('Account').get(accountId)!.Sage100_Customer_No__c);
    const [adatum, litware, proseware] = ids;
    const clean = await f.hub.reconcile(FLOW, 'test');
    expect(clean.summary).toMatchObject({ drift: 0, field: 0, missing_a: 0, missing_b: 0, orphan: 0 });

    // Drift no event told us about (the flow is paused, as after an outage):
    await f.store.setFlowStatus(FLOW, 'paused');
    f.sage.editCustomer(cust(adatum), { City: 'Dallas' }); // a field differs (newest: the ERP's edit)
    org().update('Account', litware, { BillingCity: 'Houston' }); // a field differs (newest: Salesforce's edit)
    const lonelyAccount = org().insert('Account', { Name: 'Trey Research' }).id; // missing in the ERP
    const lonelyCustomer = f.sage.addCustomer({ CustomerNo: 'FOURTH', CustomerName: 'Fourth Coffee', SalespersonNo: '0100', TermsCode: '01' }); // missing in Salesforce
    org().remove('Account', proseware); // the pair's Account is gone: an orphan
    await f.store.setFlowStatus(FLOW, 'active');

    const r = await f.hub.reconcile(FLOW, 'test');
    expect(r.status).toBe('ready');
    expect(r.summary).toMatchObject({ field: 2, missing_a: 1, missing_b: 1, orphan: 1, drift: 5 });
    const diffs = await f.store.sync.listDiffs(r.id);
    const adatumCity = diffs.find((d) => d.kind === 'field' && d.aId === adatum)!;
    expect(adatumCity).toMatchObject({ field: 'BillingCity', aValue: 'Austin', bValue: 'Dallas', ownerValue: 'Dallas' });
    const litwareCity = diffs.find((d) => d.kind === 'field' && d.aId === litware)!;
    expect(litwareCity).toMatchObject({ field: 'BillingCity', aValue: 'Houston', bValue: 'Austin', ownerValue: 'Houston' });
    expect(diffs.find((d) => d.kind === 'missing_b')).toMatchObject({ aId: lonelyAccount });
    expect(diffs.find((d) => d.kind === 'missing_a')).toMatchObject({ bId: lonelyCustomer });
    expect(diffs.find((d) => d.kind === 'orphan')).toMatchObject({ aId: proseware, aValue: 'missing', bValue: 'present' });

    // Apply two of them: Adatum's city and the Account missing in the ERP.
    const customers = f.sage.db.list(AR_Customer).length;
    const accounts = org().table('Account').size;
    const out = await f.hub.applyReconcile(r.id, { seqs: [adatumCity.seq, diffs.find((d) => d.kind === 'missing_b')!.seq] }, 'test');
    expect(out.jobIds).toHaveLength(2);
    await f.drain();
    expect(org().table('Account').get(adatum)!.BillingCity).toBe('Dallas');
    expect(org().table('Account').get(lonelyAccount)!.Sage100_Customer_No__c).toMatch(/^01-/);
    expect(f.sage.db.list(AR_Customer).length).toBe(customers + 1);
    // Not selected: left exactly as found.
    expect(String(customer(cust(litware))!.City).trim()).toBe('Austin');
    expect(org().table('Account').size).toBe(accounts);
    expect(await f.store.sync.pairBy(FLOW, 'b', lonelyCustomer)).toBeNull();
    const still = await f.store.sync.listDiffs(r.id, { status: 'open' });
    expect(still.map((d) => d.kind).sort()).toEqual(['field', 'missing_a', 'orphan']);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);

    // The drift is a metric.
    expect(await f.hub.metricsText()).toMatch(/syncline_sync_drift_records\{flow="customer-master"\} 5/);
  });

  it('reconciles on a schedule and reports the drift without applying anything', async () => {
    if (!run) return;
    const yaml = readFileSync(TEMPLATE, 'utf8').replace('  skewTolerance: 2s', '  skewTolerance: 2s\n  reconcileEvery: 1h');
    await f.hub.deployFlow(yaml, 'test');
    const before = await f.store.sync.listReconcileRuns(FLOW, 100);
    expect(await f.hub.scheduler.tick()).toBeGreaterThanOrEqual(1);
    await f.drain();
    const after = await f.store.sync.listReconcileRuns(FLOW, 100);
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ status: 'ready', actor: 'schedule' });
    // The same slot seen again queues nothing more.
    await f.hub.scheduler.tick();
    await f.drain();
    expect((await f.store.sync.listReconcileRuns(FLOW, 100)).length).toBe(after.length);
    expect(await f.hub.metricsText()).toMatch(/syncline_sync_drift_records\{flow="customer-master"\} \d+/);
  });
});
