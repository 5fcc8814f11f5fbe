/**
 * The built server (scripts/bundle-server.mjs, run by scripts/setup.sh): what keeps its memory down.
 * V8 keeps each module's source for the process's life and stores it at two bytes per character as
 * soon as one character is outside Latin-1, so every chunk must be ASCII; and `syncline start` must
 * not load the emulators' code, which only `syncline demo` and `syncline sandbox` use.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BUNDLE = path.join(process.cwd(), 'dist', 'bundle');
const built = existsSync(path.join(BUNDLE, 'syncline.mjs'));

/** The chunks a module imports statically (loaded with it), followed transitively. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(path.join(BUNDLE, file), 'utf8');
    // Static imports only, written as esbuild writes them minified (`import{a}from"./x.mjs";`,
    // `import"./y.mjs";`) or not; `import("./z.mjs")` is loaded on first use and is not followed.
    for (const m of text.matchAll(/\bimport\s*(?:[^;"'()]*?\bfrom\s*)?"\.\/([^"]+)"/g)) visit(m[1]);
  };
  visit(entry);
  return seen;
}

describe.runIf(built || process.env.CI === 'true')('the built server bundle', () => {
  it('is ASCII in every chunk', () => {
    const chunks = readdirSync(BUNDLE).filter((f) => f.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(1);
    const offending = chunks.filter((f) => /[^\p{ASCII}]/u.test(readFileSync(path.join(BUNDLE, f), 'utf8')));
    expect(offending).toEqual([]);
  });

  it('loads the server without the emulators: their code is in chunks only the demo and sandbox commands import', () => {
    const closure = staticClosure('syncline.mjs');
    // The entry imports its shared chunks statically: a closure of one file means the imports went unread.
    expect(closure.size).toBeGreaterThan(2);
    const loadedAtStart = [...closure].map((f) => readFileSync(path.join(BUNDLE, f), 'utf8'));
    // The Salesforce emulator's start function: defined in the emulator's chunk, called only by demo and sandbox.
    const marker = 'startSalesforceEmulator';
    expect(readdirSync(BUNDLE).some((f) => f.endsWith('.mjs') && readFileSync(path.join(BUNDLE, f), 'utf8').includes(marker))).toBe(true);
    expect(loadedAtStart.some((t) => t.includes(marker))).toBe(false);
  });
});
