import { describe, expect, it } from 'vitest';
import type { FlowDef, FlowTestCase } from '../../src/core/flow.js';
import type { MappingPreview } from '../../src/engine/hub-types.js';
import { formatTestReport, previewFlow, runFlowTests } from '../../src/mapping/index.js';
import { arCustomer, leadToCustomer } from './lead-to-customer.js';

const entities = (connection: string, entity: string) => (connection === 'sage100' && entity === 'AR_Customer' ? arCustomer : undefined);
const lead = {
  Id: '00Q5e000001',
  Name: 'Ann Lee',
  Company: 'Contoso Ltd',
  Email: 'ann@contoso.example',
  Phone: '415 555 0123',
  Rating: 'Hot',
  OwnerId: '005X',
  AnnualRevenue: 10,
  Status: 'Open',
  IsConverted: false,
};

describe('runFlowTests', () => {
  const cases: FlowTestCase[] = [
    { name: 'a plain lead', input: lead, expect: { customer: { CustomerName: 'Contoso Ltd', TelephoneNo: '+14155550123', PriceLevel: '1', SalespersonNo: '0100' } } },
    { name: 'converted leads are skipped', input: { ...lead, IsConverted: true }, filtered: true },
    { name: 'a bad email is refused', input: { ...lead, Email: 'nope' }, invalidField: 'EmailAddress' },
    { name: 'a blank company is refused', input: { ...lead, Company: '      ' }, invalidField: 'CustomerName' },
  ];

  it('passes cases whose expectations hold', async () => {
    const report = await runFlowTests(leadToCustomer, cases, entities);
    expect(report.cases.map((c) => [c.name, c.ok, c.problems])).toEqual(cases.map((c) => [c.name, true, []]));
    expect(report).toMatchObject({ flow: 'lead-to-customer', passed: 4, failed: 0 });
  });

  it('fails and diffs cases whose expectations do not hold', async () => {
    const wrong: FlowTestCase[] = [
      { name: 'wrong name', input: lead, expect: { customer: { CustomerName: 'Contoso', City: 'Paris' } } },
      { name: 'not filtered', input: lead, filtered: true },
      { name: 'no error where one was expected', input: lead, invalidField: 'EmailAddress' },
      { name: 'unexpected error', input: { ...lead, Email: 'nope' } },
      { name: 'unknown target', input: lead, expect: { invoice: { X: 1 } } },
    ];
    const report = await runFlowTests(leadToCustomer, wrong, entities);
    expect(report.passed).toBe(0);
    expect(report.failed).toBe(5);
    expect(report.cases[0].targets[0].diffs).toEqual([
      { field: 'CustomerName', expected: 'Contoso', actual: 'Contoso Ltd' },
      { field: 'City', expected: 'Paris', actual: undefined },
    ]);
    expect(report.cases[1].problems).toEqual(['expected the filter to skip this record, but it passed']);
    expect(report.cases[2].problems).toEqual(['expected a validation error on EmailAddress, but there was none']);
    expect(report.cases[3].problems).toEqual(['flow "lead-to-customer", record 00Q5e000001: target "customer", field EmailAddress ($emailNormalize(Email)): required, but the rule gave null']);
    expect(report.cases[4].problems).toEqual(['expect names target "invoice", which the flow does not have']);

    const text = formatTestReport(report);
    expect(text).toContain('flow lead-to-customer: 0 passed, 5 failed');
    expect(text).toContain('  ✗ wrong name\n      customer.CustomerName\n        expected: "Contoso"\n        actual:   "Contoso Ltd"');
    expect(text).toContain('      customer.City\n        expected: "Paris"\n        actual:   (not mapped)');
    expect(formatTestReport(report, { color: true })).toContain('\u001b[31m');
  });

  it('uses a stub cross-reference from the test context', async () => {
    const report = await runFlowTests(
      leadToCustomer,
      [{ name: 'owner linked', input: lead, expect: { customer: { SalespersonNo: '0042' } } }],
      entities,
      { xref: async () => '0042' },
    );
    expect(report.passed).toBe(1);
  });
});

describe('previewFlow', () => {
  it('shows fields, lineage and validation errors per target', async () => {
    // Typed as the admin API's MappingPreview: previewFlow's result must fit it as it is.
    const p: MappingPreview = await previewFlow(leadToCustomer, { ...lead, Company: 'Northwind Traders International Ltd' }, { entities, recordKey: '00Q5e000001' });
    expect(p.passedFilter).toBe(true);
    const [t] = p.targets;
    expect(t).toMatchObject({ name: 'customer', connection: 'sage100', entity: 'AR_Customer' });
    expect(t.fields?.EmailAddress).toBe('ann@contoso.example');
    expect(t.lineage.find((l) => l.field === 'EmailAddress')).toEqual({ field: 'EmailAddress', sources: ['Email'], rule: '$emailNormalize(Email)', value: 'ann@contoso.example' });
    expect(t.errors).toEqual([]);
    const q = await previewFlow(
      { ...leadToCustomer, targets: [{ ...leadToCustomer.targets[0], mapping: { ...leadToCustomer.targets[0].mapping, CustomerName: 'Company' } }] },
      { ...lead, Company: 'Northwind Traders International Ltd' },
      { entities, recordKey: '00Q5e000001' },
    );
    expect(q.targets[0].errors).toEqual([
      {
        kind: 'invalid_data',
        message: 'flow "lead-to-customer", record 00Q5e000001: CustomerName "Northwind Traders International Ltd" is 35 characters; the target allows at most 30',
        details: { field: 'CustomerName', value: 'Northwind Traders International Ltd', rule: 'maxLength 30', recordKey: '00Q5e000001', refusedBy: 'precheck' },
      },
    ]);
  });

  it('reports a filtered record and a target whose when is false', async () => {
    const def: FlowDef = { ...leadToCustomer, targets: [{ ...leadToCustomer.targets[0], when: 'Rating = "Cold"' }] };
    expect((await previewFlow(def, { ...lead, IsConverted: true })).passedFilter).toBe(false);
    const p = await previewFlow(def, lead);
    expect(p.passedFilter).toBe(true);
    expect(p.targets[0].fields).toBeNull();
  });
});
