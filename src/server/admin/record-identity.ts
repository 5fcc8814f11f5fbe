/**
 * Who a record is, for people reading runs and dead letters: its name, e-mail and company, found
 * under the field names the connected systems use (Salesforce `Company`/`Account.Name`, Pardot
 * `first_name`, Sage 100 `CustomerName`/`EmailAddress`, Sage X3 `BPCNAM`/`CNTEMA`, TIMS `email`).
 * Computed on the server so every client of the admin API gets the same answer.
 */

/** A record's name, e-mail and company, each when found. */
export interface RecordIdentity {
  name?: string;
  email?: string;
  company?: string;
}

const EMAIL = /^(e-?mail|emailaddress|email_?address|primaryemail|personemail|cntema)$/i;
const COMPANY = /^(company|companyname|company_name|account|accountname|account_name|organization|organisation|customer)$/i;
const NAME = /^(name|fullname|full_name|customername|customer_name|contactname|displayname|bpcnam)$/i;
const FIRST = /^(first_?name|given_?name)$/i;
const LAST = /^(last_?name|family_?name|surname)$/i;
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
/** A related record's own name (`Account: { Name }`), as Salesforce returns relationships. */
const nameOf = (v: unknown): string | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? text((v as Record<string, unknown>).Name ?? (v as Record<string, unknown>).name) : undefined);

/** The record inside an event payload (`{ record }`) or the payload itself when it is a bare record. */
export function recordIn(payload: unknown): Record<string, unknown> | null {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const p = payload as Record<string, unknown>;
  const inner = p.record;
  return inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : p;
}

/** The identity of a record (or of the record inside an event payload); empty when nothing is recognisable. */
export function recordIdentity(payload: unknown): RecordIdentity {
  const record = recordIn(payload);
  if (!record) return {};
  const out: RecordIdentity = {};
  let first: string | undefined;
  let last: string | undefined;
  for (const [k, v] of Object.entries(record)) {
    if (EMAIL.test(k)) out.email ??= text(v);
    else if (COMPANY.test(k)) out.company ??= text(v) ?? nameOf(v);
    else if (NAME.test(k)) out.name ??= text(v);
    else if (FIRST.test(k)) first ??= text(v);
    else if (LAST.test(k)) last ??= text(v);
  }
  // A person's own first and last name say more than a record's `Name` field.
  const person = [first, last].filter(Boolean).join(' ');
  if (person) out.name = person;
  if (out.email && !LOOKS_LIKE_EMAIL.test(out.email)) delete out.email;
  return out;
}

/** Fills what `identity` lacks from `more` (a mapped record, when the source names nobody). */
export function mergeIdentity(identity: RecordIdentity, more: RecordIdentity): RecordIdentity {
  return { ...more, ...Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) };
}

/** True when nothing is known. */
export function isEmptyIdentity(identity: RecordIdentity): boolean {
  return !identity.name && !identity.email && !identity.company;
}
