/**
 * The emulated org's data: records per object, deleted-record log, and the write operations
 * (insert, update, upsert, delete, lead convert) with the validation a real org applies. REST,
 * Collections, Composite and Bulk all write through here so they agree on every rule.
 */
import { ApiError, notFound } from './errors.js';
import { IdFactory, normalizeId } from './ids.js';
import { MERGEABLE, buildSchema, findField, findObject, type SfField, type SfObject } from './schema.js';

/** A stored record: canonical field names to JSON values (dates as strings in Salesforce's formats). */
export type Rec = Record<string, unknown>;

/** The result of one write. */
export interface WriteResult {
  /** 18-character id. */
  id: string;
  /** True when the write inserted the record. */
  created: boolean;
}

/** Collects undo steps so allOrNone requests can roll back, and the changes to announce once it commits. */
export interface Tx {
  undo: (() => void)[];
  /** Changes made in the transaction; announced when the outermost transaction ends, dropped on rollback. */
  changes?: RecordChange[];
}

/** One committed change of a record: what Change Data Capture and outbound messages are built from. */
export interface RecordChange {
  /** The sObject's API name. */
  entity: string;
  /** The record's 18-character id. */
  id: string;
  type: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  /** The record before the change (null for CREATE). */
  before: Rec | null;
  /** The record after the change (null for DELETE: see `before`). */
  after: Rec | null;
  /** Commit time, ms. */
  at: number;
  /** The API and client that made the change (`com/salesforce/api/rest/64.0;client=syncline`). */
  origin: string;
}

