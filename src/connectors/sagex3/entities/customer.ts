/**
 * BPCUSTOMER: customers with their addresses (BPADDRESS) and contacts (CONTACT). Read through api1,
 * written through the customer web service (object BPC). Records carry the main address and main
 * contact flattened at the top (ADDLIG1, CTY, WEB1, CNTFNA, CNTEMA...) and `totals` computed from X3's
 * own documents: lifetime invoiced (SINVOICE, posted), open and overdue balance (open items,
 * GACCDUDATE), last order date and count (SORDER). Change polling also produces a customer when one of
 * those documents changed, stamped with that change, so new invoices re-enrich their customer.
 */
import { Decimal } from 'decimal.js';
import type { ChangePage, EntitySpec, ReadChangesOptions, SourceRecord, Watermark } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import { normalizeKey, sameKey } from '../../../core/match-keys.js';
import { pollByStamp } from '../../shared/polling.js';
import type { EntityHandler } from '../../shared/entities.js';
import { MAIN_ADDRESS_FIELDS, MAIN_CONTACT_FIELDS } from '../object-document.js';
import { keyOfResource, stampOf, toSourceRecord } from '../records.js';
import { whereField, whereLiteral, type Resource } from '../rest-client.js';
import { AUDIT, f, menu, text } from './fields.js';
import { restReads, whereIn, windowWhere, type EntityContext } from './rest-entity.js';
import type { soapObjectWriter } from './soap-object.js';

const HEADER = ['BPCNUM', 'BPCNAM', 'BPCSHO', 'BPRNAM1', 'BPRNAM2', 'BCGCOD', 'BPCSTA', 'BPCTYP', 'CRY', 'LAN', 'CUR', 'PTE', 'VACBPR', 'OSTCTL', 'OSTAUZ', 'BPAADD', 'BPDADD', 'BPCINV', 'BPCPYR', 'REP', 'TSCCOD', 'CRN', 'EECNUM', 'UPDDATTIM', 'CREDATTIM'];

/** The declaration. */
export const customerSpec: EntitySpec = {
  name: 'BPCUSTOMER',
  label: 'Customer (BP customer)',
  idField: 'BPCNUM',
  updatedField: 'UPDDATTIM',
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert', 'delete', 'batch'],
  description: 'X3 customers with their main address and contact; `totals` are computed from invoices, open items and orders.',
  fields: [
    text('BPCNUM', 15, { externalId: true, description: 'Customer code; given by X3 (category sequence) when left empty.' }),
    text('BPCNAM', 35, { required: true, description: 'Company name.' }),
    text('BPCSHO', 10, { description: 'Short name.' }),
    text('BCGCOD', 5, { required: true, description: 'Customer category; X3 copies currency, terms, tax rule and credit defaults from it.' }),
    menu('BPCSTA', ['1', '2'], 'Active: 1 = No, 2 = Yes.'),
    menu('BPCTYP', ['1', '2', '3', '4'], 'Type: 1 = Normal … 4 = Prospect.'),
    text('CRY', 3, { description: 'Country (ISO 3166 alpha-2).' }),
    text('LAN', 3),
    text('CUR', 3),
    text('PTE', 15, { description: 'Payment terms.' }),
    text('VACBPR', 5, { description: 'Tax rule.' }),
    menu('OSTCTL', ['1', '2', '3'], 'Credit control: 1 = Check, 2 = No check, 3 = Blocked.'),
    f('OSTAUZ', 'decimal', { scale: 2, description: 'Authorised credit.' }),
    text('BPAADD', 5, { description: 'Main address code.' }),
    text('REP', 15, { description: 'Sales rep.' }),
    text('CRN', 20),
    text('EECNUM', 20),
    text('BPADES', 30, { description: 'Main address: description.' }),
    text('ADDLIG1', 50, { description: 'Main address: line 1.' }),
    text('ADDLIG2', 50),
    text('ADDLIG3', 50),
    text('POSCOD', 10),
    text('CTY', 40),
    text('SAT', 35, { description: 'State / region.' }),
    text('BPACRY', 3, { description: 'Main address: country.' }),
    f('TEL1', 'phone', { maxLength: 40 }),
    f('WEB1', 'email', { maxLength: 80, description: 'Main address: email (X3 keeps emails in the address WEB fields).' }),
    text('CNTFNA', 35, { description: 'Main contact: first name.' }),
    text('CNTLNA', 35, { description: 'Main contact: last name.' }),
    text('CNTFNC', 35, { description: 'Main contact: function.' }),
    f('CNTEMA', 'email', { maxLength: 80, description: 'Main contact: email.' }),
    f('CNTTEL', 'phone', { maxLength: 40 }),
    f('BPADDRESS', 'array', { description: 'Every address line.' }),
    f('CONTACT', 'array', { description: 'Every contact.' }),
    f('deleted', 'boolean', { readOnly: true, description: 'True on the record of a customer deleted in X3 (an audited deletion, setting auditedDeletions); it carries only BPCNUM.' }),
    f('totals', 'object', { readOnly: true, description: 'lifetimeValue, openBalance, overdueBalance, invoiceCount, lastOrderDate, orderCount (computed by Syncline from X3 documents).' }),
    ...AUDIT,
  ],
};

