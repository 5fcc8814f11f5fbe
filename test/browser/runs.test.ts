/**
 * The runs page explains each run in plain words: who the record is (name, e-mail, company), who
 * started the run, why a record was skipped (the flow's own filter reason), which value a mapping
 * function turned into nothing, and polls that found nothing hidden until asked for.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launch } from './browser.js';
import { CONTACTS, signIn, startConsoleServer, type ConsoleServer } from './console-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const EMPTY_POLLS = 5;
const run = browserAvailable();

describe.skipIf(!run)('the runs page in Chromium', () => {
  let server: ConsoleServer;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    server = await startConsoleServer({ runsPage: { emptyPolls: EMPTY_POLLS } });
    browser = await launch();
    page = await browser.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
    await signIn(page, server.url);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const rowOf = (email: string) => page.getByRole('row').filter({ hasText: email });

  it('names each record, says who started the run, why one was skipped and which value came out empty', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByLabel('Flow').selectOption('contacts-to-erp');
    await page.getByRole('button', { name: 'Search' }).click();
    const eve = rowOf(CONTACTS.badPhone.Email);
    await eve.waitFor();
    // Name, e-mail and company from the source record, not only its id.
    expect(await eve.locator('.identity').textContent()).toBe('Eve Stone · eve.stone@example.com · Contoso');
    expect(await eve.textContent()).toContain('incoming record · automatic');
    // The phone the mapping could not read is a warning on the run, not a silent empty field.
    expect(await eve.getByRole('note').textContent()).toBe('Warning: customer: Phone: $phoneE164 gave null for "call me maybe" (from Phone)');
    // The skipped record says why in the flow's own words (its filterReason).
    const spam = rowOf(CONTACTS.spam.Email);
    expect(await spam.locator('.badge').textContent()).toBe('skipped');
    expect(await spam.textContent()).toContain('Skipped: the contact was marked as spam');
    expect(await spam.locator('.identity').textContent()).toBe('Spam Bot · spam.bot@example.com · Spamco');
    await page.screenshot({ path: path.join(SHOTS, 'runs-explained.png'), fullPage: true });
  });

  it('hides polls that found nothing until asked for', async () => {
    const polls = page.getByRole('row').filter({ hasText: 'scheduled poll' });
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await polls.count()).toBe(0);
    await page.getByLabel('Show polls that found nothing').check();
    await expect.poll(() => polls.count()).toBe(EMPTY_POLLS);
    expect(await polls.first().textContent()).toContain('scheduled poll · automatic');
    await page.getByLabel('Show polls that found nothing').uncheck();
    await expect.poll(() => polls.count()).toBe(0);
  });

  it('opens a run on the record, the warning, and only the mapped source fields', async () => {
    await rowOf(CONTACTS.badPhone.Email).getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Run of contacts-to-erp' }).waitFor();
    expect(await page.locator('.facts .identity').textContent()).toBe('Eve Stone · eve.stone@example.com · Contoso');
    expect(await page.getByRole('list', { name: 'Warnings' }).textContent()).toContain('$phoneE164 gave null for "call me maybe"');
    // The source record starts folded; unfolded, it shows only the fields the mapping read until asked for all.
    const trigger = page.locator('.step', { hasText: 'trigger' });
    await trigger.locator('summary').click();
    const fields = () => trigger.locator('tbody th code').allTextContents();
    expect((await fields()).sort()).toEqual(['Email', 'FirstName', 'LastName', 'Phone']);
    await trigger.getByRole('button', { name: /Show all 6 fields/ }).click();
    expect((await fields()).sort()).toEqual(['Company', 'Email', 'FirstName', 'Id', 'LastName', 'Phone']);
    await page.screenshot({ path: path.join(SHOTS, 'run-detail.png'), fullPage: true });
  });
});
