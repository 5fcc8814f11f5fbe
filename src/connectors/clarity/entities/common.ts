/**
 * One CEF entity as the connector sees it, built from a small declaration: the generated routes
 * (`/{Area}/{Es}` search, `/{Area}/{E}/ID|Key/...`, `Create`, `Upsert`, `Update`, `Deactivate`),
 * change polling by `ModifiedSince` through the shared pollByStamp, and custom attributes
 * (`SerializableAttributes`) read as the object `Attributes` and written from `Attributes` or
 * `Attributes.<Key>` fields.
 */
import type { EntitySpec, FieldSpec, SourceRecord, WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { Fields } from '../../../core/json.js';
import type { EntityHandler } from '../../shared/entities.js';
import { pollByStamp } from '../../shared/polling.js';
import type { CefRow, ClarityClient } from '../client.js';

/** The declaration of one entity. */
export interface CefEntityDef {
  /** Singular name as the routes spell it (`User`). */
  name: string;
  /** Service area (`Contacts`). */
  area: string;
  /** Plural used by the search route (`Users`). */
  plural: string;
  label: string;
  /** Fields beyond the Base ones (ID, CustomKey, dates, Active, Attributes). */
  fields: FieldSpec[];
  /** False for the event tables and other read-only views. */
  writable: boolean;
  /** Record fields `find` can search by, each a search-model parameter of the same name. */
  findBy?: readonly string[];
  /** Search parameters every read of this entity adds (`StatusKey=Abandoned`). */
  baseFilter?: Record<string, string>;
  /** The record data of a row (default: the row with attributes flattened). */
  toData?(row: CefRow): Fields;
  /** The record a row is one change of (an event row's master), so the engine runs one record's changes in order. */
  sequenceKeyOf?(row: CefRow): string | undefined;
  /** Write-only fields: kept out of the model sent to Create/Update and handed to `afterWrite`. */
  writeOnly?: readonly string[];
  /** Runs after a create/update/upsert with the record ID and the write-only values (a workflow route). */
  afterWrite?(ctx: EntityContext, id: string, values: Fields, recordKey: string | undefined): Promise<void>;
  /** Rows for change polling from `fromMs` on, when the entity reads more than its search route (default: the search with ModifiedSince). */
  changedRows?(ctx: EntityContext, fromMs: number | null, signal?: AbortSignal): AsyncIterable<CefRow>;
  /** Adds data read from related rows to a batch of records (one search per batch, not per record). */
  withRelated?(ctx: EntityContext, records: SourceRecord[], signal?: AbortSignal): Promise<SourceRecord[]>;
  /** The route entity when it differs from `name` (an `AbandonedCart` reads `Cart`). */
  routeName?: string;
  description?: string;
}

/** What every entity handler needs at run time. */
export interface EntityContext {
  client: ClarityClient;
  /** Leave records younger than this for the next poll. */
  settleMs: number;
  /** Sites where no job marks carts Abandoned: a New cart of a known shopper idle this long counts as abandoned (0: off). */
  cartIdleMs: number;
  now(): number;
}

/** The Base fields of every CEF model. */
export const BASE_FIELDS: FieldSpec[] = [
  { name: 'ID', type: 'integer', readOnly: true, description: 'The int ID' },
  { name: 'CustomKey', type: 'string', maxLength: 128, externalId: true, description: 'External key (ERP or CRM id, a SKU); Upsert matches on it' },
  { name: 'Active', type: 'boolean', description: 'False once deactivated' },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'UpdatedDate', type: 'datetime', readOnly: true },
  { name: 'Attributes', type: 'object', description: 'Custom attributes (SerializableAttributes) as key → value; write one with a field named Attributes.<Key>' },
];

/** Status fields of status-bearing models. */
export const STATUS_FIELDS = (statuses: readonly string[]): FieldSpec[] => [
  { name: 'StatusKey', type: 'picklist', enum: statuses },
  { name: 'StatusID', type: 'integer', readOnly: true },
];

