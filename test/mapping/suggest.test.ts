/** Mapping suggestions: ranked by name, type, length and sample values, with reasons; and the editor's function catalogue matches the library. */
import { describe, expect, it } from 'vitest';
import type { FieldSpec } from '../../src/core/connector.js';
import { FUNCTION_CATALOGUE, LIBRARY, suggestMappings } from '../../src/mapping/index.js';

const lead: FieldSpec[] = [
  { name: 'Id', type: 'id' },
  { name: 'Email', type: 'email' },
  { name: 'Company', type: 'string' },
  { name: 'Phone', type: 'phone' },
  { name: 'PostalCode', type: 'string' },
  { name: 'Notes', type: 'text' },
];
const customer: FieldSpec[] = [
  { name: 'CustomerNo', type: 'string', readOnly: true },
  { name: 'EmailAddress', type: 'email' },
  { name: 'CustomerName', type: 'string', maxLength: 30 },
  { name: 'TelephoneNo', type: 'phone' },
  { name: 'ZipCode', type: 'string', maxLength: 10 },
];
const samples = [
  { Id: '1', Email: 'ann@contoso.example', Company: 'Contoso', Phone: '(415) 555-0123', PostalCode: '94105', Notes: 'x' },
  { Id: '2', Email: 'bob@fabrikam.example', Company: 'Fabrikam Trading Company International Holdings', Phone: '+1 212 555 0100', PostalCode: '10001', Notes: 'y' },
];

describe('suggestMappings', () => {
  const best = (target: string, mapped: string[] = []) => suggestMappings({ sourceFields: lead, targetFields: customer, samples, mapped }).filter((s) => s.target === target)[0];

  it('proposes the field that means the same, with its reasons and a confidence', () => {
    expect(best('EmailAddress')).toMatchObject({ source: 'Email', reasons: expect.arrayContaining([expect.stringContaining('2 of 2 sample values look like e-mail addresses')]) });
    expect(best('EmailAddress').confidence).toBeGreaterThan(0.8);
    expect(best('TelephoneNo').source).toBe('Phone');
    expect(best('ZipCode')).toMatchObject({ source: 'PostalCode', reasons: expect.arrayContaining([expect.stringMatching(/names mean the same/), 'sample values fit (longest 5 of 10 characters)']) });
  });

  it('says when the sample values are too long for the target, and lowers the confidence', () => {
    const s = suggestMappings({ sourceFields: lead, targetFields: customer, samples }).find((x) => x.target === 'CustomerName' && x.source === 'Company')!;
    expect(s.reasons).toContain('sample values run to 47 characters; the target allows 30');
    const fits = suggestMappings({ sourceFields: lead, targetFields: customer, samples: samples.slice(0, 1) }).find((x) => x.target === 'CustomerName' && x.source === 'Company')!;
    expect(fits.confidence).toBeGreaterThan(s.confidence);
  });

  it('leaves mapped and read-only target fields alone', () => {
    const targets = new Set(suggestMappings({ sourceFields: lead, targetFields: customer, samples, mapped: ['EmailAddress'] }).map((s) => s.target));
    expect(targets.has('EmailAddress')).toBe(false);
    expect(targets.has('CustomerNo')).toBe(false);
  });
});

describe('the function catalogue', () => {
  it('lists exactly the library functions', () => {
    expect(FUNCTION_CATALOGUE.map((f) => f.name).sort()).toEqual(Object.keys(LIBRARY).sort());
  });
});
