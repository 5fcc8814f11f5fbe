import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCountries, getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import { Decimal as BaseDecimal } from 'decimal.js';

const Exact = BaseDecimal.clone({ precision: 1000 });
import { fromSage100, isoDate, parseInstant, pardotDateTime, sage100Date, sage100Time, sageX3Date, sfDateTime } from '../../src/mapping/functions/dates.js';
import { phoneE164, phoneE164Reference } from '../../src/mapping/functions/phone.js';
import { money } from '../../src/mapping/functions/money.js';
import { compileExpression } from '../../src/mapping/expression.js';
import { buildFunctions } from '../../src/mapping/functions/index.js';
import { NEEDS_ASYNC } from '../../src/mapping/functions/lookups.js';
import { compileValueMap } from '../../src/mapping/functions/valuemaps.js';
import { leadToCustomer, sampleLead } from './lead-to-customer.js';

// Instants from year 1800 to 9999 at millisecond precision.
const instant = fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });
// One day inside the ends of the range, so a local time with an offset still has a four-digit year.
const inner = fc.integer({ min: Date.UTC(1800, 0, 2), max: Date.UTC(9999, 11, 30) });

describe('date round trips', () => {
  it('Salesforce dateTime text parses back to the same millisecond', () => {
    fc.assert(fc.property(instant, (ms) => parseInstant(sfDateTime(ms)) === ms));
  });
  it('Pardot text parses back to the same second', () => {
    fc.assert(fc.property(instant, (ms) => parseInstant(pardotDateTime(ms)) === Math.floor(ms / 1000) * 1000));
  });
  it('Pardot text with any offset means the same instant', () => {
    fc.assert(
      fc.property(inner, fc.integer({ min: -12 * 60, max: 14 * 60 }), (ms, offsetMin) => {
        const s = Math.floor(ms / 1000) * 1000;
        const local = new Date(s + offsetMin * 60_000).toISOString().slice(0, 19);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        return parseInstant(text) === s;
      }),
    );
  });
  it('a Sage 100 date plus decimal-hour time gives back the same second', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const s = Math.floor(ms / 1000) * 1000;
        const back = fromSage100(sage100Date(s), sage100Time(s));
        return parseInstant(back) === s;
      }),
    );
  });
  it('Sage YYYYMMDD and ISO dates convert into each other (sentinels excepted)', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const iso = isoDate(ms) as string;
        const sentinel = iso === '1753-01-01' || iso === '1599-12-31';
        const x3 = sageX3Date(sage100Date(iso));
        return sentinel ? x3 === null : x3 === iso && sage100Date(x3) === iso.replaceAll('-', '');
      }),
    );
  });
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        for (const f of [sfDateTime, pardotDateTime, sage100Date, sage100Time, sageX3Date]) {
          const v = f(s);
          if (v !== null && typeof v !== 'string') return false;
        }
        return true;
      }),
    );
  });
});

describe('E.164 round trips', () => {
  const countries = getCountries().filter((c) => getExampleNumber(c, examples));
  const styles = ['national', 'international', 'digits', 'dotted'] as const;

  it('any written form of a valid number gives back its E.164', () => {
    fc.assert(
      fc.property(fc.constantFrom(...countries), fc.integer({ min: 0, max: 99 }), fc.constantFrom(...styles), (country, tail, style) => {
        const example = getExampleNumber(country as CountryCode, examples)!;
        const digits = example.nationalNumber.slice(0, -2) + String(tail).padStart(2, '0');
        const num = parsePhoneNumberFromString(digits, country as CountryCode);
        fc.pre(!!num && num.isValid());
        const e164 = num!.number;
        const written =
          style === 'national'
            ? num!.formatNational()
            : style === 'international'
              ? num!.formatInternational()
              : style === 'digits'
                ? e164
                : num!.formatInternational().replace(/\s/g, '.');
        return phoneE164(written, country) === e164 && phoneE164(e164, 'US') === e164;
      }),
      { numRuns: 500 },
    );
  });

  it('the North American shortcut agrees with libphonenumber-js on every input', () => {
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const tenDigits = fc.array(digit, { minLength: 10, maxLength: 10 }).map((d) => d.join(''));
    const sep = fc.constantFrom('', ' ', '-', '.', '  ', '/');
    const written = fc
      .tuple(fc.constantFrom('', '1', '+1', '+1 ', '1-', '+', '+44 ', '01'), tenDigits, sep, sep, fc.boolean())
      .map(([prefix, d, s1, s2, parens]) => `${prefix}${parens ? `(${d.slice(0, 3)})` : d.slice(0, 3)}${s1}${d.slice(3, 6)}${s2}${d.slice(6)}`);
    fc.assert(
      fc.property(written, fc.constantFrom('US', 'CA', 'GB', 'DE'), (text, country) => phoneE164(text, country) === phoneE164Reference(text, country)),
      { numRuns: 3000 },
    );
  });
});

