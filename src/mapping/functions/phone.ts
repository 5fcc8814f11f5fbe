/** Phone numbers to E.164 with libphonenumber-js, plus a fast path for plain North American numbers. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

// Countries sharing +1 whose "national number" is the 10-digit NANP number.
const NANP_DEFAULTS = new Set(['US', 'CA']);
// libphonenumber-js's (min metadata) national pattern for US/CA: any 10-digit number starting 2-9 is valid.
// Every other +1 country's pattern is a subset, so a match here is valid for whichever +1 country owns it.
const NANP_NATIONAL = /^[2-9]\d{9}$/;
const PLAIN_FORMAT = /^\+?[\d\s().-]+$/;

/**
 * Plain NANP numbers take a shortcut that gives the same answer as libphonenumber-js (checked by a differential
 * property test), because parsing costs ~15 µs and phones are in most lead mappings. Returns undefined when the
 * shortcut does not apply.
 */
function nanpShortcut(raw: string, country: string): string | null | undefined {
  if (!PLAIN_FORMAT.test(raw)) return undefined;
  const international = raw.charCodeAt(0) === 43; /* + */
  if (!international && !NANP_DEFAULTS.has(country)) return undefined;
  let digits = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += raw[i];
  }
  if (digits.length === 11 && digits.charCodeAt(0) === 49) digits = digits.slice(1);
  else if (international || digits.length !== 10) return undefined;
  return NANP_NATIONAL.test(digits) ? '+1' + digits : undefined;
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
