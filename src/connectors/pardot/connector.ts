/** An open Pardot connection: routes the connector protocol to the entity modules. */
import type {
  BatchResult,
  ChangePage,
  CheckResult,
  Connector,
  ConnectorContext,
  EntitySpec,
  ReadChangesOptions,
  SourceRecord,
  Watermark,
  WriteOp,
  WriteOutcome,
} from '../../core/connector.js';
import { SyncError, toSyncError } from '../../core/errors.js';
import type { JsonObject } from '../../core/json.js';
import { pardotTokenSource } from './auth.js';
import { readChanges } from './changes.js';
import { PardotClient } from './client.js';
import { externalActivityEntity, visitorActivityEntity, visitorActivityRecord, VisitorActivities, VISITOR_ACTIVITIES_PATH, VISITOR_ACTIVITY_FIELDS, writeExternalActivity } from './entities/activities.js';
import { campaignEntity, CAMPAIGN_FIELDS, CAMPAIGNS_PATH, Campaigns } from './entities/campaigns.js';
import { listEntity, listMembershipEntity, Lists, LISTS_PATH, MEMBERSHIPS_PATH } from './entities/lists.js';
import { customFieldSpec, prospectEntity, Prospects, PROSPECTS_PATH, type CustomFieldDef } from './entities/prospects.js';
import { readSettings, type PardotSettings } from './settings.js';

/** Every entity known without a live system. */
export const PARDOT_ENTITIES: EntitySpec[] = [prospectEntity, visitorActivityEntity, externalActivityEntity, listEntity, listMembershipEntity, campaignEntity];

const CUSTOM_FIELDS_PATH = '/api/v5/objects/custom-fields';

/** One open Pardot connection. */
export class PardotConnector implements Connector {
  readonly settings: PardotSettings;
  readonly client: PardotClient;
  private readonly prospects: Prospects;
  private readonly lists: Lists;
  private readonly visitorActivities: VisitorActivities;
  private readonly campaigns: Campaigns;
  private customFields: CustomFieldDef[] | null = null;

  constructor(private readonly ctx: ConnectorContext) {
    this.settings = readSettings(ctx.settings);
    const tokens = pardotTokenSource(this.settings, { state: ctx.state });
    this.client = new PardotClient(
      { baseUrl: this.settings.apiBaseUrl, businessUnitId: this.settings.businessUnitId, timeZone: this.settings.accountTimeZone },
      { tokens, gate: ctx.gate },
    );
    this.prospects = new Prospects(this.client, this.settings.importThreshold);
    this.lists = new Lists(this.client);
    this.visitorActivities = new VisitorActivities(this.client);
    this.campaigns = new Campaigns(this.client);
  }

  async check(): Promise<CheckResult> {
    try {
      const page = await this.client.page<Record<string, unknown>>(PROSPECTS_PATH, ['id'], { limit: 1 });
      return {
        ok: true,
        message: 'Connected to Account Engagement',
        info: { businessUnitId: this.settings.businessUnitId, host: this.settings.apiBaseUrl, prospectsVisible: page.values.length ? 'yes' : 'none' },
      };
    } catch (err) {
      const e = toSyncError(err);
      return { ok: false, message: e.message, info: { kind: e.kind, ...(e.details.vendorCode ? { code: e.details.vendorCode } : {}) } };
    }
  }

  async discover(): Promise<EntitySpec[]> {
    const defs = await this.loadCustomFields(true);
    return PARDOT_ENTITIES.map((e) => (e.name === 'prospect' ? { ...e, fields: [...e.fields, ...defs.map(customFieldSpec)] } : e));
  }

