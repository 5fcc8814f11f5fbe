/**
 * Two-way pairs in Chromium (issue 17), with the shipped customer-master template between the
 * Salesforce and Sage 100 emulators: an "ask" conflict waits on the Reviews page and the value a
 * person keeps is written to both systems; the Reconciliation page compares both systems, shows
 * planted drift of every kind, and applies a selection only. Screenshots go to docs/console/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../src/sandbox/sage100/schema.js';
import { adminApi, serveConsole } from '../../src/server/admin/index.js';
import { createUser } from '../../src/server/auth/users.js';
import { FLOWS_DIR, journeyFixture, nextSecond, type JourneyFixture } from '../support/journeys.js';
import { browserAvailable, launch } from './browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const FLOW = 'customer-master';
const PASSWORD = 'operator-password-1';
const run = browserAvailable();

describe.skipIf(!run)('two-way pairs in the console', () => {
  let f: JourneyFixture;
  let app: FastifyInstance;
  let url: string;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;

  beforeAll(async () => {
    // The console as shipped (production mode: vitest's NODE_ENV=test would pull in React's development build).
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    f = await journeyFixture({ flows: [], seedCrm: false, sageSeed: { customers: 0, orders: 0, invoices: 0 } });
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, 'two-way', 'customer-master.yaml'), 'utf8'), 'test');
    await createUser(f.store, { username: 'olivia', role: 'operator', password: PASSWORD });
    app = Fastify({ logger: false, forceCloseConnections: true });
    await adminApi(app, { hub: f.hub, logger: { error: (o: object) => console.error('admin API error', o) } });
    await serveConsole(app, path.join(ROOT, 'web/dist'));
    url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
    browser = await launch();
    page = await browser.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(url);
    await page.getByLabel('Username').fill('olivia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await f?.close();
  });

  const org = () => f.salesforce.state.org;
  const account = (id: string) => org().table('Account').get(id)!;
  const customer = (id: string) => f.sage.db.list(AR_Customer).find((c) => `${String(c.ARDivisionNo).trim()}-${String(c.CustomerNo).trim()}` === id);
  const text = (v: unknown) => String(v ?? '').trim();
  const custOf = (accountId: string) => String(account(accountId).Sage100_Customer_No__c);
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('puts an "ask" conflict on the Reviews page, and the value kept there is written to both systems', async () => {
    const accountId = org().insert('Account', { Name: 'Fabrikam Inc', BillingCity: 'Oakland', BillingStreet: '1 Main St' }).id;
    await f.poll(FLOW);
    const customerId = custOf(accountId);
    expect(text(customer(customerId)!.AddressLine1)).toBe('1 Main St');
    // Both sides change the street (rule: ask) between two polls.
    await nextSecond();
    org().update('Account', accountId, { BillingStreet: '2 Harbor Way' });
    f.sage.editCustomer(customerId, { AddressLine1: '2 Harbour Way Suite 5' });
    await f.poll(FLOW);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).click();
    await page.getByRole('heading', { name: 'Reviews' }).waitFor();
    const row = page.getByRole('row', { name: /BillingStreet/ });
    await row.waitFor();
    const cells = row.getByRole('cell');
    expect(await cells.nth(0).textContent()).toBe(FLOW);
    // Each value says which system holds it.
    expect(await cells.nth(2).textContent()).toContain('salesforce Account');
    expect(await cells.nth(3).textContent()).toContain('sage100 AR_Customer');
    expect(await cells.nth(2).textContent()).toContain('2 Harbor Way');
    expect(await cells.nth(2).textContent()).toContain(accountId);
    expect(await cells.nth(3).textContent()).toContain('2 Harbour Way Suite 5');
    expect(await cells.nth(3).textContent()).toContain(customerId);
    // Nobody guessed: both systems still hold their own value.
    expect(account(accountId).BillingStreet).toBe('2 Harbor Way');
    await shot('reviews');

    // Keep the ERP's street.
    await cells.nth(3).getByRole('button', { name: 'Keep this' }).click();
    await page.getByText('Nothing waits for a decision.').waitFor();
    await f.drain();
    expect(account(accountId).BillingStreet).toBe('2 Harbour Way Suite 5');
    expect(text(customer(customerId)!.AddressLine1)).toBe('2 Harbour Way Suite 5');
    const [review] = await f.store.sync.listReviews({ flow: FLOW, status: 'applied' });
    expect(review).toMatchObject({ field: 'BillingStreet', resolvedBy: 'olivia', value: '2 Harbour Way Suite 5' });
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });

  it('compares both systems on the Reconciliation page, shows planted drift of every kind, and applies the selection only', async () => {
    const [adatum, litware, proseware] = ['Adatum', 'Litware', 'Proseware'].map((Name) => org().insert('Account', { Name, BillingCity: 'Austin' }).id);
    await f.poll(FLOW);
    // Drift no event told us about (the flow is paused, as after an outage).
    await f.store.setFlowStatus(FLOW, 'paused');
    f.sage.editCustomer(custOf(adatum), { City: 'Dallas' });
    org().update('Account', litware, { BillingCity: 'Houston' });
    const lonelyAccount = org().insert('Account', { Name: 'Trey Research' }).id;
    const lonelyCustomer = f.sage.addCustomer({ CustomerNo: 'FOURTH', CustomerName: 'Fourth Coffee', SalespersonNo: '0100', TermsCode: '01' });
    const prosewareCustomer = custOf(proseware);
    org().remove('Account', proseware);
    await f.store.setFlowStatus(FLOW, 'active');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: FLOW, exact: true }).click();
    await page.getByRole('heading', { name: FLOW }).waitFor();
    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('heading', { name: `Reconciliation of ${FLOW}` }).waitFor();
    await page.getByRole('button', { name: 'Compare now' }).click();

    const diffs = page.getByRole('table', { name: 'Differences' });
    const rows = diffs.getByRole('row');
    // The header and one row per difference: two fields, one missing on each side, one orphan.
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(6);
    const row = (pattern: RegExp) => diffs.getByRole('row', { name: pattern });
    const adatumCity = row(new RegExp(`${adatum}.*Dallas|Dallas.*${adatum}`));
    expect(await adatumCity.textContent()).toMatch(/Field differs\s*BillingCity/);
    expect(await adatumCity.textContent()).toContain('write Dallas');
    expect(await row(/Houston/).textContent()).toContain('write Houston');
    expect(await row(new RegExp(lonelyAccount)).textContent()).toContain('Only in salesforce: missing in sage100');
    expect(await row(new RegExp(lonelyCustomer)).textContent()).toContain('Only in sage100: missing in salesforce');
    expect(await row(new RegExp(prosewareCustomer)).textContent()).toContain('Paired record gone from salesforce');
    const runs = page.getByRole('table', { name: 'Reconciliations' });
    expect(await runs.getByRole('row').nth(1).textContent()).toContain('2 fields, 1 missing in salesforce, 1 missing in sage100, 1 orphan pair');
    // Live records read: Fabrikam (the first test), Adatum, Litware and Trey in Salesforce; those but Trey, with Proseware and Fourth Coffee, in Sage 100.
    expect(await runs.getByRole('row').nth(1).textContent()).toContain('salesforce 4, sage100 5');
    await shot('reconciliation');

    // Apply two of them: Adatum's city and the Account missing in the ERP.
    const accounts = org().table('Account').size;
    const customers = f.sage.db.list(AR_Customer).length;
    await adatumCity.getByRole('checkbox').check();
    await row(new RegExp(lonelyAccount)).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Apply selected (2)' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Queued' }).textContent()).toBe('Queued 2 jobs for 2 differences.');
    await expect.poll(() => adatumCity.textContent()).toMatch(/queued$/);
    expect(await row(new RegExp(lonelyAccount)).textContent()).toMatch(/queued$/);
    expect(await row(/Houston/).textContent()).toMatch(/open$/);
    expect(await row(/Houston/).getByRole('checkbox').count()).toBe(1);
    await f.drain();

    expect(account(adatum).BillingCity).toBe('Dallas');
    expect(account(lonelyAccount).Sage100_Customer_No__c).toMatch(/^01-/);
    expect(f.sage.db.list(AR_Customer).length).toBe(customers + 1);
    // Not selected: left exactly as found.
    expect(text(customer(custOf(litware))!.City)).toBe('Austin');
    expect(org().table('Account').size).toBe(accounts);
    expect(await f.store.sync.pairBy(FLOW, 'b', lonelyCustomer)).toBeNull();
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });
});
