/**
 * Writes of a published object (customer, sales order, item) through SOAP: create with `save`,
 * update with `modify` under WW_MODSTAMP optimistic concurrency, upsert, delete. Warnings X3 gives
 * with status 1 are returned in the outcome's data (`warnings`) so the run trace keeps them.
 *
 * Concurrency: before a modify the record is read and its ADXTEC.WW_MODSTAMP sent back with the
 * change; X3 refuses the modify if someone changed the record since. Then the record is read again:
 * if the other change touched a field this write sets (a value that is neither what we read before
 * nor what we are writing), the write stops with a conflict for a person to look at; otherwise it is
 * retried on the new version. Nothing is overwritten blindly.
 */
import type { WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { Fields } from '../../../core/json.js';
import type { ObjectLayout } from '../layouts.js';
import { fromDocument, toDocument, x3Text, type CurrentLines } from '../object-document.js';
import type { SoapResult, X3SoapClient } from '../soap-client.js';
import { buildDocumentJson, buildDocumentXml, type X3Document } from '../x3-document.js';

/** How one published object is written. */
export interface SoapObjectDef {
  /** Entity name (`BPCUSTOMER`). */
  entity: string;
  publicName: string;
  layout: ObjectLayout;
  /** Customers carry their main address and contact flattened at the top. */
  flattenCustomer?: boolean;
  /** Defaults for a create (category, site), applied under the record's own values. */
  createDefaults?: Fields;
  /** Record fields returned in the outcome after a write (besides the key and warnings). */
  resultFields: readonly string[];
  /** Finds records by a non-key field (the REST side); used by upsert on such a field. */
  findIds(field: string, value: unknown): Promise<string[]>;
}

/** The connection facts the writer needs. */
export interface SoapWriteContext {
  soap: X3SoapClient;
  format: 'XML' | 'JSON';
  modifyRetries: number;
}

type Rec = Record<string, unknown>;

function serialise(doc: X3Document, format: 'XML' | 'JSON', recordKey?: string): string {
  return format === 'JSON' ? buildDocumentJson(doc, recordKey) : buildDocumentXml(doc, recordKey);
}

function warningsOf(r: SoapResult): string[] {
  return r.messages.filter((m) => m.type === 2).map((m) => m.message);
}

/** The codes of the main address and contact of a read customer. */
function currentLines(rec: Rec): CurrentLines {
  const addresses = (rec.BPADDRESS as Rec[] | undefined) ?? [];
  const contacts = (rec.CONTACT as Rec[] | undefined) ?? [];
  const main = String(rec.BPAADD ?? '') || String(addresses.find((a) => a.BPAADDFLG === '2')?.BPAADD ?? '') || String(addresses[0]?.BPAADD ?? '');
  const contact = contacts.find((c) => c.CNTADD === main) ?? contacts[0];
  return { mainAddress: main || undefined, mainContact: contact ? String(contact.CCNCRM ?? '') || undefined : undefined };
}

/** The value of a record field as X3 text, for comparisons (flattened customer fields read from the main lines). */
function textOf(rec: Rec, field: string, flatten: boolean): string {
  let v = rec[field];
  if (v === undefined && flatten) {
    const cur = currentLines(rec);
    const addr = ((rec.BPADDRESS as Rec[] | undefined) ?? []).find((a) => a.BPAADD === cur.mainAddress);
    const cnt = ((rec.CONTACT as Rec[] | undefined) ?? []).find((c) => c.CCNCRM === cur.mainContact);
    v = addr?.[field] ?? cnt?.[field];
  }
  return v === undefined || v === null ? '' : Array.isArray(v) ? JSON.stringify(v) : String(v);
}

/** The write handler of a published object. */
export function soapObjectWriter(def: SoapObjectDef, ctx: SoapWriteContext) {
  const key = def.layout.key;
  const outcome = (r: SoapResult, created: boolean): WriteOutcome & { ok: true } => {
    const rec = fromDocument(r.document, def.layout);
    const id = String(rec[key] ?? '');
    if (!id) throw new SyncError('retryable', `Sage X3 ${def.publicName}: the answer carries no ${key}`, { system: 'sagex3' });
    const data: Fields = { [key]: id };
    for (const f of def.resultFields) if (rec[f] !== undefined) data[f] = rec[f] as Fields[string];
    if (rec.WW_MODSTAMP !== undefined) data.WW_MODSTAMP = rec.WW_MODSTAMP as string;
    const warnings = warningsOf(r);
    if (warnings.length) data.warnings = warnings;
    return { ok: true, id, created, data };
  };

  async function read(id: string, recordKey?: string): Promise<Rec | null> {
    try {
      return fromDocument((await ctx.soap.read(def.publicName, [{ key, value: id }], recordKey)).document, def.layout);
    } catch (err) {
      if (err instanceof SyncError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async function create(data: Rec, recordKey?: string): Promise<WriteOutcome & { ok: true }> {
    const full = { ...(def.createDefaults ?? {}), ...Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== '')) };
    const doc = toDocument(full, def.layout, def.publicName, { flattenCustomer: def.flattenCustomer });
    try {
      return outcome(await ctx.soap.save(def.publicName, serialise(doc, ctx.format, recordKey), recordKey, full), true);
    } catch (err) {
      // "Record already exists": an earlier attempt landed, or the key was taken. Resolved by reading
      // the record and applying this write to it as an update.
      const given = data[key];
      if (err instanceof SyncError && err.kind === 'conflict' && err.details.vendorCode === 'ALREADY_EXISTS' && typeof given === 'string' && given) {
        return modify(given, data, recordKey);
      }
      throw err;
    }
  }

  async function modify(id: string, data: Rec, recordKey?: string): Promise<WriteOutcome & { ok: true }> {
    const change = Object.fromEntries(Object.entries(data).filter(([k, v]) => v !== undefined && k !== key));
    const first = await read(id, recordKey);
    if (!first) throw new SyncError('not_found', `Sage X3 ${def.publicName}: ${key} ${id} does not exist`, { system: 'sagex3', field: key, value: id, recordKey });
    let current = first;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        const clash = Object.entries(change).find(([f, v]) => !Array.isArray(v) && textOf(current, f, !!def.flattenCustomer) !== textOf(first, f, !!def.flattenCustomer) && textOf(current, f, !!def.flattenCustomer) !== x3Text(f, v, def.layout.dates));
        if (clash) {
          throw new SyncError('conflict', `Sage X3 ${def.publicName} ${id}: ${clash[0]} was changed in X3 by another user (now ${JSON.stringify(textOf(current, clash[0], !!def.flattenCustomer))}) while this write wanted ${JSON.stringify(x3Text(clash[0], clash[1], def.layout.dates))}; not overwritten`, {
            system: 'sagex3',
            field: clash[0],
            vendorCode: 'MODSTAMP',
            recordKey,
          });
        }
      }
      const doc = toDocument(change, def.layout, def.publicName, { flattenCustomer: def.flattenCustomer, current: def.flattenCustomer ? currentLines(current) : undefined });
      if (current.WW_MODSTAMP) doc.groups.ADXTEC = { WW_MODSTAMP: String(current.WW_MODSTAMP) };
      try {
        return outcome(await ctx.soap.modify(def.publicName, [{ key, value: id }], serialise(doc, ctx.format, recordKey), recordKey, change), false);
      } catch (err) {
        const lost = err instanceof SyncError && err.kind === 'conflict' && err.details.vendorCode === 'MODSTAMP';
        if (!lost || attempt >= ctx.modifyRetries) throw err;
        const again = await read(id, recordKey);
        if (!again) throw new SyncError('not_found', `Sage X3 ${def.publicName}: ${key} ${id} was deleted in X3 while this write ran`, { system: 'sagex3', recordKey });
        current = again;
      }
    }
  }

  return {
    async write(op: WriteOp): Promise<WriteOutcome & { ok: true }> {
      const recordKey = op.idempotencyKey;
      switch (op.verb) {
        case 'create':
          return create(op.data, recordKey);
        case 'update':
          if (!op.id) throw new SyncError('fatal', `Sage X3 ${def.entity}: update without an id`, { system: 'sagex3' });
          return modify(op.id, op.data, recordKey);
        case 'upsert': {
          const m = op.match ?? { field: key, value: op.data[key] };
          if (m.value === undefined || m.value === null || m.value === '') return create(op.data, recordKey);
          const ids = m.field === key ? ((await read(String(m.value), recordKey)) ? [String(m.value)] : []) : await def.findIds(m.field, m.value);
          if (ids.length > 1) throw new SyncError('conflict', `Sage X3 ${def.entity}: ${ids.length} records have ${m.field} = ${JSON.stringify(m.value)}`, { system: 'sagex3', field: m.field, recordKey });
          return ids.length === 1 ? modify(ids[0], op.data, recordKey) : create(op.data, recordKey);
        }
        case 'delete':
          if (!op.id) throw new SyncError('fatal', `Sage X3 ${def.entity}: delete without an id`, { system: 'sagex3' });
          await ctx.soap.delete(def.publicName, [{ key, value: op.id }], recordKey);
          return { ok: true, id: op.id, created: false };
      }
    },
  };
}
