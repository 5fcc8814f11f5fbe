/**
 * Child processes of the chaos run: bundled once per run as the server ships (one esbuild bundle),
 * awaited until ready, killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The bundles made by this process, by script: one build each, however many starts. */
const bundles = new Map<string, Promise<string>>();
let bundleDir: string | null = null;

/**
 * `script` (under test/chaos/) bundled with its imports into one file. Run through tsx, every start
 * compiled and resolved some thousand modules (2.2–2.5 s to ready on a quiet machine, several times that
 * under a test run's load), and a run restarts its processes dozens of times. The folder sits two levels
 * under the package root, as dist/bundle does, so the server finds its files the same way; a folder per
 * runner process, so the two stores' runs side by side do not build into each other's.
 */
function bundled(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    bundleDir ??= mkdtempSync(path.join(root, 'dist', 'chaos-'));
    const file = path.join(bundleDir, script.replace(/\.ts$/, '.mjs'));
    out = build({
      entryPoints: [path.join(here, script)],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'warning',
      // Maps beside the bundle: run with NODE_OPTIONS=--enable-source-maps (the children inherit it) and a
      // stack trace in the processes' log names the TypeScript line. Not on by default: it costs each start ~0.3 s.
      sourcemap: true,
      // The packages the shipped bundle leaves out too (scripts/bundle-server.mjs): native add-ons and those loaded on first use.
      external: ['better-sqlite3', 'odbc', 'pg-native', 'soap', 'jsforce', 'nodemailer', 'tsx'],
      banner: { js: "import { createRequire as __chaosCreateRequire } from 'node:module'; const require = __chaosCreateRequire(import.meta.url);" },
    }).then(() => file);
    bundles.set(script, out);
  }
  return out;
}

/** Removes this process's bundles (the runner calls it when the run ends). */
export function removeBundles(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = null;
  bundles.clear();
}

/** A child started from a script under test/chaos/. */
export interface Child {
  process: ChildProcess;
  /** The first line it printed (its readiness line). */
  firstLine: string;
}

/** Starts `script` (relative to test/chaos/) and resolves with its first stdout line; stderr goes to `log`. */
export async function startChild(script: string, env: Record<string, string>, log: WriteStream | null, timeoutMs = 60_000): Promise<Child> {
  const child = spawn(process.execPath, [await bundled(script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
