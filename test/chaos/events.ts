/**
 * The events of a chaos run, generated from a seed: web form fills (sent as webhooks) and leads that
 * sales converts in Salesforce (read by the lead-to-customer poll). A few of each are invalid on
 * purpose; those, and only those, belong in the dead-letter queue.
 */

/** A form fill sent to the chaos webhook flow. */
export interface FormEvent {
  kind: 'form';
  submissionId: string;
  email: string;
  firstName: string;
  lastName: string;
  company: string;
  /** True when the hub must refuse it to the dead-letter queue (no last name). */
  invalid: boolean;
}

/** A lead converted in Salesforce, which must become one Sage 100 customer. */
export interface ConvertedEvent {
  kind: 'converted';
  email: string;
  lastName: string;
  company: string;
  /** True when the company name is longer than Sage 100 allows (30), so it must be dead-lettered. */
  invalid: boolean;
}

/** Either kind of event. */
export type ChaosEvent = FormEvent | ConvertedEvent;

/** A small seeded PRNG (mulberry32), so a failing run can be repeated with the same events. */
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

const FIRST = ['Ann', 'Bo', 'Chidi', 'Dana', 'Émile', 'Farah', 'Göran', 'Hiro', 'Ines', 'José'];
const LAST = ['Lee', "O'Brien", 'Nguyen', 'Müller', 'Okafor', 'Silva', 'Kowalski', 'Haddad', 'Ito', 'Smith'];
const COMPANY = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Litware', 'Proseware', 'Adatum', 'Woodgrove'];

/** Generates `count` events: `formShare` of them form fills, the rest converted leads; `invalidRate` of each invalid. */
export function generateEvents(count: number, options: { seed: number; formShare: number; invalidRate: number; runId: string }): ChaosEvent[] {
  const rnd = seededRandom(options.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: ChaosEvent[] = [];
  for (let i = 0; i < count; i++) {
    const invalid = rnd() < options.invalidRate;
    const lastName = pick(LAST);
    const company = `${pick(COMPANY)} ${i}`;
    if (rnd() < options.formShare) {
      const email = `form.${options.runId}.${i}@example.com`;
      out.push({ kind: 'form', submissionId: `sub-${options.runId}-${i}`, email: i % 7 === 0 ? `  ${email.toUpperCase()} ` : email, firstName: pick(FIRST), lastName: invalid ? '   ' : lastName, company, invalid });
    } else {
      out.push({ kind: 'converted', email: `buyer.${options.runId}.${i}@example.com`, lastName, company: invalid ? `${company} International Holdings Group` : company, invalid });
    }
  }
  return out;
}

/** Shuffles items within consecutive windows, so deliveries arrive out of order but still spread over the run. */
export function shuffleWindows<T>(items: T[], window: number, rnd: () => number): T[] {
  const out = [...items];
  for (let start = 0; start < out.length; start += window) {
    const end = Math.min(out.length, start + window);
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(rnd() * (i - start + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
  }
  return out;
}
