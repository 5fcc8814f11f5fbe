/**
 * Prospects: fields (standard + custom `<fieldId>__c`), change polling by updatedAt, get, find by
 * email, create, update, upsertLatestByEmail, delete, and batches (Import API above a threshold).
 *
 * Pardot matches emails case-sensitively ("will create multiple prospects for casing differences"),
 * so every email this connector writes or matches on is trimmed and lower-cased first.
 */
import type { BatchBuilder, BatchOutcome, BatchResult, EntitySpec, FieldSpec, FieldType, SourceRecord, UnidentifiedWrite, WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError, toSyncError, type SerializedError } from '../../../core/errors.js';
import type { Fields, JsonObject } from '../../../core/json.js';
import type { PardotClient } from '../client.js';
import { checkImport, ImportCsv, startImportCsv, type ImportHandle, type ImportResult } from './imports.js';

/** The collection path. */
export const PROSPECTS_PATH = '/api/v5/objects/prospects';

/** Trims and lower-cases an email; Pardot's own matching is case-sensitive. */
export function normalizeEmail(value: unknown): string {
  return String(value ?? '').trim().toLowerCase();
}

const s = (name: string, type: FieldType = 'string', extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, ...extra });

/** Standard v5 prospect fields. */
export const PROSPECT_FIELDS: FieldSpec[] = [
  s('id', 'id', { readOnly: true, description: 'Pardot prospect id (integer)' }),
  s('email', 'email', { required: true, externalId: true, maxLength: 255, description: 'Match key for upsertLatestByEmail (normalised to lower case)' }),
  s('firstName', 'string', { maxLength: 40 }),
  s('lastName', 'string', { maxLength: 80 }),
  s('salutation'),
  s('phone', 'phone'),
  s('fax', 'phone'),
  s('company'),
  s('jobTitle'),
  s('department'),
  s('industry'),
  s('website'),
  s('addressOne'),
  s('addressTwo'),
  s('city'),
  s('state'),
  s('zip'),
  s('country'),
  s('territory'),
  s('annualRevenue'),
  s('employees'),
  s('source'),
  s('comments', 'text'),
  s('notes', 'text'),
  s('score', 'integer'),
  s('grade', 'picklist', { enum: ['A+', 'A', 'A-', 'B+', 'B', 'B-', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'F'] }),
  s('optedOut', 'boolean'),
  s('isDoNotEmail', 'boolean'),
  s('isDoNotCall', 'boolean'),
  s('isReviewed', 'boolean'),
  s('isStarred', 'boolean'),
  s('doNotSell', 'boolean'),
  s('campaignId', 'reference', { references: 'campaign' }),
  s('assignedToId', 'integer'),
  s('salesforceId', 'string', { readOnly: true }),
  s('salesforceLeadId', 'string', { readOnly: true }),
  s('salesforceContactId', 'string', { readOnly: true }),
  s('salesforceAccountId', 'string', { readOnly: true }),
  s('lastActivityAt', 'datetime', { readOnly: true }),
  s('isDeleted', 'boolean', { readOnly: true }),
  s('createdAt', 'datetime', { readOnly: true }),
  s('updatedAt', 'datetime', { readOnly: true }),
];

/** The prospect entity as known without a live system (discover() adds custom fields). */
export const prospectEntity: EntitySpec = {
  name: 'prospect',
  label: 'Prospect',
  idField: 'id',
  updatedField: 'updatedAt',
  fields: PROSPECT_FIELDS,
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert', 'delete', 'batch'],
  // Batches above the import threshold become one Import API job (up to 10 batches of 10 MB each).
  maxBatchSize: 10_000,
  description: 'Account Engagement prospects; upsert matches on email (normalised).',
  // Custom fields are the business unit's own: only discover() lists them all.
  openFields: true,
};

/** A custom field definition as `/objects/custom-fields` returns it. */
export interface CustomFieldDef {
  id: number;
  fieldId: string;
  name: string;
  type: string;
  isRequired?: boolean;
}