/** Formats epoch ms the way the REST API prints datetimes: `2024-09-10T13:57:45.000+0000`. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Parses a Salesforce/ISO datetime (with `Z`, `+0000` or `+00:00`) to epoch ms, or NaN. */
export function parseDateTime(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s.trim());
  if (!m) return NaN;
  const time = m[2] ?? '00:00:00';
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${m[1]}T${time}${zone}`);
}

/** Holds all records of one emulated org. */
export class Org {
  /** Object metadata (extendable by tests). */
  readonly schema: Map<string, SfObject> = buildSchema();
  /** Live records by object name, then id. */
  readonly records = new Map<string, Map<string, Rec>>();
  /** Deleted records by object name (for getDeleted, ENTITY_IS_DELETED and queryAll). */
  readonly deleted = new Map<string, Map<string, { rec: Rec; deletedDate: string }>>();
  /** The integration user all writes are attributed to. */
  readonly userId: string;
  /** The org id (00D…). */
  readonly orgId: string;
  /** The org's default time zone (IANA id), which SOQL date literals such as TODAY are computed in. */
  timeZone = 'America/Los_Angeles';
  /** The transaction writes join when no explicit one is passed (Composite allOrNone). */
  activeTx: Tx | null = null;
  /** Called with every committed batch of changes (Change Data Capture, outbound messages). */
  readonly changeListeners: ((changes: RecordChange[]) => void)[] = [];
  /** The origin stamped on the changes of the request being served (`changeOrigin` of change events). */
  origin = '';
  /** Value indexes for external-id and unique lookups: object → field → lower-cased value → ids. */
  private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  private readonly ids = new IdFactory();

  constructor(private readonly clock: () => number = Date.now) {
    for (const name of this.schema.keys()) {
      this.records.set(name, new Map());
      this.deleted.set(name, new Map());
    }
    this.orgId = this.ids.next('00D');
    this.userId = this.ids.next('005');
    const now = this.stamp();
    this.table('User').set(this.userId, {
      Id: this.userId, Username: 'integration@syncline.example', Name: 'Integration User', Email: 'integration@syncline.example', IsActive: true,
      IsDeleted: false, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now, CreatedById: this.userId, LastModifiedById: this.userId,
    });
  }

  /** The current time as a SystemModstamp (whole seconds, as the real API prints `.000`). */
  stamp(): string {
    return sfDateTime(Math.floor(this.clock() / 1000) * 1000);
  }

  /** Current time in ms (the emulator's clock). */
  now(): number {
    return this.clock();
  }

  /** Announces a change now, or when the transaction it belongs to commits. */
  private changed(tx: Tx | null | undefined, change: Omit<RecordChange, 'at' | 'origin'>): void {
    const full: RecordChange = { ...change, at: this.clock(), origin: this.origin };
    if (tx) (tx.changes ??= []).push(full);
    else this.announce([full]);
  }

  private announce(changes: RecordChange[]): void {
    if (changes.length === 0) return;
    for (const l of this.changeListeners) l(changes);
  }

  /** A new id for an object. */
  newId(prefix: string): string {
    return this.ids.next(prefix);
  }

  /** The object, or 404 NOT_FOUND as the REST API answers for an unknown sObject. */
  object(name: string): SfObject {
    const o = findObject(this.schema, name);
    if (!o) throw notFound();
    return o;
  }

  /** The live-record table of an object. */
  table(name: string): Map<string, Rec> {
    return this.records.get(name)!;
  }

  /** Stores a record (replacing any previous version) and keeps the value indexes in step. */
  put(objName: string, rec: Rec): void {
    const id = String(rec.Id);
    const table = this.table(objName);
    const old = table.get(id);
    const indexes = this.indexes.get(objName);
    if (indexes) {
      for (const [field, idx] of indexes) {
        if (old) unindex(idx, old[field], id);
        const v = rec[field];
        if (v !== null && v !== undefined) {
          const key = String(v).toLowerCase();
          const set = idx.get(key) ?? new Set<string>();
          set.add(id);
          idx.set(key, set);
        }
      }
    }
    table.set(id, rec);
  }

  /** Removes a live record and its index entries. */
  drop(objName: string, id: string): void {
    const old = this.table(objName).get(id);
    const indexes = this.indexes.get(objName);
    if (old && indexes) for (const [field, idx] of indexes) unindex(idx, old[field], id);
    this.table(objName).delete(id);
  }

  /** The case-insensitive value index of a field (built on first use, so fields made external ids later work). */
  private index(objName: string, field: string): Map<string, Set<string>> {
    let byField = this.indexes.get(objName);
    if (!byField) {
      byField = new Map();
      this.indexes.set(objName, byField);
    }
    let idx = byField.get(field);
    if (!idx) {
      idx = new Map();
      for (const r of this.table(objName).values()) {
        const v = r[field];
        if (v === null || v === undefined) continue;
        const key = String(v).toLowerCase();
        const set = idx.get(key) ?? new Set<string>();
        set.add(String(r.Id));
        idx.set(key, set);
      }
      byField.set(field, idx);
    }
    return idx;
  }

  /** Finds which object an id belongs to by key prefix. */
  objectOfId(id: string): SfObject | undefined {
    for (const o of this.schema.values()) if (id.startsWith(o.keyPrefix)) return o;
    return undefined;
  }

  /** Looks a record up by id; throws NOT_FOUND / ENTITY_IS_DELETED like GET /sobjects/T/{id}. */
  getById(obj: SfObject, rawId: string): Rec {
    const id = normalizeId(rawId);
    if (!id) throw notFound(`Provided external ID field does not exist or is not accessible: ${rawId}`);
    const rec = this.table(obj.name).get(id);
    if (rec) return rec;
    if (this.deleted.get(obj.name)!.has(id)) throw new ApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    throw notFound();
  }

  /** Inserts a record after validating it as the org would. */
  insert(objName: string, body: Rec, tx?: Tx): WriteResult {
    const obj = this.object(objName);
    const values = this.coerceBody(obj, body, 'create');
    if ('Id' in values) throw new ApiError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
    const rec: Rec = {};
    for (const f of obj.fields.values()) rec[f.name] = f.type === 'boolean' ? false : null;
    Object.assign(rec, values);
    if (obj.name === 'OpportunityLineItem') checkLinePrices(values);
    this.applyDefaults(obj, rec);
    const missing = [...obj.fields.values()].filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && (rec[f.name] === null || rec[f.name] === '')).map((f) => f.name);
    if (missing.length > 0) throw new ApiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    this.checkRules(obj, rec, null);
    const entry = obj.name === 'OpportunityLineItem' ? this.lineEntry(rec) : null;
    const id = this.newId(obj.keyPrefix);
    const now = this.stamp();
    Object.assign(rec, { Id: id, IsDeleted: false, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now, CreatedById: this.userId, LastModifiedById: this.userId });
    this.derive(obj, rec);
    this.put(obj.name, rec);
    (tx ?? this.activeTx)?.undo.push(() => this.drop(obj.name, id));
    this.changed(tx ?? this.activeTx, { entity: obj.name, id, type: 'CREATE', before: null, after: rec });
    if (obj.name === 'OpportunityLineItem') this.rollUpOpportunity(String(rec.OpportunityId), tx ?? this.activeTx, entry?.Pricebook2Id);
    return { id, created: true };
  }

  /** Updates a record by id. */
  update(objName: string, rawId: string, body: Rec, tx?: Tx): WriteResult {
    const obj = this.object(objName);
    const id = normalizeId(rawId);
    if (!id || !id.startsWith(obj.keyPrefix)) throw new ApiError(400, 'MALFORMED_ID', `${obj.label} ID: id value of incorrect type: ${rawId}`, ['Id']);
    const current = this.getById(obj, id);
    const values = this.coerceBody(obj, body, 'update');
    delete values.Id;
    if (obj.name === 'Lead' && current.IsConverted === true) throw new ApiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead', []);
    if (obj.name === 'OpportunityLineItem') checkLinePrices(values);
    if (obj.name === 'Opportunity' && 'Pricebook2Id' in values && values.Pricebook2Id !== current.Pricebook2Id && this.linesOf(id).length > 0) {
      throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: PricebookId (cannot change pricebook on opportunity with line items)', ['Pricebook2Id']);
    }
    const next: Rec = { ...current, ...values };
    // A new sales price replaces the total (and the reverse): the one not given is computed again.
    if (obj.name === 'OpportunityLineItem' && values.UnitPrice !== undefined) next.TotalPrice = null;
    if (obj.name === 'OpportunityLineItem' && values.TotalPrice !== undefined) next.UnitPrice = null;
    const missing = Object.keys(values).filter((k) => {
      const f = obj.fields.get(k)!;
      return !f.nillable && !f.defaultedOnCreate && (next[k] === null || next[k] === '');
    });
    if (missing.length > 0) throw new ApiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    this.checkRules(obj, next, id);
    const now = this.stamp();
    next.LastModifiedDate = now;
    next.SystemModstamp = now;
    next.LastModifiedById = this.userId;
    this.derive(obj, next);
    this.put(obj.name, next);
    (tx ?? this.activeTx)?.undo.push(() => this.put(obj.name, current));
    this.changed(tx ?? this.activeTx, { entity: obj.name, id, type: 'UPDATE', before: current, after: next });
    if (obj.name === 'OpportunityLineItem') this.rollUpOpportunity(String(next.OpportunityId), tx ?? this.activeTx);
    return { id, created: false };
  }

  /** The live line items of an Opportunity. */
  linesOf(opportunityId: string): Rec[] {
    const ids = this.index('OpportunityLineItem', 'OpportunityId').get(opportunityId.toLowerCase()) ?? new Set<string>();
    return [...ids].map((id) => this.table('OpportunityLineItem').get(id)).filter((l): l is Rec => l !== undefined && l.OpportunityId === opportunityId);
  }

  /**
   * The price book entry of a new line, checked as Salesforce does: it must be active, and in the
   * Opportunity's price book (an Opportunity without one takes the entry's, with its first line).
   */
  private lineEntry(rec: Rec): Rec | null {
    if (!rec.PricebookEntryId) return null;
    const entry = this.table('PricebookEntry').get(String(rec.PricebookEntryId));
    if (!entry) return null;
    if (entry.IsActive !== true) throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: PricebookEntryId (pricebook entry is inactive)', ['PricebookEntryId']);
    const opp = this.table('Opportunity').get(String(rec.OpportunityId));
    if (opp?.Pricebook2Id && opp.Pricebook2Id !== entry.Pricebook2Id) {
      throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)', ['PricebookEntryId']);
    }
    return entry;
  }

  /** After a line changed: the Opportunity's Amount is the total of its lines, and its price book is set by the first line. */
  private rollUpOpportunity(opportunityId: string, tx: Tx | null | undefined, pricebookId?: unknown): void {
    const current = this.table('Opportunity').get(opportunityId);
    if (!current) return;
    const next: Rec = { ...current };
    if (pricebookId && !current.Pricebook2Id) next.Pricebook2Id = pricebookId;
    this.derive(this.object('Opportunity'), next);
    if (next.Amount === current.Amount && next.Pricebook2Id === current.Pricebook2Id) return;
    const now = this.stamp();
    next.LastModifiedDate = now;
    next.SystemModstamp = now;
    this.put('Opportunity', next);
    tx?.undo.push(() => this.put('Opportunity', current));
    this.changed(tx, { entity: 'Opportunity', id: opportunityId, type: 'UPDATE', before: current, after: next });
  }

  /** Records whose external-id field equals the value (case-insensitive, as Salesforce matches). */
  matchExternal(obj: SfObject, field: SfField, value: string): Rec[] {
    if (field.name === 'Id') {
      const id = normalizeId(value);
      const rec = id ? this.table(obj.name).get(id) : undefined;
      return rec ? [rec] : [];
    }
    const want = value.toLowerCase();
    const ids = this.index(obj.name, field.name).get(want);
    return ids ? [...ids].map((id) => this.table(obj.name).get(id)!) : [];
  }

  /** The external-id field named in an upsert path, or 404 like the REST API. */
  externalField(obj: SfObject, name: string): SfField {
    const f = findField(obj, name);
    if (!f || !(f.externalId || f.name === 'Id')) throw notFound(`Provided external ID field does not exist or is not accessible: ${name}`);
    return f;
  }

  /** Upserts on an external id; returns matches > 1 as `multiple` so callers render 300 or DUPLICATE_EXTERNAL_ID. */
  upsert(objName: string, fieldName: string, value: string | null, body: Rec, tx?: Tx): WriteResult | { multiple: string[] } {
    const obj = this.object(objName);
    const field = this.externalField(obj, fieldName);
    const data: Rec = { ...body };
    for (const k of Object.keys(data)) if (k.toLowerCase() === field.name.toLowerCase()) delete data[k];
    if (value === null || value === '') {
      if (field.name === 'Id') return this.insert(obj.name, data, tx);
      throw new ApiError(400, 'MISSING_ARGUMENT', `${field.name} not specified`, []);
    }
    const matches = this.matchExternal(obj, field, value);
    if (matches.length > 1) return { multiple: matches.map((m) => String(m.Id)) };
    if (matches.length === 1) return this.update(obj.name, String(matches[0].Id), data, tx);
    if (field.name === 'Id') throw notFound();
    return this.insert(obj.name, { ...data, [field.name]: value }, tx);
  }

  /** Deletes (to the recycle bin) a record by id. */
  remove(objName: string | null, rawId: string, tx?: Tx): WriteResult {
    const id = normalizeId(rawId);
    const obj = objName ? this.object(objName) : id ? this.objectOfId(id) : undefined;
    if (!id || !obj || !id.startsWith(obj.keyPrefix)) throw new ApiError(400, 'MALFORMED_ID', `malformed id ${rawId}`, []);
    const rec = this.getById(obj, id);
    const gone = { rec: { ...rec, IsDeleted: true, SystemModstamp: this.stamp() }, deletedDate: this.stamp() };
    this.drop(obj.name, id);
    this.deleted.get(obj.name)!.set(id, gone);
    (tx ?? this.activeTx)?.undo.push(() => {
      this.deleted.get(obj.name)!.delete(id);
      this.put(obj.name, rec);
    });
    this.changed(tx ?? this.activeTx, { entity: obj.name, id, type: 'DELETE', before: rec, after: null });
    if (obj.name === 'OpportunityLineItem') this.rollUpOpportunity(String(rec.OpportunityId), tx ?? this.activeTx);
    return { id, created: false };
  }

  /** Restores a record from the recycle bin, as the UI's Undelete (and the SOAP undelete call) does. */
  undelete(objName: string, rawId: string): WriteResult {
    const obj = this.object(objName);
    const id = normalizeId(rawId);
    const gone = id ? this.deleted.get(obj.name)!.get(id) : undefined;
    if (!id || !gone) throw new ApiError(400, 'UNDELETE_FAILED', 'Entity is not in the recycle bin', []);
    const now = this.stamp();
    const rec: Rec = { ...gone.rec, IsDeleted: false, LastModifiedDate: now, SystemModstamp: now };
    this.deleted.get(obj.name)!.delete(id);
    this.put(obj.name, rec);
    this.changed(this.activeTx, { entity: obj.name, id, type: 'UNDELETE', before: null, after: rec });
    return { id, created: false };
  }

  /**
   * Merges records as the SOAP API's merge() call (and the UI's Merge button) does: the master is kept
   * (its SystemModstamp moves), children of the duplicates are re-parented to it, and the duplicates go
   * to the recycle bin with MasterRecordId set, so queryAll and getDeleted show what they became.
   * At most two duplicates per call, as in the API.
   */
  merge(objName: string, masterId: string, duplicateIds: string[]): { id: string; mergedRecordIds: string[] } {
    const obj = this.object(objName);
    if (!MERGEABLE.includes(obj.name)) throw new ApiError(400, 'INVALID_TYPE', `Merge is not supported for ${obj.name}`, []);
    if (duplicateIds.length < 1 || duplicateIds.length > 2) throw new ApiError(400, 'INVALID_OPERATION', 'merge accepts one or two records to merge into the master', []);
    const master = normalizeId(masterId);
    if (!master) throw new ApiError(400, 'MALFORMED_ID', `malformed id ${masterId}`, []);
    this.getById(obj, master);
    const merged: string[] = [];
    for (const raw of duplicateIds) {
      const id = normalizeId(raw);
      if (!id || id === master) throw new ApiError(400, 'INVALID_ID_FIELD', `cannot merge ${raw} into itself or a malformed id`, []);
      this.getById(obj, id);
      // Re-parent children (Contacts of an Account, Tasks of a Lead) as the merge does.
      for (const o of this.schema.values()) {
        for (const f of o.fields.values()) {
          if (f.type !== 'reference' || !f.referenceTo.includes(obj.name) || f.name === 'MasterRecordId') continue;
          for (const child of this.table(o.name).values()) if (child[f.name] === id) child[f.name] = master;
        }
      }
      this.remove(obj.name, id);
      const gone = this.deleted.get(obj.name)!.get(id)!;
      gone.rec.MasterRecordId = master;
      merged.push(id);
    }
    const now = this.stamp();
    Object.assign(this.getById(obj, master), { LastModifiedDate: now, SystemModstamp: now });
    return { id: master, mergedRecordIds: merged };
  }

  /** Runs `fn` so that `rollback()` on the returned handle undoes every write it made. */
  begin(): Tx & { rollback(): void; end(): void } {
    const outer = this.activeTx;
    const tx: Tx & { rollback(): void; end(): void } = {
      undo: [],
      rollback: () => {
        for (const u of tx.undo.reverse()) u();
        tx.undo = [];
        tx.changes = [];
      },
      end: () => {
        this.activeTx = outer;
        if (outer) {
          outer.undo.push(...tx.undo);
          (outer.changes ??= []).push(...(tx.changes ?? []));
        } else this.announce(tx.changes ?? []);
      },
    };
    this.activeTx = tx;
    return tx;
  }

  /** Converts a lead like the UI's Convert button: creates an Account and a Contact (and optionally an Opportunity). */
  convertLead(leadId: string, options: { accountId?: string; createOpportunity?: boolean; convertedStatus?: string } = {}): { accountId: string; contactId: string; opportunityId: string | null } {
    const obj = this.object('Lead');
    const lead = this.getById(obj, leadId);
    if (lead.IsConverted === true) throw new ApiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead', []);
    const accountId = options.accountId ?? this.insert('Account', { Name: lead.Company, Phone: lead.Phone, Website: lead.Website, Industry: lead.Industry, BillingCity: lead.City, BillingState: lead.State, BillingPostalCode: lead.PostalCode, BillingCountry: lead.Country, BillingStreet: lead.Street }).id;
    const contactId = this.insert('Contact', { AccountId: accountId, FirstName: lead.FirstName, LastName: lead.LastName, Email: lead.Email, Phone: lead.Phone, Title: lead.Title, LeadSource: lead.LeadSource, MailingCity: lead.City, MailingState: lead.State, MailingPostalCode: lead.PostalCode, MailingCountry: lead.Country, MailingStreet: lead.Street }).id;
    let opportunityId: string | null = null;
    if (options.createOpportunity) {
      opportunityId = this.insert('Opportunity', { AccountId: accountId, Name: `${String(lead.Company)}-`, StageName: 'Prospecting', CloseDate: new Date(this.now() + 30 * 86400_000).toISOString().slice(0, 10) }).id;
    }
    const now = this.stamp();
    const converted: Rec = {
      ...lead, IsConverted: true, ConvertedDate: now.slice(0, 10), ConvertedAccountId: accountId, ConvertedContactId: contactId, ConvertedOpportunityId: opportunityId,
      Status: options.convertedStatus ?? 'Closed - Converted', LastModifiedDate: now, SystemModstamp: now,
    };
    this.put(obj.name, converted);
    this.changed(this.activeTx, { entity: obj.name, id: String(lead.Id), type: 'UPDATE', before: lead, after: converted });
    return { accountId, contactId, opportunityId };
  }

  /** Validates and converts an incoming JSON body to canonical field names and stored values. */
  coerceBody(obj: SfObject, body: Rec, mode: 'create' | 'update'): Rec {
    const out: Rec = {};
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes') continue;
      const f = findField(obj, key);
      if (!f) throw new ApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${obj.name}`);
      if (f.name === 'Id') {
        out.Id = raw;
        continue;
      }
      if ((mode === 'create' && !f.createable) || (mode === 'update' && !f.updateable)) {
        throw new ApiError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, [f.name]);
      }
      out[f.name] = this.coerceValue(obj, f, raw);
    }
    return out;
  }

  /** Converts one value to its stored form, raising the org's error for a bad one. */
  coerceValue(obj: SfObject, f: SfField, raw: unknown): unknown {
    if (raw === null || raw === undefined || raw === '') return f.type === 'boolean' ? false : null;
    const bad = (): ApiError => new ApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${f.type} from VALUE_STRING value ${String(raw)} or request may be missing a required field`, [f.name]);
    switch (f.type) {
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        throw bad();
      case 'int':
      case 'double':
      case 'currency':
      case 'percent': {
        const n = typeof raw === 'number' ? raw : Number(raw);
        if (!Number.isFinite(n)) throw bad();
        return f.type === 'int' ? Math.trunc(n) : n;
      }
      case 'date': {
        const s = String(raw);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(s))) throw bad();
        return s;
      }
      case 'datetime': {
        const ms = parseDateTime(String(raw));
        if (Number.isNaN(ms)) throw bad();
        return sfDateTime(ms);
      }
      case 'reference': {
        const id = normalizeId(String(raw));
        const target = id ? this.objectOfId(id) : undefined;
        if (!id || !target || !f.referenceTo.includes(target.name)) {
          throw new ApiError(400, 'MALFORMED_ID', `${f.label}: id value of incorrect type: ${String(raw)}`, [f.name]);
        }
        if (!this.table(target.name).has(id)) {
          throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
        }
        return id;
      }
      default: {
        if (typeof raw === 'object') throw bad();
        const s = String(raw);
        if (f.length > 0 && s.length > f.length) {
          throw new ApiError(400, 'STRING_TOO_LONG', `${f.label}: data value too large: ${s.length > 80 ? `${s.slice(0, 77)}...` : s} (max length=${f.length})`, [f.name]);
        }
        if (f.type === 'picklist' && f.restrictedPicklist && !f.picklistValues.includes(s)) {
          throw new ApiError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${s}`, [f.name]);
        }
        if (f.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) {
          throw new ApiError(400, 'INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [f.name]);
        }
        return s;
      }
    }
  }

  /** Server-side defaults for fields left empty on insert. */
  private applyDefaults(obj: SfObject, rec: Rec): void {
    if (obj.fields.has('OwnerId') && !rec.OwnerId) rec.OwnerId = this.userId;
    if (obj.name === 'Lead' && !rec.Status) rec.Status = 'Open - Not Contacted';
    if (obj.name === 'Task') {
      rec.Status ??= 'Not Started';
      rec.Priority ??= 'Normal';
      rec.TaskSubtype ??= 'Task';
    }
    if (obj.name === 'CampaignMember' && !rec.Status) rec.Status = 'Sent';
    if (obj.name === 'OpportunityLineItem' && rec.PricebookEntryId) {
      const pbe = this.table('PricebookEntry').get(String(rec.PricebookEntryId));
      if (pbe) {
        rec.Product2Id ??= pbe.Product2Id;
        if (rec.UnitPrice === null && rec.TotalPrice === null) rec.UnitPrice = pbe.UnitPrice;
      }
    }
  }

  /** Cross-field rules: unique external ids, required relationships. */
  private checkRules(obj: SfObject, rec: Rec, selfId: string | null): void {
    for (const f of obj.fields.values()) {
      if (!f.unique || rec[f.name] === null || rec[f.name] === undefined) continue;
      const holders = this.index(obj.name, f.name).get(String(rec[f.name]).toLowerCase()) ?? new Set<string>();
      for (const otherId of holders) {
        if (otherId !== selfId) {
          throw new ApiError(400, 'DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${otherId.slice(0, 15)}`, []);
        }
      }
    }
    if (obj.name === 'CampaignMember' && !rec.LeadId && !rec.ContactId) {
      throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LeadId, ContactId]', ['LeadId', 'ContactId']);
    }
    if (obj.name === 'OpportunityLineItem' && !rec.PricebookEntryId && !rec.Product2Id) {
      throw new ApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [PricebookEntryId]', ['PricebookEntryId']);
    }
  }

  /** Formula-like fields the server computes. */
  private derive(obj: SfObject, rec: Rec): void {
    if (obj.name === 'Contact' || obj.name === 'Lead') rec.Name = [rec.FirstName, rec.LastName].filter(Boolean).join(' ');
    if (obj.name === 'Opportunity') {
      rec.IsClosed = rec.StageName === 'Closed Won' || rec.StageName === 'Closed Lost';
      rec.IsWon = rec.StageName === 'Closed Won';
      // With products, Amount is their total: a write of Amount is accepted and has no effect.
      const lines = rec.Id ? this.linesOf(String(rec.Id)) : [];
      if (lines.length > 0) rec.Amount = Math.round(lines.reduce((s, l) => s + Number(l.TotalPrice ?? 0), 0) * 100) / 100;
    }
    if (obj.name === 'OpportunityLineItem') {
      const qty = Number(rec.Quantity ?? 0);
      if (rec.UnitPrice !== null && rec.UnitPrice !== undefined) rec.TotalPrice = Math.round(qty * Number(rec.UnitPrice) * 100) / 100;
      else if (rec.TotalPrice !== null && qty) rec.UnitPrice = Math.round((Number(rec.TotalPrice) / qty) * 100) / 100;
      const product = rec.Product2Id ? this.table('Product2').get(String(rec.Product2Id)) : undefined;
      const opp = this.table('Opportunity').get(String(rec.OpportunityId));
      rec.Name = `${String(opp?.Name ?? '')} ${String(product?.Name ?? '')}`.trim();
    }
    if (obj.name === 'PricebookEntry') {
      const product = this.table('Product2').get(String(rec.Product2Id));
      rec.Name = product?.Name ?? null;
      rec.ProductCode = product?.ProductCode ?? null;
    }
  }
}

/** A line gives its sales price or its total price, never both. */
function checkLinePrices(values: Rec): void {
  if (values.UnitPrice !== null && values.UnitPrice !== undefined && values.TotalPrice !== null && values.TotalPrice !== undefined) {
    throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: TotalPrice (only one of unit price or total price may be specified)', ['TotalPrice']);
  }
}

function unindex(idx: Map<string, Set<string>>, value: unknown, id: string): void {
  if (value === null || value === undefined) return;
  const key = String(value).toLowerCase();
  const set = idx.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) idx.delete(key);
}
