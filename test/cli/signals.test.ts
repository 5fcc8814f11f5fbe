/**
 * `syncline` as a process manager runs it: started from another folder, stopped with SIGTERM. The
 * signal must reach the process that serves, which drains and exits, leaving nothing on the port.
 * Run both as `node bin/syncline.js` and through the installed launcher (bin/syncline), which must
 * become that same process (exec) with its runtime settings, not stand between it and the signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/syncline.js', import.meta.url));
const launcher = fileURLToPath(new URL('../../bin/syncline', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-signals-'));

function serverEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_PORT: '0', SYNCLINE_MASTER_KEY: 'e'.repeat(64), SYNCLINE_LOG_LEVEL: 'warn', SYNCLINE_DATABASE_URL: `sqlite:${path.join(dir, 's.db')}`, ...extra };
  delete env.SYNCLINE_CONFIG;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** Waits until the server says where it runs; resolves with its URL. */
function started(child: ChildProcess, output: { err: string }, exited: Promise<{ code: number | null }>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started in 60 s:\n${output.err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      output.err += d.toString();
      const m = /running at (http:\/\/\S+) /.exec(output.err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => reject(new Error(`exited early (${code}):\n${output.err}`)));
  });
}

/** Sends SIGTERM and expects a drained exit 0 with nothing left serving on the port. */
async function stopsOnSigterm(child: ChildProcess, url: string, output: { err: string }, exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>): Promise<void> {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  child.kill('SIGTERM');
  const result = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
  expect(result, `did not exit after SIGTERM:\n${output.err}`).toEqual({ code: 0, signal: null });
  expect(output.err).toContain('SIGTERM: stopping');
  // Nothing is left serving on the port (no orphaned server).
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const output = { err: '' };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, output, exited };
}

describe('bin/syncline.js and signals', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // From the TypeScript sources (tsx registered in-process), and as installed (the compiled dist/ when built).
  it.each([['the sources', '1'], ['the default build', '']])('runs from any folder, and SIGTERM drains and stops the server itself (%s)', async (_what, fromSource) => {
    const { child, output, exited } = run(process.execPath, [bin, 'start'], serverEnv({ SYNCLINE_FROM_SOURCE: fromSource }));
    const url = await started(child, output, exited);
    await stopsOnSigterm(child, url, output, exited);
  }, 90_000);

  it('the launcher becomes Node itself, with its memory settings and the operator\'s flags after them, and SIGTERM drains the server', async () => {
    const { child, output, exited } = run(launcher, ['start'], serverEnv({ SYNCLINE_NODE_FLAGS: '--max-semi-space-size=16 --stack-trace-limit=20', MALLOC_ARENA_MAX: undefined, MALLOC_MMAP_THRESHOLD_: undefined }));
    const url = await started(child, output, exited);
    // The pid the process manager holds is Node's (exec), so its signals reach the server directly.
    expect(path.basename(readlinkSync(`/proc/${child.pid}/exe`))).toMatch(/^node/);
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(argv.slice(1)).toEqual(['--max-semi-space-size=8', '--max-semi-space-size=16', '--stack-trace-limit=20', bin, 'start']);
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('MALLOC_ARENA_MAX=2');
    expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=262144');
    await stopsOnSigterm(child, url, output, exited);
  }, 90_000);

  it('the launcher keeps the malloc settings the operator set', async () => {
    const { child, output, exited } = run(launcher, ['start'], serverEnv({ MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '131072', SYNCLINE_NODE_FLAGS: undefined }));
    const url = await started(child, output, exited);
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('MALLOC_ARENA_MAX=4');
    expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1)).toEqual(['--max-semi-space-size=8', bin, 'start']);
    await stopsOnSigterm(child, url, output, exited);
  }, 90_000);
});