type Rec = Record<string, unknown>;

/** Puts the main address and contact fields at the top of a customer record. */
export function flattenMainLines(data: Rec): Rec {
  const addresses = (data.BPADDRESS as Rec[] | undefined) ?? [];
  const contacts = (data.CONTACT as Rec[] | undefined) ?? [];
  const main = addresses.find((a) => a.BPAADD === data.BPAADD) ?? addresses.find((a) => String(a.BPAADDFLG) === '2') ?? addresses[0];
  const contact = contacts.find((c) => main && c.CNTADD === main.BPAADD) ?? contacts[0];
  const out: Rec = { ...data };
  for (const k of MAIN_ADDRESS_FIELDS) if (main && main[k] !== undefined && out[k] === undefined) out[k] = main[k];
  for (const k of MAIN_CONTACT_FIELDS) if (contact && contact[k] !== undefined && out[k] === undefined) out[k] = contact[k];
  return out;
}

/** Lifetime, balances and last order of customers, summed exactly from X3's documents. */
async function totalsOf(ctx: EntityContext, ids: string[], signal?: AbortSignal): Promise<Map<string, Rec>> {
  const today = new Date(ctx.now()).toISOString().slice(0, 10);
  const t = new Map<string, { life: Decimal; open: Decimal; overdue: Decimal; invoices: number; orders: number; last: string | null }>();
  for (const id of ids) t.set(id, { life: new Decimal(0), open: new Decimal(0), overdue: new Decimal(0), invoices: 0, orders: 0, last: null });
  for await (const inv of whereIn(ctx.rest, 'SINVOICE', 'BPR', ids, signal)) {
    const x = t.get(String(inv.BPR));
    if (x && String(inv.STA) === '3') {
      x.life = x.life.plus(String(inv.AMTATI ?? '0'));
      x.invoices += 1;
    }
  }
  for await (const item of whereIn(ctx.rest, 'GACCDUDATE', 'BPR', ids, signal)) {
    const x = t.get(String(item.BPR));
    if (!x) continue;
    const open = new Decimal(String(item.AMTCUR ?? '0')).minus(String(item.PAYCUR ?? '0'));
    x.open = x.open.plus(open);
    if (typeof item.DUDDAT === 'string' && item.DUDDAT < today) x.overdue = x.overdue.plus(open);
  }
  for await (const o of whereIn(ctx.rest, 'SORDER', 'BPCORD', ids, signal)) {
    const x = t.get(String(o.BPCORD));
    if (!x) continue;
    x.orders += 1;
    const d = typeof o.ORDDAT === 'string' ? o.ORDDAT.slice(0, 10) : null;
    if (d && (!x.last || d > x.last)) x.last = d;
  }
  return new Map([...t].map(([id, x]) => [id, { lifetimeValue: x.life.toFixed(2), openBalance: x.open.toFixed(2), overdueBalance: x.overdue.toFixed(2), invoiceCount: x.invoices, orderCount: x.orders, lastOrderDate: x.last }]));
}

