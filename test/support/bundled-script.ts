/**
 * Child processes of the tests, started from one esbuild bundle of their script as the server ships
 * (scripts/bundle-server.mjs), not through tsx. Through tsx every start compiled and resolved about a
 * thousand modules: the chaos run's process took 2.2–2.5 s to ready on a quiet machine (several times
 * that under a test run's load), and a CI-sized chaos run starts its processes 10 to 35 times. From a bundle it
 * is ready in about half a second.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the bundles go: two levels under the package root, as dist/bundle, so the server finds its own
 * files the same way. Vitest ends its worker processes without their exit handlers, so its global
 * teardown removes the whole folder (test/support/remove-bundled-scripts.ts).
 */
export const BUNDLES_DIR = path.join(root, 'dist', 'test-children');

/** This process's bundles, by script: one build each, however many starts. */
const bundles = new Map<string, Promise<string>>();
/** What this process's bundle files start with, so processes side by side never build into each other's. */
const prefix = `${process.pid}-${randomBytes(4).toString('hex')}-`;

/**
 * The path of `script` (absolute, a .ts file) bundled with everything it imports but the packages the
 * shipped bundle leaves out; removed when the process exits (a chaos run from the command line).
 */
export function bundledScript(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    if (bundles.size === 0) {
      mkdirSync(BUNDLES_DIR, { recursive: true });
      process.once('exit', removeBundles);
    }
    const file = path.join(BUNDLES_DIR, `${prefix}${bundles.size}-${path.basename(script, '.ts')}.mjs`);
    out = build({
      entryPoints: [script],
      outfile: file,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'warning',
      // Maps beside the bundle: run with NODE_OPTIONS=--enable-source-maps (children inherit it) and a
      // stack trace names the TypeScript line. Not on by default: it costs each start about 0.3 s.
      sourcemap: true,
      // As scripts/bundle-server.mjs: native add-ons load their binaries from their own folders, the others are loaded on first use.
      external: ['better-sqlite3', 'odbc', 'pg-native', 'soap', 'jsforce', 'nodemailer', 'tsx'],
      // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
      banner: { js: "import { createRequire as __testCreateRequire } from 'node:module'; const require = __testCreateRequire(import.meta.url);" },
    }).then(() => file);
    bundles.set(script, out);
  }
  return out;
}

/** Removes this process's bundles. */
function removeBundles(): void {
  for (const f of existsSync(BUNDLES_DIR) ? readdirSync(BUNDLES_DIR) : []) if (f.startsWith(prefix)) rmSync(path.join(BUNDLES_DIR, f), { force: true });
  bundles.clear();
}
