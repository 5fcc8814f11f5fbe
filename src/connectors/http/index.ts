/**
 * The generic REST/webhook connector: JSON over HTTP against any API described in the connection
 * settings (base URL, auth, entities with path templates, paging, webhook signature). Useful on its
 * own for systems without a dedicated connector, and the proof that the engine needs no special case.
 */
import type { ConnectorContext, ConnectorDefinition, Connector, EntityOperation, EntitySpec, FieldSpec, RateLimits } from '../../core/connector.js';
import { tableMethods, type EntityHandler, type EntityTable } from '../shared/entities.js';
import { HttpApiClient } from './client.js';
import { findRecords, getRecord, readChanges } from './read.js';
import { httpSettings, parseSettings, type EntitySettings, type HttpSettings } from './settings.js';
import { httpWebhook } from './webhook.js';
import { writeBatch, writeRecord } from './write.js';

/** Limits applied when a connection declares none: polite for an unknown API. */
const DEFAULT_LIMITS: RateLimits = { perSecond: 10, concurrent: 4 };

/** The operations an entity offers, from the paths it declares. */
export function entityOperations(e: EntitySettings): EntityOperation[] {
  const p = e.paths;
  const ops: EntityOperation[] = [];
  if (p.list) ops.push('read');
  if (p.list && e.updatedField) ops.push('changes');
  if (p.get) ops.push('get');
  if (p.find) ops.push('find');
  if (p.create) ops.push('create');
  if (p.update) ops.push('update');
  if (p.upsert || (p.find && p.create && p.update)) ops.push('upsert');
  if (p.delete) ops.push('delete');
  if (p.batch) ops.push('batch');
  return ops;
}

/** The EntitySpec of a declared entity; without declared fields, the id and stamp fields are listed. */
export function entitySpec(e: EntitySettings): EntitySpec {
  const fields: FieldSpec[] = e.fields?.length
    ? e.fields
    : [
        { name: e.idField, type: 'id', readOnly: true },
        ...(e.updatedField ? [{ name: e.updatedField, type: 'datetime' as const, readOnly: true }] : []),
      ];
  const spec: EntitySpec = { name: e.name, idField: e.idField, fields, operations: entityOperations(e) };
  if (e.label) spec.label = e.label;
  // Without declared fields the API's own field list is unknown, so deploy cannot check names against it.
  if (!e.fields?.length) spec.openFields = true;
  if (e.updatedField) spec.updatedField = e.updatedField;
  if (e.paths.batch) spec.maxBatchSize = e.maxBatchSize ?? 100;
  return spec;
}

/** The declared entities as one handler table; operations an entity has no path for are left to the API's own refusal, as before. */
function entityTable(settings: HttpSettings, client: HttpApiClient, ctx: ConnectorContext): EntityTable {
  const warn = (msg: string) => ctx.logger.warn({ connection: ctx.connectionName }, msg);
  const table: Record<string, EntityHandler> = {};
  for (const e of settings.entities) {
    table[e.name] = {
      spec: entitySpec(e),
      readChanges: (since, options) => readChanges(client, e, since, { ...options, settleSeconds: settings.settleSeconds }, warn),
      get: (id) => getRecord(client, e, id),
      find: (field, value) => findRecords(client, e, field, value),
      write: (op) => writeRecord(client, e, op),
      // Writes what the batch path takes in chunks and the rest one by one.
      writeBatch: (ops) => writeBatch(client, e, ops),
    };
  }
  return table;
}

/** Opens a connection; settings are checked now, the network is touched only on first use. */
export function createHttpConnector(ctx: ConnectorContext): Connector {
  const settings = parseSettings(ctx.settings);
  const client = new HttpApiClient(settings, ctx.gate);
  const { writeBatch: batch, ...methods } = tableMethods(entityTable(settings, client, ctx), 'http');
  const connector: Connector = {
    async check() {
      try {
        const res = await client.send({ method: 'GET', path: settings.healthPath ?? '', operation: 'check' });
        return { ok: true, message: `reached ${new URL(settings.baseUrl).origin} (${res.status})`, info: { baseUrl: settings.baseUrl } };
      } catch (err) {
        return { ok: false, message: err instanceof Error ? err.message : String(err) };
      }
    },
    async discover() {
      return settings.entities.map(entitySpec);
    },
    ...methods,
    async close() {
      // fetch's shared pool owns the sockets; nothing of ours to release.
    },
  };
  // Offered only when some entity has a batch endpoint, so the engine knows whether bulk writes exist.
  if (settings.entities.some((e) => e.paths.batch)) {
    connector.writeBatch = batch;
  }
  return connector;
}

/** The `http` connector declaration. */
export const httpConnector: ConnectorDefinition = {
  type: 'http',
  label: 'Generic REST / webhook',
  description: 'Any JSON-over-HTTP API: configurable base URL, auth header, entity paths, paging, and signed webhooks.',
  settings: httpSettings,
  settingsSchema: httpSettings.jsonSchema,
  entities: [],
  rateLimits: DEFAULT_LIMITS,
  webhook: httpWebhook,
  create: createHttpConnector,
};

export { httpSettings, parseSettings, settingsSchema } from './settings.js';
export type { AuthSettings, EntitySettings, HttpSettings, ListSettings, PagingSettings, WebhookSettings, EntityPaths } from './settings.js';
export { signBody, verifyWebhook, parseWebhook } from './webhook.js';
export { readErrorBody, classifyHttpError } from './errors.js';
