/**
 * Every fast path of the function library against the plain implementation it replaced (reference-functions.ts)
 * or against libphonenumber-js itself, on generated inputs chosen to reach the edges of each fast path: a fast
 * path that changes a single result fails here.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AsYouType, getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import { splitName } from '../../src/mapping/functions/names.js';
import { phoneE164, phoneE164Reference } from '../../src/mapping/functions/phone.js';
import { truncate } from '../../src/mapping/functions/text.js';
import { nanpWrittenReference, splitNameReference, truncateReference } from './reference-functions.js';

const RUNS = Number(process.env.FAST_PATH_RUNS ?? 1000);
const pick = (chars: string) => fc.constantFrom(...Array.from(chars));
const textOf = (chars: string, maxLength: number) => fc.array(pick(chars), { maxLength }).map((a) => a.join(''));

describe('phone fast path', () => {
  const countries = getCountries();
  const withExamples = countries.filter((c) => getExampleNumber(c, examples));
  // Separators the shortcut accepts and some it must refuse; Unicode spaces count as \s for the regex it replaced.
  const sep = fc.constantFrom('', ' ', '-', '.', '  ', '/', '\u00a0', '\u2009', '\u3000', '\t', '\u2028', '\ufeff', '_');
  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
  const nanpLike = fc
    .tuple(fc.constantFrom('', '1', '+1', '+1 ', '1-', '1 ', '+', '+ 1', '+44 ', '01', '11', '+11'), digits(10), sep, sep, fc.constantFrom('plain', 'parens', 'open', 'close'), sep)
    .map(([prefix, d, s1, s2, p, s0]) => {
      const area = p === 'parens' ? `(${d.slice(0, 3)})` : p === 'open' ? `(${d.slice(0, 3)}` : p === 'close' ? `${d.slice(0, 3)})` : d.slice(0, 3);
      return `${prefix}${prefix === '' ? '' : s0}${area}${s1}${d.slice(3, 6)}${s2}${d.slice(6)}`;
    });
  // Every country's example numbers, written nationally, internationally and as typed.
  const written = fc.tuple(fc.constantFrom(...withExamples), fc.integer({ min: 0, max: 99 }), fc.constantFrom('NATIONAL', 'INTERNATIONAL', 'E.164', 'RFC3966', 'typed')).map(([c, tail, style]) => {
    const ex = getExampleNumber(c as CountryCode, examples)!;
    const national = String(ex.nationalNumber).slice(0, -2) + String(tail).padStart(2, '0');
    const digitsOnly = `+${ex.countryCallingCode}${national}`;
    if (style === 'typed') return new AsYouType(c as CountryCode).input(digitsOnly);
    return style === 'E.164' ? digitsOnly : ex.format(style).replace(String(ex.nationalNumber), national);
  });
  const noise = textOf('0123456789+()-. 1\u00a0x#', 20);
  const country = fc.oneof(fc.constantFrom('US', 'CA', 'us', ' US ', 'ca'), fc.constantFrom(...countries));

  it('gives what libphonenumber-js gives for North American, foreign and noisy numbers in any default country', () => {
    fc.assert(
      fc.property(fc.oneof(nanpLike, written, noise), country, (text, c) => {
        expect(phoneE164(text, c)).toBe(phoneE164Reference(text, c.trim().toUpperCase() || 'US'));
      }),
      { numRuns: RUNS },
    );
  });

  it('reads the written North American forms exactly as the regex it replaced', () => {
    fc.assert(
      fc.property(fc.oneof(nanpLike, noise), (text) => {
        // With a US default every such text reaches the shortcut: it must take the regex's national number, or none.
        const viaShortcut = phoneE164(text.trim(), 'US');
        const national = nanpWrittenReference(text.trim());
        if (national !== undefined) expect([null, '+1' + national]).toContain(viaShortcut);
        else if (viaShortcut !== null) expect(viaShortcut).toBe(phoneE164Reference(text, 'US'));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('name split fast path', () => {
  const word = fc.oneof(
    fc.constantFrom('Ann', 'María', 'José', 'Jean-Luc', 'Zoë', 'Søren', '王', '小明', "O'Brien", 'Nakamura', 'MacDonald', 'İlkay', 'ß'),
    fc.constantFrom('Dr', 'Dr.', 'dr', 'MRS', 'Mrs.', 'Prof', 'prof.', 'Sir', 'Fr.', 'Miss', 'Mx', 'Dr..', 'Doctor'),
    fc.constantFrom('de', 'De', 'la', 'van', 'Von', 'der', 'St.', 'st', 'bin', 'Y', 'della', 'della.', 'Mac', 'al', 'El'),
    textOf('abAB.,\u00e9 ', 5),
  );
  const space = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\u00a0', '\u2003', '\u3000', '\u2028', ' , ', ',');
  const name = fc.tuple(fc.array(fc.tuple(word, space), { maxLength: 6 }), word, fc.constantFrom('', ' ', '  ')).map(([pairs, lastWord, pad]) => pad + pairs.map(([w, s]) => w + s).join('') + lastWord + pad);

  it('splits exactly as splitting into words and joining them did', () => {
    fc.assert(
      fc.property(fc.oneof(name, fc.string({ maxLength: 20 })), (n) => {
        expect(splitName(n)).toEqual(splitNameReference(n));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('truncate fast path', () => {
  // Surrogate pairs, lone surrogates of both halves, combining marks and spaces around the cut.
  const piece = fc.constantFrom('a', 'B', ' ', '😀', '\ud83d', '\ude00', 'e\u0301', '中', '  ', '\u00a0');
  const text = fc.array(piece, { maxLength: 45 }).map((a) => a.join(''));
  const max = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true }), fc.constantFrom(Infinity, -1, NaN));

  it('cuts at the same code point and word boundary as Array.from did', () => {
    fc.assert(
      fc.property(text, max, (s, m) => {
        expect(truncate(s, m)).toBe(truncateReference(s, m));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
