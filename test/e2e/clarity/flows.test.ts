/**
 * Every flow of the Clarity pair loads (schema, expressions, exactly-once keys) and passes its own
 * sample records, as `syncline flow test` runs them; and the connector guide's connection example is
 * one the settings accept.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadFlow } from '../../../src/engine/flow-loader.js';
import { runFlowTests } from '../../../src/mapping/index.js';
import { clarityConnector, claritySettings } from '../../../src/connectors/clarity/index.js';
import { CLARITY_FLOWS_DIR } from './harness.js';

const files = readdirSync(CLARITY_FLOWS_DIR).filter((f) => f.endsWith('.yaml'));

describe('flows/clarity', () => {
  it.each(files)('%s loads and passes its samples', async (file) => {
    const loaded = loadFlow(readFileSync(path.join(CLARITY_FLOWS_DIR, file), 'utf8'), file);
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const def = loaded.flow.def;
    expect(def.tests?.length).toBeGreaterThan(0);
    const report = await runFlowTests(def, def.tests ?? []);
    expect(report.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.problems.join("; ")}`)).toEqual([]);
  });
});

describe('docs/connectors/clarity.md', () => {
  const guide = readFileSync(fileURLToPath(new URL('../../../docs/connectors/clarity.md', import.meta.url)), 'utf8');
  it('shows a connection the settings accept, and documents every setting', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(guide)?.[1];
    const config = parse(block!) as { connections: Record<string, { type: string; settings: Record<string, unknown> }> };
    const [conn] = Object.values(config.connections);
    expect(conn.type).toBe(clarityConnector.type);
    expect(claritySettings.problems(conn.settings)).toEqual([]);
    for (const field of claritySettings.fields) expect(guide).toContain(`\`${field.name}\``);
    expect(claritySettings.fields.filter((f) => f.secret).map((f) => f.name).sort()).toEqual(['password', 'webhookSecret']);
  });
});
