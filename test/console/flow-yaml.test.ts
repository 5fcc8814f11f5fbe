/**
 * The flow editor's YAML edits (web/src/pages/flow-editor): form changes go through the yaml Document
 * API, so comments and layout stay, and the edited text is what `flow validate` accepts; mapping rules
 * read and write back in their shortest form.
 */
import { describe, expect, it } from 'vitest';
import { loadFlow } from '../../src/engine/flow-loader.js';
import { append, editFlow, setValue } from '../../web/src/pages/flow-editor/flow-yaml.js';
import { callText, readRule, writeRule } from '../../web/src/pages/flow-editor/mapping-rules.js';

const source = `# Leads into the ERP (kept by every edit)
name: leads
trigger:
  type: poll
  every: 5m   # how often
source:
  connection: crm
  entity: Lead
targets:
  - name: customer
    connection: erp
    entity: Customer
    mapping:
      Email: Email # the key
      Name: { expr: 'FirstName & " " & LastName', note: full name }
    match:
      keys: [Email]
`;

describe('editing flow YAML through the document', () => {
  it('keeps comments and layout, and the result validates', () => {
    let text = editFlow(source, (d) => setValue(d, ['trigger', 'every'], '15m'));
    text = editFlow(text, (d) => setValue(d, ['targets', 0, 'mapping', 'Phone'], { expr: '$phoneE164(Phone, "US")' }, true));
    text = editFlow(text, (d) => setValue(d, ['targets', 0, 'mapping', 'custom.erpNo'], 'Id'));
    expect(text).toContain('# Leads into the ERP (kept by every edit)');
    expect(text).toContain('every: 15m # how often');
    expect(text).toContain('Email: Email # the key');
    expect(text).toContain(`Phone: { expr: '$phoneE164(Phone, "US")' }`);
    expect(text).toContain('custom.erpNo: Id');
    const loaded = loadFlow(text);
    expect(loaded.ok).toBe(true);
  });

  it('removes a key set to empty, turns a first key into a block, and appends targets', () => {
    const empty = editFlow(source, (d) => setValue(d, ['targets', 0, 'mapping'], {}));
    const filled = editFlow(empty, (d) => setValue(d, ['targets', 0, 'mapping', 'Email'], 'Email'));
    expect(filled).toMatch(/mapping:\n\s+Email: Email\n/);
    expect(editFlow(source, (d) => setValue(d, ['trigger', 'every'], ''))).not.toContain('every:');
    const two = editFlow(source, (d) => append(d, ['targets'], { name: 'second', connection: 'erp', entity: 'Contact', mapping: { Email: 'Email' } }));
    expect(two).toMatch(/- name: second\n\s+connection: erp/);
  });

  it('leaves text that does not parse as it is', () => {
    expect(editFlow('name: [', (d) => setValue(d, ['name'], 'x'))).toBe('name: [');
  });
});

describe('mapping rules in the editor', () => {
  const fns = new Set(['phoneE164', 'truncate']);
  it('reads each form and writes the shortest equal rule, keeping what it does not show', () => {
    expect(writeRule(readRule('Email', fns))).toBe('Email');
    const fn = readRule({ expr: '$phoneE164(Phone, "US")', note: 'n', required: true }, fns);
    expect(fn).toMatchObject({ kind: 'function', fn: 'phoneE164', from: 'Phone', args: ['US'] });
    expect(writeRule({ ...fn, args: ['GB'] })).toEqual({ expr: '$phoneE164(Phone, "GB")', note: 'n', required: true });
    expect(readRule({ expr: '$trim(Company)' }, fns).kind).toBe('expr');
    expect(writeRule({ ...readRule({ from: 'Rating' }, fns), map: [['Hot', 'A'], ['', 'x']], default: 'C' })).toEqual({ from: 'Rating', map: { Hot: 'A' }, default: 'C' });
    expect(writeRule({ ...readRule('X', fns), kind: 'none' })).toBeUndefined();
    expect(callText('truncate', 'Company', ['30'])).toBe('$truncate(Company, 30)');
  });
});
