/**
 * Building flows in the console, in Chromium against a real server: a new flow made from scratch in
 * the editor (choices from the discovered schemas, a suggestion applied, a nested target field) runs
 * end to end; a mapping edited with the live preview updating and an error shown inline; a misspelt
 * field refused with the closest real name; a rollback to an earlier version. Screenshots of the new
 * pages go to docs/console/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { startHttpSink, type RunningHttpSink } from '../../src/sandbox/http-sink/index.js';
import { browserAvailable, launch } from './browser.js';
import { signIn, startConsoleServer, type ConsoleServer } from './console-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/console');
const run = browserAvailable();

/** Two HTTP APIs on the local sink: leads to read, accounts to write; both declare their fields, as discovery reports them. */
function apiSettings(url: string, entity: 'leads' | 'accounts') {
  const base = { baseUrl: url, rateLimits: { perSecond: 1000, concurrent: 8 } };
  const paging = { paging: { style: 'cursor', param: 'cursor', responsePath: 'nextCursor' } };
  if (entity === 'leads') {
    return {
      ...base,
      entities: [
        {
          name: 'leads',
          label: 'Web leads',
          idField: 'id',
          updatedField: 'updatedAt',
          recordsPath: 'data',
          fields: [
            { name: 'id', type: 'id', readOnly: true },
            { name: 'email', type: 'email' },
            { name: 'firstName', type: 'string' },
            { name: 'lastName', type: 'string' },
            { name: 'company', type: 'string' },
            { name: 'updatedAt', type: 'datetime', readOnly: true },
          ],
          paths: { list: '/leads', get: '/leads/{id}' },
          list: paging,
        },
      ],
    };
  }
  return {
    ...base,
    entities: [
      {
        name: 'accounts',
        label: 'Accounts',
        idField: 'id',
        recordsPath: 'data',
        fields: [
          { name: 'id', type: 'id', readOnly: true },
          { name: 'emailAddress', type: 'email', required: true },
          { name: 'accountName', type: 'string', maxLength: 30, required: true },
          { name: 'contactName', type: 'string', maxLength: 60 },
          { name: 'custom', type: 'object' },
        ],
        paths: { create: '/accounts', update: '/accounts/{id}', get: '/accounts/{id}', find: '/accounts?{field}={value}' },
      },
    ],
  };
}

