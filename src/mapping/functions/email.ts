/** Email normalisation and validation for marketing and ERP contact fields. */

// Pragmatic address grammar: what Pardot, Salesforce and Sage 100 accept in practice, not full RFC 5322
// (no quoted local parts, no IP-literal domains). Internationalised domains and local parts are allowed.
const LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TLD = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

// The common case, all ASCII, is checked by one scan over character classes (a regex for it cost more than the
// rest of the normalisation); the grammar is the same as the Unicode-aware regexes above restricted to ASCII:
// dot-separated atoms of atext, `@`, labels of letters, digits and inner hyphens, and a TLD of 2-63 letters.
const ATEXT = 1;
const ALNUM = 2;
const LETTER = 4;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]/.test(ch)) CLASS[c] |= ATEXT;
  if (/[A-Za-z0-9]/.test(ch)) CLASS[c] |= ALNUM;
  if (/[A-Za-z]/.test(ch)) CLASS[c] |= LETTER;
}

/** For an all-ASCII address with its last `@` at `at`: true/false; undefined when a character is not ASCII. */
function asciiEmailValid(value: string, at: number): boolean | undefined {
  let ok = true;
  // Local part: atoms of atext separated by single dots.
  let prevDot = true;
  for (let i = 0; i < at; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7f) return undefined;
    if (c === 46 /* . */) {
      if (prevDot) ok = false;
      prevDot = true;
    } else {
      if ((CLASS[c] & ATEXT) === 0) ok = false;
      prevDot = false;
    }
  }
  if (prevDot) ok = false;
  // Domain: labels, then a TLD of letters.
  let labelStart = at + 1;
  let labels = 0;
  let tldLetters = true;
  for (let i = at + 1; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 46;
    if (c > 0x7f) return undefined;
    if (c === 46 /* . */) {
      const len = i - labelStart;
      if (i === value.length) {
        // The last label is the TLD.
        if (labels === 0 || len < 2 || len > 63 || !tldLetters) ok = false;
      } else if (len < 1 || len > 63 || (CLASS[value.charCodeAt(labelStart)] & ALNUM) === 0 || (CLASS[value.charCodeAt(i - 1)] & ALNUM) === 0) {
        ok = false;
      }
      labels++;
      labelStart = i + 1;
      tldLetters = true;
    } else {
      if ((CLASS[c] & ALNUM) === 0 && c !== 45 /* - */) ok = false;
      if ((CLASS[c] & LETTER) === 0) tldLetters = false;
    }
  }
  return ok;
}

/** True when the text is a plausible email address (`$emailValid("ann@example.com")` → true). Non-strings are false. */
export function emailValid(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1 || at > 64) return false;
  const ascii = asciiEmailValid(value, at);
  if (ascii !== undefined) return ascii;
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
