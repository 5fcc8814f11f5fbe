/**
 * The console when the server goes away: a banner says so, the last data stays on screen greyed
 * with its time, nothing waits forever on "Loading…", and the page recovers by itself when the
 * server answers again. Also: on a narrow screen table rows are stacked, each cell labelled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launch } from './browser.js';
import { signIn, startConsoleServer, type ConsoleServer } from './console-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const run = browserAvailable();

describe.skipIf(!run)('the console when the server is stopped', () => {
  let server: ConsoleServer;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    server = await startConsoleServer();
    browser = await launch();
    page = await browser.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
    await signIn(page, server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a banner, keeps the last data greyed with its time, and recovers when the server is back', async () => {
    const row = page.getByRole('row', { name: /leads-to-erp/ });
    await row.waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'Cannot reach' }).count()).toBe(0);

    await server.stopListening();
    // The next load (here: the Refresh button) finds the server gone.
    await page.getByRole('button', { name: 'Refresh' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'Cannot reach the Syncline server' });
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/The data below is from \d\d:\d\d:\d\d/);
    expect(await banner.textContent()).toMatch(/Trying again (in \d+ s|now)/);
    // The last data is still there, greyed.
    expect(await row.getByRole('cell').first().textContent()).toBe('active');
    expect(await page.locator('main').getAttribute('class')).toContain('stale');
    await page.screenshot({ path: path.join(SHOTS, 'server-unreachable.png'), fullPage: true });

    // A page never loaded before says it waits for the server instead of "Loading…" forever.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await expect.poll(() => page.locator('main').textContent(), { timeout: 30_000 }).toContain('Waiting for the server');

    await server.listenAgain();
    // The probe notices by itself; the banner goes and the page loads.
    await banner.waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect((await page.locator('main').getAttribute('class')) ?? '').not.toContain('stale');
  });

  it('stacks table rows on a narrow screen, each cell labelled with its column', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    // The Runs page left by the test before also has leads-to-erp rows: look only once Overview shows.
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const row = page.getByRole('row', { name: /leads-to-erp/ });
    await row.waitFor();
    const status = row.getByRole('cell').first();
    await expect.poll(() => status.getAttribute('data-label')).toBe('Status');
    expect(await status.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).display)).toBe('block');
    // Cells are stacked: the second cell starts below the first.
    const boxes = await Promise.all([0, 1].map((i) => row.getByRole('cell').nth(i).boundingBox()));
    expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y);
    await page.screenshot({ path: path.join(SHOTS, 'overview-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});