/** The FieldSpec of a custom field: written and read as `<fieldId>__c`. */
export function customFieldSpec(def: CustomFieldDef): FieldSpec {
  const types: Record<string, FieldType> = { number: 'number', date: 'date', textarea: 'text', dropdown: 'picklist', 'radio button': 'picklist' };
  return { name: `${def.fieldId}__c`, label: def.name, type: types[def.type] ?? 'string', required: def.isRequired === true, description: `Custom field (${def.type})` };
}

/** Fields returned after a write. */
const WRITE_FIELDS = 'id,email,createdAt,updatedAt';

/** Prospect operations over one client. */
export class Prospects {
  constructor(
    private readonly client: PardotClient,
    private readonly importThreshold: number,
    /** Imports of email upserts up to this many rows read their prospects' ids back; larger ones leave them unidentified. */
    private readonly importIdReadBack = Number.POSITIVE_INFINITY,
  ) {}

  /** One prospect, or null. */
  async get(id: string, fields: string[]): Promise<SourceRecord | null> {
    const row = await this.client.read<Record<string, unknown>>(`${PROSPECTS_PATH}/${encodeURIComponent(id)}`, fields);
    return row ? toRecord(row) : null;
  }

  /** Prospects by email (queried normalised, and as given when that differs) or by id. */
  async find(field: string, value: unknown, fields: string[]): Promise<SourceRecord[]> {
    if (field === 'id') {
      const r = await this.get(String(value), fields);
      return r ? [r] : [];
    }
    if (field !== 'email') throw new SyncError('fatal', `Pardot prospects can be found by email or id, not by "${field}"`, { system: 'pardot', field });
    const wanted = [...new Set([normalizeEmail(value), String(value ?? '').trim()])].filter(Boolean);
    const seen = new Map<string, SourceRecord>();
    for (const email of wanted) {
      for await (const row of this.client.all<Record<string, unknown>>(PROSPECTS_PATH, fields, { email })) seen.set(String(row.id), toRecord(row));
    }
    return [...seen.values()];
  }

  /** One write. */
  async write(op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    const data = cleanData(op.data);
    switch (op.verb) {
      case 'create': {
        if (!data.email) throw new SyncError('invalid_data', 'a prospect needs an email', { system: 'pardot', field: 'email', rule: 'required' });
        const res = await this.client.call({ method: 'POST', path: PROSPECTS_PATH, query: { fields: WRITE_FIELDS }, json: data, recordKey: String(data.email) });
        return outcome(res.json, true);
      }
      case 'update': {
        const id = requireId(op);
        const res = await this.client.call({ method: 'PATCH', path: `${PROSPECTS_PATH}/${encodeURIComponent(id)}`, query: { fields: WRITE_FIELDS }, json: data, recordKey: id });
        return outcome(res.json, false);
      }
      case 'upsert': {
        if (op.match && op.match.field === 'id') return this.write({ ...op, verb: 'update', id: String(op.match.value) });
        if (op.match && op.match.field !== 'email') throw new SyncError('fatal', `Pardot prospects upsert on email, not "${op.match.field}"`, { system: 'pardot', field: op.match.field });
        const email = normalizeEmail(op.match?.value ?? data.email);
        if (!email) throw new SyncError('invalid_data', 'an upsert needs an email to match on', { system: 'pardot', field: 'email', rule: 'required' });
        const res = await this.client.call({
          method: 'POST',
          path: `${PROSPECTS_PATH}/do/upsertLatestByEmail`,
          query: { fields: WRITE_FIELDS },
          json: { matchEmail: email, prospect: { ...data, email }, secondaryDeletedSearch: true },
          recordKey: email,
        });
        // The API documents no distinct status for create vs update; 201 is what it answers on create.
        return outcome(res.json, res.status === 201);
      }
      case 'delete': {
        const id = requireId(op);
        await this.client.call({ method: 'DELETE', path: `${PROSPECTS_PATH}/${encodeURIComponent(id)}`, recordKey: id });
        return { ok: true, id, created: false };
      }
    }
  }

  /** Many writes: one call each, or one Import API job (returned pending) above the import threshold. */
  writeBatch(ops: WriteOp[]): Promise<BatchResult> {
    const batch = this.openBatch();
    for (const op of ops) batch.add(op);
    return batch.submit();
  }