/** The change stamp of a row: its UpdatedDate or CreatedDate, whichever is later (ModifiedSince matches either). */
export function stampMs(row: CefRow): number | null {
  const parse = (v: unknown): number => (typeof v === 'string' && v ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`) : NaN);
  const c = parse(row.CreatedDate);
  const u = parse(row.UpdatedDate);
  const best = Math.max(Number.isFinite(c) ? c : -Infinity, Number.isFinite(u) ? u : -Infinity);
  return Number.isFinite(best) ? best : null;
}

/** The ISO stamp of a row as records carry it (also what a webhook for it carries, so delivery ids coincide). */
export function stampIso(row: CefRow): string | undefined {
  const ms = stampMs(row);
  return ms === null ? undefined : new Date(ms).toISOString();
}

/** `SerializableAttributes` (`{ Key: { Key, Value } }`) as a flat `{ Key: Value }`. */
export function attributesOf(row: CefRow): Record<string, unknown> {
  const sa = row.SerializableAttributes;
  if (sa && typeof sa === 'object' && !Array.isArray(sa)) {
    return Object.fromEntries(Object.entries(sa as Record<string, unknown>).map(([k, v]) => [k, v !== null && typeof v === 'object' && 'Value' in v ? (v as { Value: unknown }).Value : v]));
  }
  if (typeof row.JsonAttributes === 'string') {
    try {
      const parsed = JSON.parse(row.JsonAttributes) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return {};
}

/** A row as record data: attributes flattened into `Attributes`. */
export function defaultData(row: CefRow): Fields {
  const { SerializableAttributes: _sa, JsonAttributes: _ja, ...rest } = row;
  return { ...(rest as Fields), Attributes: attributesOf(row) as Fields[string] };
}

/** The record of a row of `def`. */
export function toRecord(def: CefEntityDef, row: CefRow): SourceRecord {
  const updatedAt = stampIso(row);
  const data = (def.toData ?? defaultData)(row);
  const sequenceKey = def.sequenceKeyOf?.(row);
  return { id: String(row.ID), entity: def.name, ...(updatedAt ? { updatedAt } : {}), ...(sequenceKey ? { sequenceKey } : {}), data };
}

/** The entity's spec. */
export function specOf(def: CefEntityDef): EntitySpec {
  return {
    name: def.name,
    label: def.label,
    idField: 'ID',
    updatedField: 'UpdatedDate',
    fields: [...BASE_FIELDS.filter((b) => !def.fields.some((f) => f.name === b.name)), ...def.fields].map((f) => (def.writable ? f : { ...f, readOnly: true })),
    operations: def.writable ? ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert', 'delete'] : ['read', 'changes', 'get', 'find'],
    description: def.description,
  };
}

/** The handler of a CEF entity. */
export function cefEntity(def: CefEntityDef, ctx: EntityContext): EntityHandler {
  const spec = specOf(def);
  const route = `/${def.area}/${def.routeName ?? def.name}`;
  const fieldNames = spec.fields.map((f) => f.name);
  const related = (records: SourceRecord[], signal?: AbortSignal): Promise<SourceRecord[]> => (def.withRelated && records.length ? def.withRelated(ctx, records, signal) : Promise.resolve(records));
  const get = async (id: string): Promise<SourceRecord | null> => {
    if (!/^\d+$/.test(id)) throw new SyncError('invalid_data', `a Clarity ${def.name} ID is an integer (got "${id}")`, { system: 'clarity', field: 'ID', value: id });
    const row = await ctx.client.getOrNull({ path: `${route}/ID/${id}`, recordKey: id });
    if (!row || !matchesBase(def, row)) return null;
    return (await related([toRecord(def, row)]))[0];
  };
  const handler: EntityHandler = {
    spec,
    readChanges: (since, options) =>
      pollByStamp<CefRow>({
        since,
        limit: options.limit,
        overlapMs: options.overlapMs ?? 0,
        settleMs: ctx.settleMs,
        now: ctx.now(),
        signal: options.signal,
        fetch: (w) => (def.changedRows ? def.changedRows(ctx, w.fromMs, w.signal) : ctx.client.search(`/${def.area}/${def.plural}`, { ...(def.baseFilter ?? {}), ...(w.fromMs === null ? {} : { ModifiedSince: new Date(w.fromMs).toISOString() }) }, w.signal)),
        stampMs,
        key: (row) => String(row.ID).padStart(12, '0'),
        toRecords: (rows) => related(rows.map((row) => toRecord(def, row)), options.signal),
      }),
    get,
    async find(field, value) {
      if (field === 'ID') {
        const r = await get(String(value));
        return r ? [r] : [];
      }
      if (field === 'CustomKey') {
        const row = await ctx.client.getOrNull({ path: `${route}/Key/${encodeURIComponent(String(value))}`, recordKey: String(value) });
        return row && matchesBase(def, row) ? related([toRecord(def, row)]) : [];
      }
      if (!def.findBy?.includes(field)) throw new SyncError('fatal', `Clarity ${def.name} can be found by ID, CustomKey${def.findBy?.length ? `, ${def.findBy.join(', ')}` : ''}, not by "${field}"`, { system: 'clarity', field });
      const out: SourceRecord[] = [];
      for await (const row of ctx.client.search(`/${def.area}/${def.plural}`, { ...(def.baseFilter ?? {}), [field]: String(value) })) out.push(toRecord(def, row));
      return related(out);
    },
  };
  if (def.writable) {
    handler.write = async (op) => {
      const only = Object.fromEntries((def.writeOnly ?? []).filter((f) => op.data[f] !== undefined && op.data[f] !== null && op.data[f] !== '').map((f) => [f, op.data[f]]));
      const data = Object.fromEntries(Object.entries(op.data).filter(([k]) => !(def.writeOnly ?? []).includes(k)));
      const out = await write(def, route, fieldNames, ctx, { ...op, data }, handler);
      if (def.afterWrite && Object.keys(only).length && op.verb !== 'delete') await def.afterWrite(ctx, out.id, only, op.id ?? (op.match ? String(op.match.value) : undefined));
      return out;
    };
  }
  return handler;
}

async function write(def: CefEntityDef, route: string, fields: string[], ctx: EntityContext, op: WriteOp, handler: EntityHandler): Promise<WriteOutcome & { ok: true }> {
  const key = op.id ?? (op.match ? String(op.match.value) : typeof op.data.CustomKey === 'string' ? op.data.CustomKey : undefined);
  const call = (method: 'POST' | 'PUT' | 'PATCH', path: string, json?: unknown) => ctx.client.action<unknown>({ method, path, json, recordKey: key, fields });
  if (op.verb === 'delete') {
    if (!op.id) throw new SyncError('fatal', `a Clarity ${def.name} deactivation needs the record ID`, { system: 'clarity' });
    await call('PATCH', `${route}/Deactivate/ID/${op.id}`);
    return { ok: true, id: op.id, created: false };
  }
  if (op.verb === 'update') {
    if (!op.id) throw new SyncError('fatal', `a Clarity ${def.name} update needs the record ID`, { system: 'clarity' });
    // CEF's Update takes the full model: read it, change the mapped fields, send it back.
    const current = await ctx.client.getOrNull({ path: `${route}/ID/${op.id}`, recordKey: op.id });
    if (!current) throw new SyncError('not_found', `Clarity ${def.name} ${op.id} does not exist (deleted since it was linked?)`, { system: 'clarity', recordKey: op.id });
    await call('PUT', `${route}/Update`, { ...merge(current, op.data), ID: Number(op.id) });
    return { ok: true, id: op.id, created: false };
  }
  if (op.verb === 'upsert' && op.match && op.match.field !== 'CustomKey') {
    const found = await handler.find!(op.match.field, op.match.value);
    if (found.length > 1) throw new SyncError('conflict', `${found.length} Clarity ${def.name} records have ${op.match.field} = ${JSON.stringify(op.match.value)}`, { system: 'clarity', field: op.match.field });
    if (found.length === 1) return write(def, route, fields, ctx, { ...op, verb: 'update', id: found[0].id, match: undefined }, handler);
    return write(def, route, fields, ctx, { ...op, verb: 'create', match: undefined }, handler);
  }
  if (op.verb === 'upsert') {
    const customKey = String(op.match?.value ?? op.data.CustomKey ?? '');
    if (!customKey) throw new SyncError('invalid_data', `an upsert of a Clarity ${def.name} needs CustomKey`, { system: 'clarity', field: 'CustomKey', rule: 'required' });
    const current = await ctx.client.getOrNull({ path: `${route}/Key/${encodeURIComponent(customKey)}`, recordKey: customKey });
    const id = await call('POST', `${route}/Upsert`, current ? { ...merge(current, op.data), CustomKey: customKey } : { ...body(op.data), CustomKey: customKey });
    return { ok: true, id: String(id), created: !current, data: { ID: id as Fields[string] } };
  }
  const id = await call('POST', `${route}/Create`, body(op.data));
  return { ok: true, id: String(id), created: true, data: { ID: id as Fields[string] } };
}

/** The request model of mapped fields: `Attributes` and `Attributes.<Key>` become SerializableAttributes. */
export function body(data: Fields, currentAttributes: Record<string, unknown> = {}): CefRow {
  const out: CefRow = {};
  const attrs: Record<string, unknown> = { ...currentAttributes };
  let touched = false;
  for (const [k, v] of Object.entries(data)) {
    if (k === 'Attributes' && v && typeof v === 'object' && !Array.isArray(v)) {
      Object.assign(attrs, v);
      touched = true;
    } else if (k.startsWith('Attributes.')) {
      attrs[k.slice('Attributes.'.length)] = v;
      touched = true;
    } else out[k] = v;
  }
  if (touched) out.SerializableAttributes = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { Key: k, Value: v }]));
  return out;
}

function merge(current: CefRow, data: Fields): CefRow {
  const { SerializableAttributes: _sa, ...rest } = current;
  return { ...rest, ...body(data, attributesOf(current)) };
}

function matchesBase(def: CefEntityDef, row: CefRow): boolean {
  return Object.entries(def.baseFilter ?? {}).every(([k, v]) => String(row[k]) === v);
}
