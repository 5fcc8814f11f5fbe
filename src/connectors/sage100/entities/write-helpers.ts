/** Turning flow data into eBWS records: only writable fields, values as strings, widths checked before a call is spent. */
import type { FieldSpec } from '../../../core/connector.js';
import { invalidField } from '../../../core/errors.js';
import type { SageRecord } from '../soap-client.js';

/** Keeps the writable fields of `data` (and any UDF_ field) as eBWS strings. */
export function toSageRecord(data: Record<string, unknown>, fields: FieldSpec[], skip: string[] = []): SageRecord {
  const out: SageRecord = {};
  for (const [k, v] of Object.entries(data)) {
    if (skip.includes(k) || v === undefined) continue;
    const spec = fields.find((f) => f.name === k);
    const udf = k.toUpperCase().startsWith('UDF_');
    if ((!spec || spec.readOnly || spec.type === 'array' || spec.type === 'reference') && !udf) continue;
    out[k] = v === null ? '' : v instanceof Date ? v.toISOString().slice(0, 10).replace(/-/g, '') : spec?.type === 'date' ? String(v).replace(/-/g, '').slice(0, 8) : String(v);
  }
  return out;
}

/** Drops read-only (system-stamped, computed) fields from a record read back before it is sent again. */
export function withoutReadOnly(record: SageRecord, fields: FieldSpec[]): SageRecord {
  const ro = new Set(fields.filter((f) => f.readOnly).map((f) => f.name));
  return Object.fromEntries(Object.entries(record).filter(([k]) => !ro.has(k)));
}

/** Rejects a value longer than its Sage column before calling eBWS, naming the field. */
export function checkLengths(record: SageRecord, fields: FieldSpec[], entity: string, recordKey?: string): void {
  for (const [k, v] of Object.entries(record)) {
    const max = fields.find((f) => f.name === k)?.maxLength;
    if (max !== undefined && v.length > max) {
      throw invalidField(k, v, `maxLength ${max}`, `Sage 100 ${entity}: field "${k}" is ${v.length} characters long; Sage 100 allows at most ${max}.`, recordKey);
    }
  }
}
