#!/usr/bin/env node
// Bundles the compiled server (dist/cli/main.js and everything it imports, npm packages included) into
// one file, dist/bundle/syncline.mjs, which bin/syncline.js runs. Resolving and reading some 1,100
// module files was most of a cold start: bundled, `syncline start` used about 0.5 s of CPU to its first
// accepted webhook instead of 1.4 s, and 116 MiB idle instead of 136 (bench/cold-start.bench.ts,
// bench/RESULTS.md). Run after `tsc -p tsconfig.build.json` (npm run build:server does both).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

await build({
  entryPoints: [path.join(root, 'dist/cli/main.js')],
  outfile: path.join(root, 'dist/bundle/syncline.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
  // Native add-ons load their binaries from their own folders; the others are imported on first use
  // by the few connections or commands that need them, so they stay out of every start.
  external: ['better-sqlite3', 'odbc', 'pg-native', 'soap', 'jsforce', 'nodemailer', 'tsx'],
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __synclineCreateRequire } from 'node:module'; const require = __synclineCreateRequire(import.meta.url);" },
});
