/**
 * The plain implementations the library's fast paths replaced, kept as test oracles: each fast path must give
 * exactly what these give (test/mapping/fast-paths.test.ts). They are the code as it was before the fast
 * paths, written for clarity rather than speed.
 */
import type { NameParts } from '../../src/mapping/functions/names.js';

/** truncate by Array.from: code points as the string iterator counts them. */
export function truncateReference(value: unknown, max: unknown): unknown {
  if (typeof value !== 'string' || typeof max !== 'number' || !(max >= 0)) return value;
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  const cut = chars.slice(0, max).join('');
  const lastSpace = cut.lastIndexOf(' ');
  const shortened = lastSpace >= Math.ceil((max * 2) / 3) ? cut.slice(0, lastSpace) : cut;
  return shortened.trimEnd();
}

/**
 * The North American written forms as one regex: the 10-digit national number or undefined. The separators are
 * those libphonenumber-js accepts too (the regex before took any \s, which let tabs and line breaks through).
 */
export function nanpWrittenReference(raw: string): string | undefined {
  const m = /^(\+?1[ \u00a0\u3000.-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ \u00a0\u3000.-]?(\d{3})[ \u00a0\u3000.-]?(\d{4})$/.exec(raw);
  return m ? (m[2] ?? m[3]) + m[4] + m[5] : undefined;
}

const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'rev', 'fr']);
const PARTICLES = new Set(['de', 'del', 'della', 'der', 'den', 'di', 'da', 'do', 'dos', 'das', 'du', 'la', 'le', 'van', 'von', 'ter', 'ten', 'st', 'st.', 'bin', 'ibn', 'al', 'el', 'mac', 'y']);
const bare = (token: string) => token.toLowerCase().replace(/\.$/u, '');
const isHonorific = (token: string) => token.length <= 5 && HONORIFICS.has(bare(token));

/** splitName by splitting into words and joining them back. */
export function splitNameReference(value: unknown): NameParts | undefined {
  if (value === undefined) return undefined;
  const full = typeof value === 'string' ? value.trim() : '';
  const cleaned = /\s{2,}|[\t\n\r\f\v\u00a0\u2000-\u200a\u3000]/u.test(full) ? full.replace(/\s+/gu, ' ') : full;
  if (cleaned === '') return { first: null, last: null };
  const comma = cleaned.indexOf(',');
  if (comma >= 0) {
    const last = cleaned.slice(0, comma).trim();
    const first = cleaned.slice(comma + 1).trim();
    return { first: first === '' ? null : first, last: last === '' ? null : last };
  }
  const tokens = cleaned.split(' ');
  if (tokens.length === 1) return { first: null, last: cleaned };
  if (tokens.length === 2) return isHonorific(tokens[0]) ? { first: null, last: tokens[1] } : { first: tokens[0], last: tokens[1] };
  while (tokens.length > 1 && isHonorific(tokens[0])) tokens.shift();
  if (tokens.length === 1) return { first: null, last: tokens[0] };
  let at = tokens.length - 1;
  for (let i = 1; i < tokens.length - 1; i++) {
    if (PARTICLES.has(bare(tokens[i]))) {
      at = i;
      break;
    }
  }
  return { first: tokens.slice(0, at).join(' '), last: tokens.slice(at).join(' ') };
}
