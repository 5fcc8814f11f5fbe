/** Single-record writes: create, update, upsert by external id, delete. */
import type { WriteOp, WriteOutcome } from '../../../core/connector.js';
import type { Fields } from '../../../core/json.js';
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { soqlIdent } from '../soql.js';
import { toBody } from './records.js';

interface SaveResult {
  id: string;
  success: boolean;
  created?: boolean;
}

/** POST /sobjects/{entity}: the new id. */
export async function createRecord(client: SalesforceClient, entity: string, data: Fields): Promise<string> {
  const r = await client.json<SaveResult>({ method: 'POST', path: `sobjects/${soqlIdent(entity)}`, json: toBody(data), what: `create ${entity}`, family: 'rest' });
  return r.id;
}

/** PATCH /sobjects/{entity}/{id}. */
export async function updateRecord(client: SalesforceClient, entity: string, id: string, data: Fields): Promise<void> {
  await client.request({ method: 'PATCH', path: `sobjects/${soqlIdent(entity)}/${encodeURIComponent(id)}`, json: toBody(data), what: `update ${entity} ${id}`, family: 'rest' });
}

/** PATCH /sobjects/{entity}/{field}/{value}: created (201), updated (200 on v46+, 204 before) or conflict on several matches (300). */
export async function upsertRecord(client: SalesforceClient, entity: string, field: string, value: unknown, data: Fields): Promise<{ id: string; created: boolean }> {
  if (value === null || value === undefined || value === '') {
    throw new SyncError('invalid_data', `upsert ${entity}: the external id ${field} has no value`, { system: 'salesforce', field, value });
  }
  const path = `sobjects/${soqlIdent(entity)}/${soqlIdent(field)}/${encodeURIComponent(String(value))}`;
  const res = await client.request({ method: 'PATCH', path, json: toBody(data, [field]), accept: [300], what: `upsert ${entity} on ${field}`, family: 'rest' });
  if (res.status === 300) {
    const urls = Array.isArray(res.json) ? (res.json as string[]) : [];
    throw new SyncError('conflict', `upsert ${entity}: ${urls.length} records have ${field} = ${JSON.stringify(value)}; make the value unique or merge the duplicates (${urls.map((u) => u.split('/').pop()).join(', ')})`, {
      system: 'salesforce', vendorCode: 'MULTIPLE_CHOICES', status: 300, field, value,
    });
  }
  const body = res.json as SaveResult | undefined;
  if (body?.id) return { id: body.id, created: body.created ?? res.status === 201 };
  // API 45.0 and earlier answer 204 with no body on update: look the id up.
  const rec = await client.json<{ Id: string }>({ method: 'GET', path: `${path}?fields=Id`, what: `upsert ${entity} (id lookup)`, family: 'rest' });
  return { id: rec.Id, created: false };
}

/** DELETE /sobjects/{entity}/{id}; deleting an already deleted record counts as done. */
export async function deleteRecord(client: SalesforceClient, entity: string, id: string): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: `sobjects/${soqlIdent(entity)}/${encodeURIComponent(id)}`, what: `delete ${entity} ${id}`, family: 'rest' });
  } catch (err) {
    if (err instanceof SyncError && err.details.vendorCode === 'ENTITY_IS_DELETED') return;
    throw err;
  }
}

/** Runs one WriteOp. */
export async function writeOne(client: SalesforceClient, entity: string, op: WriteOp): Promise<WriteOutcome & { ok: true }> {
  switch (op.verb) {
    case 'create':
      return { ok: true, id: await createRecord(client, entity, op.data), created: true };
    case 'update':
      if (!op.id) throw new SyncError('fatal', `update ${entity}: no record id given`, { system: 'salesforce' });
      await updateRecord(client, entity, op.id, op.data);
      return { ok: true, id: op.id, created: false };
    case 'upsert': {
      if (!op.match) throw new SyncError('fatal', `upsert ${entity}: no external id field given (match)`, { system: 'salesforce' });
      const r = await upsertRecord(client, entity, op.match.field, op.match.value, op.data);
      return { ok: true, id: r.id, created: r.created };
    }
    case 'delete':
      if (!op.id) throw new SyncError('fatal', `delete ${entity}: no record id given`, { system: 'salesforce' });
      await deleteRecord(client, entity, op.id);
      return { ok: true, id: op.id, created: false };
  }
}
