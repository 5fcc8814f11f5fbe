/**
 * Change Data Capture payloads built from the org's committed changes, shaped like the recorded
 * events (shared/fixtures/salesforce-pardot-amplabs/subscription): a `ChangeEventHeader` with the
 * entity, record ids, change type, changed fields, commit time and transaction key, and the fields
 * themselves; an UPDATE carries only what changed, compound fields (Name, addresses) nested.
 */
import { randomUUID } from 'node:crypto';
import type { RecordChange, Rec } from './org.js';

/** A change event's header, as `ChangeEventHeader` prints it. */
export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE' | 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW';
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

/** Fields the server stamps on every write that change events leave out (SystemModstamp) or carry as a compound (Contact.Name). */
const NEVER_REPORTED = new Set(['Id', 'IsDeleted', 'SystemModstamp']);
const NAME_PARTS = new Set(['FirstName', 'LastName', 'Salutation', 'MiddleName', 'Suffix']);
const ADDRESS = /^(Billing|Shipping|Mailing|Other)?(Street|City|State|PostalCode|Country|Latitude|Longitude)$/;

/** The CDC path of a field: `Name.LastName` for person names, `BillingAddress.City` for addresses, else the name. */
export function eventPath(entity: string, field: string): string {
  const person = entity === 'Contact' || entity === 'Lead';
  if (person && NAME_PARTS.has(field)) return `Name.${field}`;
  const m = ADDRESS.exec(field);
  if (m && (m[1] || entity === 'Lead')) return `${m[1] ?? ''}Address.${m[2]}`;
  return field;
}

/** The CDC channel of an entity: `AccountChangeEvent`, `Employee__ChangeEvent` for custom objects. */
export function changeEventName(entity: string): string {
  return entity.endsWith('__c') ? `${entity.slice(0, -1)}ChangeEvent` : `${entity}ChangeEvent`;
}

function datetimeValue(v: unknown): unknown {
  // REST prints `…000+0000`; change events print ISO with `Z`.
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T.*\+0000$/.test(v) ? v.replace('+0000', 'Z') : v;
}

function setPath(out: Rec, path: string, value: unknown): void {
  const dot = path.indexOf('.');
  if (dot < 0) {
    out[path] = value;
    return;
  }
  const head = path.slice(0, dot);
  const inner = (out[head] ??= {}) as Rec;
  inner[path.slice(dot + 1)] = value;
}

/** Builds the payloads of one committed batch of changes: one event per change, one transaction key for the batch. */
export function changeEventPayloads(changes: RecordChange[], commitUser: string, commitNumber: () => number): Rec[] {
  const transactionKey = randomUUID();
  return changes.map((c, i) => {
    const payload: Rec = {};
    const changed: string[] = [];
    const nulled: string[] = [];
    if (c.type === 'UPDATE') {
      for (const [field, value] of Object.entries(c.after ?? {})) {
        if (NEVER_REPORTED.has(field) || (field === 'Name' && (c.entity === 'Contact' || c.entity === 'Lead'))) continue;
        // LastModifiedDate is reported on every update even within the same second.
        if (field !== 'LastModifiedDate' && JSON.stringify(value) === JSON.stringify(c.before?.[field])) continue;
        const path = eventPath(c.entity, field);
        changed.push(path);
        if (value === null || value === undefined) nulled.push(path);
        else setPath(payload, path, datetimeValue(value));
      }
    } else if (c.type === 'CREATE' || c.type === 'UNDELETE') {
      for (const [field, value] of Object.entries(c.after ?? {})) {
        if (NEVER_REPORTED.has(field) || (field === 'Name' && (c.entity === 'Contact' || c.entity === 'Lead'))) continue;
        setPath(payload, eventPath(c.entity, field), datetimeValue(value ?? null));
      }
    }
    const header: ChangeEventHeader = {
      entityName: c.entity,
      recordIds: [c.id],
      changeType: c.type,
      changeOrigin: c.origin,
      transactionKey,
      sequenceNumber: i + 1,
      commitTimestamp: Math.floor(c.at / 1000) * 1000,
      commitNumber: commitNumber(),
      commitUser,
      nulledFields: nulled,
      diffFields: [],
      changedFields: changed,
    };
    return { ...payload, ChangeEventHeader: header };
  });
}

/** A gap event: the header only, telling subscribers to read the records themselves (GAP_OVERFLOW names no records). */
export function gapEventPayload(entity: string, changeType: ChangeEventHeader['changeType'], recordIds: string[], at: number, commitUser: string, commitNumber: number): Rec {
  const header: ChangeEventHeader = {
    entityName: entity, recordIds, changeType, changeOrigin: '', transactionKey: randomUUID(), sequenceNumber: 1,
    commitTimestamp: Math.floor(at / 1000) * 1000, commitNumber, commitUser, nulledFields: [], diffFields: [], changedFields: [],
  };
  return { ChangeEventHeader: header };
}
