/** Email normalisation and validation for marketing and ERP contact fields. */

// Pragmatic address grammar: what Pardot, Salesforce and Sage 100 accept in practice, not full RFC 5322
// (no quoted local parts, no IP-literal domains). Internationalised domains and local parts are allowed.
const LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TLD = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

// The common case, all ASCII, in one regex (the Unicode-aware ones above cost several times more).
const ASCII_EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** True when the text is a plausible email address (`$emailValid("ann@example.com")` → true). Non-strings are false. */
export function emailValid(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1 || at > 64) return false;
  if (!NON_ASCII.test(value)) return ASCII_EMAIL.test(value);
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) if (!LABEL.test(label)) return false;
  return TLD.test(labels[labels.length - 1]);
}

/**
 * Trims, strips a `mailto:` prefix and angle brackets, lowercases, and returns the address, or null when it
 * is empty or not a valid address (`$emailNormalize("  Ann@Example.COM ")` → `"ann@example.com"`).
 * Undefined (a missing field) stays undefined so the target field is left alone.
 */
export function emailNormalize(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return null;
  // Whole-address lowercasing: every mailbox provider our users meet treats the local part case-insensitively,
  // and matching by email across systems needs one spelling.
  let s = value.trim().toLowerCase();
  if (s.startsWith('mailto:')) s = s.slice(7).trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  return emailValid(s) ? s : null;
}
