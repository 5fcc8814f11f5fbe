/**
 * docs/sandbox.md is the one place a user learns an emulator's control API, so it must match the
 * emulators both ways: every call it documents is answered by the emulator of its section (not with
 * the emulator's "unknown control endpoint"), and every control route and business event an emulator
 * answers (read from its source: `path === '/__sandbox/…'`, the `/__sandbox/<prefix>/` dispatch and
 * its event names) is named in that section, with its method when the route has one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/sandbox/shared/types.js';
import { startSalesforceEmulator } from '../../src/sandbox/salesforce/index.js';
import { startPardotEmulator } from '../../src/sandbox/pardot/index.js';
import { startSage100Emulator } from '../../src/sandbox/sage100/index.js';
import { startSageX3Emulator } from '../../src/sandbox/sagex3/index.js';
import { startClarityEmulator } from '../../src/sandbox/clarity/index.js';
import { startTimsEmulator } from '../../src/sandbox/tims/index.js';
import { startHttpSink } from '../../src/sandbox/http-sink/index.js';

/** Each emulator: its section title in docs/sandbox.md, its source files with control routes, how to start it small. */
const EMULATORS = {
  salesforce: { title: 'Salesforce', sources: ['salesforce/index.ts'], start: () => startSalesforceEmulator({ seed: false }) },
  pardot: { title: 'Pardot', sources: ['pardot/index.ts'], start: () => startPardotEmulator() },
  sage100: { title: 'Sage 100', sources: ['sage100/index.ts'], start: () => startSage100Emulator({ seedSize: { customers: 2, items: 2, orders: 1, invoices: 1 } }) },
  sagex3: { title: 'Sage X3', sources: ['sagex3/index.ts'], start: () => startSageX3Emulator({ seedSize: { customers: 2, items: 2, orders: 1 } }) },
  clarity: { title: 'Clarity', sources: ['clarity/index.ts'], start: () => startClarityEmulator() },
  tims: { title: 'TIMS', sources: ['tims/index.ts'], start: () => startTimsEmulator() },
  'http-sink': { title: 'HTTP sink', sources: ['http-sink/server.ts'], start: () => startHttpSink() },
} as const;
type Name = keyof typeof EMULATORS;
const NAMES = Object.keys(EMULATORS) as Name[];

const DOC = readFileSync(path.resolve('docs/sandbox.md'), 'utf8');

/** The text of the `## <title…>` section. */
function section(title: string): string {
  const parts = DOC.split(/^## /m);
  const found = parts.filter((p) => p.startsWith(title));
  if (found.length !== 1) throw new Error(`docs/sandbox.md has ${found.length} sections titled "${title}"`);
  return found[0];
}

/** Documented calls of a section: `` `METHOD /__sandbox/…` `` (placeholders `{x}` kept). */
function documentedCalls(text: string): Array<{ method: string; path: string }> {
  return [...text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/__sandbox\/[^\s`]+)`/g)].map((m) => ({ method: m[1], path: m[2] }));
}

/** Control routes an emulator's source answers. */
function sourceRoutes(files: readonly string[]): { exact: Array<{ path: string; method?: string }>; events: Array<{ prefix: string; name: string }>; prefixes: string[] } {
  const exact: Array<{ path: string; method?: string }> = [];
  const events: Array<{ prefix: string; name: string }> = [];
  const prefixes: string[] = [];
  for (const f of files) {
    const src = readFileSync(path.resolve('src/sandbox', f), 'utf8');
    for (const m of src.matchAll(/path === '(\/__sandbox\/[a-z/-]+)'(?:\s*&&\s*req\.method === '([A-Z]+)')?/g)) exact.push({ path: m[1], method: m[2] });
    const filePrefixes = new Set<string>();
    for (const m of src.matchAll(/'\/__sandbox\/([a-z-]+)\/'/g)) filePrefixes.add(m[1]);
    for (const m of src.matchAll(/\\\/__sandbox\\\/([a-z-]+)\\\//g)) filePrefixes.add(m[1]);
    prefixes.push(...filePrefixes);
    // Event names: the case labels of the dispatch switch, or the keys of an `events` table.
    const names = [...src.matchAll(/case '([a-z][a-z-]*)':/g)].map((m) => m[1]);
    const table = /const events[^=]*=\s*\{([\s\S]*?)\n\s*\};/.exec(src)?.[1] ?? '';
    names.push(...[...table.matchAll(/^\s*'?([a-z][a-z-]*)'?:/gm)].map((m) => m[1]));
    const dispatch = [...filePrefixes].filter((p) => p !== 'undelete' && p !== 'leads');
    if (names.length > 0 && dispatch.length !== 1) throw new Error(`${f}: event names ${names.join(', ')} but ${dispatch.length} dispatch prefixes`);
    for (const name of names) events.push({ prefix: dispatch[0], name });
  }
  return { exact, events, prefixes };
}

describe('docs/sandbox.md names every control route of every emulator', () => {
  it.each(NAMES)('%s', (name) => {
    const e = EMULATORS[name];
    const text = section(e.title);
    const routes = sourceRoutes(e.sources);
    const missing: string[] = [];
    for (const r of routes.exact) {
      const named = r.method ? text.includes(`${r.method} ${r.path}\``) || text.includes(`${r.method} ${r.path} `) : text.includes(`${r.path}\``) || text.includes(`${r.path} `);
      if (!named) missing.push(r.method ? `${r.method} ${r.path}` : r.path);
    }
    for (const ev of routes.events) if (!text.includes(`/__sandbox/${ev.prefix}/${ev.name}\``)) missing.push(`/__sandbox/${ev.prefix}/${ev.name}`);
    for (const p of routes.prefixes) if (!text.includes(`/__sandbox/${p}/`)) missing.push(`/__sandbox/${p}/…`);
    expect(routes.exact.length + routes.events.length).toBeGreaterThan(1);
    expect(missing).toEqual([]);
  });
});

describe('every control call docs/sandbox.md documents is answered', () => {
  const running = new Map<Name, RunningEmulator>();
  beforeAll(async () => {
    for (const name of NAMES) running.set(name, await EMULATORS[name].start());
  }, 60_000);
  afterAll(async () => {
    await Promise.all([...running.values()].map((e) => e.close()));
  });

  it.each(NAMES)('%s', async (name) => {
    const emu = running.get(name)!;
    const calls = [...documentedCalls(section('Faults')), ...documentedCalls(section(EMULATORS[name].title))];
    const unknown: string[] = [];
    for (const c of calls) {
      const res = await fetch(`${emu.url}${c.path.replace(/\{[^}]+\}/g, 'x')}`, {
        method: c.method,
        headers: c.method === 'GET' || c.method === 'DELETE' ? {} : { 'content-type': 'application/json' },
        body: c.method === 'GET' || c.method === 'DELETE' ? undefined : '{}',
      });
      const body = await res.text();
      if (/unknown control|unknown event|no control route/i.test(body)) unknown.push(`${c.method} ${c.path}: ${res.status} ${body.slice(0, 120)}`);
    }
    expect(calls.length).toBeGreaterThan(2);
    expect(unknown).toEqual([]);
  }, 30_000);
});
