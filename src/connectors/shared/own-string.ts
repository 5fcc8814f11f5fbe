/**
 * Strings that share no memory with the strings they were cut or built from. V8 keeps a cut of 13 or
 * more characters (`trimEnd`, `slice`) as a view that holds the whole original alive, and a string
 * built by `+` as a tree of its pieces; a value kept for a long time (a row of a 50,000-record upload
 * batch) then costs what it came from, not what it is. Measured in a bulk load's heap (bench/RESULTS.md,
 * issue 20): padded ODBC values held through trimmed views, upload CSV lines held as trees of cells.
 */

/** V8 makes a cut of this many characters or more a view into the string it was cut from (a copy below it). */
export const V8_MIN_VIEW = 13;

const SURROGATE = /[\uD800-\uDFFF]/;

/** A flat copy of `s`, holding nothing of the strings it was cut or built from. */
export function ownString(s: string): string {
  // UTF-8 there and back makes one flat string, exact for any string without surrogates. One with a
  // surrogate (astral, or malformed UTF-16) is copied by flattening a concatenation instead: exact,
  // as a view into the copy.
  return SURROGATE.test(s) ? ` ${s}`.slice(1) : Buffer.from(s, 'utf8').toString('utf8');
}
