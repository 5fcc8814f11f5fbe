/** Child processes of the chaos run: started from a bundle of their script, awaited until ready, killed with SIGKILL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../support/bundled-script.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A child started from a script under test/chaos/. */
export interface Child {
  process: ChildProcess;
  /** The first line it printed (its readiness line). */
  firstLine: string;
}

/** Starts `script` (relative to test/chaos/) and resolves with its first stdout line; stderr goes to `log`. */
export async function startChild(script: string, env: Record<string, string>, log: WriteStream | null, timeoutMs = 60_000): Promise<Child> {
  const child = spawn(process.execPath, [await bundledScript(path.join(here, script))], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (log) child.stderr!.pipe(log, { end: false });
  else child.stderr!.resume();
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not become ready in ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve({ process: child, firstLine: out.slice(0, nl) });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
}

/** SIGKILLs a child and waits until the OS has reaped it. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

/** Opens an append-only log file for children's stderr. */
export function openLog(file: string): WriteStream {
  return createWriteStream(file, { flags: 'a' });
}
