import { describe, expect, it } from 'vitest';
import { emailNormalize, emailValid } from '../../src/mapping/functions/email.js';
import { phoneE164 } from '../../src/mapping/functions/phone.js';
import { joinName, splitName } from '../../src/mapping/functions/names.js';
import { countryIso2, countryName, sageCountry, stateCode } from '../../src/mapping/functions/address.js';
import {
  fromSage100,
  isoDate,
  isoDateTime,
  pardotDateTime,
  parseInstant,
  sage100Date,
  sage100Time,
  sageX3Date,
  sfDateTime,
} from '../../src/mapping/functions/dates.js';
import { money } from '../../src/mapping/functions/money.js';
import { countOf, maxDate, sumOf } from '../../src/mapping/functions/aggregates.js';
import { compileValueMap, lookupValue, makeLookup } from '../../src/mapping/functions/valuemaps.js';
import { makeXref, xrefSync, NEEDS_ASYNC } from '../../src/mapping/functions/lookups.js';
import { charLength, rtrim, truncate } from '../../src/mapping/functions/text.js';

describe('email', () => {
  it('normalises case, padding, mailto: and brackets', () => {
    expect(emailNormalize('  Ann.Lee@Example.COM  ')).toBe('ann.lee@example.com');
    expect(emailNormalize('mailto:Bob@Example.org')).toBe('bob@example.org');
    expect(emailNormalize('<carol@example.co.uk>')).toBe('carol@example.co.uk');
    expect(emailNormalize('ann@example.com                    ')).toBe('ann@example.com');
  });
  it('gives null for empty or invalid text and undefined for a missing value', () => {
    expect(emailNormalize('')).toBeNull();
    expect(emailNormalize('   ')).toBeNull();
    expect(emailNormalize(null)).toBeNull();
    expect(emailNormalize(42)).toBeNull();
    expect(emailNormalize('not an email')).toBeNull();
    expect(emailNormalize(undefined)).toBeUndefined();
  });
  it('validates', () => {
    expect(emailValid('a@b.co')).toBe(true);
    expect(emailValid("o'brien+tag@example.ie")).toBe(true);
    expect(emailValid('zoë@müller.de')).toBe(true);
    expect(emailValid('a@b')).toBe(false);
    expect(emailValid('a..b@example.com')).toBe(false);
    expect(emailValid('.a@example.com')).toBe(false);
    expect(emailValid('a@-example.com')).toBe(false);
    expect(emailValid('a@example.c')).toBe(false);
    expect(emailValid('two@@example.com')).toBe(false);
    expect(emailValid('a b@example.com')).toBe(false);
    expect(emailValid('x'.repeat(65) + '@example.com')).toBe(false);
    expect(emailValid('a@' + 'b'.repeat(250) + '.com')).toBe(false);
    expect(emailValid(null)).toBe(false);
    expect(emailValid('')).toBe(false);
  });
});

