/** Splitting and joining person names (Salesforce FirstName/LastName ↔ one ERP contact or customer name). */

/** A person name in two parts; either may be null. */
export interface NameParts {
  first: string | null;
  last: string | null;
}

const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'rev', 'fr']);
// Surname particles: "Ludwig van Beethoven" → last "van Beethoven".
const PARTICLES = new Set(['de', 'del', 'della', 'der', 'den', 'di', 'da', 'do', 'dos', 'das', 'du', 'la', 'le', 'van', 'von', 'ter', 'ten', 'st', 'st.', 'bin', 'ibn', 'al', 'el', 'mac', 'y']);

const RUNS = /\s{2,}|[\t\n\r\f\v\u00a0\u2000-\u200a\u3000]/u;

function clean(value: unknown): string {
  if (typeof value !== 'string') return '';
  const s = value.trim();
  return RUNS.test(s) ? s.replace(/\s+/gu, ' ') : s;
}

function bare(token: string): string {
  const t = token.toLowerCase();
  return t.charCodeAt(t.length - 1) === 46 /* . */ ? t.slice(0, -1) : t;
}

/**
 * Splits a full name into `{first, last}`. Honorifics are dropped, "Last, First" is understood, surname
 * particles stay with the last name, and a single word is taken as the last name (Salesforce requires
 * LastName). `$splitName("Dr. María José de la Cruz")` → `{"first": "María José", "last": "de la Cruz"}`.
 */
export function splitName(value: unknown): NameParts | undefined {
  if (value === undefined) return undefined;
  // Mappings usually ask for `.first` and `.last` of the same name one after the other: remember the last split.
  if (typeof value === 'string' && value === lastInput && lastParts) return { first: lastParts.first, last: lastParts.last };
  const parts = split(value);
  if (typeof value === 'string') {
    lastInput = value;
    lastParts = parts;
  }
  return { first: parts.first, last: parts.last };
}

let lastInput: string | undefined;
let lastParts: NameParts | undefined;

function isHonorific(token: string): boolean {
  return token.length <= 5 && HONORIFICS.has(bare(token));
}

function split(value: unknown): NameParts {
  const full = clean(value);
  if (full === '') return { first: null, last: null };
  const comma = full.indexOf(',');
  if (comma >= 0) {
    const last = full.slice(0, comma).trim();
    const first = full.slice(comma + 1).trim();
    return { first: first === '' ? null : first, last: last === '' ? null : last };
  }
  const space = full.indexOf(' ');
  if (space < 0) return { first: null, last: full };
  if (full.indexOf(' ', space + 1) < 0) {
    // The common "First Last".
    const first = full.slice(0, space);
    return isHonorific(first) ? { first: null, last: full.slice(space + 1) } : { first, last: full.slice(space + 1) };
  }
  // Three or more words: walk the word boundaries of `full` (single-spaced by clean) instead of splitting it
  // into an array and joining slices of it back together.
  let start = 0;
  for (let sp = space; sp >= 0 && isHonorific(full.slice(start, sp)); sp = full.indexOf(' ', start)) start = sp + 1;
  const second = full.indexOf(' ', start);
  if (second < 0) return { first: null, last: full.slice(start) };
  // The last name starts at the first particle after the first word, else at the last word.
  let at = full.lastIndexOf(' ') + 1;
  for (let pos = second + 1, next = full.indexOf(' ', pos); next >= 0; pos = next + 1, next = full.indexOf(' ', pos)) {
    if (PARTICLES.has(bare(full.slice(pos, next)))) {
      at = pos;
      break;
    }
  }
  return { first: full.slice(start, at - 1), last: full.slice(at) };
}

/** Joins name parts with single spaces, skipping empty ones; null when all are empty. `$joinName("Ann", "Lee")` → `"Ann Lee"`. */
export function joinName(...parts: unknown[]): string | null {
  const kept: string[] = [];
  for (const p of parts) {
    const s = clean(p);
    if (s !== '') kept.push(s);
  }
  return kept.length === 0 ? null : kept.join(' ');
}