  /**
   * writeBatch filled op by op. Creates and email upserts are held as ops until more than the import
   * threshold have come, then as the import's CSV rows (a bulk load's 50,000 prospects as upload
   * text, not objects). A batch that is not all importable before that point is written one call
   * per op, as writeBatch always did; an op that is not importable after it is written on its own
   * call at submit, its outcome kept with the import's handle.
   */
  openBatch(): BatchBuilder {
    let ops: WriteOp[] | null = [];
    let csv: ImportCsv | null = null;
    let mixed = false;
    let total = 0;
    let upserts = 0;
    /** The op index of each import row. */
    const rows: number[] = [];
    const others: Array<[number, WriteOp]> = [];
    const toImport = (op: WriteOp, i: number) => {
      csv!.add(importRow(op));
      rows.push(i);
      if (op.verb === 'upsert') upserts += 1;
    };
    return {
      add: (op) => {
        const i = total++;
        if (csv) {
          if (importable(op)) toImport(op, i);
          else others.push([i, op]);
          return;
        }
        ops!.push(op);
        if (!importable(op)) mixed = true;
        if (!mixed && ops!.length > this.importThreshold) {
          csv = new ImportCsv();
          ops!.forEach(toImport);
          ops = null;
        }
      },
      submit: async () => {
        if (!csv) return this.writeEach(ops!);
        // Every row upserts on its email, so a prospect left unidentified is found again by its next write.
        const readBack = upserts !== rows.length || rows.length <= this.importIdReadBack;
        const handle: ProspectImportHandle = { ...(await startImportCsv(this.client, csv)), readBack: readBack ? 1 : 0 };
        if (others.length) {
          const outcomes = await this.writeEach(others.map(([, op]) => op));
          Object.assign(handle, { total, rows, others: others.map(([i], k) => [i, storeOutcome(outcomes[k])]) });
        }
        return { pending: true, handle: handle as unknown as JsonObject, checkAfterMs: handle.nextCheckMs, detail: `import ${handle.importIds.join(', ')} submitted` };
      },
    };
  }

