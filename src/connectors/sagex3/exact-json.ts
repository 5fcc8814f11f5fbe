/**
 * JSON as X3 writes it, read without losing a digit: every number is kept as its decimal text (so
 * `12345.675` and `0.10` stay exact and decimals never pass through a float), a UTF-8 BOM and trailing
 * commas (which X3's own samples have) are tolerated.
 */
import { SyncError } from '../../core/errors.js';

/** Parses `text`; numbers become strings. Throws SyncError('retryable') on text that is not JSON (a truncated answer). */
export function parseExactJson(text: string): unknown {
  const s = text.replace(/^\uFEFF/, '');
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      out += s.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ',' && /^\s*[}\]]/.test(s.slice(i + 1, i + 64))) {
      i++;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 64));
    if (num && !/[\w.]/.test(s[i - 1] ?? '')) {
      out += `"${num[0]}"`;
      i += num[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  try {
    return JSON.parse(out);
  } catch (err) {
    throw new SyncError('retryable', `Sage X3 answered JSON that cannot be read (${(err as Error).message})`, { system: 'sagex3' });
  }
}
