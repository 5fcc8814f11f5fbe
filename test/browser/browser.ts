/**
 * Launching Debian's Chromium for the browser tests: headless with the flags this machine needs, a
 * fresh profile each time. When Chromium is missing the tests skip loudly, except under CI where a
 * missing browser is a failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where the project's set-up installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Whether the browser tests can run here; prints why not, and throws under CI. */
export function browserAvailable(executable: string = CHROMIUM, env: NodeJS.ProcessEnv = process.env): boolean {
  if (existsSync(executable)) return true;
  const why = `${executable} is missing (install Debian's chromium package: npm run setup)`;
  if (env.CI === 'true') throw new Error(`BROWSER TESTS CANNOT RUN UNDER CI: ${why}`);
  console.warn(`\n\n*** BROWSER TESTS SKIPPED: ${why} ***\n\n`);
  return false;
}

/** A browser context with its own fresh profile directory; close() removes the profile. */
export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
