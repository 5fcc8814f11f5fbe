import { describe, expect, it } from 'vitest';
import { compilePath, formatPath, parsePath } from '../../src/mapping/path.js';
import { compileExpression } from '../../src/mapping/expression.js';
import { buildFunctions } from '../../src/mapping/functions/index.js';

describe('source paths', () => {
  it('parses names, indexes and backquoted names', () => {
    expect(parsePath('a')).toEqual(['a']);
    expect(parsePath('Account.BillingAddress.City')).toEqual(['Account', 'BillingAddress', 'City']);
    expect(parsePath('Lines[0].Sku')).toEqual(['Lines', 0, 'Sku']);
    expect(parsePath('m[1][2]')).toEqual(['m', 1, 2]);
    expect(parsePath('`Annual Revenue`.x')).toEqual(['Annual Revenue', 'x']);
    expect(formatPath(parsePath('`Annual Revenue`.Lines[3].x'))).toBe('`Annual Revenue`.Lines[3].x');
  });
  it('refuses malformed paths with a reason', () => {
    expect(() => parsePath('')).toThrow(/empty/);
    expect(() => parsePath('a..b')).toThrow(/empty name/);
    expect(() => parsePath('a.')).toThrow(/trailing dot/);
    expect(() => parsePath('a[x]')).toThrow(/whole number/);
    expect(() => parsePath('a[1')).toThrow(/unclosed \[/);
    expect(() => parsePath('`a')).toThrow(/unclosed backquote/);
    expect(() => parsePath('a[0]b')).toThrow(/unexpected "b"/);
  });
  it('reads at every depth and gives undefined past a missing or scalar step', () => {
    const r = { a: { b: { c: [10, { d: 'deep' }] } }, s: 'text', n: null };
    expect(compilePath('a')(r)).toBe(r.a);
    expect(compilePath('a.b')(r)).toBe(r.a.b);
    expect(compilePath('a.b.c[1].d')(r)).toBe('deep');
    expect(compilePath('a.b.c[5].d')(r)).toBeUndefined();
    expect(compilePath('s.length')(r)).toBeUndefined();
    expect(compilePath('n.x')(r)).toBeUndefined();
    expect(compilePath('x')(null)).toBeUndefined();
    expect(compilePath('x.y')('str')).toBeUndefined();
  });
});

describe('expression lineage', () => {
  const fns = buildFunctions(new Map());
  it('lists the source paths an expression reads', () => {
    expect(compileExpression('FirstName & " " & LastName', fns).sources).toEqual(['FirstName', 'LastName']);
    expect(compileExpression('$splitName(Contact.Name).first', fns).sources).toEqual(['Contact.Name']);
    expect(compileExpression('$sum(Lines.Amount)', fns).sources).toEqual(['Lines.Amount']);
    expect(compileExpression('$source.Account.Id', fns).sources).toEqual(['Account.Id']);
    expect(compileExpression('Lines[Qty > 1].Sku', fns).sources).toEqual(['Lines[].Sku']);
    expect(compileExpression('$result.CustomerNo', fns).sources).toEqual(['$result.CustomerNo']);
    expect(compileExpression('"constant"', fns).sources).toEqual([]);
  });
  it('knows which expressions are in the synchronous subset', () => {
    expect(compileExpression('a & b', fns).fast).toBeDefined();
    expect(compileExpression('$phoneE164(Phone, "US")', fns).fast).toBeDefined();
    expect(compileExpression('$xref("a", "b", Id, "c", "d")', fns).fast).toBeDefined();
    expect(compileExpression('$sum(Lines.Amount)', fns).fast).toBeUndefined();
    expect(compileExpression('Lines[0]', fns).fast).toBeUndefined();
    expect(compileExpression('{"a": 1}', fns).fast).toBeUndefined();
    expect(compileExpression('($x := 1; $x)', fns).fast).toBeUndefined();
  });
});
