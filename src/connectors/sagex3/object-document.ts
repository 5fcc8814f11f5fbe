/**
 * A flow's record ↔ the document of a published object. A record carries X3's field names: header
 * fields, child collections (`BPADDRESS`, `CONTACT`, `SORDERQ` as arrays of lines), and for customers
 * the main address and main contact flattened to the top (ADDLIG1, CTY, WEB1..., CNTFNA, CNTEMA...),
 * which become one line of each table. Values become X3 text: decimals exactly, booleans as the local
 * menu 1 (No) / 2 (Yes), ISO dates as YYYYMMDD, null as an empty field.
 */
import { SyncError } from '../../core/errors.js';
import type { ObjectLayout } from './layouts.js';
import type { X3Document, X3Fields } from './x3-document.js';

/** Fields of the main address that a customer record may carry at the top. */
export const MAIN_ADDRESS_FIELDS = ['BPADES', 'ADDLIG1', 'ADDLIG2', 'ADDLIG3', 'POSCOD', 'CTY', 'SAT', 'BPACRY', 'TEL1', 'TEL2', 'WEB1', 'WEB2'] as const;
/** Fields of the main contact that a customer record may carry at the top. */
export const MAIN_CONTACT_FIELDS = ['CNTTTL', 'CNTFNA', 'CNTLNA', 'CNTFNC', 'CNTEMA', 'CNTTEL', 'CNTMOB'] as const;

/** A record value as X3 text. */
export function x3Text(field: string, value: unknown, dates: readonly string[] = []): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '2' : '1';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SyncError('invalid_data', `Sage X3: field "${field}" is not a finite number`, { field, value: String(value), system: 'sagex3' });
    return String(value);
  }
  if (typeof value === 'string') {
    if (dates.includes(field)) {
      const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(value.trim());
      if (value.trim() === '') return '';
      if (!m) throw new SyncError('invalid_data', `Sage X3: field "${field}" is not a date (got ${JSON.stringify(value)})`, { field, value, rule: 'date YYYY-MM-DD', system: 'sagex3' });
      return `${m[1]}${m[2]}${m[3]}`;
    }
    return value;
  }
  throw new SyncError('invalid_data', `Sage X3: field "${field}" must be a text, number or yes/no (got ${Array.isArray(value) ? 'a list' : 'an object'})`, { field, system: 'sagex3' });
}

function blockOf(layout: ObjectLayout, screen: string): string | undefined {
  return Object.entries(layout.groups).find(([, fields]) => fields.includes(screen))?.[0];
}

/** The main address / contact lines a flattened customer record implies. */
function flattenedLines(data: Record<string, unknown>, current: CurrentLines | undefined): { address?: Record<string, unknown>; contact?: Record<string, unknown> } {
  const pick = (names: readonly string[]) => Object.fromEntries(names.filter((n) => data[n] !== undefined).map((n) => [n, data[n]]));
  const a = pick(MAIN_ADDRESS_FIELDS);
  const c = pick(MAIN_CONTACT_FIELDS);
  const out: { address?: Record<string, unknown>; contact?: Record<string, unknown> } = {};
  if (Object.keys(a).length) out.address = { BPAADD: (data.BPAADD as string | undefined) || current?.mainAddress || 'MAIN', ...a };
  if (Object.keys(c).length) out.contact = { ...(current?.mainContact ? { CCNCRM: current.mainContact } : {}), ...c };
  return out;
}

/** What the connector knows of the record being modified: codes of its main address and contact. */
export interface CurrentLines {
  mainAddress?: string;
  mainContact?: string;
}

/** Builds the document of `data` for an object with `layout`. Unknown fields are a configuration error naming the field. */
export function toDocument(data: Record<string, unknown>, layout: ObjectLayout, publicName: string, options: { current?: CurrentLines; flattenCustomer?: boolean } = {}): X3Document {
  const doc: X3Document = { groups: {}, tables: {} };
  const listValues: Record<string, string[]> = {};
  const skip = new Set<string>(options.flattenCustomer ? [...MAIN_ADDRESS_FIELDS, ...MAIN_CONTACT_FIELDS] : []);
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined || skip.has(field)) continue;
    if (layout.tables[field]) {
      if (!Array.isArray(value)) throw new SyncError('invalid_data', `Sage X3 ${publicName}: "${field}" must be a list of lines`, { field, system: 'sagex3' });
      const t = layout.tables[field];
      (doc.tables[t.id] ??= []).push(...value.map((line) => lineFields(line as Record<string, unknown>, t.renames, layout.dates)));
      continue;
    }
    const listEntry = Object.entries(layout.lists).find(([, cols]) => cols.includes(field));
    if (listEntry) {
      const [screen, cols] = listEntry;
      const arr = (listValues[screen] ??= cols.map(() => ''));
      arr[cols.indexOf(field)] = x3Text(field, value);
      continue;
    }
    const screen = layout.renames[field] ?? field;
    const block = blockOf(layout, screen);
    if (!block) {
      throw new SyncError('fatal', `Sage X3 ${publicName}: field "${field}" is in no block of the web service's layout; map it to a published field or add it to the connection's layouts setting`, { field, system: 'sagex3' });
    }
    (doc.groups[block] ??= {})[screen] = x3Text(screen, value, layout.dates);
  }
  for (const [screen, values] of Object.entries(listValues)) {
    const block = blockOf(layout, screen);
    if (block) (doc.groups[block] ??= {})[screen] = values;
  }
  if (options.flattenCustomer) {
    const { address, contact } = flattenedLines(data, options.current);
    if (address && layout.tables.BPADDRESS) (doc.tables[layout.tables.BPADDRESS.id] ??= []).unshift(lineFields(address, layout.tables.BPADDRESS.renames, []));
    if (contact && layout.tables.CONTACT) (doc.tables[layout.tables.CONTACT.id] ??= []).unshift(lineFields(contact, layout.tables.CONTACT.renames, []));
  }
  return doc;
}

function lineFields(line: Record<string, unknown>, renames: Record<string, string>, dates: readonly string[]): X3Fields {
  const out: X3Fields = {};
  for (const [k, v] of Object.entries(line ?? {})) if (v !== undefined) out[renames[k] ?? k] = x3Text(k, v, dates);
  return out;
}

/** A result document back as a record (screen names → record names; tables → collections; lists → their fields). */
export function fromDocument(doc: X3Document, layout: ObjectLayout): Record<string, unknown> {
  const back = Object.fromEntries(Object.entries(layout.renames).map(([rec, screen]) => [screen, rec]));
  const out: Record<string, unknown> = {};
  for (const [id, fields] of Object.entries(doc.groups)) {
    for (const [screen, value] of Object.entries(fields)) {
      if (Array.isArray(value)) {
        const cols = layout.lists[screen];
        if (cols) cols.forEach((c, i) => (out[c] = value[i] ?? ''));
        continue;
      }
      out[id === 'ADXTEC' ? screen : (back[screen] ?? screen)] = value;
    }
  }
  for (const [collection, t] of Object.entries(layout.tables)) {
    const lines = doc.tables[t.id];
    if (!lines) continue;
    const tb = Object.fromEntries(Object.entries(t.renames).map(([rec, screen]) => [screen, rec]));
    out[collection] = lines.map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [tb[k] ?? k, v])));
  }
  return out;
}
