/**
 * Explainable mapping suggestions: for each unmapped target field, the source fields most likely to
 * feed it, ranked by name, type, length and value-profile similarity over sample records, each with
 * its reasons and a confidence. Pure and local: no external service, nothing applied by itself.
 */
import { distance } from 'fastest-levenshtein';
import type { FieldSpec, FieldType } from '../core/connector.js';
import type { Fields } from '../core/json.js';

/** One ranked candidate for a target field. */
export interface MappingSuggestion {
  /** The unmapped target field. */
  target: string;
  /** The source field proposed. */
  source: string;
  /** 0..1, two decimals. */
  confidence: number;
  /** Why, in words (`names match (Email ~ EmailAddress)`, `values look like e-mail addresses (20 of 20)`). */
  reasons: string[];
}

/** What the suggester looks at. */
export interface SuggestInput {
  sourceFields: readonly FieldSpec[];
  targetFields: readonly FieldSpec[];
  /** Target fields already mapped: no suggestion for them. */
  mapped?: readonly string[];
  /** Recent or sample source records, for value profiles. */
  samples?: readonly Fields[];
  /** Candidates per target field (default 3). */
  perField?: number;
  /** Candidates below this confidence are left out (default 0.35). */
  minConfidence?: number;
}

/** Words that name the same thing across systems (after normalising: lower case, no separators or `__c`). */
const SYNONYMS: string[][] = [
  ['email', 'emailaddress', 'mail'],
  ['phone', 'telephone', 'telephoneno', 'phonenumber', 'tel'],
  ['company', 'companyname', 'customername', 'accountname', 'organization', 'organisation'],
  ['zip', 'zipcode', 'postalcode', 'postcode'],
  ['street', 'address', 'addressline1', 'address1', 'billingstreet'],
  ['state', 'region', 'province', 'statecode'],
  ['country', 'countrycode'],
  ['firstname', 'givenname', 'forename'],
  ['lastname', 'surname', 'familyname'],
  ['city', 'town', 'billingcity'],
  ['website', 'url', 'web'],
];

