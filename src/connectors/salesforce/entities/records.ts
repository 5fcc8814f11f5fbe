/** Converting between Salesforce JSON records and the hub's SourceRecord / Fields shapes. */
import type { SourceRecord } from '../../../core/connector.js';
import type { Fields } from '../../../core/json.js';
import { parseStamp } from '../soql.js';

/** A record as the REST API returns it. */
export type SalesforceRecord = { attributes?: { type: string; url?: string }; Id?: string } & Record<string, unknown>;

/** Strips `attributes` (also from nested relationship objects). */
export function stripAttributes(rec: Record<string, unknown>): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'attributes') continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && 'attributes' in v ? stripAttributes(v as Record<string, unknown>) : v;
  }
  return out;
}

/** ISO 8601 (UTC) form of a Salesforce stamp, or undefined. */
export function isoStamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = parseStamp(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** A REST record as a SourceRecord (updatedAt from SystemModstamp, deleted from IsDeleted). */
export function toSourceRecord(entity: string, rec: SalesforceRecord): SourceRecord {
  return {
    id: String(rec.Id),
    entity,
    updatedAt: isoStamp(rec.SystemModstamp ?? rec.LastModifiedDate),
    ...(rec.IsDeleted === true ? { deleted: true } : {}),
    data: stripAttributes(rec),
  };
}

/** Prepares fields for a write body: Dates to ISO strings, `attributes` and `Id` removed. */
export function toBody(data: Fields, drop: string[] = []): Record<string, unknown> {
  const lower = new Set(['attributes', 'id', ...drop.map((d) => d.toLowerCase())]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (lower.has(k.toLowerCase()) || v === undefined) continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}
