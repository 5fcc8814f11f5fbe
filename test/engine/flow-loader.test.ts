import { describe, expect, it } from 'vitest';
import { loadFlow, formatIssues } from '../../src/engine/flow-loader.js';
import { flowYaml } from '../support/flows.js';

describe('flow files', () => {
  it('accepts a valid flow and hashes its text', () => {
    const res = loadFlow(flowYaml());
    expect(res.ok).toBe(true);
    if (res.ok) {
      expect(res.flow.def.name).toBe('contacts-to-sink');
      expect(res.flow.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('reports an unknown setting with its line and column', () => {
    const text = flowYaml().replace('  entity: customer', '  entity: customer\n  entitty: typo');
    const res = loadFlow(text, 'flows/x.yaml');
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.issues).toContainEqual(expect.objectContaining({ path: 'source/entitty', message: 'unknown setting "entitty"', line: 7, column: 3 }));
      expect(formatIssues(res.issues)).toContain('flows/x.yaml:7:3');
    }
  });

  it('reports a bad trigger type, a broken expression and a missing value map', () => {
    const text = flowYaml()
      .replace('type: webhook', 'type: webhok')
      .replace('$lowercase($trim(email))', '$lowercase(')
      .replace('name: name', 'name: { from: name, map: missing }');
    const res = loadFlow(text);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues.map((i) => i.message).join('\n')).toMatch(/trigger type must be one of/);
    const noTrigger = loadFlow(flowYaml().replace('$lowercase($trim(email))', '$lowercase(').replace('name: name', 'name: { from: name, map: missing }'));
    expect(noTrigger.ok).toBe(false);
    if (!noTrigger.ok) {
      const msgs = noTrigger.issues.map((i) => `${i.path} ${i.message}`);
      expect(msgs.some((m) => m.startsWith('targets/0/mapping/email/expr invalid expression'))).toBe(true);
      expect(msgs).toContain('targets/0/mapping/name/map no value map named "missing" in valueMaps');
    }
  });

  it('reports YAML syntax errors with a position', () => {
    const res = loadFlow('name: x\ntrigger: [unclosed\n');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues[0].line).toBeGreaterThan(0);
  });

  it('rejects a missing required section', () => {
    const res = loadFlow('name: x\ntrigger: { type: manual }\nsource: { connection: a, entity: b }\n');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues[0].message).toBe('missing required setting "targets"');
  });
});
