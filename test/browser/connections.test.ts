/**
 * Connections without JSON, in Chromium: "Connect with Salesforce" through the emulator's login page
 * (OAuth authorization code with PKCE) ends with a working connection holding a refresh token; the
 * form generated from the settings schema shows a bad field's error next to it; a connection in
 * use cannot be deleted (the page names the flow); a server that is down is said in plain words.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector } from '../../src/connectors/salesforce/index.js';
import { decodeSecrets } from '../../src/engine/connection-settings.js';
import { HEALTH_KEY } from '../../src/engine/connection-health.js';
import { DEFAULT_APP, DEFAULT_USER, startSalesforceEmulator, type SalesforceEmulator } from '../../src/sandbox/salesforce/index.js';
import { browserAvailable, launch } from './browser.js';
import { signIn, startConsoleServer, type ConsoleServer } from './console-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const run = browserAvailable();

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe.skipIf(!run)('connections in the console', () => {
  let server: ConsoleServer;
  let emu: SalesforceEmulator;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    emu = await startSalesforceEmulator();
    server = await startConsoleServer({ extraConnectors: [salesforceConnector] });
    browser = await launch();
    page = await browser.context.newPage();
    await signIn(page, server.url);
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await emu?.close();
  });

  it('connects Salesforce by OAuth (authorization code with PKCE) through the login page', async () => {
    await page.getByRole('button', { name: 'Add a connection' }).click();
    const form = page.locator('.connection-form');
    await form.getByLabel('Name', { exact: true }).fill('sf');
    await form.getByLabel('Connector', { exact: true }).selectOption('salesforce');
    // A bad value is refused next to its field, before anything is sent.
    await form.getByLabel('Login URL').fill('not a url');
    await form.getByLabel('Consumer key').fill(DEFAULT_APP.clientId);
    await form.getByRole('button', { name: 'Add connection' }).click();
    await expect.poll(() => form.locator('#root_loginUrl').locator('xpath=ancestor::*[contains(@class,"form-group")][1]').textContent()).toMatch(/must match format "uri"/);
    await page.screenshot({ path: path.join(SHOTS, 'connection-form.png'), fullPage: true });

    await form.getByLabel('Login URL').fill(emu.url);
    await form.getByLabel('Consumer secret').fill(DEFAULT_APP.clientSecret);
    await form.getByRole('button', { name: 'Connect with Salesforce' }).click();
    // The emulator's login-and-allow page.
    await page.getByRole('button', { name: 'Log In and Allow' }).waitFor();
    expect(page.url()).toContain('code_challenge_method=S256');
    await page.getByLabel('Username').fill(DEFAULT_USER.username);
    await page.getByLabel('Password').fill(DEFAULT_USER.password);
    await page.getByRole('button', { name: 'Log In and Allow' }).click();

    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Connected “sf”' }).count()).toBe(1);
    const row = await server.store.getConnection('sf');
    expect(row?.settings.flow).toBe('refresh_token');
    const refreshToken = decodeSecrets(row!.secrets).refreshToken as string;
    expect(emu.state.oauth.refreshTokens.has(refreshToken)).toBe(true);
    const card = page.getByRole('article', { name: 'sf' });
    await card.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => card.locator('.badge').first().textContent()).toBe('ok');
    expect(await page.content()).not.toContain(refreshToken);
  });

  it('marks a connection whose credential was refused, and a successful Test clears the mark', async () => {
    await server.store.setConnectionState('erp', HEALTH_KEY, { status: 'unauthorized', message: 'POST /customers → 401: bad credentials', at: new Date().toISOString() });
    await page.reload();
    const card = page.getByRole('article', { name: 'erp' });
    const refused = card.getByRole('status').filter({ hasText: 'credential refused' });
    await expect.poll(() => refused.textContent()).toMatch(/paused .* until a Test of this connection succeeds/);
    await card.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => refused.count()).toBe(0);
    await expect.poll(async () => (await server.store.getConnectionState('erp', HEALTH_KEY)) ?? null).toBeNull();
  });

  it('shows the flows using a connection and refuses to delete it, naming them', async () => {
    const card = page.getByRole('article', { name: 'erp' });
    expect(await card.getByTestId('used-by').textContent()).toContain('leads-to-erp');
    page.once('dialog', (d) => void d.accept());
    await card.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toMatch(/used by flow leads-to-erp/);
    expect(await server.store.getConnection('erp')).not.toBeNull();
  });

  it('says in plain words that a server is down', async () => {
    const port = await closedPort();
    await server.hub.writeConnection({ name: 'old-erp', type: 'http', settings: { baseUrl: `http://127.0.0.1:${port}`, healthPath: '/health', entities: [{ name: 'Customer', idField: 'id', paths: { create: '/customers' } }] }, secrets: {} }, 'test');
    await page.reload();
    const card = page.getByRole('article', { name: 'old-erp' });
    await card.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => card.getByTestId('last-check').textContent()).toContain(`cannot reach the server at http://127.0.0.1:${port}: is it running?`);
    // The vendor-level code is one click away, not the message.
    expect((await card.getByTestId('last-check').textContent())!.split('Technical detail')[0]).not.toContain('ECONNREFUSED');
    // Unused, it can be deleted.
    page.once('dialog', (d) => void d.accept());
    await card.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => server.store.getConnection('old-erp')).toBeNull();
    await page.screenshot({ path: path.join(SHOTS, 'connections.png'), fullPage: true });
  });
});
