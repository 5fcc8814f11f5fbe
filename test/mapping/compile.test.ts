import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/errors.js';
import type { FlowDef, TargetDef } from '../../src/core/flow.js';
import type { Fields } from '../../src/core/json.js';
import { compileFlow } from '../../src/mapping/index.js';
import type { MappingContext } from '../../src/mapping/index.js';
import { leadToCustomer, sampleLead } from './lead-to-customer.js';

const owners: Record<string, string> = { '005000000000007': '0107' };
const ctx: MappingContext = {
  flow: 'lead-to-customer',
  recordKey: '00Q5e000001',
  xrefCached: (_c, _e, id) => (id in owners ? owners[id] : undefined),
  xref: async (_c, _e, id) => (id === '005000000000008' ? '0108' : null),
};

function flowWith(mapping: TargetDef['mapping'], extra: Partial<FlowDef> = {}, target: Partial<TargetDef> = {}): FlowDef {
  return {
    name: 'test-flow',
    trigger: { type: 'manual' },
    source: { connection: 'src', entity: 'Thing' },
    targets: [{ name: 't', connection: 'dst', entity: 'Other', mapping, ...target }],
    ...extra,
  };
}

describe('compileFlow on the lead-to-customer mapping', () => {
  const flow = compileFlow(leadToCustomer);
  const target = flow.targets[0];
  const lead: Fields = {
    Id: '00Q5e000001',
    Name: '  Dr. María José de la Cruz ',
    Company: 'Northwind Traders International Ltd      ',
    Street: '1 Main St',
    City: 'Springfield',
    State: 'illinois',
    PostalCode: '62701',
    Country: 'United States',
    Phone: '(217) 555-0188',
    Email: ' Maria.Cruz@Northwind.EXAMPLE ',
    OwnerId: '005000000000007',
    Rating: 'warm',
    AnnualRevenue: 2_500_000,
    Website: 'https://northwind.example',
    Status: 'Qualified',
    IsConverted: false,
  };

  it('maps every field, on the synchronous path', () => {
    const out = target.mapSync(lead, ctx);
    expect(out).toBeDefined();
    expect(out!.fields).toEqual({
      ARDivisionNo: '01',
      CustomerName: 'Northwind Traders Internationa',
      AddressLine1: '1 Main St',
      City: 'Springfield',
      State: 'IL',
      ZipCode: '62701',
      CountryCode: 'USA',
      TelephoneNo: '+12175550188',
      EmailAddress: 'maria.cruz@northwind.example',
      UDF_CONTACT_FIRST: 'María José',
      UDF_CONTACT_LAST: 'de la Cruz',
      PriceLevel: '2',
      SalespersonNo: '0107',
      CreditLimit: 50000,
      URLAddress: 'https://northwind.example',
      UDF_SF_LEAD_ID: '00Q5e000001',
    });
  });

  it('gives the same result through the promise API', async () => {
    expect((await target.map(lead, ctx)).fields).toEqual(target.mapSync(lead, ctx)!.fields);
  });

  it('records lineage per field: sources, rule and value', () => {
    const { lineage } = target.mapSync(lead, ctx)!;
    const by = Object.fromEntries(lineage.map((l) => [l.field, l]));
    expect(by.City).toEqual({ field: 'City', sources: ['City'], rule: 'copy City', value: 'Springfield' });
    expect(by.TelephoneNo).toEqual({ field: 'TelephoneNo', sources: ['Phone'], rule: '$phoneE164(Phone, "US")', value: '+12175550188' });
    expect(by.PriceLevel).toEqual({ field: 'PriceLevel', sources: ['Rating'], rule: 'copy Rating → map ratings', value: '2' });
    expect(by.ARDivisionNo).toEqual({ field: 'ARDivisionNo', sources: [], rule: 'value "01"', value: '01' });
    expect(by.SalespersonNo.sources).toEqual(['OwnerId']);
    expect(by.CreditLimit.sources).toEqual(['AnnualRevenue']);
    expect(lineage).toHaveLength(16);
  });

  it('applies defaults, value-map misses and conditions', () => {
    const out = target.mapSync({ ...lead, Rating: 'Lukewarm', Country: 'Atlantis', Status: 'Open', AnnualRevenue: 10 }, ctx)!;
    expect(out.fields.PriceLevel).toBe('3');
    expect(out.fields.CountryCode).toBe('USA');
    expect(out.fields.CreditLimit).toBe(10000);
    expect('URLAddress' in out.fields).toBe(false);
    expect(out.lineage.find((l) => l.field === 'CountryCode')?.rule).toBe('default "USA"');
  });

  it('falls back to the async path for an uncached cross-reference, and to the default when unlinked', async () => {
    expect(target.mapSync({ ...lead, OwnerId: '005000000000008' }, ctx)).toBeUndefined();
    expect((await target.map({ ...lead, OwnerId: '005000000000008' }, ctx)).fields.SalespersonNo).toBe('0108');
    expect((await target.map({ ...lead, OwnerId: '005000000000009' }, ctx)).fields.SalespersonNo).toBe('0100');
  });

  it('raises invalid_data naming the flow, record, field and rule when a required value is empty', async () => {
    const bad = { ...lead, Email: 'not-an-email' };
    expect(() => target.mapSync(bad, ctx)).toThrow(SyncError);
    const err = await target.map(bad, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    const e = err as SyncError;
    expect(e.kind).toBe('invalid_data');
    expect(e.details).toMatchObject({ field: 'EmailAddress', rule: '$emailNormalize(Email)', recordKey: '00Q5e000001' });
    expect(e.message).toBe('flow "lead-to-customer", record 00Q5e000001: target "customer", field EmailAddress ($emailNormalize(Email)): required, but the rule gave null');
  });

  it('collects every failure with mapAll', async () => {
    const out = await target.mapAll({ ...lead, Email: '', Company: '   ' }, ctx);
    expect(out.errors.map((e) => e.details.field).sort()).toEqual(['CustomerName', 'EmailAddress']);
    expect(out.fields.City).toBe('Springfield');
  });

  it('runs the filter', async () => {
    expect(await flow.filter(lead, ctx)).toBe(true);
    expect(await flow.filter({ ...lead, IsConverted: true }, ctx)).toBe(false);
    expect(flow.filterSync({ ...lead, Email: '' }, ctx)).toBe(false);
  });

  it('maps thousands of varied leads the same on the sync and the async path', async () => {
    for (let i = 0; i < 2000; i++) {
      const r = sampleLead(i);
      const viaSync = target.mapSync(r, ctx);
      const viaAsync = await target.mapAll(r, { ...ctx, xrefCached: undefined, xref: async () => null });
      expect(viaAsync.errors).toEqual([]);
      if (viaSync) {
        expect({ ...viaSync.fields, SalespersonNo: null }).toEqual({ ...viaAsync.fields, SalespersonNo: null });
      }
    }
  });
});

describe('rule forms', () => {
  it('bare strings and from copy nested paths, indexes and quoted names', () => {
    const t = compileFlow(flowWith({ a: 'x.y', b: { from: 'list[1].v' }, c: { from: '`Odd Name`.z' }, d: 'missing.deep.path' })).targets[0];
    const out = t.mapSync({ x: { y: 1 }, list: [{ v: 'a' }, { v: 'b' }], 'Odd Name': { z: true } }, { flow: 'f' })!;
    expect(out.fields).toEqual({ a: 1, b: 'b', c: true });
    expect(out.lineage.map((l) => l.sources[0])).toEqual(['x.y', 'list[1].v', '`Odd Name`.z']);
  });

  it('does not read Object.prototype through a copy', () => {
    const t = compileFlow(flowWith({ a: 'constructor', b: '__proto__', c: 'toString' })).targets[0];
    expect(t.mapSync({}, { flow: 'f' })!.fields).toEqual({});
    expect(t.mapSync({ constructor: 'mine' }, { flow: 'f' })!.fields).toEqual({ a: 'mine' });
  });

  it('writes odd target field names as own properties', () => {
    const t = compileFlow(flowWith({ 'has "quotes"': 'a', 'line\nbreak': 'a', "it's": { value: 'p' } })).targets[0];
    const fields = t.mapSync({ a: 1 }, { flow: 'f' })!.fields;
    expect(fields).toEqual({ 'has "quotes"': 1, 'line\nbreak': 1, "it's": 'p' });
    // A mapping read from YAML or JSON can name a field __proto__; it must stay a plain field.
    const u = compileFlow(flowWith(JSON.parse('{"__proto__": "a", "b": "a"}'))).targets[0].mapSync({ a: 2 }, { flow: 'f' })!.fields;
    expect(Object.hasOwn(u, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(u)).toBe(Object.prototype);
    expect(u.b).toBe(2);
  });

  it('value, default, inline map and when', () => {
    const t = compileFlow(
      flowWith({
        k: { value: { nested: [1, 2] } },
        d: { from: 'empty', default: 'fallback' },
        m: { from: 'code', map: { A: 'Active', I: 'Inactive' }, default: 'Unknown' },
        w: { from: 'x', when: 'kind = "vip"' },
      }),
    ).targets[0];
    expect(t.mapSync({ empty: '', code: 'i', x: 5, kind: 'vip' }, { flow: 'f' })!.fields).toEqual({ k: { nested: [1, 2] }, d: 'fallback', m: 'Inactive', w: 5 });
    expect(t.mapSync({ code: 'Z', x: 5 }, { flow: 'f' })!.fields).toEqual({ k: { nested: [1, 2] }, d: 'fallback', m: 'Unknown' });
  });

  it('each maps order lines with a nested mapping, with lineage per line', async () => {
    const t = compileFlow(
      flowWith({
        Lines: {
          from: 'OpportunityLineItems',
          each: {
            ItemCode: 'Product.Code',
            Quantity: 'Quantity',
            UnitPrice: { expr: '$money(UnitPrice)' },
            Comment: { from: 'Description', when: 'Quantity > 10' },
          },
        },
      }),
    ).targets[0];
    const rec = {
      OpportunityLineItems: [
        { Product: { Code: 'WIDGET' }, Quantity: 2, UnitPrice: 9.99 },
        { Product: { Code: 'GADGET' }, Quantity: 20, UnitPrice: '0.1', Description: 'bulk' },
      ],
    };
    const out = (await t.map(rec, { flow: 'f' }))!;
    expect(out.fields.Lines).toEqual([
      { ItemCode: 'WIDGET', Quantity: 2, UnitPrice: '9.99' },
      { ItemCode: 'GADGET', Quantity: 20, UnitPrice: '0.10', Comment: 'bulk' },
    ]);
    expect(out.lineage.find((l) => l.field === 'Lines[1].ItemCode')).toEqual({
      field: 'Lines[1].ItemCode',
      sources: ['OpportunityLineItems[1].Product.Code'],
      rule: 'copy Product.Code',
      value: 'GADGET',
    });
    expect(t.mapSync({}, { flow: 'f' })!.fields).toEqual({});
  });

  it('expressions outside the synchronous subset run through jsonata', async () => {
    const t = compileFlow(
      flowWith({
        total: { expr: '$sum(Lines.Amount)' },
        skus: { expr: 'Lines.Sku' },
        last: { expr: '$maxDate(Orders, "Date")' },
        ltv: { expr: '$sumOf(Orders, "Total")' },
        n: { expr: '$countOf(Orders)' },
        src: { expr: '$source.Id & "-" & $string(Version)' },
      }),
    ).targets[0];
    const rec = {
      Id: 'X1',
      Version: 3,
      Lines: [
        { Amount: 1, Sku: 'a' },
        { Amount: 2, Sku: 'b' },
      ],
      Orders: [
        { Total: '0.1', Date: '20240101' },
        { Total: '0.2', Date: '20240301' },
      ],
    };
    expect(t.mapSync(rec, { flow: 'f' })).toBeUndefined();
    const out = await t.map(rec, { flow: 'f' });
    expect(out.fields).toEqual({ total: 3, skus: ['a', 'b'], last: '2024-03-01T00:00:00.000Z', ltv: '0.30', n: 2, src: 'X1-3' });
    expect(out.lineage.find((l) => l.field === 'total')?.sources).toEqual(['Lines.Amount']);
    expect(out.lineage.find((l) => l.field === 'ltv')?.sources).toEqual(['Orders']);
  });

  it('a name found on Object.prototype is not a built-in of the synchronous path', async () => {
    // `$toString` is no JSONata function: the fast path must not call Object.prototype.toString in its place.
    const t = compileFlow(flowWith({ s: { expr: '$toString(Id)' } })).targets[0];
    expect(() => t.mapSync({ Id: 'X1' }, { flow: 'f' })).not.toThrow();
    expect(t.mapSync({ Id: 'X1' }, { flow: 'f' })).toBeUndefined();
    await expect(t.map({ Id: 'X1' }, { flow: 'f' })).rejects.toThrow(/s/);
  });

  it('a failing expression is invalid_data naming the field', async () => {
    const t = compileFlow(flowWith({ bad: { expr: '$lookup("nomap", x)' }, alsoBad: { expr: 'a + "x"' } })).targets[0];
    const out = await t.mapAll({ x: 1, a: 1 }, { flow: 'f', recordKey: 'R1' });
    expect(out.errors.map((e) => [e.kind, e.details.field])).toEqual([
      ['invalid_data', 'bad'],
      ['invalid_data', 'alsoBad'],
    ]);
    expect(out.errors[0].message).toMatch(/^flow "f", record R1: target "t", field bad \(\$lookup\("nomap", x\)\): the expression failed: \$lookup: no value map named "nomap"/);
  });

  it('registers extra functions and value maps', () => {
    const f = compileFlow(flowWith({ g: { expr: '$lookup("grades", score)' }, s: { expr: '$shout(name)' } }, { valueMaps: { grades: { A: 'Hot' } } }), {
      functions: { shout: (v: unknown) => String(v).toUpperCase() + '!' },
    });
    expect(f.targets[0].mapSync({ score: 'a', name: 'hi' }, { flow: 'f' })!.fields).toEqual({ g: 'Hot', s: 'HI!' });
  });

  it('target when and several targets from one record', async () => {
    const def: FlowDef = {
      ...flowWith({ Name: 'Name' }),
      targets: [
        { name: 'account', connection: 'sf', entity: 'Account', mapping: { Name: 'Name' } },
        { name: 'contact', connection: 'sf', entity: 'Contact', mapping: { LastName: { expr: '$splitName(Name).last' } }, when: 'Type = "person"' },
      ],
    };
    const f = compileFlow(def);
    expect(await f.targets[0].when({ Type: 'company' }, { flow: 'f' })).toBe(true);
    expect(await f.targets[1].when({ Type: 'company' }, { flow: 'f' })).toBe(false);
    expect(f.targets[1].whenSync({ Type: 'person' }, { flow: 'f' })).toBe(true);
    expect((await f.targets[1].map({ Name: 'Ann Lee' }, { flow: 'f' })).fields).toEqual({ LastName: 'Lee' });
  });

  it('write-back evaluates over $result and $source', async () => {
    const f = compileFlow(
      flowWith({ Name: 'Name' }, {}, {
        writeBack: { connection: 'sf', entity: 'Account', id: '$source.AccountId', mapping: { ERP_Number__c: 'CustomerNo', Synced__c: '$source.Name & " synced"' } },
      }),
    );
    const wb = f.targets[0].writeBack!;
    const source = { AccountId: '001A', Name: 'Acme' };
    const result = { CustomerNo: '01-ACME' };
    expect(await wb.id(source, result, { flow: 'f' })).toBe('001A');
    expect(await wb.map(source, result, { flow: 'f' })).toEqual({ ERP_Number__c: '01-ACME', Synced__c: 'Acme synced' });
    const noId = compileFlow(flowWith({}, {}, { writeBack: { connection: 'sf', entity: 'Account', mapping: {} } })).targets[0].writeBack!;
    expect(await noId.id(source, result, { flow: 'f', recordKey: 'SRC1' })).toBe('SRC1');
  });

  it('refuses bad rules at compile time with a fatal error naming the rule', () => {
    const bad = (mapping: TargetDef['mapping'], extra: Partial<FlowDef> = {}) => () => compileFlow(flowWith(mapping, extra));
    expect(bad({ a: { expr: '(((' } })).toThrow(/targets\/0\/mapping\/a \(expr\): invalid expression/);
    expect(bad({ a: { from: 'x', value: 1 } })).toThrow(/exactly one of from, expr or value/);
    expect(bad({ a: {} })).toThrow(/exactly one/);
    expect(bad({ a: { from: 'x', map: 'nope' } })).toThrow(/no value map named "nope"/);
    expect(bad({ a: 'x..y' })).toThrow(/invalid source path/);
    expect(bad({ a: 'x' }, { filter: 'a =' })).toThrow(/filter/);
    try {
      bad({ a: { when: '[', from: 'x' } })();
    } catch (err) {
      expect((err as SyncError).kind).toBe('fatal');
    }
  });
});