describe('phone', () => {
  it('formats North American numbers written in the usual ways', () => {
    for (const p of ['(415) 555-0123', '415-555-0123', '415.555.0123', '4155550123', '+1 415 555 0123', '1-415-555-0123', ' 415 555 0123 ']) {
      expect(phoneE164(p, 'US')).toBe('+14155550123');
    }
  });
  it('uses the default country for national numbers and honours a + prefix', () => {
    expect(phoneE164('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(phoneE164('+44 20 7946 0018', 'US')).toBe('+442079460018');
    expect(phoneE164('030 123456', 'de')).toBe('+4930123456');
    expect(phoneE164('(415) 555-0123')).toBe('+14155550123');
  });
  it('drops extensions and accepts numbers as numbers', () => {
    expect(phoneE164('415-555-0123 ext. 45', 'US')).toBe('+14155550123');
    expect(phoneE164(4155550123, 'US')).toBe('+14155550123');
  });
  it('gives null for empty, invalid or hostile values', () => {
    expect(phoneE164('', 'US')).toBeNull();
    expect(phoneE164('   ', 'US')).toBeNull();
    expect(phoneE164(null, 'US')).toBeNull();
    expect(phoneE164('123', 'US')).toBeNull();
    expect(phoneE164('(015) 555-0123', 'US')).toBeNull();
    expect(phoneE164('call me maybe', 'US')).toBeNull();
    expect(phoneE164('9'.repeat(40), 'US')).toBeNull();
    expect(phoneE164(1e300, 'US')).toBeNull();
    expect(phoneE164(undefined)).toBeUndefined();
  });
});

describe('names', () => {
  it('splits first and last names', () => {
    expect(splitName('Ann Lee')).toEqual({ first: 'Ann', last: 'Lee' });
    expect(splitName('  Mary   Ann   Smith  ')).toEqual({ first: 'Mary Ann', last: 'Smith' });
    expect(splitName('Dr. María José de la Cruz')).toEqual({ first: 'María José', last: 'de la Cruz' });
    expect(splitName('Ludwig van Beethoven')).toEqual({ first: 'Ludwig', last: 'van Beethoven' });
    expect(splitName('Lee, Ann')).toEqual({ first: 'Ann', last: 'Lee' });
    expect(splitName('Mrs Zoë Müller')).toEqual({ first: 'Zoë', last: 'Müller' });
    expect(splitName('王 小明')).toEqual({ first: '王', last: '小明' });
  });
  it('takes a single word as the last name and handles empty values', () => {
    expect(splitName('Madonna')).toEqual({ first: null, last: 'Madonna' });
    expect(splitName('Dr.')).toEqual({ first: null, last: 'Dr.' });
    expect(splitName('')).toEqual({ first: null, last: null });
    expect(splitName('    ')).toEqual({ first: null, last: null });
    expect(splitName(null)).toEqual({ first: null, last: null });
    expect(splitName(undefined)).toBeUndefined();
    expect(splitName(', Ann')).toEqual({ first: 'Ann', last: null });
  });
  it('joins names skipping empty and padded parts', () => {
    expect(joinName('Ann', 'Lee')).toBe('Ann Lee');
    expect(joinName('  Ann  ', null, '', 'Lee      ')).toBe('Ann Lee');
    expect(joinName(undefined, null, '   ')).toBeNull();
    expect(joinName()).toBeNull();
  });
});

describe('text', () => {
  it('trims Sage padding and keeps inner spaces', () => {
    expect(rtrim('ABF    ')).toBe('ABF');
    expect(rtrim('Suite  100   ')).toBe('Suite  100');
    expect(rtrim('')).toBe('');
    expect(rtrim(undefined)).toBeUndefined();
    expect(rtrim(null)).toBeNull();
    expect(rtrim(5)).toBe(5);
  });
  it('truncates to a length in characters, at a word boundary when close', () => {
    const name31 = 'Northwind Traders International'; // 31 characters
    expect(charLength(name31)).toBe(31);
    expect(truncate(name31, 30)).toBe('Northwind Traders Internationa');
    expect(truncate('Adventure Works Cycles International', 30)).toBe('Adventure Works Cycles');
    expect(truncate('ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE', 30)).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZABCD');
    expect(truncate('short', 30)).toBe('short');
    expect(truncate('😀'.repeat(31), 30)).toBe('😀'.repeat(30));
    expect(charLength('😀😀')).toBe(2);
    expect(truncate(undefined, 30)).toBeUndefined();
  });
});

describe('address', () => {
  it('gives US state and Canadian province codes', () => {
    expect(stateCode('California')).toBe('CA');
    expect(stateCode('  new york  ')).toBe('NY');
    expect(stateCode('tx')).toBe('TX');
    expect(stateCode('CA    ')).toBe('CA');
    expect(stateCode('Washington DC')).toBe('DC');
    expect(stateCode('Québec', 'CA')).toBe('QC');
    expect(stateCode('Ontario', 'Canada')).toBe('ON');
    expect(stateCode('Narnia')).toBeNull();
    expect(stateCode('')).toBeNull();
    expect(stateCode(undefined)).toBeUndefined();
    expect(stateCode('Bayern', 'DE')).toBe('BAYERN');
  });
  it('converts countries between names, ISO-2 and Sage 3-letter codes', () => {
    expect(countryIso2('United States')).toBe('US');
    expect(countryIso2('USA')).toBe('US');
    expect(countryIso2('usa   ')).toBe('US');
    expect(countryIso2('United States of America')).toBe('US');
    expect(countryIso2('Deutschland')).toBe('DE');
    expect(countryIso2('Côte d’Ivoire')).toBe('CI');
    expect(countryIso2('GBR')).toBe('GB');
    expect(countryIso2('Atlantis')).toBeNull();
    expect(countryIso2('')).toBeNull();
    expect(countryIso2(null)).toBeNull();
    expect(sageCountry('US')).toBe('USA');
    expect(sageCountry('Canada')).toBe('CAN');
    expect(sageCountry('united kingdom')).toBe('GBR');
    expect(sageCountry('USA')).toBe('USA');
    expect(sageCountry('??')).toBeNull();
    expect(countryName('DE')).toBe('Germany');
    expect(countryName('MEX')).toBe('Mexico');
    expect(countryName(undefined)).toBeUndefined();
  });
});

describe('dates', () => {
  it('parses every vendor format to the same instant', () => {
    const want = Date.UTC(2024, 8, 10, 13, 57, 45);
    expect(parseInstant('2024-09-10T13:57:45.000+0000')).toBe(want);
    expect(parseInstant('2024-09-10T09:57:45-04:00')).toBe(want);
    expect(parseInstant('2024-09-10T13:57:45Z')).toBe(want);
    expect(parseInstant('20240910135745')).toBe(want);
    expect(parseInstant(new Date(want))).toBe(want);
    expect(parseInstant(want)).toBe(want);
    expect(parseInstant('20240910   ')).toBe(Date.UTC(2024, 8, 10));
  });
  it('formats for Salesforce, Pardot, Sage 100 and ISO', () => {
    const v = '2024-09-10T09:57:45.120-04:00';
    expect(sfDateTime(v)).toBe('2024-09-10T13:57:45.120+0000');
    expect(pardotDateTime(v)).toBe('2024-09-10T13:57:45+00:00');
    expect(isoDateTime(v)).toBe('2024-09-10T13:57:45.120Z');
    expect(isoDate(v)).toBe('2024-09-10');
    expect(sage100Date(v)).toBe('20240910');
    expect(sage100Time('2024-01-31T15:30:00Z')).toBe('15.5');
    expect(sage100Time('2024-01-31T00:00:00Z')).toBe('0');
    expect(sage100Time('2024-01-31T09:15:04Z')).toBe('9.25111');
  });
  it('combines a Sage 100 date with decimal hours', () => {
    expect(fromSage100('20240131', '15.5')).toBe('2024-01-31T15:30:00.000Z');
    expect(fromSage100('20240131', '9.25125')).toBe('2024-01-31T09:15:05.000Z');
    expect(fromSage100('20240131', '')).toBe('2024-01-31T00:00:00.000Z');
    expect(fromSage100('20240131', 23.99999)).toBe('2024-01-31T23:59:59.000Z');
    expect(fromSage100('20240131', '24')).toBeNull();
    expect(fromSage100('20240131', '-1')).toBeNull();
    expect(fromSage100('20240131', 'abc')).toBeNull();
    expect(fromSage100('', '10')).toBeNull();
    expect(fromSage100(undefined, '10')).toBeUndefined();
  });
  it('treats Sage sentinel dates, empty and invalid dates as null', () => {
    expect(sageX3Date('17530101')).toBeNull();
    expect(sageX3Date('1753-01-01')).toBeNull();
    expect(sageX3Date('15991231')).toBeNull();
    expect(sageX3Date('1753-01-01T00:00:00Z')).toBeNull();
    expect(sageX3Date('20240229')).toBe('2024-02-29');
    expect(sageX3Date('20230229')).toBeNull();
    expect(sageX3Date('20241301')).toBeNull();
    expect(sageX3Date('2024-02-30')).toBeNull();
    expect(sfDateTime('2024-09-10T25:00:00Z')).toBeNull();
    expect(sfDateTime('2024-09-10T10:00:00+25:00')).toBeNull();
    expect(sfDateTime('yesterday')).toBeNull();
    expect(sfDateTime('')).toBeNull();
    expect(sfDateTime('        ')).toBeNull();
    expect(sfDateTime(null)).toBeNull();
    expect(sfDateTime(Number.NaN)).toBeNull();
    expect(sfDateTime(1e300)).toBeNull();
    expect(sfDateTime(new Date('nope'))).toBeNull();
    expect(sfDateTime(undefined)).toBeUndefined();
  });
});

describe('money', () => {
  it('sums exactly with a fixed scale', () => {
    expect(money([0.1, 0.2])).toBe('0.30');
    expect(money(['19.99', '0.01', 5])).toBe('25.00');
    expect(money('$1,234.5')).toBe('1234.50');
    expect(money(2.675)).toBe('2.68');
    expect(money(-2.675)).toBe('-2.68');
    expect(money(10, 0)).toBe('10');
    expect(money('1.23456', 4)).toBe('1.2346');
  });
  it('keeps every digit of huge amounts', () => {
    expect(money(['99999999999999999999.99', '0.01'])).toBe('100000000000000000000.00');
    expect(money([9007199254740993n.toString(), '1'])).toBe('9007199254740994.00');
  });
  it('skips non-numbers and gives null when nothing is a number', () => {
    expect(money(['abc', '', null, '1'])).toBe('1.00');
    expect(money('')).toBeNull();
    expect(money('   ')).toBeNull();
    expect(money([])).toBeNull();
    expect(money(Number.POSITIVE_INFINITY)).toBeNull();
    expect(money(null)).toBeNull();
    expect(money(undefined)).toBeUndefined();
  });
});

describe('aggregates', () => {
  const orders = [
    { Total: '100.10', OrderDate: '20240105' },
    { Total: 0.2, OrderDate: '2024-03-02T00:00:00Z' },
    { Total: null, OrderDate: '17530101' },
    { OrderDate: 'garbage' },
  ];
  it('sums, counts and finds the latest date', () => {
    expect(sumOf(orders, 'Total')).toBe('100.30');
    expect(sumOf([], 'Total')).toBe('0.00');
    expect(sumOf(undefined, 'Total')).toBe('0.00');
    expect(sumOf([1, 2, '3.005'], undefined, 3)).toBe('6.005');
    expect(countOf(orders)).toBe(4);
    expect(countOf(orders, 'Total')).toBe(2);
    expect(countOf({ Total: 1 })).toBe(1);
    expect(countOf(undefined)).toBe(0);
    expect(maxDate(orders, 'OrderDate')).toBe('2024-03-02T00:00:00.000Z');
    expect(maxDate([{ OrderDate: '' }], 'OrderDate')).toBeNull();
    expect(maxDate([], 'OrderDate')).toBeNull();
  });
});

describe('value maps', () => {
  const grades = compileValueMap({ 'A+': 'Hot', A: 'Warm', '3': 'Three', true: 'yes' });
  it('finds exact keys, then trimmed case-insensitive ones', () => {
    expect(lookupValue(grades, 'A')).toBe('Warm');
    expect(lookupValue(grades, ' a+ ')).toBe('Hot');
    expect(lookupValue(grades, 3)).toBe('Three');
    expect(lookupValue(grades, true)).toBe('yes');
  });
  it('falls back to the default, else null', () => {
    expect(lookupValue(grades, 'Z')).toBeNull();
    expect(lookupValue(grades, 'Z', 'Cold')).toBe('Cold');
    expect(lookupValue(grades, null, 'Cold')).toBe('Cold');
    expect(lookupValue(grades, undefined)).toBeNull();
    expect(lookupValue(grades, { a: 1 })).toBeNull();
  });
  it('$lookup refuses an unknown map', () => {
    const lookup = makeLookup(new Map([['grades', grades]]));
    expect(lookup('grades', 'A')).toBe('Warm');
    expect(lookup('grades', 'nope', 'x')).toBe('x');
    expect(() => lookup('missing', 'A')).toThrow(/no value map named "missing"/);
  });
});

describe('cross-reference lookups', () => {
  it('answers from the cache synchronously and asks for the async path when not cached', () => {
    const cached = (_c: string, _e: string, id: string) => (id === 'known' ? 'S-1' : id === 'unlinked' ? null : undefined);
    const ctx = { flow: 'f', xrefCached: cached };
    expect(xrefSync(ctx, 'sf', 'Account', 'known', 'sage100', 'AR_Customer')).toBe('S-1');
    expect(xrefSync(ctx, 'sf', 'Account', 'unlinked', 'sage100', 'AR_Customer')).toBeNull();
    expect(xrefSync(ctx, 'sf', 'Account', '', 'sage100', 'AR_Customer')).toBeNull();
    expect(() => xrefSync(ctx, 'sf', 'Account', 'other', 'sage100', 'AR_Customer')).toThrow(expect.objectContaining(NEEDS_ASYNC));
    expect(() => xrefSync(ctx, 'sf', 'Account', 'known', undefined, undefined)).toThrow(/needs/);
  });
  it('calls the context asynchronously', async () => {
    const seen: string[][] = [];
    const xref = makeXref({
      flow: 'f',
      xref: async (...a) => {
        seen.push(a);
        return a[2] === '001' ? 'ABC' : null;
      },
    });
    expect(await xref('sf', 'Account', '001', 'sage100', 'AR_Customer')).toBe('ABC');
    expect(await xref('sf', 'Account', '002', 'sage100', 'AR_Customer')).toBeNull();
    expect(await xref('sf', 'Account', undefined, 'sage100', 'AR_Customer')).toBeNull();
    expect(seen).toEqual([
      ['sf', 'Account', '001', 'sage100', 'AR_Customer'],
      ['sf', 'Account', '002', 'sage100', 'AR_Customer'],
    ]);
    await expect(makeXref({ flow: 'f' })('sf', 'Account', '1', 'x', 'y')).rejects.toThrow(/not available/);
  });
});