  /** One call per op, each failure its own outcome; limits, credentials and configuration stop the rest. */
  private async writeEach(ops: WriteOp[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = [];
    let stop: SyncError | null = null;
    for (const op of ops) {
      if (stop) {
        outcomes.push({ ok: false, error: stop });
        continue;
      }
      try {
        outcomes.push(await this.write(op));
      } catch (err) {
        const e = toSyncError(err);
        outcomes.push({ ok: false, error: e });
        // Limits, credentials and configuration fail every later call too: do not spend the budget finding out.
        if (e.kind === 'rate_limited' || e.kind === 'auth_expired' || e.kind === 'fatal') stop = e;
      }
    }
    return outcomes;
  }

  /** Checks an import writeBatch started: its outcomes once Pardot completed it, else still pending. */
  async resumeBatch(raw: JsonObject): Promise<BatchResult> {
    const handle = raw as unknown as ProspectImportHandle;
    const check = await checkImport(this.client, handle);
    if (!check.done) return { pending: true, handle: { ...raw, ...check.handle }, checkAfterMs: check.handle.nextCheckMs, detail: check.status };
    // Handles from before `readBack` existed always read back.
    const imported = await this.importOutcomes(check.result, handle.emails, handle.readBack !== 0);
    if (!handle.rows) return imported;
    const outcomes: BatchOutcome[] = new Array(handle.total ?? 0);
    handle.rows.forEach((i, k) => (outcomes[i] = imported[k]));
    for (const [i, o] of handle.others ?? []) outcomes[i] = o.ok ? o : { ok: false, error: new SyncError(o.error.kind, o.error.message, o.error.details) };
    return outcomes;
  }

  private async importOutcomes(result: ImportResult, emails: string[], readBack: boolean): Promise<BatchOutcome[]> {
    const failed = new Map(result.failures.map((f) => [f.index, f]));
    const okEmails = readBack ? [...new Set(emails.filter((_, i) => !failed.has(i)))] : [];
    const found = await this.idsByEmail(okEmails, result.startedAt);
    return emails.map((email, i): BatchOutcome => {
      const f = failed.get(i);
      if (f) return { ok: false, error: new SyncError('invalid_data', `Pardot import rejected the row: ${f.error}`, { system: 'pardot', recordKey: email, field: f.field }) };
      if (!readBack) return UNIDENTIFIED;
      const hit = found.get(email);
      if (!hit) {
        return { ok: false, error: new SyncError('retryable', 'the import reported the row done but the prospect is not readable yet (v5 reads can lag up to 60 s)', { system: 'pardot', recordKey: email }) };
      }
      return { ok: true, id: hit.id, created: hit.created, data: { id: Number(hit.id), email } };
    });
  }

  /** Ids of the prospects the import touched: one paged query by updatedAt, then a lookup per email still missing. */
  private async idsByEmail(emails: string[], since: number): Promise<Map<string, { id: string; created: boolean }>> {
    const want = new Set(emails);
    const out = new Map<string, { id: string; created: boolean }>();
    if (want.size === 0) return out;
    const sinceIso = `${new Date(Math.floor(since / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
    const fields = ['id', 'email', 'createdAt', 'updatedAt'];
    for await (const row of this.client.all<Record<string, unknown>>(PROSPECTS_PATH, fields, { updatedAtAfterOrEqualTo: sinceIso, limit: 1000 })) {
      const email = String(row.email);
      if (want.has(email)) out.set(email, { id: String(row.id), created: Date.parse(String(row.createdAt)) >= Math.floor(since / 1000) * 1000 });
    }
    for (const email of want) {
      if (out.has(email)) continue;
      for await (const row of this.client.all<Record<string, unknown>>(PROSPECTS_PATH, fields, { email })) {
        out.set(email, { id: String(row.id), created: Date.parse(String(row.createdAt)) >= Math.floor(since / 1000) * 1000 });
      }
    }
    return out;
  }
}

/** The outcome of every row of an import not read back: one shared, frozen object, not 50,000 alike (issue 20). */
const UNIDENTIFIED: UnidentifiedWrite = Object.freeze({ ok: true, id: null, unidentified: true });

/** An outcome as a pending handle keeps it. */
type StoredOutcome = { ok: true; id: string; created: boolean } | { ok: false; error: SerializedError };

/** What a pending import writeBatch carries to its next check; `total`, `rows` and `others` only when some ops were written on their own. */
type ProspectImportHandle = ImportHandle & { readBack: number; total?: number; rows?: number[]; others?: Array<[number, StoredOutcome]> };

function storeOutcome(o: WriteOutcome): StoredOutcome {
  return o.ok ? { ok: true, id: o.id, created: o.created } : { ok: false, error: o.error.toJSON() };
}

/** Creates and email upserts go through the Import API (it matches on email). */
function importable(op: WriteOp): boolean {
  return op.verb === 'create' || (op.verb === 'upsert' && (!op.match || op.match.field === 'email'));
}

/** An op as an import row: its data as the API takes it, matched on the normalised email. */
function importRow(op: WriteOp): Fields {
  const data = cleanData(op.data);
  return { ...data, email: normalizeEmail(op.match?.value ?? data.email) };
}

/** Drops what the API refuses in a write body (`id`, stamps) and normalises the email. */
function cleanData(data: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'id' || k === 'createdAt' || k === 'updatedAt' || k === 'isDeleted') continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  if (out.email !== undefined && out.email !== null) out.email = normalizeEmail(out.email);
  return out;
}

function requireId(op: WriteOp): string {
  if (!op.id) throw new SyncError('fatal', `a prospect ${op.verb} needs the record id`, { system: 'pardot' });
  return op.id;
}

function outcome(body: unknown, created: boolean): WriteOutcome & { ok: true } {
  const b = (body ?? {}) as Record<string, unknown>;
  return { ok: true, id: String(b.id), created, data: b };
}

/** A prospect row as a SourceRecord. */
export function toRecord(row: Record<string, unknown>): SourceRecord {
  return { id: String(row.id), entity: 'prospect', updatedAt: typeof row.updatedAt === 'string' ? row.updatedAt : undefined, deleted: row.isDeleted === true ? true : undefined, data: row };
}
