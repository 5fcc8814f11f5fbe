#!/usr/bin/env node
// Bundles the compiled server (dist/cli/main.js and everything it imports, npm packages included) into
// dist/bundle/: the entry syncline.mjs, which bin/syncline.js runs, and chunks beside it. Resolving and
// reading some 1,100 module files was most of a cold start: bundled, `syncline start` used about 0.5 s
// of CPU to its first accepted webhook instead of 1.4 s, and 116 MiB idle instead of 136
// (bench/cold-start.bench.ts, bench/RESULTS.md). The CLI imports each command group on first use
// (src/cli/main.ts); split into chunks, `syncline start` then never loads the demo, the emulators or
// the other commands' code at all, rather than carrying their source text in one file.
// Run after `tsc -p tsconfig.build.json` (npm run build:server does both).
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, 'dist/bundle');

// Chunk names carry a content hash: clear the last build's, or they would pile up.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { syncline: path.join(root, 'dist/cli/main.js') },
  outdir,
  // Chunks sit beside the entry: src/server/paths.ts finds the package root from import.meta.url.
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Whitespace only, for the same reason as the escaping below: V8 keeps every loaded chunk's source for
  // the process's life, and indentation was a third of it (a server's large-object space 6.0 → 3.9 MiB).
  // Names stay as written, so a stack trace still reads; `node --enable-source-maps` maps its columns
  // back to the TypeScript through the .map files written beside each chunk.
  minifyWhitespace: true,
  logLevel: 'warning',
  // Native add-ons load their binaries from their own folders; the others are imported on first use
  // by the few connections or commands that need them, so they stay out of every start.
  external: ['better-sqlite3', 'odbc', 'pg-native', 'soap', 'jsforce', 'nodemailer', 'tsx'],
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __synclineCreateRequire } from 'node:module'; const require = __synclineCreateRequire(import.meta.url);" },
});

// V8 keeps a module's source text for as long as the process runs (functions compile lazily from it),
// and one character outside Latin-1 makes it store the whole text at two bytes per character. esbuild
// escapes strings and identifiers (charset ascii) but leaves comments and regular expression literals
// as written, and some packages have `→`, `±` or `€` there. Escaping those as \uXXXX changes no
// meaning (a comment is not read; a regular expression reads the escape as the character) and halves
// the source's share of every process's heap (bench/RESULTS.md, "Idle memory of the built server").
for (const file of readdirSync(outdir).filter((f) => f.endsWith('.mjs'))) {
  const p = path.join(outdir, file);
  const text = readFileSync(p, 'utf8');
  // A character beyond the Basic Multilingual Plane becomes its two UTF-16 escapes, which a regular
  // expression (with or without the u flag) and a comment read as that character.
  const escape = (c) => c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  const ascii = text.replace(/[^\p{ASCII}]/gu, escape);
  if (ascii !== text) writeFileSync(p, ascii);
}
