/** Address standardisation: US states and Canadian provinces, country names ↔ ISO-2 ↔ Sage's 3-letter codes. */
import { COUNTRY_ALIASES, ISO2_TO_ISO3, ISO3_TO_ISO2 } from './countries.js';

const US_STATES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado', CT: 'Connecticut',
  DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois',
  IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland',
  MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana',
  NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York',
  NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania',
  RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah',
  VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming',
  AS: 'American Samoa', GU: 'Guam', MP: 'Northern Mariana Islands', PR: 'Puerto Rico', VI: 'U.S. Virgin Islands',
  AA: 'Armed Forces Americas', AE: 'Armed Forces Europe', AP: 'Armed Forces Pacific',
};
const CA_PROVINCES: Record<string, string> = {
  AB: 'Alberta', BC: 'British Columbia', MB: 'Manitoba', NB: 'New Brunswick', NL: 'Newfoundland and Labrador',
  NS: 'Nova Scotia', NT: 'Northwest Territories', NU: 'Nunavut', ON: 'Ontario', PE: 'Prince Edward Island',
  QC: 'Quebec', SK: 'Saskatchewan', YT: 'Yukon',
};

/** Looks up a name or code: the exact spelling first (cheap), then the folded key (accents, case, spacing). */
function find(table: Map<string, string>, value: string): string | undefined {
  return table.get(value) ?? table.get(key(value));
}

function key(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .trim()
    .replace(/\s+/gu, ' ')
    .toLowerCase();
}

function byName(table: Record<string, string>, extra: Record<string, string> = {}): Map<string, string> {
  const m = new Map<string, string>();
  for (const [code, name] of Object.entries(table)) {
    m.set(code, code);
    m.set(code.toLowerCase(), code);
    m.set(name, code);
    m.set(key(name), code);
  }
  for (const [alias, code] of Object.entries(extra)) m.set(key(alias), code);
  return m;
}

/**
 * The lookup tables are built on first use: the country names come from ICU's region data, and
 * loading it (with the Unicode normalisation the folded keys need) adds about 10 MiB to the resident
 * memory of every process that imports the mapping functions, most of which never map an address.
 */
let usLookup: Map<string, string> | undefined;
let caLookup: Map<string, string> | undefined;
let regionNames: Intl.DisplayNames | undefined;
let countryLookup: Map<string, string> | undefined;

function usStates(): Map<string, string> {
  return (usLookup ??= byName(US_STATES, { 'washington dc': 'DC', 'washington d.c.': 'DC', 'd.c.': 'DC', 'virgin islands': 'VI' }));
}

function caProvinces(): Map<string, string> {
  return (caLookup ??= byName(CA_PROVINCES, { 'québec': 'QC', newfoundland: 'NL', 'yukon territory': 'YT' }));
}

function names(): Intl.DisplayNames {
  return (regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' }));
}

function countries(): Map<string, string> {
  if (countryLookup) return countryLookup;
  const m = new Map<string, string>();
  for (const [iso2, iso3] of ISO2_TO_ISO3) {
    m.set(iso2, iso2);
    m.set(iso3, iso2);
    m.set(iso2.toLowerCase(), iso2);
    m.set(iso3.toLowerCase(), iso2);
    const name = names().of(iso2);
    if (name && name !== iso2) {
      m.set(name, iso2);
      m.set(key(name), iso2);
    }
  }
  for (const [alias, iso2] of Object.entries(COUNTRY_ALIASES)) m.set(key(alias), iso2);
  return (countryLookup = m);
}

/**
 * A US state or Canadian province as its 2-letter postal code, from a name or a code in any case; null when
 * unknown. `country` (default `US`) picks the table; `CA` for Canada. `$stateCode("california")` → `"CA"`.
 */
export function stateCode(value: unknown, country?: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const c = country === undefined || country === 'US' ? 'US' : typeof country === 'string' ? countryIso2(country) : 'US';
  const table = c === 'CA' ? caProvinces() : c === 'US' || c === null || c === undefined ? usStates() : null;
  if (!table) return value.trim().toUpperCase();
  return find(table, value) ?? null;
}

/** A country as its ISO 3166 alpha-2 code, from a name, an ISO-2 or an ISO-3/Sage code; null when unknown. `$countryIso2("United States")` → `"US"`. */
export function countryIso2(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') return null;
  return find(countries(), value) ?? null;
}

/** A country's English name from any code or name; null when unknown. `$countryName("DE")` → `"Germany"`. */
export function countryName(value: unknown): string | null | undefined {
  const iso2 = countryIso2(value);
  if (iso2 === undefined || iso2 === null) return iso2;
  return names().of(iso2) ?? null;
}

/** A country as the 3-letter code Sage 100 and Sage X3 store (`US` → `USA`), from a name or any code; null when unknown. */
export function sageCountry(value: unknown): string | null | undefined {
  const iso2 = countryIso2(value);
  if (iso2 === undefined || iso2 === null) return iso2;
  return ISO2_TO_ISO3.get(iso2) ?? null;
}

/** True when the text is a known ISO-3 code (used by tests and validation). */
export function isSageCountry(value: string): boolean {
  return ISO3_TO_ISO2.has(value);
}
