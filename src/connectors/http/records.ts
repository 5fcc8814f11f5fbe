/** Turning raw JSON records into SourceRecords, and the (updatedAt, id) order change polling relies on. */
import { SyncError } from '../../core/errors.js';
import type { SourceRecord, Watermark } from '../../core/connector.js';
import type { Fields } from '../../core/json.js';
import { getPath } from './paths.js';
import type { EntitySettings } from './settings.js';

/** Wraps one raw record; throws invalid_data when it has no id. */
export function toSourceRecord(entity: EntitySettings, raw: unknown): SourceRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SyncError('invalid_data', `${entity.name}: expected a JSON object record, got ${JSON.stringify(raw)?.slice(0, 100)}`, { system: 'http' });
  }
  const data = raw as Fields;
  const id = data[entity.idField];
  if (id === undefined || id === null || id === '') {
    throw new SyncError('invalid_data', `${entity.name}: record has no "${entity.idField}"`, { system: 'http', field: entity.idField });
  }
  const stamp = entity.updatedField ? data[entity.updatedField] : undefined;
  const rec: SourceRecord = { id: String(id), entity: entity.name, data };
  if (stamp !== undefined && stamp !== null) rec.updatedAt = String(stamp);
  return rec;
}

/** The array of records in a list or find answer; throws fatal when `recordsPath` does not lead to one. */
export function recordsOf(entity: EntitySettings, body: unknown): unknown[] {
  const list = getPath(body, entity.recordsPath);
  if (!Array.isArray(list)) {
    throw new SyncError('fatal', `${entity.name}: no array at recordsPath "${entity.recordsPath ?? ''}" in the list answer`, { system: 'http' });
  }
  return list;
}

/** The record in a single-record answer, or undefined when the body holds none. */
export function recordOf(entity: EntitySettings, body: unknown): Fields | undefined {
  const rec = getPath(body, entity.recordPath);
  return rec !== null && typeof rec === 'object' && !Array.isArray(rec) ? (rec as Fields) : undefined;
}

/** Compares two stamps as instants when both parse, else as text. */
export function compareStamps(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta < tb ? -1 : 1;
  if (Number.isFinite(ta) && Number.isFinite(tb)) return 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders records by (updatedAt, id) ascending. */
export function compareRecords(a: SourceRecord, b: SourceRecord): number {
  return compareStamps(a.updatedAt ?? '', b.updatedAt ?? '') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** True when the record comes after the watermark in (updatedAt, id) order. */
export function isAfter(rec: SourceRecord, since: Watermark | null): boolean {
  if (!since) return true;
  const c = compareStamps(rec.updatedAt ?? '', since.at);
  if (c !== 0) return c > 0;
  // No key: nothing at that exact stamp is known to be produced yet (a start date), so include it.
  return since.key === undefined ? true : rec.id > since.key;
}
