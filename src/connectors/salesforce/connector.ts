/** The Connector protocol on top of SalesforceApi: check, discover, readChanges, get, find, write, writeBatch. */
import type { BatchResult, ChangePage, CheckResult, Connector, ConnectorContext, EntitySpec, ReadChangesOptions, SourceRecord, Watermark, WriteOp, WriteOutcome } from '../../core/connector.js';
import { SyncError, toSyncError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import { SalesforceApi } from './api.js';
import { toEntitySpec } from './entities/describe.js';
import { ENTITIES } from './entities/catalog.js';
import { readChanges } from './entities/read.js';
import { parseSettings } from './settings.js';

/** An open Salesforce connection. */
export class SalesforceConnection implements Connector {
  /** The typed API this connection uses (also for journeys). */
  readonly api: SalesforceApi;
  private readonly specs = new Map<string, Promise<EntitySpec>>();

  constructor(private readonly ctx: ConnectorContext) {
    this.api = new SalesforceApi(parseSettings(ctx.settings), ctx);
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

  async discover(): Promise<EntitySpec[]> {
    const names = ENTITIES.map((e) => e.name);
    return Promise.all(names.map((n) => this.spec(n)));
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

  async readChanges(entity: string, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
    const fields = options.fields && options.fields.length > 0 ? options.fields : (await this.spec(entity)).fields.map((f) => f.name);
    return readChanges(this.api.client, entity, since, { limit: options.limit, fields, settleSeconds: this.api.settings.changeSettleSeconds, signal: options.signal });
  }

  get(entity: string, id: string): Promise<SourceRecord | null> {
    return this.api.get(entity, id);
  }

  async find(entity: string, field: string, value: unknown): Promise<SourceRecord[]> {
    const spec = await this.spec(entity);
    const f = spec.fields.find((x) => x.name.toLowerCase() === field.toLowerCase());
    if (!f) throw new SyncError('fatal', `${entity} has no field "${field}"`, { system: 'salesforce', field });
    return this.api.find(entity, spec.fields.map((x) => x.name), f.name, value, f.type);
  }

  write(entity: string, op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    return this.api.write(entity, op);
  }

  writeBatch(entity: string, ops: WriteOp[]): Promise<BatchResult> {
    return this.api.writeBatch(entity, ops);
  }

  resumeBatch(_entity: string, handle: JsonObject): Promise<BatchResult> {
    return this.api.resumeBatch(handle);
  }

  async close(): Promise<void> {
    // Nothing held open: HTTP goes through fetch's shared pool.
  }
}
