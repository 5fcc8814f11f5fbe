/** Who a record is, for people: its name, e-mail and company, found under the usual field names of the connected systems. */

/** A record's name, e-mail and company, each when found. */
export interface RecordIdentity {
  name?: string;
  email?: string;
  company?: string;
}

const EMAIL = /^(e-?mail|emailaddress|email_address|primaryemail)$/i;
const COMPANY = /^(company|companyname|company_name|account|accountname|account_name|organization|organisation)$/i;
const NAME = /^(name|fullname|full_name|customername|contactname|displayname)$/i;
const FIRST = /^(first_?name|given_?name)$/i;
const LAST = /^(last_?name|family_?name|surname)$/i;

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Identity of a record (or of the record inside an event payload `{ record }`). */
export function recordIdentity(payload: unknown): RecordIdentity {
  const p = payload as Record<string, unknown> | null;
  const record = (p && typeof p === 'object' && p.record && typeof p.record === 'object' ? p.record : p) as Record<string, unknown> | null;
  if (!record || typeof record !== 'object') return {};
  const out: RecordIdentity = {};
  let first: string | undefined;
  let last: string | undefined;
  for (const [k, v] of Object.entries(record)) {
    if (!out.email && EMAIL.test(k)) out.email = text(v);
    else if (!out.company && COMPANY.test(k)) out.company = text(v) ?? text((v as { Name?: unknown } | null)?.Name);
    else if (!out.name && NAME.test(k)) out.name = text(v);
    else if (FIRST.test(k)) first = text(v);
    else if (LAST.test(k)) last = text(v);
  }
  out.name ??= [first, last].filter(Boolean).join(' ') || undefined;
  return out;
}

/** "Dana Smythe · dana@example.com · Acme", or '' when nothing is known. */
export function identityLine(id: RecordIdentity): string {
  return [id.name, id.email, id.company].filter(Boolean).join(' · ');
}
