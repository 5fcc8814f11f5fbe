/** A value a mapping function or value map turned into nothing is a warning on its lineage, not a silent empty field. */
import { describe, expect, it } from 'vitest';
import type { FlowDef, TargetDef } from '../../src/core/flow.js';
import type { Fields } from '../../src/core/json.js';
import { compileFlow, type MappingContext } from '../../src/mapping/index.js';

const ctx: MappingContext = { flow: 'warnings', recordKey: 'R-1' };

function flowWith(mapping: TargetDef['mapping'], extra: Partial<FlowDef> = {}): FlowDef {
  return { name: 'warnings', trigger: { type: 'manual' }, source: { connection: 'src', entity: 'Lead' }, targets: [{ name: 't', connection: 'dst', entity: 'Customer', mapping }], ...extra };
}

const mapping: TargetDef['mapping'] = {
  Phone: { expr: '$phoneE164(Phone, "US")' },
  Email: { expr: '$emailNormalize(Email)' },
  Grade: { from: 'Rating', map: 'grades' },
  Fax: { expr: '$phoneE164(Fax, "US")', default: 'none' },
  // A null the rule means (no library call loses anything): no warning.
  Vip: { expr: 'Tier = "gold" ? "yes" : null' },
  // A function whose input is present and usable, inside a condition that chose null: no warning.
  Mobile: { expr: 'Tier = "gold" ? $phoneE164(Phone, "US") : null' },
};
const valueMaps = { grades: { Hot: 'A', Warm: 'B' } };

async function warnings(record: Fields): Promise<Record<string, string | undefined>> {
  const flow = compileFlow(flowWith(mapping, { valueMaps }));
  const target = flow.targets[0];
  const mapped = await target.map(record, ctx);
  const all = await target.mapAll(record, ctx);
  // The synchronous fast path and the collecting path say the same.
  expect(all.lineage).toEqual(mapped.lineage);
  return Object.fromEntries(mapped.lineage.filter((l) => l.warning).map((l) => [l.field, l.warning]));
}

describe('mapping warnings', () => {
  it('names the function, the value it could not use and its source field', async () => {
    const found = await warnings({ Phone: 'call me maybe', Email: 'not an email', Rating: 'Lukewarm', Fax: '12', Tier: 'gold' });
    expect(found).toEqual({
      Phone: '$phoneE164 gave null for "call me maybe" (from Phone)',
      Mobile: '$phoneE164 gave null for "call me maybe" (from Phone)',
      Email: '$emailNormalize gave null for "not an email" (from Email)',
      Grade: 'map grades has no entry for "Lukewarm"',
      Fax: '$phoneE164 gave null for "12" (from Fax); default "none" was used instead',
    });
  });

  it('says nothing when the values map cleanly, are missing, or the rule meant null', async () => {
    expect(await warnings({ Phone: '(415) 555-0123', Email: 'Ann@Example.com', Rating: 'hot', Fax: '415 555 0199', Tier: 'silver' })).toEqual({});
    expect(await warnings({ Tier: 'silver' })).toEqual({});
    expect(await warnings({ Phone: '', Email: '', Rating: '', Fax: '' })).toEqual({});
  });

  it('keeps the null value itself in the lineage beside the warning', async () => {
    const flow = compileFlow(flowWith({ Phone: { expr: '$phoneE164(Phone, "US")' } }));
    const { fields, lineage } = await flow.targets[0].map({ Phone: 'n/a' }, ctx);
    expect(fields).toEqual({ Phone: null });
    expect(lineage).toEqual([{ field: 'Phone', sources: ['Phone'], rule: '$phoneE164(Phone, "US")', value: null, warning: '$phoneE164 gave null for "n/a" (from Phone)' }]);
  });

  it('warns inside order lines (each) with the element path', async () => {
    const flow = compileFlow(flowWith({ Lines: { from: 'Lines', each: { Sku: { expr: '$lookup("skus", Code)' } } } }, { valueMaps: { skus: { A1: 'SKU-A1' } } }));
    const { lineage } = await flow.targets[0].map({ Lines: [{ Code: 'A1' }, { Code: 'ZZ' }] }, ctx);
    expect(lineage.filter((l) => l.warning)).toEqual([{ field: 'Lines[1].Sku', sources: ['Lines[1].Code'], rule: '$lookup("skus", Code)', value: null, warning: '$lookup gave null for "ZZ" (from Code)' }]);
  });

  it('records nothing when lineage is off', async () => {
    const flow = compileFlow(flowWith(mapping, { valueMaps }), { lineage: false });
    expect((await flow.targets[0].map({ Phone: 'call me maybe' }, ctx)).lineage).toEqual([]);
  });
});
