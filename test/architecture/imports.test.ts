/**
 * The dependency direction of ARCHITECTURE.md, checked over the import graph of src/: core imports
 * nothing of ours; store and mapping import only core; a connector imports only core, its own folder
 * and connectors/shared (never the engine, another connector or an emulator); the engine imports
 * core, store and mapping (never a particular connector); an emulator imports only its own folder and
 * sandbox/shared (never connector code); server and cli wire everything.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

/** The layer a file of src/ belongs to: `core`, `engine`, `connectors/pardot`, `sandbox/shared`... */
export function layerOf(file: string): string {
  const [top, sub] = path.relative(SRC, file).split(path.sep);
  return top === 'connectors' || top === 'sandbox' ? `${top}/${sub}` : top;
}

/** May a file in layer `from` import a file in layer `to`? */
export function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const [fromTop] = from.split('/');
  if (fromTop === 'core') return false;
  if (fromTop === 'store' || fromTop === 'mapping') return to === 'core';
  if (fromTop === 'connectors') return to === 'core' || to === 'connectors/shared';
  if (fromTop === 'engine') return to === 'core' || to === 'store' || to === 'mapping';
  if (fromTop === 'sandbox') return to === 'sandbox/shared' || (from === 'sandbox/index.ts' && to.startsWith('sandbox/'));
  // server, cli: the wiring layers.
  return true;
}

/** Relative import specifiers of a TypeScript source (static, re-exports and dynamic imports). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec && spec.startsWith('.')) out.push(spec);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every import in src/ that points the wrong way, as `from → to`. */
export function violations(files: Array<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    const rel = path.relative(SRC, file);
    // src/sandbox/index.ts is the emulators' registry, src/connectors/*.ts would be a registry too.
    const from = rel === path.join('sandbox', 'index.ts') ? 'sandbox/index.ts' : layerOf(file);
    for (const spec of importsOf(source)) {
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = layerOf(target);
      if (!allowed(from, to)) out.push(`${rel} (${from}) imports ${path.relative(SRC, target)} (${to})`);
    }
  }
  return out;
}

describe('dependency direction', () => {
  it('holds for every import in src/', () => {
    const files = tsFiles(SRC).map((file) => ({ file, source: readFileSync(file, 'utf8') }));
    expect(files.length).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });

  it('catches a connector importing the engine, an emulator importing a connector, and the engine importing a connector', () => {
    const f = (rel: string, source: string) => ({ file: path.join(SRC, rel), source });
    expect(
      violations([
        f('connectors/pardot/client.ts', "import { runRecord } from '../../engine/record-runner.js';"),
        f('sandbox/sage100/soap.ts', "import { toOrderDoc } from '../../connectors/sage100/entities/sales-order-write.js';"),
        f('engine/worker.ts', "export { x } from '../connectors/salesforce/index.js';"),
        f('core/flow.ts', "const m = await import('../store/types.js');"),
        f('connectors/sage100/poll.ts', "import '../pardot/changes.js';"),
        // allowed:
        f('connectors/sage100/odbc-client.ts', "import { SyncError } from '../../core/errors.js';\nimport { gatedRequest } from '../shared/http.js';"),
        f('sandbox/pardot/index.ts', "import { faults } from '../shared/faults.js';"),
        f('server/connectors.ts', "import { pardotConnector } from '../connectors/pardot/index.js';"),
      ]),
    ).toEqual([
      'connectors/pardot/client.ts (connectors/pardot) imports engine/record-runner.js (engine)',
      'sandbox/sage100/soap.ts (sandbox/sage100) imports connectors/sage100/entities/sales-order-write.js (connectors/sage100)',
      'engine/worker.ts (engine) imports connectors/salesforce/index.js (connectors/salesforce)',
      'core/flow.ts (core) imports store/types.js (store)',
      'connectors/sage100/poll.ts (connectors/sage100) imports connectors/pardot/changes.js (connectors/pardot)',
    ]);
  });
});
