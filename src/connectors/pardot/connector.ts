/** An open Pardot connection: routes the connector protocol to the entity modules. */
import type { CheckResult, Connector, ConnectorContext, EntitySpec, ReadChangesOptions, Watermark, WriteOutcome } from '../../core/connector.js';
import { toSyncError } from '../../core/errors.js';
import { tableMethods, type EntityTable } from '../shared/entities.js';
import { pardotTokenSource } from './auth.js';
import { readAllPage, readChanges } from './changes.js';
import { PardotClient } from './client.js';
import { externalActivityEntity, visitorActivityEntity, visitorActivityRecord, VisitorActivities, VISITOR_ACTIVITIES_PATH, VISITOR_ACTIVITY_FIELDS, writeExternalActivity, findExternalActivities } from './entities/activities.js';
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
    this.settings = readSettings(ctx.settings);
    const tokens = pardotTokenSource(this.settings, { state: ctx.state });
    this.client = new PardotClient(
      { baseUrl: this.settings.apiBaseUrl, businessUnitId: this.settings.businessUnitId, timeZone: this.settings.accountTimeZone },
      { tokens, gate: ctx.gate, reportUsage: (u) => ctx.reportUsage(u) },
    );
    this.prospects = new Prospects(this.client, this.settings.importThreshold, this.settings.importIdReadBack);
    this.lists = new Lists(this.client);
    this.visitorActivities = new VisitorActivities(this.client);
    this.campaigns = new Campaigns(this.client);
    Object.assign(this, tableMethods(this.entityTable(), 'pardot'));
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
    // With the business unit's custom fields added, the prospect's field list is complete.
    return PARDOT_ENTITIES.map((e) => (e.name === 'prospect' ? { ...e, fields: [...e.fields, ...defs.map(customFieldSpec)], openFields: false } : e));
  }

  /** Every entity's operations, dispatched through one table (connectors/shared/entities.ts). */
  private entityTable(): EntityTable {
    const src = (): { settleSeconds: number; now: number } => ({ settleSeconds: this.settings.settleSeconds, now: Date.now() });
    // Only prospects read the fields a flow asks for; the other collections read their declared fields.
    const changes = (entity: string, path: string, fields: (options: ReadChangesOptions) => Promise<string[]> | string[]) => async (since: Watermark | null, options: ReadChangesOptions) =>
      readChanges(this.client, { ...src(), entity, path, fields: await fields(options), includeDeleted: true }, since, options);
    return {
      prospect: {
        spec: prospectEntity,
        readChanges: changes('prospect', PROSPECTS_PATH, async (options) => options.fields ?? (await this.prospectFields())),
        readAll: async (cursor, options) => readAllPage(this.client, { entity: 'prospect', path: PROSPECTS_PATH, fields: options.fields ?? (await this.prospectFields()) }, cursor, options),
        get: async (id) => this.prospects.get(id, await this.prospectFields()),
        find: async (field, value) => this.prospects.find(field, value, await this.prospectFields()),
        write: (op) => this.prospects.write(op),
        writeBatch: (ops) => this.prospects.writeBatch(ops),
        resumeBatch: (handle) => this.prospects.resumeBatch(handle),
        openBatch: () => this.prospects.openBatch(),
      },
      visitorActivity: {
        spec: visitorActivityEntity,
        readChanges: async (since, options) => {
          const page = await readChanges(this.client, { ...src(), entity: 'visitorActivity', path: VISITOR_ACTIVITIES_PATH, fields: VISITOR_ACTIVITY_FIELDS }, since, options);
          return { ...page, records: page.records.map((r) => visitorActivityRecord(r.data)) };
        },
        get: (id) => this.visitorActivities.get(id),
        find: (field, value) => this.visitorActivities.find(field, value),
      },
      externalActivity: { spec: externalActivityEntity, write: (op) => writeExternalActivity(this.client, op), find: (field, value) => findExternalActivities(this.client, field, value) },
      list: {
        spec: listEntity,
        readChanges: changes('list', LISTS_PATH, () => listEntity.fields.map((f) => f.name)),
        get: (id) => this.lists.getList(id),
        find: (field, value) => this.lists.findLists(field, value),
        write: (op) => this.lists.writeList(op),
      },
      listMembership: {
        spec: listMembershipEntity,
        readChanges: changes('listMembership', MEMBERSHIPS_PATH, () => listMembershipEntity.fields.map((f) => f.name)),
        get: (id) => this.lists.getMembership(id),
        find: (field, value) => this.lists.findMemberships(field, value),
        write: (op) => this.lists.writeMembership(op),
      },
      campaign: {
        spec: campaignEntity,
        readChanges: changes('campaign', CAMPAIGNS_PATH, () => CAMPAIGN_FIELDS),
        get: (id) => this.campaigns.get(id),
        find: (field, value) => this.campaigns.find(field, value),
      },
    };
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