  async readChanges(entity: string, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
    const src = { entity, lagSeconds: this.settings.readLagSeconds, now: Date.now() };
    switch (entity) {
      case 'prospect':
        return readChanges(this.client, { ...src, path: PROSPECTS_PATH, fields: options.fields ?? (await this.prospectFields()), includeDeleted: true }, since, options);
      case 'visitorActivity': {
        const page = await readChanges(this.client, { ...src, path: VISITOR_ACTIVITIES_PATH, fields: VISITOR_ACTIVITY_FIELDS }, since, options);
        return { ...page, records: page.records.map((r) => visitorActivityRecord(r.data)) };
      }
      case 'list':
        return readChanges(this.client, { ...src, path: LISTS_PATH, fields: listEntity.fields.map((f) => f.name), includeDeleted: true }, since, options);
      case 'listMembership':
        return readChanges(this.client, { ...src, path: MEMBERSHIPS_PATH, fields: listMembershipEntity.fields.map((f) => f.name), includeDeleted: true }, since, options);
      case 'campaign':
        return readChanges(this.client, { ...src, path: CAMPAIGNS_PATH, fields: CAMPAIGN_FIELDS, includeDeleted: true }, since, options);
      default:
        throw unsupported(entity, 'readChanges');
    }
  }

  async get(entity: string, id: string): Promise<SourceRecord | null> {
    switch (entity) {
      case 'prospect':
        return this.prospects.get(id, await this.prospectFields());
      case 'visitorActivity':
        return this.visitorActivities.get(id);
      case 'list':
        return this.lists.getList(id);
      case 'listMembership':
        return this.lists.getMembership(id);
      case 'campaign':
        return this.campaigns.get(id);
      default:
        throw unsupported(entity, 'get');
    }
  }

  async find(entity: string, field: string, value: unknown): Promise<SourceRecord[]> {
    switch (entity) {
      case 'prospect':
        return this.prospects.find(field, value, await this.prospectFields());
      case 'visitorActivity':
        return this.visitorActivities.find(field, value);
      case 'list':
        return this.lists.findLists(field, value);
      case 'listMembership':
        return this.lists.findMemberships(field, value);
      case 'campaign':
        return this.campaigns.find(field, value);
      default:
        throw unsupported(entity, 'find');
    }
  }

  async write(entity: string, op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    switch (entity) {
      case 'prospect':
        return this.prospects.write(op);
      case 'externalActivity':
        return writeExternalActivity(this.client, op);
      case 'list':
        return this.lists.writeList(op);
      case 'listMembership':
        return this.lists.writeMembership(op);
      default:
        throw unsupported(entity, 'write');
    }
  }

  async writeBatch(entity: string, ops: WriteOp[]): Promise<BatchResult> {
    if (entity === 'prospect') return this.prospects.writeBatch(ops);
    const out: WriteOutcome[] = [];
    for (const op of ops) {
      try {
        out.push(await this.write(entity, op));
      } catch (err) {
        out.push({ ok: false, error: toSyncError(err) });
      }
    }
    return out;
  }

  /** Checks an Import API job a prospect writeBatch returned pending. */
  async resumeBatch(entity: string, handle: JsonObject): Promise<BatchResult> {
    if (entity !== 'prospect') throw unsupported(entity, 'resumeBatch');
    return this.prospects.resumeBatch(handle);
  }

  /** Adds a prospect to a list (idempotent). */
  addToList(listId: number, prospectId: number): Promise<WriteOutcome & { ok: true }> {
    return this.lists.addToList(listId, prospectId);
  }

  /** Removes a prospect from a list (idempotent). */
  removeFromList(listId: number, prospectId: number): Promise<WriteOutcome & { ok: true }> {
    return this.lists.removeFromList(listId, prospectId);
  }

  async close(): Promise<void> {
    // Nothing held open: HTTP connections belong to the shared fetch pool.
  }

  /** All readable prospect fields: the standard ones plus discovered custom fields. */
  private async prospectFields(): Promise<string[]> {
    const defs = await this.loadCustomFields(false);
    return [...prospectEntity.fields.map((f) => f.name), ...defs.map((d) => `${d.fieldId}__c`)];
  }

  private async loadCustomFields(force: boolean): Promise<CustomFieldDef[]> {
    if (this.customFields && !force) return this.customFields;
    const defs: CustomFieldDef[] = [];
    for await (const row of this.client.all<CustomFieldDef>(CUSTOM_FIELDS_PATH, ['id', 'fieldId', 'name', 'type', 'isRequired'], { limit: 1000 })) defs.push(row);
    this.customFields = defs;
    return defs;
  }
}

function unsupported(entity: string, op: string): SyncError {
  return new SyncError('fatal', `the Pardot connector has no ${op} for entity "${entity}"`, { system: 'pardot' });
}