describe.skipIf(!run)('building flows in the console', () => {
  let server: ConsoleServer;
  let sink: RunningHttpSink;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: path.join(ROOT, 'web'),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    server = await startConsoleServer();
    sink = await startHttpSink();
    await saveConnection(server.store, server.hub.connectors, { name: 'leads-api', type: 'http', settings: apiSettings(sink.url, 'leads') }, 'seed');
    await saveConnection(server.store, server.hub.connectors, { name: 'accounts-api', type: 'http', settings: apiSettings(sink.url, 'accounts') }, 'seed');
    for (const lead of [
      { email: 'ann.lee@example.com', firstName: 'Ann', lastName: 'Lee', company: 'Contoso' },
      { email: 'bob.ray@example.com', firstName: 'Bob', lastName: 'Ray', company: 'Fabrikam' },
    ]) {
      const res = await fetch(`${sink.url}/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lead) });
      expect(res.status).toBe(201);
    }
    browser = await launch();
    page = await browser.context.newPage();
    mkdirSync(SHOTS, { recursive: true });
    await signIn(page, server.url);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sink?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const go = (p: string) => page.goto(server.url.replace(/\/$/, '') + p);
  const yamlText = () => page.locator('.editor-yaml .cm-content').innerText();

  it('builds a new flow from scratch, previews it, deploys it after the diff, and it runs end to end', async () => {
    await go('/flows');
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.getByRole('heading', { name: 'New flow' }).waitFor();
    await expect.poll(() => page.getByRole('button', { name: /lead-to-customer/ }).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: /Start empty/ }).click();

    await page.getByLabel('Name', { exact: true }).fill('leads-to-accounts');
    await page.getByLabel('Starts on').selectOption('manual');
    await page.getByLabel('Source connection').selectOption('leads-api');
    await expect.poll(() => page.getByLabel('Source entity').locator('option').allTextContents()).toContain('Web leads (leads)');
    await page.getByLabel('Source entity').selectOption('leads');
    await page.getByRole('button', { name: 'Add a target' }).click();
    await page.getByLabel('Target 1 connection').selectOption('accounts-api');
    await expect.poll(() => page.getByLabel('Target 1 entity').locator('option').allTextContents()).toContain('Accounts (accounts)');
    await page.getByLabel('Target 1 entity').selectOption('accounts');

    // The required target fields are offered from the discovered schema; a suggestion is applied on a click only.
    await page.getByRole('row', { name: /accountName/ }).waitFor();
    expect(await yamlText()).not.toContain('emailAddress');
    await page.getByRole('button', { name: 'Suggest mappings for unmapped fields' }).click();
    const suggestion = page.getByRole('table', { name: 'Mapping suggestions' }).getByRole('row', { name: /emailAddress\s+email/ });
    await expect.poll(() => suggestion.textContent()).toMatch(/same type \(email\)/);
    await page.getByRole('button', { name: 'Apply email to emailAddress' }).click();
    await expect.poll(yamlText).toContain('emailAddress: email');

    await page.getByLabel('Rule for accountName').selectOption('expr');
    await page.getByLabel('Expression for accountName').fill('$trim(company)');
    await page.getByLabel('Add a target field').fill('custom.leadSource');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('Rule for custom.leadSource').selectOption('value');
    await page.getByLabel('Constant for custom.leadSource').fill('web form');
    await page.getByRole('checkbox', { name: 'emailAddress' }).check();
    await expect.poll(yamlText).toMatch(/keys:\s*\[\s*emailAddress\s*\]/);

    // The live preview on a sample record, with each value's why.
    await page.getByLabel(/Sample source record/).fill(JSON.stringify({ id: 's1', email: 'cy@example.com', firstName: 'Cy', lastName: 'Ito', company: '  Northwind  ' }));
    await expect.poll(() => page.getByRole('row', { name: /accountName/ }).locator('.preview-cell').textContent()).toContain('"Northwind"');
    await expect.poll(() => page.locator('.editor-yaml .note-ok').textContent()).toContain('No problems');
    await shot('flow-editor');

    await page.getByRole('button', { name: 'Deploy…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm deploy' });
    await expect.poll(() => dialog.textContent()).toContain('A new flow');
    expect(await dialog.getByRole('region', { name: 'Changes to deploy' }).textContent()).toContain('custom.leadSource');
    await shot('flow-editor-deploy');
    await dialog.getByRole('button', { name: 'Confirm deploy' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('leads-to-accounts version 1 deployed');

    // It runs: the leads on the source API become accounts on the target API, the nested field built as an object.
    await go('/flows/leads-to-accounts');
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => sink.records('accounts').length, { timeout: 30_000 }).toBe(2);
    expect(sink.records('accounts').map((a) => [a.emailAddress, a.accountName, a.custom]).sort()).toEqual([
      ['ann.lee@example.com', 'Contoso', { leadSource: 'web form' }],
      ['bob.ray@example.com', 'Fabrikam', { leadSource: 'web form' }],
    ]);
  });

  it('edits a mapping with the preview updating as you type and the error inline', async () => {
    await go('/flows/leads-to-accounts/edit');
    await page.getByRole('heading', { name: 'Edit leads-to-accounts' }).waitFor();
    await page.getByLabel(/Sample source record/).fill(JSON.stringify({ id: 's2', email: 'dana@example.com', firstName: 'Dana', lastName: 'Featherstonehaugh', company: 'Featherstonehaugh Smythe Holdings International' }));
    const row = page.getByRole('row', { name: /accountName/ });
    await expect.poll(() => row.getByRole('alert').textContent()).toMatch(/accountName "Featherstonehaugh Smythe Holdings International" is 47 characters; the target allows at most 30/);
    await page.getByLabel('Rule for accountName').selectOption('function');
    await page.getByLabel('Function for accountName').selectOption('truncate');
    await page.getByLabel('Source field for accountName').fill('company');
    await page.getByLabel('max of accountName').fill('30');
    await expect.poll(yamlText).toContain('$truncate(company, 30)');
    await expect.poll(() => row.locator('.preview-cell code').textContent()).toBe('"Featherstonehaugh Smythe"');
    expect(await row.getByRole('alert').count()).toBe(0);
    await shot('mapping-editor');
  });

  it('refuses a misspelt field with the closest real name', async () => {
    await page.getByLabel('Rule for emailAddress').selectOption('field');
    await page.getByLabel('Source field for emailAddress').fill('emial');
    const issues = page.locator('.editor-yaml').getByRole('alert', { name: 'Problems in the flow' });
    await expect.poll(() => issues.textContent()).toMatch(/source field "emial" is not a field of leads-api\/leads\. Did you mean "email"\?/);
    expect(await issues.textContent()).toMatch(/line \d+/);
    await page.getByRole('button', { name: 'Deploy…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm deploy' });
    await expect.poll(() => dialog.textContent()).toContain('Did you mean "email"?');
    expect(await dialog.getByRole('button', { name: 'Confirm deploy' }).isDisabled()).toBe(true);
    await shot('flow-editor-typo');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await server.store.getFlow('leads-to-accounts'))?.currentVersion).toBe(1);
  });

  it('rolls a flow back to an earlier version in one action, after showing what changes', async () => {
    const before = await server.store.listFlowVersions('leads-to-erp');
    expect(before.map((v) => v.version).sort()).toEqual([1, 2]);
    await go('/flows/leads-to-erp');
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm rollback' });
    await expect.poll(() => dialog.textContent()).toContain('value: salesforce');
    await shot('flow-rollback');
    await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('version 3 now runs, equal to version 1 (was 2)');
    const v1 = await server.store.getFlowVersion('leads-to-erp', 1);
    const v3 = await server.store.getFlowVersion('leads-to-erp', 3);
    expect(v3?.hash).toBe(v1?.hash);
    expect((await server.store.getFlow('leads-to-erp'))?.currentVersion).toBe(3);
    const audit = await server.store.listAudit({ limit: 5 });
    expect(audit.map((a) => a.action)).toContain('flow.rollback');
  });
});
