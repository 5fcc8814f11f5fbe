/**
 * Every flow of the Clarity pair loads (schema, expressions, exactly-once keys) and passes its own
 * sample records, as `syncline flow test` runs them; and the connector guide's connection example is
 * one the settings accept.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clarityConnector, claritySettings } from '../../../src/connectors/clarity/index.js';
import { flowFileNames, flowSampleFailures } from '../../support/flows.js';
import { CLARITY_FLOWS_DIR } from './harness.js';

describe('flows/clarity', () => {
  it.each(flowFileNames(CLARITY_FLOWS_DIR))('%s loads and passes its samples', async (file) => {
    expect(await flowSampleFailures(CLARITY_FLOWS_DIR, file)).toEqual([]);
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
