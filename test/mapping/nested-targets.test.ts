/** Target keys that are nested paths build nested objects, as JSON APIs expect; bad paths fail at compile. */
import { describe, expect, it } from 'vitest';
import type { FlowDef, TargetDef } from '../../src/core/flow.js';
import { compileFlow } from '../../src/mapping/index.js';
import type { MappingContext } from '../../src/mapping/index.js';

const ctx: MappingContext = { flow: 'nested', recordKey: 'r1', xrefCached: () => undefined, xref: async () => null };

function flowWith(mapping: TargetDef['mapping']): FlowDef {
  return { name: 'nested', trigger: { type: 'manual' }, source: { connection: 'src', entity: 'Thing' }, targets: [{ name: 't', connection: 'dst', entity: 'Other', mapping }] };
}

describe('nested target paths', () => {
  it('builds {custom: {erpCustomerNo}} from custom.erpCustomerNo and shares the parent between keys', async () => {
    const flow = compileFlow(flowWith({ Name: 'Name', 'custom.erpCustomerNo': 'No', 'custom.tier': { value: 'gold' }, 'address.geo.lat': { expr: '$number(Lat)' } }));
    const out = await flow.targets[0].map({ Name: 'Ann', No: 'C-1', Lat: '51.5' }, ctx);
    expect(out.fields).toEqual({ Name: 'Ann', custom: { erpCustomerNo: 'C-1', tier: 'gold' }, address: { geo: { lat: 51.5 } } });
    expect(Object.keys(out.fields)).not.toContain('custom.erpCustomerNo');
  });

  it('leaves out a nested field whose value is undefined, and keeps a backquoted dotted name flat', async () => {
    const flow = compileFlow(flowWith({ 'custom.a': 'Missing', '`odd.name`': 'Name' }));
    const out = await flow.targets[0].map({ Name: 'Ann' }, ctx);
    expect(out.fields).toEqual({ 'odd.name': 'Ann' });
  });

  it('refuses list indexes and prototype names in a target path when the flow compiles', () => {
    expect(() => compileFlow(flowWith({ 'lines[0].sku': 'Sku' }))).toThrow(/targets\/0\/mapping.*not list elements/);
    expect(() => compileFlow(flowWith({ 'custom.__proto__': 'Sku' }))).toThrow(/not a field name/);
  });
});
