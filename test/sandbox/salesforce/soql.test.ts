import { describe, expect, it } from 'vitest';
import { Org } from '../../../src/sandbox/salesforce/org.js';
import { parseSoql, prepareQuery } from '../../../src/sandbox/salesforce/soql.js';
import { idSuffix, normalizeId } from '../../../src/sandbox/salesforce/ids.js';
import { ApiError } from '../../../src/sandbox/salesforce/errors.js';

function org(): Org {
  let t = Date.parse('2025-05-01T12:00:00Z');
  const o = new Org(() => t);
  const a = o.insert('Account', { Name: 'Acme Industrial', Industry: 'Manufacturing', AnnualRevenue: 5_000_000 }).id;
  const b = o.insert('Account', { Name: "O'Neil & Sons", Industry: 'Retail', AnnualRevenue: 750_000 }).id;
  t += 60_000;
  o.insert('Account', { Name: '100% Cotton_Co', Industry: 'Retail' });
  o.insert('Contact', { LastName: 'Ito', FirstName: 'Hiro', AccountId: a, Email: 'hiro@acme.example' });
  o.insert('Contact', { LastName: 'Khan', AccountId: b });
  o.insert('Contact', { LastName: 'Solo' });
  return o;
}

function run(o: Org, soql: string, all = false): Record<string, unknown>[] {
  return prepareQuery(o, soql, '62.0').run(all).rows;
}

function fails(o: Org, soql: string): ApiError {
  try {
    run(o, soql);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected ${soql} to fail`);
}

describe('emulator SOQL', () => {
  it('handles escaped quotes and backslashes in string literals', () => {
    const o = org();
    expect(run(o, "SELECT Name FROM Account WHERE Name = 'O\\'Neil & Sons'").map((r) => r.Name)).toEqual(["O'Neil & Sons"]);
    expect(run(o, "SELECT Name FROM Account WHERE Name = 'x\\' OR Name != \\'y'")).toEqual([]);
    expect(fails(o, "SELECT Name FROM Account WHERE Name = 'bad \\q escape'").errorCode).toBe('MALFORMED_QUERY');
  });

  it('evaluates AND/OR precedence, parentheses, NOT, IN and NOT IN', () => {
    const o = org();
    const names = (q: string): unknown[] => run(o, q).map((r) => r.Name).sort();
    expect(names("SELECT Name FROM Account WHERE Industry = 'Retail' OR Industry = 'Manufacturing' AND AnnualRevenue > 1000000")).toEqual(['100% Cotton_Co', 'Acme Industrial', "O'Neil & Sons"]);
    expect(names("SELECT Name FROM Account WHERE (Industry = 'Retail' OR Industry = 'Manufacturing') AND AnnualRevenue > 1000000")).toEqual(['Acme Industrial']);
    expect(names("SELECT Name FROM Account WHERE Industry IN ('Retail') AND NOT Name LIKE '100%'")).toEqual(["O'Neil & Sons"]);
    expect(names("SELECT Name FROM Account WHERE Industry NOT IN ('Retail')")).toEqual(['Acme Industrial']);
    expect(names('SELECT Name FROM Account WHERE AnnualRevenue = null')).toEqual(['100% Cotton_Co']);
  });

  it('LIKE is case-insensitive with % and _, and escaped wildcards match literally', () => {
    const o = org();
    expect(run(o, "SELECT Name FROM Account WHERE Name LIKE 'acme%'")).toHaveLength(1);
    expect(run(o, "SELECT Name FROM Account WHERE Name LIKE '100\\% Cotton\\_Co'")).toHaveLength(1);
    expect(run(o, "SELECT Name FROM Account WHERE Name LIKE '100\\%\\_Cotton %'")).toHaveLength(0);
  });

  it('compares datetimes with literals in any offset form and orders with NULLS LAST', () => {
    const o = org();
    expect(run(o, 'SELECT Name FROM Account WHERE CreatedDate > 2025-05-01T12:00:30Z')).toHaveLength(1);
    expect(run(o, 'SELECT Name FROM Account WHERE CreatedDate >= 2025-05-01T14:00:00+02:00')).toHaveLength(3);
    expect(run(o, 'SELECT Name FROM Account WHERE CreatedDate < 2025-05-01T12:00:30.000Z')).toHaveLength(2);
    expect(run(o, 'SELECT Name FROM Account ORDER BY AnnualRevenue DESC NULLS LAST').map((r) => r.Name)).toEqual(['Acme Industrial', "O'Neil & Sons", '100% Cotton_Co']);
    expect(run(o, 'SELECT Name FROM Account ORDER BY AnnualRevenue ASC').map((r) => r.Name)[0]).toBe('100% Cotton_Co');
    expect(fails(o, "SELECT Name FROM Account WHERE CreatedDate > '2025-01-01T00:00:00Z'").errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
  });

  it('selects parent fields through relationships, null when the lookup is empty', () => {
    const o = org();
    const rows = run(o, 'SELECT LastName, Account.Name, Account.Industry FROM Contact ORDER BY LastName');
    expect(rows.map((r) => (r.Account as { Name?: string } | null)?.Name ?? null)).toEqual(['Acme Industrial', "O'Neil & Sons", null]);
    expect((rows[0].Account as { attributes: { type: string } }).attributes.type).toBe('Account');
    expect(run(o, "SELECT LastName FROM Contact WHERE Account.Industry = 'Retail'").map((r) => r.LastName)).toEqual(['Khan']);
  });

  it('LIMIT, OFFSET and COUNT()', () => {
    const o = org();
    expect(run(o, 'SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1').map((r) => r.Name)).toEqual(['Acme Industrial']);
    expect(prepareQuery(o, "SELECT COUNT() FROM Account WHERE Industry = 'Retail'", '62.0').run(false).total).toBe(2);
  });

  it('reports INVALID_FIELD, INVALID_TYPE and MALFORMED_QUERY like the real API', () => {
    const o = org();
    expect(fails(o, 'SELECT AccountNumer FROM Account')).toMatchObject({ errorCode: 'INVALID_FIELD', message: "No such column 'AccountNumer' on sobject of type Account" });
    expect(fails(o, 'SELECT Id FROM Accout').errorCode).toBe('INVALID_TYPE');
    expect(fails(o, 'SELECT Id FROM Contact WHERE Acount.Name = null').errorCode).toBe('INVALID_FIELD');
    expect(fails(o, 'SELECT Id, FROM Account').errorCode).toBe('MALFORMED_QUERY');
    expect(fails(o, 'SELECT Id FROM Account LIMIT').errorCode).toBe('MALFORMED_QUERY');
    expect(() => parseSoql("SELECT Id FROM Account WHERE Name = 'unterminated")).toThrow(ApiError);
  });

  it('queryAll includes deleted rows flagged IsDeleted', () => {
    const o = org();
    const id = String(run(o, 'SELECT Id FROM Contact WHERE LastName = \'Solo\'')[0].Id);
    o.remove('Contact', id);
    expect(run(o, 'SELECT Id FROM Contact')).toHaveLength(2);
    expect(run(o, 'SELECT Id, IsDeleted FROM Contact WHERE IsDeleted = true', true).map((r) => r.Id)).toEqual([id]);
  });
});

describe('emulator ids', () => {
  it('computes the 18-character suffix like Salesforce', () => {
    // Documented example pair: 001A0000006Vm9r → 001A0000006Vm9rIAC.
    expect(idSuffix('001A0000006Vm9r')).toBe('IAC');
    expect(normalizeId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001a0000006vm9rIAC')).toBeNull();
    expect(normalizeId('not-an-id')).toBeNull();
  });
});
