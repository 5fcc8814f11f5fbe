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
  // Where the first `max` code points end, counted as Array.from counts them (a surrogate pair is one, a lone
  // surrogate is one), without building an array of every character.
  const limit = Math.floor(max); // slice(0, 2.5) keeps two
  let end = 0;
  for (let n = 0; n < limit && end < value.length; n++) {
    const c = value.charCodeAt(end);
    end += c >= 0xd800 && c <= 0xdbff && end + 1 < value.length && (value.charCodeAt(end + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  if (end >= value.length) return value;
  const cut = value.slice(0, end);
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
