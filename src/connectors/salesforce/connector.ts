/** The Connector protocol on top of SalesforceApi: check, discover, readChanges, get, find, write, writeBatch. */
import type { CheckResult, Connector, ConnectorContext, EntitySpec, ReadStreamOptions, StreamPage, Watermark } from '../../core/connector.js';
import { SyncError, toSyncError } from '../../core/errors.js';
import { tableMethods, type EntityHandler, type EntityTable } from '../shared/entities.js';
import { SalesforceApi } from './api.js';
import { toEntitySpec } from './entities/describe.js';
import { ENTITIES } from './entities/catalog.js';
import { readAllPage, readChanges } from './entities/read.js';
import { relatedIn, type RelatedRead } from './entities/related.js';
import { parseSettings } from './settings.js';
import type { BayeuxSession } from './streaming/bayeux.js';
import { readStream } from './streaming/read-stream.js';

/** An open Salesforce connection. */
export class SalesforceConnection implements Connector {
  /** The typed API this connection uses (also for journeys). */
  readonly api: SalesforceApi;
  private readonly specs = new Map<string, Promise<EntitySpec>>();
  /** Streaming API sessions by subscriber and channel. */
  private readonly sessions = new Map<string, BayeuxSession>();

  // Entity operations come from the table (set in the constructor).
  declare readonly readChanges: Connector['readChanges'];
  declare readonly readAll: NonNullable<Connector['readAll']>;
  declare readonly get: Connector['get'];
  declare readonly find: Connector['find'];
  declare readonly write: Connector['write'];
  declare readonly writeBatch: NonNullable<Connector['writeBatch']>;
  declare readonly resumeBatch: NonNullable<Connector['resumeBatch']>;
  declare readonly openBatch: NonNullable<Connector['openBatch']>;

  constructor(private readonly ctx: ConnectorContext) {
    this.api = new SalesforceApi(parseSettings(ctx.settings), ctx);
    const table: EntityTable = Object.fromEntries(ENTITIES.map((e) => [e.name, this.sobject(e.name, e)]));
    // Any other sObject (custom objects, objects the catalog leaves out) by name; the org refuses names it does not have.
    Object.assign(this, tableMethods(table, 'salesforce', (entity) => this.sobject(entity, { name: entity, idField: 'Id', updatedField: 'SystemModstamp', fields: [], operations: [] })));
  }

  async check(): Promise<CheckResult> {
    try {
      try {
        await this.api.client.request({ method: 'GET', path: '', what: 'API version check', family: 'rest' });
      } catch (err) {
        if (err instanceof SyncError && err.kind === 'not_found') {
          return { ok: false, message: `API version ${this.api.settings.apiVersion} is not available on this org: choose an older apiVersion` };
        }
        throw err;
      }
      const who = await this.api.userInfo();
      const limits = await this.api.limits().catch(() => null);
      return {
        ok: true,
        message: `Connected to org ${who.organization_id} as ${who.preferred_username}`,
        info: {
          orgId: who.organization_id,
          user: who.preferred_username,
          apiVersion: this.api.settings.apiVersion,
          ...(limits ? { dailyApiRequests: `${limits.used}/${limits.limit}` } : {}),
        },
      };
    } catch (err) {
      return { ok: false, message: toSyncError(err).message };
    }
  }

  /**
   * Every object of the org (describeGlobal). The catalog's and the org's custom objects come as the
   * org describes them; the hundreds of other standard objects only by name (open field lists), since
   * describing each would cost a call apiece and a flow uses few of them.
   */
  async discover(): Promise<EntitySpec[]> {
    const all = (await this.api.describeGlobal()).filter((o) => o.queryable);
    const described = new Set([...ENTITIES.map((e) => e.name), ...all.filter((o) => o.custom).map((o) => o.name)]);
    const specs = await Promise.all([...described].map((n) => this.spec(n)));
    const named: EntitySpec[] = all
      .filter((o) => !described.has(o.name))
      .map((o) => ({ name: o.name, label: o.label, idField: 'Id', fields: [], openFields: true, operations: ['read', 'get', 'find', 'create', 'update', 'upsert', 'delete', 'batch'] }));
    return [...specs, ...named];
  }

  /** The org's own describe of an entity, cached for the connection's life. */
  spec(entity: string): Promise<EntitySpec> {
    let p = this.specs.get(entity);
    if (!p) {
      p = this.api.describe(entity).then(toEntitySpec);
      p.catch(() => this.specs.delete(entity));
      this.specs.set(entity, p);
    }
    return p;
  }

  /**
   * The handler of one sObject. Every sObject speaks the same REST, SOQL and Bulk protocol, so the
   * catalog's entities and custom objects discovered at run time share this handler shape.
   */
  private sobject(entity: string, spec: EntitySpec): EntityHandler {
    return {
      spec,
      readChanges: async (since, options) => {
        const fields = options.fields && options.fields.length > 0 ? options.fields : (await this.spec(entity)).fields.map((f) => f.name);
        return readChanges(this.api.client, entity, since, { limit: options.limit, fields, related: await this.related(entity), settleSeconds: this.api.settings.settleSeconds, overlapMs: options.overlapMs, signal: options.signal });
      },
      readAll: async (cursor, options) => {
        const fields = options.fields && options.fields.length > 0 ? options.fields : (await this.spec(entity)).fields.map((f) => f.name);
        return readAllPage(this.api.client, entity, cursor, fields, options.limit, await this.related(entity), options.signal);
      },
      get: (id) => this.api.get(entity, id),
      find: async (field, value) => {
        const described = await this.spec(entity);
        const f = described.fields.find((x) => x.name.toLowerCase() === field.toLowerCase());
        if (!f) throw new SyncError('fatal', `${entity} has no field "${field}"`, { system: 'salesforce', field });
        return this.api.find(entity, described.fields.map((x) => x.name), f.name, value, f.type);
      },
      write: (op) => this.api.write(entity, op),
      writeBatch: (ops) => this.api.writeBatch(entity, ops),
      resumeBatch: (handle) => this.api.resumeBatch(handle),
      openBatch: () => this.api.openBatch(entity),
    };
  }

  /** Change Data Capture or platform events after `since` (streaming/read-stream.ts). */
  readStream(entity: string, since: Watermark | null, options: ReadStreamOptions): Promise<StreamPage> {
    return readStream({ client: this.api.client, sessions: this.sessions, fields: async (e) => (await this.spec(e)).fields.map((f) => f.name), related: (e) => this.related(e), enabled: this.api.settings.changeDataCapture }, entity, since, options);
  }

  /** The entity's related reads that this org has the fields for (parents and children described once per connection). */
  private related(entity: string): Promise<RelatedRead | undefined> {
    return relatedIn(entity, async (object) => (await this.spec(object)).fields.map((f) => f.name));
  }

  async close(): Promise<void> {
    // HTTP goes through undici's shared pool; only streaming sessions are held open.
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map((s) => s.close()));
  }
}
