#!/usr/bin/env node
// The `syncline` command. It runs the CLI in this very process, so SIGTERM and SIGINT from a process
// manager, a container runtime or `npx` reach the process that serves (which drains and exits): no
// wrapper stands between them. It runs the compiled, bundled JavaScript (dist/bundle/syncline.mjs, which loads its chunks)
// when that build is at least as new as every source file (scripts/setup.sh builds it), else the
// TypeScript sources through tsx's loader registered in-process (development; see
// docs/decisions/0001-run-typescript-with-tsx.md).
// Every path is resolved from this file, so it works from any folder.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const stamp = path.join(root, 'dist/.built');

/** Newest modification time of any file under `dir`. */
function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

/** True when dist/ was built after the last change to src/ (or when the sources are not shipped). */
function distIsCurrent() {
  if (process.env.SYNCLINE_FROM_SOURCE === '1' || !existsSync(stamp)) return false;
  const src = path.join(root, 'src');
  return !existsSync(src) || newest(src) <= statSync(stamp).mtimeMs;
}

if (distIsCurrent()) {
  await import(pathToFileURL(path.join(root, 'dist/bundle/syncline.mjs')).href);
} else {
  // Resolved from this file's node_modules, not from the working folder.
  await import('tsx');
  await import(pathToFileURL(path.join(root, 'src/cli/main.ts')).href);
}
