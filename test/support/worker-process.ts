/** Worker processes for multi-process tests: one started from test/support/worker-main.ts, and its kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundledScript } from './bundled-script.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

/** Starts a worker on the store at `url`; resolves once it says it is ready. */
export async function startWorkerProcess(url: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [await bundledScript(WORKER_MAIN)], {
    env: { ...process.env, SYNCLINE_DATABASE_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
  });
}

/** Kills a worker with SIGKILL and resolves once it is gone (at once if it already is). */
export function killProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
