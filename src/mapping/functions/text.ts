/**
 * Text helpers for values coming from fixed-width systems. Sage 100 (ProvideX) returns strings padded
 * with trailing spaces, and targets such as Sage 100 `CustomerName` cap lengths in characters.
 */

/** Removes trailing (and leading) whitespace only, keeping inner spacing; `$rtrim("ABF    ")` → `"ABF"`. Undefined stays undefined; non-strings pass through. */
export function rtrim(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.trim();
}

/** Shortens a string to at most `max` characters (Unicode code points), cutting at the last space when one is near the end. */
export function truncate(value: unknown, max: unknown): unknown {
  if (typeof value !== 'string' || typeof max !== 'number' || !(max >= 0)) return value;
  // A string never has more code points than UTF-16 units, so short strings need no counting.
  if (value.length <= max) return value;
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  const cut = chars.slice(0, max).join('');
  const lastSpace = cut.lastIndexOf(' ');
  // Prefer a word boundary, but never lose more than a third of the allowed length to it.
  const shortened = lastSpace >= Math.ceil((max * 2) / 3) ? cut.slice(0, lastSpace) : cut;
  return shortened.trimEnd();
}

/** Number of Unicode code points in a string (what length limits in our targets count). */
export function charLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) i++;
    n++;
  }
  return n;
}
