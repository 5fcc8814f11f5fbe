/**
 * `bin/syncline.js` as a process manager runs it: started from another folder, stopped with SIGTERM.
 * The signal must reach the process that serves, which drains and exits, leaving nothing on the port.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/syncline.js', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-signals-'));

describe('bin/syncline.js and signals', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // From the TypeScript sources (tsx registered in-process), and as installed (the compiled dist/ when built).
  it.each([['the sources', '1'], ['the default build', '']])('runs from any folder, and SIGTERM drains and stops the server itself (%s)', async (_what, fromSource) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_FROM_SOURCE: fromSource, SYNCLINE_PORT: '0', SYNCLINE_MASTER_KEY: 'e'.repeat(64), SYNCLINE_LOG_LEVEL: 'warn', SYNCLINE_DATABASE_URL: `sqlite:${path.join(dir, 's.db')}` };
    delete env.SYNCLINE_CONFIG;
    const child = spawn(process.execPath, [bin, 'start'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not started in 60 s:\n${err}`)), 60_000);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /running at (http:\/\/\S+) /.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then(({ code }) => reject(new Error(`exited early (${code}):\n${err}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    const result = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(result, `did not exit after SIGTERM:\n${err}`).toEqual({ code: 0, signal: null });
    expect(err).toContain('SIGTERM: stopping');
    // Nothing is left serving on the port (no orphaned server).
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 90_000);
});
