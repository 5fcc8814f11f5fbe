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
// The usual ways of writing a North American number: 415 555 0123, (415) 555-0123, 415.555.0123, +1 415-555-0123.
const NANP_WRITTEN = /^(\+?1[\s.-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[\s.-]?(\d{3})[\s.-]?(\d{4})$/;

/**
 * Plain US numbers take a shortcut that gives the same answer as libphonenumber-js (checked by a differential
 * property test), because parsing costs ~15 µs and phones are in most lead mappings. Returns undefined when the
 * shortcut does not apply.
 */
function nanpShortcut(raw: string, country: string): string | undefined {
  const m = NANP_WRITTEN.exec(raw);
  if (!m) return undefined;
  const international = raw.charCodeAt(0) === 43; /* + */
  if (!international && !NANP_DEFAULTS.has(country)) return undefined;
  if (international && m[1] === undefined) return undefined;
  const national = (m[2] ?? m[3]) + m[4] + m[5];
  return US_VALID.test(national) ? '+1' + national : undefined;
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
  const country = typeof defaultCountry === 'string' && defaultCountry.trim() !== '' ? defaultCountry.trim().toUpperCase() : 'US';
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
