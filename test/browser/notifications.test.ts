/**
 * Notifications in Chromium: an admin adds an e-mail channel (a local SMTP server with password login)
 * and a signed webhook channel from forms generated from their settings schemas, creates a rule on new
 * dead-letter groups, and the seeded dead letter's alert reaches the SMTP server and the webhook
 * receiver (which verifies the signature); the alert is acknowledged and silenced from the page, and
 * its deliveries are listed. The screenshot in docs/console/ is taken here.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, startWebhookReceiver } from '../support/alert-receivers.js';
import { browserAvailable, launch } from './browser.js';
import { signIn, startConsoleServer, type ConsoleServer } from './console-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const run = browserAvailable();
const SECRET = 'whsec-browser-1';

describe.skipIf(!run)('notifications in the console', () => {
  let server: ConsoleServer;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    smtp = await startSmtpServer();
    hooks = await startWebhookReceiver(SECRET);
    // Evaluated when the page asks ("Evaluate now"), so the test sees the pass that opens the alert.
    server = await startConsoleServer({ alerts: { start: false } });
    browser = await launch();
    page = await browser.context.newPage();
    await signIn(page, server.url);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
    await hooks?.close();
  });

  it('creates channels and a rule, and the dead letter’s alert reaches the SMTP server and the signed webhook', async () => {
    // The seeded dead letter (a name too long for the ERP) is there before any rule.
    expect(await server.store.listDeadLetters({ status: 'open' })).toHaveLength(1);

    await page.getByRole('button', { name: 'Add a channel' }).click();
    let form = page.getByLabel('New channel');
    await form.getByLabel('Channel name').fill('ops-mail');
    await form.getByLabel('Channel type').selectOption('email');
    await form.locator('#root_host').fill('127.0.0.1');
    await form.locator('#root_port').fill(String(smtp.port));
    await form.locator('#root_tls').selectOption('none');
    await form.locator('#root_username').fill(smtp.user);
    await form.locator('#root_password').fill(smtp.password);
    await form.locator('#root_from').fill('syncline@example.com');
    await form.locator('#root_to').fill('marketing-ops@example.com');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await page.getByText('Saved channel ops-mail.').waitFor();

    await page.getByRole('button', { name: 'Add a channel' }).click();
    form = page.getByLabel('New channel');
    await form.getByLabel('Channel name').fill('ops-hook');
    await form.getByLabel('Channel type').selectOption('webhook');
    await form.locator('#root_url').fill(hooks.url);
    await form.locator('#root_secret').fill(SECRET);
    await form.getByRole('button', { name: 'Add channel' }).click();
    await page.getByText('Saved channel ops-hook.').waitFor();
    // Secrets are named, never shown.
    const channels = page.locator('section[aria-labelledby="alert-channels"]');
    await expect.poll(() => channels.textContent()).toContain('secrets set: password');
    expect(await page.content()).not.toContain(smtp.password);
    expect(await page.content()).not.toContain(SECRET);

    await page.getByRole('button', { name: 'New rule' }).click();
    const rule = page.getByLabel('New rule');
    await rule.getByLabel('Rule name').fill('new-failures');
    await rule.getByLabel('Rule kind').selectOption('dead_letter_group');
    await rule.getByLabel('ops-mail').check();
    await rule.getByLabel('ops-hook').check();
    await rule.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('section[aria-labelledby="alert-rules"]').getByRole('rowheader', { name: /new-failures/ }).waitFor();

    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await page.getByText(/Evaluated 1 rule: 1 opened/).waitFor();
    const active = page.locator('section[aria-labelledby="active-alerts"]');
    await active.getByText(/1 record of leads-to-erp failing/).first().waitFor();

    // Delivered: the e-mail with the alert's explanation, the webhook signed (the receiver verified it).
    await expect.poll(() => smtp.mails.length, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => hooks.hooks.length, { timeout: 30_000 }).toBe(1);
    expect(hooks.refused).toEqual([]);
    expect(smtp.mails[0].to).toEqual(['marketing-ops@example.com']);
    expect(smtp.mails[0].text).toMatch(/A new group of dead letters on flow "leads-to-erp": 1 record failed the same way/);
    expect(hooks.hooks[0].body).toMatchObject({ event: 'alert.opened', alert: { rule: 'new-failures', kind: 'dead_letter_group' } });

    await active.getByRole('button', { name: 'Acknowledge' }).click();
    await active.getByText('acknowledged', { exact: true }).waitFor();
    await active.getByRole('link', { name: /1 record of leads-to-erp failing/ }).click();
    const detail = page.getByLabel('Alert', { exact: true });
    await detail.getByRole('table', { name: 'Deliveries' }).getByText('sent', { exact: true }).first().waitFor();
    await expect.poll(() => detail.getByRole('table', { name: 'Deliveries' }).getByText('sent', { exact: true }).count()).toBe(2);
    await page.screenshot({ path: path.join(SHOTS, 'notifications.png'), fullPage: true });

    await active.getByLabel(/^Silence /).selectOption('1h');
    await page.getByText(/^Silenced “1 record of leads-to-erp failing/).waitFor();
    const [alert] = await server.store.alerts.listAlerts({ status: 'active' });
    expect(alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'admin', silencedBy: 'admin' });
    // One alert, one notification per channel, however often it is evaluated.
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await page.getByText(/Evaluated 1 rule: 0 opened, 0 resolved, 1 still firing/).waitFor();
    expect(smtp.mails).toHaveLength(1);
    expect(hooks.hooks).toHaveLength(1);
  });
});
