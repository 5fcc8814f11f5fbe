/** Believable people and companies for the demo's web forms, drawn from a seeded random source. */

/** A person filling a web form. */
export interface WebVisitor {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  title: string;
  company: string;
  industry: string;
  street: string;
  city: string;
  state: string;
  postalCode: string;
}

const FIRST = ['Alma', 'Bruno', 'Chloe', 'Dmitri', 'Esther', 'Felix', 'Gemma', 'Hector', 'Ines', 'Jonah', 'Keiko', 'Lars', 'Mina', 'Nikhil', 'Odette', 'Pablo', 'Rhea', 'Stefan', 'Talia', 'Umar', 'Vera', 'Wes', 'Yara', 'Zane'];
const LAST = ['Abbott', 'Baptiste', 'Castillo', 'Dubois', 'Eriksen', 'Farouk', 'Gallagher', 'Hartmann', 'Iverson', 'Jovanovic', 'Kowalski', 'Lindqvist', 'Mendoza', 'Novak', 'Okafor', 'Petrov', 'Ramires', 'Sorensen', 'Tanaka', 'Vasquez', 'Whitfield', 'Young'];
const PREFIX = ['Alder', 'Bluewater', 'Copperline', 'Driftwood', 'Ember', 'Fairhaven', 'Goldcrest', 'Highland', 'Ironwood', 'Kestrel', 'Lighthouse', 'Maple Row', 'Northgate', 'Oakridge', 'Prairie', 'Riverbend', 'Silverleaf', 'Stonebridge', 'Timberline', 'Westbrook'];
const SUFFIX: Array<[string, string]> = [
  ['Machining', 'Manufacturing'], ['Logistics', 'Transportation'], ['Builders', 'Construction'], ['Dental Group', 'Healthcare'], ['Foods', 'Food & Beverage'],
  ['Outfitters', 'Retail'], ['Labs', 'Technology'], ['Supply Co', 'Wholesale'], ['Hardware', 'Retail'], ['Energy', 'Energy'],
];
const TITLES = ['Purchasing Manager', 'Operations Director', 'Office Manager', 'Plant Manager', 'Buyer', 'Owner', 'Facilities Lead', 'Procurement Specialist'];
const PLACES: Array<[string, string, string]> = [
  ['Columbus', 'OH', '43215'], ['Tucson', 'AZ', '85701'], ['Spokane', 'WA', '99201'], ['Lexington', 'KY', '40507'], ['Savannah', 'GA', '31401'],
  ['Boulder', 'CO', '80302'], ['Des Moines', 'IA', '50309'], ['Burlington', 'VT', '05401'], ['Fargo', 'ND', '58102'], ['Reno', 'NV', '89501'],
];
const STREETS = ['Main St', 'Commerce Dr', 'Industrial Pkwy', 'Harbor Rd', 'Mill Ave', 'Depot St'];

/** Picks one element with the random source. */
export function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

/**
 * A new web visitor. `serial` keeps emails unique within one demo run (the same person twice is a
 * different story the demo does not tell). `longCompany` makes a name longer than Sage's 30
 * characters on purpose, so the dead-letter queue has something to show.
 */
export function webVisitor(random: () => number, serial: number, longCompany = false): WebVisitor {
  const firstName = pick(random, FIRST);
  const lastName = pick(random, LAST);
  const [suffix, industry] = pick(random, SUFFIX);
  const base = `${pick(random, PREFIX)} ${suffix}`;
  const company = longCompany ? `${base} International Holdings and Distribution` : base;
  const domain = `${base.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
  const [city, state, postalCode] = pick(random, PLACES);
  return {
    firstName,
    lastName,
    email: `${firstName}.${lastName}${serial}@${domain}`.toLowerCase(),
    phone: `+1 555 ${String(100 + Math.floor(random() * 900))} ${String(1000 + Math.floor(random() * 9000))}`,
    title: pick(random, TITLES),
    company,
    industry,
    street: `${10 + Math.floor(random() * 980)} ${pick(random, STREETS)}`,
    city,
    state,
    postalCode,
  };
}

/** A small seeded PRNG (mulberry32) so a test run of the traffic is repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