/** Lower case without separators or a Salesforce/Pardot custom suffix: `Zip_Code__c` → `zipcode`. */
export function normaliseName(name: string): string {
  return name
    .replace(/__c$/i, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** The words of a name: `BillingPostalCode` → billing, postal, code. */
function words(name: string): string[] {
  return name
    .replace(/__c$/i, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function nameScore(source: string, target: string): { score: number; reason?: string } {
  const a = normaliseName(source);
  const b = normaliseName(target);
  if (a === b) return { score: 1, reason: `same name (${source} = ${target})` };
  if (SYNONYMS.some((group) => group.includes(a) && group.includes(b))) return { score: 0.9, reason: `names mean the same (${source} ~ ${target})` };
  const edit = 1 - distance(a, b) / Math.max(a.length, b.length);
  const wa = new Set(words(source));
  const wb = new Set(words(target));
  const shared = [...wa].filter((w) => wb.has(w));
  const overlap = shared.length / Math.max(1, Math.min(wa.size, wb.size));
  const contains = a.length >= 4 && b.length >= 4 && (a.includes(b) || b.includes(a)) ? 0.8 : 0;
  const score = Math.max(edit, overlap * 0.85, contains);
  if (score < 0.5) return { score };
  const why = contains >= score ? 'one name contains the other' : shared.length && overlap * 0.85 >= edit ? `shared words: ${shared.join(', ')}` : 'similar spelling';
  return { score, reason: `${why} (${source} ~ ${target})` };
}

type Family = 'text' | 'number' | 'date' | 'boolean' | 'other';

function family(t: FieldType): Family {
  switch (t) {
    case 'string':
    case 'text':
    case 'email':
    case 'phone':
    case 'picklist':
    case 'id':
    case 'reference':
      return 'text';
    case 'integer':
    case 'number':
    case 'decimal':
      return 'number';
    case 'date':
    case 'datetime':
      return 'date';
    case 'boolean':
      return 'boolean';
    default:
      return 'other';
  }
}

function typeScore(s: FieldSpec, t: FieldSpec): { score: number; reason: string } {
  if (s.type === t.type) return { score: 1, reason: `same type (${t.type})` };
  if (family(s.type) === family(t.type)) return { score: 0.7, reason: `compatible types (${s.type} → ${t.type})` };
  if (family(t.type) === 'text') return { score: 0.4, reason: `${s.type} can be written as text` };
  return { score: 0, reason: `types differ (${s.type} → ${t.type})` };
}

const LOOKS: Array<{ type: FieldType; test: (v: string) => boolean; words: string }> = [
  { type: 'email', test: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()), words: 'e-mail addresses' },
  { type: 'phone', test: (v) => /^[+\d\s().\-/]{7,}$/.test(v.trim()) && v.replace(/\D/g, '').length >= 7, words: 'phone numbers' },
  { type: 'date', test: (v) => /^\d{4}-\d{2}-\d{2}/.test(v.trim()), words: 'dates' },
];

/** What a source field's sample values look like. */
interface Profile {
  count: number;
  maxLength: number;
  looks: Partial<Record<FieldType, number>>;
  numeric: number;
  boolean: number;
}

function profile(field: string, samples: readonly Fields[]): Profile {
  const p: Profile = { count: 0, maxLength: 0, looks: {}, numeric: 0, boolean: 0 };
  for (const r of samples) {
    const v = r[field];
    if (v === undefined || v === null || v === '') continue;
    p.count++;
    if (typeof v === 'boolean') p.boolean++;
    if (typeof v === 'number' || (typeof v === 'string' && /^[-+]?\d+(\.\d+)?$/.test(v.trim()))) p.numeric++;
    if (typeof v === 'string') {
      p.maxLength = Math.max(p.maxLength, [...v].length);
      for (const l of LOOKS) if (l.test(v)) p.looks[l.type] = (p.looks[l.type] ?? 0) + 1;
    }
  }
  return p;
}

function profileScore(p: Profile, t: FieldSpec): { score: number; reasons: string[] } {
  if (p.count === 0) return { score: 0.5, reasons: [] };
  const reasons: string[] = [];
  let score: number;
  const look = LOOKS.find((l) => l.type === t.type || (t.type === 'datetime' && l.type === 'date'));
  if (look) {
    const n = p.looks[look.type] ?? 0;
    score = n / p.count;
    reasons.push(`${n} of ${p.count} sample values look like ${look.words}`);
  } else if (family(t.type) === 'number') {
    score = p.numeric / p.count;
    reasons.push(`${p.numeric} of ${p.count} sample values are numbers`);
  } else if (t.type === 'boolean') {
    score = p.boolean / p.count;
    reasons.push(`${p.boolean} of ${p.count} sample values are true/false`);
  } else {
    // A text target: values that are plainly something else (all e-mails into a name) count against.
    const other = Math.max(...Object.values(p.looks), 0);
    score = other === p.count ? 0.3 : 0.7;
  }
  if (t.maxLength !== undefined && p.maxLength > 0) {
    if (p.maxLength <= t.maxLength) reasons.push(`sample values fit (longest ${p.maxLength} of ${t.maxLength} characters)`);
    else {
      score *= 0.6;
      reasons.push(`sample values run to ${p.maxLength} characters; the target allows ${t.maxLength}`);
    }
  }
  return { score, reasons };
}

/** Ranked suggestions for every unmapped, writable target field. */
export function suggestMappings(input: SuggestInput): MappingSuggestion[] {
  const mapped = new Set(input.mapped ?? []);
  const samples = input.samples ?? [];
  const perField = input.perField ?? 3;
  const min = input.minConfidence ?? 0.35;
  const profiles = new Map(input.sourceFields.map((f) => [f.name, profile(f.name, samples)]));
  const out: MappingSuggestion[] = [];
  for (const t of input.targetFields) {
    if (mapped.has(t.name) || t.readOnly) continue;
    const ranked: MappingSuggestion[] = [];
    for (const s of input.sourceFields) {
      const name = nameScore(s.name, t.name);
      const type = typeScore(s, t);
      const prof = profileScore(profiles.get(s.name)!, t);
      // A name that does not resemble the target needs strong evidence from the values to be proposed at all.
      const confidence = name.score >= 0.5 ? 0.6 * name.score + 0.15 * type.score + 0.25 * prof.score : 0.35 * prof.score * type.score;
      if (confidence < min) continue;
      const reasons = [...(name.reason ? [name.reason] : []), type.reason, ...prof.reasons];
      ranked.push({ target: t.name, source: s.name, confidence: Math.round(confidence * 100) / 100, reasons });
    }
    ranked.sort((a, b) => b.confidence - a.confidence || a.source.localeCompare(b.source));
    out.push(...ranked.slice(0, perField));
  }
  return out;
}