describe('money sums', () => {
  // Amounts as integer cents, checked against BigInt arithmetic.
  const cents = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
  const text = (c: bigint) => {
    const neg = c < 0n;
    const a = neg ? -c : c;
    return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
  };
  it('equals exact integer-cent arithmetic for any list of amounts', () => {
    fc.assert(
      fc.property(fc.array(cents, { minLength: 1, maxLength: 30 }), (list) => {
        const total = list.reduce((a, b) => a + b, 0n);
        return money(list.map(text)) === text(total);
      }),
    );
  });
  it('is independent of order and of grouping', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 20 }), (list) => {
        const forward = money(list, 6);
        const backward = money([...list].reverse(), 6);
        const grouped = money([list.slice(0, 3), list.slice(3)], 6);
        return forward === backward && forward === grouped && forward === Exact.sum(...list.map((x) => new Exact(x))).toFixed(6, Exact.ROUND_HALF_UP);
      }),
    );
  });
});

describe('the synchronous fast path gives what jsonata gives', () => {
  const fns = buildFunctions(new Map());
  const leaf = fc.constantFrom('a', 'b', 'c', 'n', 'm', 'o.p', 'o.q', 'arr', 'missing', '$source.a', '"x"', '""', '0', '1', '2.5', 'true', 'false', 'null');
  const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('bin'), tie('cond'), tie('call'), tie('neg'), tie('part')),
    bin: fc
      .tuple(tie('node'), fc.constantFrom('&', '=', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'and', 'or'), tie('node'))
      .map(([l, op, r]) => `(${l} ${op} ${r})`),
    cond: fc.tuple(tie('node'), tie('node'), fc.option(tie('node'))).map(([c, t, e]) => (e === null ? `(${c} ? ${t})` : `(${c} ? ${t} : ${e})`)),
    call: fc
      .tuple(fc.constantFrom('$uppercase', '$lowercase', '$trim', '$exists', '$rtrim', '$emailNormalize', '$stateCode', '$sageCountry', '$splitName', '$money'), tie('node'))
      .map(([f, a]) => `${f}(${a})`),
    neg: tie('node').map((n) => `-(${n})`),
    part: fc.tuple(tie('node'), fc.constantFrom('first', 'last')).map(([n, k]) => `$splitName(${n}).${k}`),
  })).node as fc.Arbitrary<string>;
  const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constantFrom(' CA ', 'texas', 'US', ' A@B.CO '));
  const record = fc.record({
    a: value,
    b: value,
    c: value,
    n: fc.integer({ min: -3, max: 3 }),
    m: fc.double({ min: -10, max: 10, noNaN: true }),
    o: fc.record({ p: value, q: value }),
    arr: fc.array(value, { maxLength: 3 }),
  });

  it('on random expressions and records', async () => {
    let fastAnswers = 0;
    await fc.assert(
      fc.asyncProperty(expr, record, async (text, rec) => {
        const c = compileExpression(text, fns);
        const env = { root: rec, ctx: { flow: 't' } };
        let slow: { value?: unknown; error?: unknown };
        try {
          slow = { value: await c.evaluate(rec, env) };
        } catch (error) {
          slow = { error };
        }
        if (!c.fast) return true;
        let fast: unknown;
        try {
          fast = c.fast(rec, env);
        } catch (err) {
          if (err === NEEDS_ASYNC) return true;
          // A library function that throws must throw on both paths.
          return 'error' in slow;
        }
        fastAnswers++;
        if ('error' in slow) return false;
        expect(fast).toStrictEqual(slow.value);
        return true;
      }),
      { numRuns: Number(process.env.DIFF_RUNS ?? 3000) },
    );
    // The property is only meaningful if the fast path answered a good share of the cases itself.
    expect(fastAnswers).toBeGreaterThan(500);
  });
});

describe('the lead-to-customer formulas', () => {
  it('give the same values on the fast path and through jsonata for varied leads', async () => {
    const maps = new Map(Object.entries(leadToCustomer.valueMaps ?? {}).map(([k, v]) => [k, compileValueMap(v)]));
    const fns = buildFunctions(maps);
    const formulas = Object.values(leadToCustomer.targets[0].mapping).flatMap((r) => (typeof r === 'object' ? [r.expr, r.when] : [])).filter((x): x is string => !!x);
    formulas.push(leadToCustomer.filter!);
    const owners = new Map([['005000000000003', '0103']]);
    const ctx = {
      flow: 'lead-to-customer',
      xrefCached: (_c: string, _e: string, id: string) => owners.get(id) ?? null,
      xref: async (_c: string, _e: string, id: string) => owners.get(id) ?? null,
    };
    let compared = 0;
    for (const text of formulas) {
      const c = compileExpression(text, fns);
      expect(c.fast, text).toBeDefined();
      for (let i = 0; i < 300; i++) {
        const lead = sampleLead(i * 37);
        const env = { root: lead, ctx };
        const viaJsonata = await c.evaluate(lead, env);
        expect(c.fast!(lead, env), `${text} on lead ${i * 37}`).toStrictEqual(viaJsonata);
        compared++;
      }
    }
    expect(compared).toBe(formulas.length * 300);
  });
});
