/**
 * The entity handler table: a connector dispatches every entity operation through one table of
 * handlers instead of its own switch or if chain, so an unknown entity or an unsupported operation is
 * refused the same way by every connector, naming what exists.
 */
import type { BatchBuilder, BatchResult, ChangePage, Connector, EntitySpec, ReadAllOptions, ReadChangesOptions, SnapshotPage, SourceRecord, Watermark, WriteOp, WriteOutcome } from '../../core/connector.js';
import type { JsonObject } from '../../core/json.js';
import { SyncError } from '../../core/errors.js';

/** What one entity can do. Leave out what the system cannot. */
export interface EntityHandler {
  /** The entity's declaration (fields, id, operations). */
  spec: EntitySpec;
  readChanges?(since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage>;
  /** Every live record by the system's bulk or paged read; without it, readAll pages through readChanges from the beginning. */
  readAll?(cursor: JsonObject | null, options: ReadAllOptions): Promise<SnapshotPage>;
  get?(id: string): Promise<SourceRecord | null>;
  find?(field: string, value: unknown): Promise<SourceRecord[]>;
  write?(op: WriteOp): Promise<WriteOutcome & { ok: true }>;
  /** Many writes in the system's bulk form; pending (PendingBatch) while a vendor job runs. */
  writeBatch?(ops: WriteOp[]): Promise<BatchResult>;
  /** Checks a vendor job this entity's writeBatch returned pending. */
  resumeBatch?(handle: JsonObject): Promise<BatchResult>;
  /** writeBatch filled op by op (the ops kept in their wire form as they come). */
  openBatch?(): BatchBuilder;
}

/** Handlers by entity name. */
export type EntityTable = Readonly<Record<string, EntityHandler>>;

/** The handler of an entity known only at run time (a Salesforce custom object), or undefined for an unknown one. */
export type EntityResolver = (entity: string) => EntityHandler | undefined;

type Operation = Exclude<keyof EntityHandler, 'spec'>;

/** The handler of `entity` for `operation`; a fatal SyncError naming the known entities or the missing operation otherwise. */
export function handlerOf<O extends Operation>(table: EntityTable, system: string, entity: string, operation: O, resolve?: EntityResolver): NonNullable<EntityHandler[O]> {
  const handler = Object.hasOwn(table, entity) ? table[entity] : resolve?.(entity);
  if (!handler) throw new SyncError('fatal', `${system} has no entity "${entity}" (known: ${Object.keys(table).join(', ')})`, { system });
  const fn = handler[operation];
  if (!fn) throw new SyncError('fatal', `${system} entity "${entity}" does not support ${operation}`, { system });
  return fn.bind(handler) as NonNullable<EntityHandler[O]>;
}

/**
 * The Connector methods that go through the table; spread them into a connector and add check/discover/close.
 * `resolve` gives the handler of an entity not in the table (systems whose entities are discovered at run time).
 */
export function tableMethods(table: EntityTable, system: string, resolve?: EntityResolver): Pick<Connector, 'readChanges' | 'readAll' | 'get' | 'find' | 'write' | 'writeBatch' | 'resumeBatch' | 'openBatch'> {
  // async: a refused entity rejects the returned promise rather than throwing at the call.
  return {
    readChanges: async (entity, since, options) => handlerOf(table, system, entity, 'readChanges', resolve)(since, options),
    readAll: async (entity, cursor, options) => {
      const handler = Object.hasOwn(table, entity) ? table[entity] : resolve?.(entity);
      if (handler?.readAll) return handler.readAll(cursor, options);
      return readAllByChanges(handlerOf(table, system, entity, 'readChanges', resolve), cursor, options);
    },
    get: async (entity, id) => handlerOf(table, system, entity, 'get', resolve)(id),
    find: async (entity, field, value) => handlerOf(table, system, entity, 'find', resolve)(field, value),
    write: async (entity, op) => handlerOf(table, system, entity, 'write', resolve)(op),
    writeBatch: async (entity, ops) => {
      const handler = Object.hasOwn(table, entity) ? table[entity] : resolve?.(entity);
      // Entities without a bulk form write one by one, each failure its own outcome.
      if (handler && !handler.writeBatch && handler.write) {
        const out: WriteOutcome[] = [];
        for (const op of ops) {
          try {
            out.push(await handler.write(op));
          } catch (err) {
            if (!(err instanceof SyncError) || err.kind === 'rate_limited' || err.kind === 'auth_expired' || err.kind === 'unauthorized' || err.kind === 'fatal') throw err;
            out.push({ ok: false, error: err });
          }
        }
        return out;
      }
      return handlerOf(table, system, entity, 'writeBatch', resolve)(ops);
    },
    resumeBatch: (entity, handle) => handlerOf(table, system, entity, 'resumeBatch', resolve)(handle),
    openBatch: (entity) => {
      const handler = Object.hasOwn(table, entity) ? table[entity] : resolve?.(entity);
      return handler?.openBatch?.() ?? null;
    },
  };
}

/** The entity specs of a table, for `ConnectorDefinition.entities` and `discover()`. */
export function specsOf(table: EntityTable): EntitySpec[] {
  return Object.values(table).map((h) => h.spec);
}

/**
 * A whole-entity read for systems whose paged read is their change read (the ERPs' paged queries by
 * modified stamp): change pages from the beginning, deleted records left out, the watermark as the
 * cursor. Records younger than the entity's settle time wait for the next read, as in polling.
 */
async function readAllByChanges(readChanges: NonNullable<EntityHandler['readChanges']>, cursor: JsonObject | null, options: ReadAllOptions): Promise<SnapshotPage> {
  const since = (cursor?.watermark ?? null) as Watermark | null;
  const page = await readChanges(since, { limit: options.limit, fields: options.fields, signal: options.signal, overlapMs: 0 });
  const done = !page.hasMore || !page.next;
  return { records: page.records.filter((r) => !r.deleted), next: done ? null : { watermark: page.next as unknown as JsonObject } };
}
