/** Turning raw JSON records into SourceRecords. */
import { SyncError } from '../../core/errors.js';
import type { SourceRecord } from '../../core/connector.js';
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
