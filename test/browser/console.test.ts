/**
 * The console in a real browser against a real server: sign in, open every page, replay a dead
 * letter and see it succeed, and check a viewer cannot replay. Screenshots of each page go to
 * docs/console/ for the README.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launch } from './browser.js';
import { LONG_NAME_LEAD, signIn, startConsoleServer, USERS, type ConsoleServer } from './console-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const run = browserAvailable();

describe.skipIf(!run)('the console in Chromium', () => {
  let server: ConsoleServer;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;

  beforeAll(async () => {
    // Build the console as shipped (production mode: vitest's NODE_ENV=test would pull in React's development build).
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    server = await startConsoleServer();
    browser = await launch();
    page = await browser.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const go = async (p: string) => {
    await page.goto(server.url.replace(/\/$/, '') + p);
  };

  it('refuses a wrong password, then signs in with the keyboard alone', async () => {
    await go('/');
    await page.getByRole('heading', { name: 'Sign in to Syncline' }).waitFor();
    await shot('sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');
    await page.getByLabel('Password').fill(USERS.admin);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('shows the overview: per-flow counts, a chart, connection health and budget', async () => {
    const row = page.getByRole('row', { name: /leads-to-erp/ });
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    // status, events in, written, failures, dead letters …
    expect(cells.slice(0, 5)).toEqual(['active', '4', '3', '1', '1']);
    // The end-to-end lag of the flow's written records (GET /metrics/lag), p50 · p99.
    await expect.poll(() => row.getByRole('cell').nth(7).textContent()).toMatch(/^[\d.]+ (ms|s|min) · [\d.]+ (ms|s|min)$/);
    await expect.poll(() => row.locator('svg.chart rect').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('row', { name: /^erp/ }).textContent()).toContain('http');
    await page.getByRole('button', { name: 'Last 24 hours' }).click();
    expect(await page.getByRole('button', { name: 'Last 24 hours' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Last hour' }).click();
    await page.getByRole('button', { name: 'Test all connections' }).click();
    await expect.poll(() => page.getByRole('row', { name: /^erp/ }).locator('.badge').first().textContent()).toBe('ok');
    // The database figure: each history table's rows as the store counts them (exact on SQLite), and the file's size.
    const sizes = new Map((await server.store.tableSizes()).map((t) => [t.table, t.rows]));
    expect(sizes.get('runs')).toBeGreaterThan(0);
    expect(sizes.get('traces')).toBeGreaterThan(sizes.get('runs')!);
    const figure = page.getByRole('table', { name: 'Database tables' });
    const shown = Object.fromEntries(
      (await figure.getByRole('row').allTextContents()).slice(1).map((text) => {
        const m = /^(.+?)([\d,]+)$/.exec(text)!;
        return [m[1], Number(m[2].replace(/,/g, ''))];
      }),
    );
    expect(shown).toEqual({
      'Delivery ids (inbox)': sizes.get('inbox'),
      Jobs: sizes.get('jobs'),
      Runs: sizes.get('runs'),
      Traces: sizes.get('traces'),
      'Trace keys': sizes.get('trace_keys'),
      'Cross-reference': sizes.get('xref'),
      'Dead letters': sizes.get('dead_letters'),
    });
    expect(shown['Dead letters']).toBe(1);
    const total = await page.getByText(/on disk in all/).textContent();
    const [, amount, unit] = /^([\d.]+) (KiB|MiB) on disk in all/.exec(total ?? '')!;
    expect(Number(amount) * (unit === 'MiB' ? 1024 : 1)).toBeGreaterThan(4 * 8);
    expect(await page.getByText(/Retention keeps the history bounded/).textContent()).toContain('retention');
    await shot('overview');
  });

  it('lists flows and shows one: mapping table, version diff, mapping preview', async () => {
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    // A webhook flow that takes unsigned deliveries (`unsigned: true`) is marked as such.
    await expect.poll(() => page.getByRole('row', { name: /leads-to-erp/ }).textContent()).toContain('unsigned webhook');
    await page.getByRole('button', { name: 'Deploy a flow file' }).click();
    await page.getByLabel('Flow file (YAML)').fill('name: Not Valid\ntrigger:\n  type: webhook\nsource:\n  connection: crm\n  entity: Lead\ntargets: []\n');
    await page.getByRole('button', { name: 'Validate and deploy' }).click();
    await expect.poll(() => page.locator('.issues').textContent()).toMatch(/line 1, column \d+/);
    await page.getByRole('button', { name: 'Deploy a flow file' }).click();
    await shot('flows');
    await page.getByRole('link', { name: 'leads-to-erp' }).click();
    await page.getByRole('heading', { name: 'leads-to-erp' }).waitFor();
    const nameRow = page.getByRole('row', { name: /Name/ }).filter({ hasText: 'JSONata' });
    expect(await nameRow.textContent()).toContain('FirstName & " " & LastName');
    await page.getByRole('button', { name: 'Show diff' }).click();
    const diff = page.getByRole('region', { name: 'Changes from v1 to v2' });
    await diff.waitFor();
    expect(await diff.locator('.diff-add').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Source:')]));
    await page.getByLabel('Sample source record (JSON)').fill(JSON.stringify({ Email: 'zoe@example.com', FirstName: 'Zoe', LastName: 'Park' }));
    await page.getByRole('button', { name: 'Preview mapping' }).click();
    await expect.poll(() => page.getByLabel('Mapped fields for customer').textContent()).toContain('"Name": "Zoe Park"');
    await shot('flow-detail');
  });

  it('finds runs by email and traces one record across systems with before/after values', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
    await page.getByLabel("Record (email or any system's id)").fill('ANN.LEE@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr').first().textContent()).toContain('succeeded');
    await shot('runs');
    await page.getByRole('link', { name: 'Trace this record' }).click();
    await page.locator('.timeline').waitFor();
    const steps = await page.locator('.timeline .step-head strong').allTextContents();
    expect(steps).toEqual(['trigger', 'map:customer', 'write:customer']);
    // The mapping step says how each field was made; the write step shows the values written.
    const mapped = page.locator('.step', { hasText: 'map:customer' }).getByRole('row', { name: /^Name/ });
    expect(await mapped.textContent()).toMatch(/FirstName.*LastName.*"Ann Lee"/);
    const written = page.locator('.step', { hasText: 'write:customer' }).getByRole('row', { name: /^Name/ });
    expect(await written.textContent()).toContain('"Ann Lee"');
    await shot('record-trace');
  });

  it('tests a connection and never shows its secret', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    const card = page.getByRole('article', { name: 'erp' });
    await card.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => card.locator('.badge').first().textContent()).toBe('ok');
    expect(await card.textContent()).toContain('auth: set');
    await card.getByText('Settings').click();
    expect(await page.content()).not.toContain('erp-secret-token');
    await shot('connections');
  });

  it('lets a viewer see dead letters but not replay them (no button, and the API says 403)', async () => {
    // A second browser profile, so the viewer's session is separate from the admin's.
    const other = await launch();
    const vpage = await other.context.newPage();
    try {
      await signIn(vpage, server.url, 'viewer');
      expect(await vpage.getByRole('link', { name: 'Users' }).count()).toBe(0);
      expect(await vpage.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      await vpage.getByRole('link', { name: 'Dead letters', exact: true }).click();
      const letter = vpage.getByTestId('dead-letter').first();
      await letter.waitFor();
      await letter.getByRole('button', { name: LONG_NAME_LEAD.Id }).click();
      await letter.getByText('Full payload').click();
      await letter.locator('textarea').waitFor();
      // The failing field's source inputs are read-only too.
      expect(await letter.getByRole('region', { name: 'Failing field Name' }).getByLabel(/^LastName/).getAttribute('readonly')).not.toBeNull();
      expect(await letter.getByRole('button', { name: 'Replay' }).count()).toBe(0);
      expect(await vpage.getByRole('button', { name: /Replay all/ }).count()).toBe(0);
      expect(await letter.locator('textarea').getAttribute('readonly')).not.toBeNull();
      const id = (await server.store.listDeadLetters({ status: 'open' }))[0].id;
      const status = await vpage.evaluate(async (dl) => {
        const me = (await (await fetch('/api/v1/auth/me')).json()) as { csrfToken: string };
        const res = await fetch(`/api/v1/dead-letters/${dl}/replay`, { method: 'POST', headers: { 'x-csrf-token': me.csrfToken } });
        return res.status;
      }, id);
      expect(status).toBe(403);
      expect((await server.store.getDeadLetter(id))!.status).toBe('open');
    } finally {
      await other.close();
    }
  });

  it('fixes a dead letter by its failing field (counter, who refused, full payload a click away), replays it and sees it succeed', async () => {
    await page.getByRole('link', { name: 'Dead letters', exact: true }).click();
    await page.getByRole('heading', { name: 'Open, by error' }).waitFor();
    const group = page.getByRole('row', { name: /Name is longer than 30 characters/ });
    expect(await group.textContent()).toContain('Fix the value');
    expect(await page.getByTestId('dead-letter').first().locator('.reason').textContent()).toContain('Name is longer than 30 characters (field Name)');
    const letter = page.getByTestId('dead-letter').first();
    // The record is named in words, not only by its id.
    expect(await letter.getByTestId('record-identity').textContent()).toBe('Dana Alexandra Featherstonehaugh-Smythe · dana.longname@example.com');
    await letter.getByRole('button', { name: LONG_NAME_LEAD.Id }).click();
    // It opens on the failing field: its value, the rule as a count, who refused it, and its sources to edit.
    const field = letter.getByRole('region', { name: 'Failing field Name' });
    await expect.poll(() => field.getByTestId('counter').textContent()).toBe('39 of 30 characters');
    expect(await field.getByTestId('failing-value').textContent()).toBe('"Dana Alexandra Featherstonehaugh-Smythe"');
    expect(await letter.locator('.failing').textContent()).toContain('The target system (http) refused it');
    await shot('dead-letters');
    await field.getByLabel(/^LastName/).fill('Smythe');
    await expect.poll(() => field.getByTestId('counter').textContent()).toBe('21 of 30 characters');
    expect(await field.getByTestId('failing-value').textContent()).toBe('"Dana Alexandra Smythe"');
    // The full payload is one click away and holds the edit.
    await letter.getByText('Full payload').click();
    const payload = JSON.parse(await letter.getByLabel(/Payload/).inputValue()) as { record: Record<string, unknown> };
    expect(payload.record.LastName).toBe('Smythe');
    await letter.getByRole('button', { name: 'Replay', exact: true }).click();
    await expect.poll(() => letter.getByRole('status').textContent(), { timeout: 20_000 }).toContain('Replay succeeded');
    expect(server.customers.map((c) => c.Name)).toContain('Dana Alexandra Smythe');
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await expect.poll(() => page.getByText('Nothing is waiting').count()).toBe(1);
  });

  it('shows the audit log and users to the admin', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    // The rows arrive after the heading: wait for them before reading.
    await page.locator('tbody td code').first().waitFor();
    const actions = await page.locator('tbody td code').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['dead_letter.edit', 'dead_letter.replay', 'auth.login']));
    // Actions in words, and a filter by action family.
    expect(await page.getByRole('row', { name: /replayed a dead letter/ }).count()).toBeGreaterThan(0);
    await page.getByLabel('What').selectOption({ label: 'dead letters' });
    await expect.poll(async () => [...new Set(await page.locator('tbody td code').allTextContents())].sort()).toEqual(['dead_letter.edit', 'dead_letter.replay']);
    await shot('audit-log');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    // The rows arrive after the heading, as on the audit log.
    await expect.poll(() => page.getByRole('row', { name: /operator/ }).count()).toBeGreaterThan(0);
    await shot('users');
  });

  it('makes a new user choose their own password at first sign-in', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('New user', { exact: true }).fill('erin');
    await page.getByLabel('Role of the new user').selectOption('operator');
    await page.getByRole('button', { name: 'Create with a one-time password' }).click();
    const note = await page.getByRole('status').filter({ hasText: 'One-time password' }).textContent();
    const otp = /One-time password: (\S+)/.exec(note ?? '')![1];
    const other = await launch();
    try {
      const p = await other.context.newPage();
      await p.goto(server.url);
      await p.getByLabel('Username').fill('erin');
      await p.getByLabel('Password').fill(otp);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await p.getByLabel('One-time password').fill(otp);
      await p.getByLabel('New password (at least 10 characters)').fill('erins-own-password');
      await p.getByLabel('New password again').fill('erins-own-password');
      await p.getByRole('button', { name: 'Change password' }).click();
      await p.getByRole('heading', { name: 'Overview' }).waitFor();
      expect((await server.store.getUser('erin'))!.mustChangePassword).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('serves console paths on reload (SPA fallback)', async () => {
    await go('/flows/leads-to-erp');
    await page.getByRole('heading', { name: 'leads-to-erp' }).waitFor();
  });
});
