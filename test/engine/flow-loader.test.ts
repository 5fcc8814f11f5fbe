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
      expect(res.issues).toContainEqual(expect.objectContaining({ path: 'source/entitty', message: 'unknown setting "entitty"', line: 8, column: 3 }));
      expect(formatIssues(res.issues)).toContain('flows/x.yaml:8:3');
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

  it('refuses a creating target with neither a match key nor an external id, naming file, line, target and the fix', () => {
    const text = flowYaml().replace('    match:\n      keys: [email]\n', '');
    const res = loadFlow(text, 'flows/contacts.yaml');
    expect(res.ok).toBe(false);
    if (!res.ok) {
      const out = formatIssues(res.issues);
      expect(out).toMatch(/^flows\/contacts\.yaml:\d+:\d+ {2}targets\/0: target "contact" upserts sink\/contacts records with neither a match key nor an external id/);
      expect(out).toContain('match: { keys: [');
      expect(out).toContain('externalIdField');
      expect(res.issues[0].line).toBe(text.split('\n').findIndex((l) => l.includes('- name: contact')) + 1);
    }
    // create-only targets need a key as well; an external id alone is not used by a create.
    const create = loadFlow(flowYaml().replace('    match:\n      keys: [email]\n', '    write: { verb: create, externalIdField: email }\n'));
    expect(create.ok).toBe(false);
    // an external id the mapping writes is enough for an upsert; update-only targets need neither.
    expect(loadFlow(flowYaml().replace('    match:\n      keys: [email]\n', '    write: { externalIdField: email }\n')).ok).toBe(true);
    expect(loadFlow(flowYaml().replace('    match:\n      keys: [email]\n', '    write: { verb: update }\n')).ok).toBe(true);
  });

  it('refuses match keys and external ids that the mapping does not write; accepts compound keys of mapped fields', () => {
    const res = loadFlow(flowYaml().replace('keys: [email]', 'keys: [mail, email+nope]'));
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.issues.map((i) => i.message)).toEqual(
        expect.arrayContaining([expect.stringContaining('match key "mail" of target "contact" is not a field its mapping writes'), expect.stringContaining('match key "nope"')]),
      );
    }
    expect(loadFlow(flowYaml().replace('keys: [email]', 'keys: [email+name]')).ok).toBe(true);
  });

  it('refuses a webhook flow without a signing secret unless it says unsigned: true', () => {
    const res = loadFlow(flowYaml().replace('  unsigned: true\n', ''), 'flows/hook.yaml');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(formatIssues(res.issues)).toMatch(/flows\/hook\.yaml:\d+:\d+ {2}trigger: a webhook flow needs a signing secret: add `secret: env:NAME`.*or say `unsigned: true`/);
    expect(loadFlow(flowYaml().replace('  unsigned: true\n', '  secret: env:HOOK_SECRET\n')).ok).toBe(true);
    expect(loadFlow(flowYaml()).ok).toBe(true);
  });

  it('the shipped flows pass', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = (readdirSync('flows', { recursive: true }) as string[]).filter((n) => n.endsWith('.yaml') && !n.endsWith('.tests.yaml'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const res = loadFlow(readFileSync(`flows/${f}`, 'utf8'), `flows/${f}`);
      expect(res.ok ? '' : formatIssues(res.issues)).toBe('');
    }
  });
});
