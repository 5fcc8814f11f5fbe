/**
 * What a serving process loads before its first webhook is start-up time (issue 12's cold-start aim).
 * Packages only some connections need are imported on their first call, never with the connector
 * registry: `soap` and its dependencies cost about 0.4 s, and most installs never speak SOAP.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Packages a start must not load: each is imported by the code path that uses it. */
const LAZY_PACKAGES = ['soap', 'odbc', 'jsforce', 'nodemailer'];

describe('start-up imports', () => {
  it('loading every connector loads none of the packages used only on a first call', () => {
    const script = `
      const { createRequire } = await import('node:module');
      await import(${JSON.stringify(path.join(root, 'src/server/connectors.ts'))});
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.map((f) => (/node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f) ?? [])[1]).filter(Boolean)));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const packages = new Set(JSON.parse(out.trim().split('\n').pop()!) as string[]);
    expect(LAZY_PACKAGES.filter((p) => packages.has(p))).toEqual([]);
  });
});
