/**
 * What every TIMS entity shares: field declarations in the contract's types, change polling of a
 * contract list through the shared `pollByStamp` (the bridge orders by (modifiedAt, key), so reading
 * stops as soon as a page is full), and the checks a write runs before it leaves.
 */
import type { ChangePage, FieldSpec, ReadChangesOptions, SourceRecord, Watermark } from '../../../core/connector.js';
import { invalidField } from '../../../core/errors.js';
import { pollByStamp } from '../../shared/polling.js';
import type { BridgeRecord, TimsClient } from '../client.js';
import type { TimsSettings } from '../settings.js';

/** What an entity handler needs. */
export interface EntityDeps {
  client: TimsClient;
  settings: TimsSettings;
  /** Current time (epoch ms); injectable for tests. */
  now(): number;
}

/** A string field; `maxLength` as the contract says. */
export const text = (name: string, maxLength?: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'string', ...(maxLength ? { maxLength } : {}), ...extra });
/** A money field (decimal string, two places). */
export const money = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'decimal', scale: 2, ...extra });
/** A `YYYY-MM-DD` field. */
export const day = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'date', ...extra });
/** A stamp field (read-only). */
export const stamp = (name: string): FieldSpec => ({ name, type: 'datetime', readOnly: true });
/** A whole-number field. */
export const int = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'integer', ...extra });
/** A field the bridge computes (read-only). */
export const derived = (f: FieldSpec): FieldSpec => ({ ...f, readOnly: true });

/** How one contract list polls. */
export interface ListPolling {
  /** The contract path (`/customers`). */
  path: string;
  /** The record key of a row (`customerCode`, `itemCode/warehouseId`). */
  key(row: BridgeRecord): string;
  entity: string;
  /** Adds what the connector derives to a page of rows (one call per distinct customer, not per row). */
  enrich?(rows: BridgeRecord[]): Promise<BridgeRecord[]>;
}

/** One page of changes of a contract list after the watermark. */
export async function pollList(deps: EntityDeps, p: ListPolling, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
  const page = await pollByStamp<BridgeRecord>({
    since,
    limit: options.limit,
    overlapMs: options.overlapMs ?? 0,
    settleMs: deps.settings.settleSeconds * 1000,
    now: deps.now(),
    signal: options.signal,
    ordered: true,
    fetch: (w) => deps.client.list(p.path, { modifiedSince: w.fromMs === null ? undefined : new Date(w.fromMs).toISOString() }, w.signal),
    stampMs: (row) => {
      const ms = Date.parse(String(row.modifiedAt));
      return Number.isFinite(ms) ? ms : null;
    },
    key: p.key,
    toRecord: (row) => toRecord(p.entity, p.key(row), row),
  });
  if (!p.enrich || page.records.length === 0) return page;
  const rows = await p.enrich(page.records.map((r) => r.data as BridgeRecord));
  return { ...page, records: page.records.map((r, i) => ({ ...r, data: rows[i] as SourceRecord['data'] })) };
}

/** A contract row as a record. */
export function toRecord(entity: string, id: string, row: BridgeRecord): SourceRecord {
  const at = typeof row.modifiedAt === 'string' ? row.modifiedAt : undefined;
  return { id, entity, ...(at ? { updatedAt: at } : {}), data: row as SourceRecord['data'] };
}

/** The fields of `data` the contract takes, without empty values; everything else is the connector's own. */
export function pick(data: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) if (data[n] !== undefined && data[n] !== '') out[n] = data[n];
  return out;
}

/** Refuses a string longer than the contract allows, naming the field and the record. */
export function checkLengths(data: Record<string, unknown>, fields: FieldSpec[], entity: string, recordKey?: string): void {
  for (const f of fields) {
    const v = data[f.name];
    if (typeof v === 'string' && f.maxLength && v.length > f.maxLength) {
      throw invalidField(f.name, v, `maxLength ${f.maxLength}`, `TIMS ${entity}: field "${f.name}" is ${v.length} characters; the bridge contract allows ${f.maxLength}.`, recordKey);
    }
  }
}

/** A money value as the contract's decimal string, or an invalid_data error naming the field. */
export function toMoney(value: unknown, field: string, recordKey?: string): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw invalidField(field, value, 'a decimal amount', `TIMS: field "${field}" must be an amount, got ${JSON.stringify(value)}.`, recordKey);
  return n.toFixed(2);
}

/** Customer e-mail by code, fetched once per code per call (for records that carry a customerCode). */
export async function customerFacts(deps: EntityDeps, codes: Iterable<string>): Promise<Map<string, BridgeRecord | null>> {
  const out = new Map<string, BridgeRecord | null>();
  for (const code of new Set(codes)) out.set(code, await deps.client.find(`/customers/${encodeURIComponent(code)}`));
  return out;
}

/** Adds `customerName` and `email` of each row's customer. */
export async function withCustomer(deps: EntityDeps, rows: BridgeRecord[]): Promise<BridgeRecord[]> {
  const facts = await customerFacts(deps, rows.map((r) => String(r.customerCode)));
  return rows.map((r) => {
    const c = facts.get(String(r.customerCode));
    return { ...r, customerName: c?.name ?? null, email: c?.email ?? null };
  });
}

/** Marks every field of a read-only entity read-only. */
export const readOnlyFields = (fields: FieldSpec[]): FieldSpec[] => fields.map((f) => ({ ...f, readOnly: true }));