const KEYS = ['BPCNUM'] as const;
/** Marks a resource that stands for an audited deletion. */
const DELETED = '$deleted';

/** A customer resource as a record; an audited deletion as a deleted record carrying its code and `deleted: true`. */
/** The customer's email fields (found case- and whitespace-insensitively, like every connector's emails). */
const EMAIL_FIELDS = new Set(customerSpec.fields.filter((x) => x.type === 'email').map((x) => x.name));

function customerRecord(r: Resource): SourceRecord {
  const rec = toSourceRecord('BPCUSTOMER', r, KEYS);
  return r[DELETED] === true ? { ...rec, deleted: true, data: { BPCNUM: rec.id, deleted: true } } : rec;
}

/** The customer handler: reads, find by header, address or contact field, and SOAP writes. */
export function customerHandler(ctx: EntityContext, writer: ReturnType<typeof soapObjectWriter>): EntityHandler {
  const enrich = async (records: SourceRecord[], signal?: AbortSignal): Promise<SourceRecord[]> => {
    if (records.length === 0) return records;
    const totals = await totalsOf(ctx, records.map((r) => r.id), signal);
    return records.map((r) => ({ ...r, data: { ...(flattenMainLines(r.data as Rec) as SourceRecord['data']), totals: (totals.get(r.id) ?? null) as SourceRecord['data'][string] } }));
  };
  const reads = restReads({ spec: customerSpec, cls: 'BPCUSTOMER', keys: KEYS, queryable: HEADER, enrich }, ctx);

  /**
   * Customers changed in the window, and customers whose invoices, open items or orders changed in it
   * (stamped with that change). Own changes are read in UPDDATTIM order only as far as the page needs
   * (`want` rows and the rest of the last row's second); related documents are read up to that same
   * cut-off, so nothing later than the cut-off is produced and the next poll resumes from it.
   */
  async function* changed(w: { fromMs: number | null; untilMs: number; want: number; signal?: AbortSignal }, markMs: number | null): AsyncGenerator<Resource> {
    const seen = new Map<string, Resource>();
    let cutoff = w.untilMs;
    let lastStamp: number | null = null;
    // Rows at or before the watermark (the overlap) may all be repeats: only newer ones count toward the page.
    let fresh = 0;
    for await (const r of ctx.rest.query('BPCUSTOMER', { where: windowWhere(w.fromMs, w.untilMs), orderBy: 'UPDDATTIM asc,BPCNUM asc', signal: w.signal })) {
      const ms = stampOf(r);
      if (fresh >= w.want && ms !== lastStamp) {
        cutoff = lastStamp ?? cutoff;
        break;
      }
      seen.set(keyOfResource(r, KEYS), r);
      if (markMs === null || (ms ?? 0) > markMs) fresh += 1;
      lastStamp = ms;
    }
    const related = new Map<string, number>();
    if (w.fromMs !== null) {
      const where = windowWhere(w.fromMs, cutoff);
      const note = (id: unknown, r: Resource) => {
        const ms = stampOf(r);
        if (typeof id === 'string' && id && ms !== null && ms <= cutoff) related.set(id, Math.max(related.get(id) ?? 0, ms));
      };
      for await (const r of ctx.rest.query('SINVOICE', { where, signal: w.signal })) note(r.BPR, r);
      for await (const r of ctx.rest.query('GACCDUDATE', { where, signal: w.signal })) note(r.BPR, r);
      for await (const r of ctx.rest.query('SORDER', { where, signal: w.signal })) note(r.BPCORD, r);
      const missing = [...related.keys()].filter((id) => !seen.has(id));
      for await (const r of whereIn(ctx.rest, 'BPCUSTOMER', 'BPCNUM', missing, w.signal)) seen.set(keyOfResource(r, KEYS), r);
    }
    const audit = ctx.deletionAudit;
    if (audit) {
      // A deleted customer has no row to change: its audited deletion (AUDITH, TYPMVT 3) stands in.
      // Column names are checked by the settings schema (X3 names only); a menu value goes in as a number.
      const type = /^\d+$/.test(audit.deleteType) ? Number(audit.deleteType) : audit.deleteType;
      const where = `${audit.tableColumn} eq 'BPCUSTOMER' and ${audit.typeColumn} eq ${whereLiteral(type)} and ${windowWhere(w.fromMs, cutoff, audit.stampColumn)}`;
      for await (const a of ctx.rest.query(audit.cls, { where, signal: w.signal })) {
        const key = typeof a[audit.keyColumn] === 'string' ? (a[audit.keyColumn] as string) : '';
        if (key && !seen.has(key)) yield { BPCNUM: key, UPDDATTIM: a[audit.stampColumn], [DELETED]: true };
      }
    }
    for (const [id, r] of seen) {
      const own = stampOf(r) ?? 0;
      const rel = related.get(id) ?? 0;
      // The later of its own change and its documents' changes up to the cut-off.
      if (own > cutoff && rel === 0) continue;
      yield rel > own || own > cutoff ? { ...r, UPDDATTIM: new Date(rel).toISOString() } : r;
    }
  }

  return {
    spec: customerSpec,
    async readChanges(since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
      const page = await pollByStamp<Resource>({
        since,
        limit: options.limit,
        overlapMs: options.overlapMs ?? 0,
        settleMs: ctx.settleMs,
        // UPDDATTIM has whole seconds: the running second is left for the next poll.
        stampResolutionMs: 1000,
        now: ctx.now(),
        signal: options.signal,
        fetch: (w) => changed(w, since ? Date.parse(since.at) : null),
        stampMs: stampOf,
        key: (r) => keyOfResource(r, KEYS),
        toRecord: customerRecord,
      });
      const live = await enrich(page.records.filter((r) => !r.deleted), options.signal);
      const byId = new Map(live.map((r) => [r.id, r]));
      return { ...page, records: page.records.map((r) => (r.deleted ? r : byId.get(r.id)!)) };
    },
    get: reads.get,
    async find(field: string, value: unknown): Promise<SourceRecord[]> {
      if (value === null || value === undefined || value === '') return [];
      const cls = (MAIN_ADDRESS_FIELDS as readonly string[]).includes(field) ? 'BPADDRESS' : (MAIN_CONTACT_FIELDS as readonly string[]).includes(field) ? 'CONTACT' : null;
      if (!cls) return reads.find(field, value);
      // Emails and address fields live in BPADDRESS / CONTACT, not in BPCUSTOMER.
      const col = whereField(field, cls === 'BPADDRESS' ? [...MAIN_ADDRESS_FIELDS] : [...MAIN_CONTACT_FIELDS]);
      const owners = new Set<string>();
      const typeFilter = cls === 'BPADDRESS' ? ' and BPATYP eq 1' : '';
      // Flows match on trimmed, lower-cased emails; X3 keeps them as keyed (`Buyer@Acme.com `) and its `eq`
      // compares exactly. An email is searched with `like` around the key (which X3 compares without case)
      // and what comes back is kept only when it is the same key, so a wildcard in the value only widens the search.
      const email = EMAIL_FIELDS.has(field);
      const cond = email ? `${col} like ${whereLiteral(`%${normalizeKey(value)}%`)}` : `${col} eq ${whereLiteral(String(value))}`;
      for await (const r of ctx.rest.query(cls, { where: `${cond}${typeFilter}` })) {
        if (typeof r.BPANUM === 'string' && (!email || sameKey(r[col], value))) owners.add(r.BPANUM);
      }
      const out: SourceRecord[] = [];
      for (const id of owners) {
        const one = await reads.get(id);
        if (one) out.push(one);
      }
      return out;
    },
    write: (op) => {
      if (op.data.totals !== undefined) throw new SyncError('invalid_data', 'Sage X3 BPCUSTOMER: totals are computed from X3 documents and cannot be written', { field: 'totals', system: 'sagex3' });
      return writer.write(op);
    },
  };
}
