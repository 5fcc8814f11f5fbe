/**
 * How match keys compare, the same everywhere: a flow normalises an email (trimmed, lower-cased)
 * before it becomes a key, so every connector's find, and every re-check of what a find returned,
 * compares emails case- and whitespace-insensitively. Other keys compare as trimmed text (ids and
 * codes can be case-sensitive: Salesforce's 15-character ids are).
 */

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** True when a key value is an email address (compared without case). */
export function isEmailKey(value: unknown): boolean {
  return typeof value === 'string' && EMAIL.test(value.trim());
}

/** The form a key value is compared in: trimmed text, lower-cased for emails. */
export function normalizeKey(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value).trim();
  return isEmailKey(text) ? text.toLowerCase() : text;
}

/** True when a stored value and a wanted key are the same key. */
export function sameKey(stored: unknown, wanted: unknown): boolean {
  if (stored === null || stored === undefined) return false;
  return normalizeKey(stored) === normalizeKey(wanted);
}
