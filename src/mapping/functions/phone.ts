/** Phone numbers to E.164 with libphonenumber-js, plus a fast path for plain North American numbers. */
import { Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

// Countries sharing +1 whose "national number" is the 10-digit NANP number.
const NANP_DEFAULTS = new Set(['US', 'CA']);
/**
 * What libphonenumber-js itself accepts as a valid US number: its national pattern and the union of the US
 * number-type patterns, taken from the library's own metadata so the two can never disagree.
 */
const US_VALID: RegExp = (() => {
  const m = new Metadata();
  m.selectNumberingPlan('US');
  // The typings omit these accessors of the library's NumberingPlan; they exist in every 1.x release.
  const plan = m.numberingPlan as unknown as { type(t: string): { pattern(): string } | undefined; nationalNumberPattern(): string };
  const types = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'PERSONAL_NUMBER', 'VOIP', 'UAN', 'PAGER', 'VOICEMAIL', 'SHARED_COST'] as const;
  const patterns = types.map((t) => plan.type(t)?.pattern()).filter((p): p is string => typeof p === 'string' && p !== '');
  return new RegExp(`^(?=(?:${plan.nationalNumberPattern()})$)(?:${patterns.join('|')})$`);
})();
/**
 * The separators the shortcut reads between digit groups: space, no-break space, ideographic space, `-` and `.`.
 * Only these: libphonenumber-js refuses a tab, a line break or other Unicode spaces inside a number, and the
 * shortcut must never accept what the library refuses (the regex it replaced took any \s and did).
 */
function isSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46 || c === 0xa0 || c === 0x3000;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The usual ways of writing a North American number, `^(\+?1S?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))S?(\d{3})S?(\d{4})$` with S a separator
 * (415 555 0123, (415) 555-0123, 415.555.0123, +1 415-555-0123), matched by a scan rather than that regex: the
 * 10-digit national number, or undefined when the text is not written so. The grammar never needs to backtrack:
 * a leading `1` can only be the country code, since an area code starts with 2-9.
 */
function nanpWritten(raw: string): string | undefined {
  let i = 0;
  const first = raw.charCodeAt(0);
  if (first === 43 /* + */ || first === 49 /* 1 */) {
    if (first === 43) i++;
    if (raw.charCodeAt(i) !== 49) return undefined;
    i++;
    if (isSeparator(raw.charCodeAt(i))) i++;
  }
  const paren = raw.charCodeAt(i) === 40; /* ( */
  if (paren) i++;
  const area = i;
  const a0 = raw.charCodeAt(i);
  if (!(a0 >= 50 && a0 <= 57) || !isDigit(raw.charCodeAt(i + 1)) || !isDigit(raw.charCodeAt(i + 2))) return undefined;
  i += 3;
  if (paren) {
    if (raw.charCodeAt(i) !== 41 /* ) */) return undefined;
    i++;
  }
  if (isSeparator(raw.charCodeAt(i))) i++;
  const exchange = i;
  if (!isDigit(raw.charCodeAt(i)) || !isDigit(raw.charCodeAt(i + 1)) || !isDigit(raw.charCodeAt(i + 2))) return undefined;
  i += 3;
  if (isSeparator(raw.charCodeAt(i))) i++;
  const line = i;
  for (let k = 0; k < 4; k++) if (!isDigit(raw.charCodeAt(i + k))) return undefined;
  if (i + 4 !== raw.length) return undefined;
  return raw.slice(area, area + 3) + raw.slice(exchange, exchange + 3) + raw.slice(line, line + 4);
}

/**
 * Plain US numbers take a shortcut that gives the same answer as libphonenumber-js (checked by a differential
 * property test), because parsing costs ~15 µs and phones are in most lead mappings. Returns undefined when the
 * shortcut does not apply.
 */
function nanpShortcut(raw: string, country: string): string | undefined {
  // A number starting with + names its country itself; without one only a NANP default country applies.
  if (raw.charCodeAt(0) !== 43 /* + */ && !NANP_DEFAULTS.has(country)) return undefined;
  const national = nanpWritten(raw);
  return national !== undefined && US_VALID.test(national) ? '+1' + national : undefined;
}

/**
 * A phone number in E.164 (`+14155550123`), using `defaultCountry` (ISO-2, default `US`) for numbers written
 * without a country code, or null when it is empty or not a valid number. Extensions are dropped.
 * `$phoneE164("(415) 555-0123", "US")` → `"+14155550123"`.
 */
export function phoneE164(value: unknown, defaultCountry?: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) value = String(value);
  if (typeof value !== 'string') return null;
  const raw = value.trim();
  if (raw === '') return null;
  const country =
    defaultCountry === 'US' ? 'US' : typeof defaultCountry === 'string' && defaultCountry.trim() !== '' ? defaultCountry.trim().toUpperCase() : 'US';
  const quick = nanpShortcut(raw, country);
  if (quick !== undefined) return quick;
  const parsed = parsePhoneNumberFromString(raw, country as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** The same number without the shortcut; exported for the differential test that keeps the shortcut honest. */
export function phoneE164Reference(value: string, defaultCountry = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(value.trim(), defaultCountry as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}
