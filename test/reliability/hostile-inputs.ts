/**
 * Hostile inputs shared by the hostile-input tests: hand-written payloads users' systems (and
 * attackers) really send, and fast-check arbitraries that generate more of the same.
 */
import fc from 'fast-check';

/** Generated inputs per fast-check property of hostile.test.ts; bench/RESULTS.md reports these counts. */
export const FUZZ_RUNS = { webhookBodies: 300, webhookHeaders: 200, adminPerRoute: 40 };

/** Strings that break naive code: injections, Unicode edge cases, control characters. */
export const NASTY_STRINGS: string[] = [
  "x' OR Name != '",
  "x' OR '1'='1",
  "'; DROP TABLE jobs; --",
  "Robert'); DELETE FROM AR_Customer WHERE ('1'='1",
  '\\\' OR Id != null OR Name = \\\'',
  '%\' OR LastName LIKE \'%',
  '\uD800 lone high surrogate',
  'lone low \uDC00 surrogate',
  '\u202Eevil.exe\u202C RTL override',
  'zero\u200Bwidth\u200Djoiner\uFEFF',
  'NUL\u0000inside',
  'שלום مرحبا',
  '𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧‍👦',
  '${process.exit(1)}',
  '{{constructor.constructor("return process")()}}',
  '<script>alert(1)</script>',
  '\r\nX-Injected: header',
];

/** JSON texts that are not valid JSON, or are valid but hostile in shape. */
export const MALFORMED_BODIES: string[] = [
  '',
  '{',
  '{"a":',
  '[1,2',
  'null',
  'true',
  '42',
  '"just a string"',
  '[]',
  '{}',
  '[null]',
  '[[[]]]',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '[{"__proto__":{"isAdmin":true},"email":"proto@example.com"}]',
  '\uFEFF{"email":"bom@example.com"}',
  '{"email":"a@b.co","email":"dupe-key@example.com"}',
  '\u0000',
  '{"a":1}garbage',
  'NaN',
  '{"n":1e999999}',
];

/** A JSON text nested `depth` levels deep (arrays or objects). */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Any string, including lone surrogates and the nasty ones above. */
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u202E', '\u200B', "'", '"', '\\', '%', '_'), maxLength: 20 }));

/** Any JSON-ish value with hostile keys and strings, a few levels deep. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double(), fc.integer(), hostileString(), fc.array(tie('value'), { maxLength: 4 }), tie('object')),
    object: fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'email', 'lastName', 'company', 'submissionId', 'toString', 'hasOwnProperty'), hostileString()), tie('value'), { maxKeys: 5 }),
  })).value;
