/** Campaigns: read only (with Connected Campaigns they are created in Salesforce). */
import type { EntitySpec, SourceRecord } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { PardotClient } from '../client.js';

/** Campaigns collection path. */
export const CAMPAIGNS_PATH = '/api/v5/objects/campaigns';
/** Fields requested for campaigns. */
export const CAMPAIGN_FIELDS = ['id', 'name', 'cost', 'folderId', 'parentCampaignId', 'salesforceId', 'isDeleted', 'createdAt', 'updatedAt'];

/** The campaign entity. */
export const campaignEntity: EntitySpec = {
  name: 'campaign',
  label: 'Campaign',
  idField: 'id',
  updatedField: 'updatedAt',
  fields: [
    { name: 'id', type: 'id', readOnly: true },
    { name: 'name', type: 'string', readOnly: true },
    { name: 'cost', type: 'integer', readOnly: true },
    { name: 'folderId', type: 'integer', readOnly: true },
    { name: 'parentCampaignId', type: 'integer', readOnly: true },
    { name: 'salesforceId', type: 'string', readOnly: true },
    { name: 'isDeleted', type: 'boolean', readOnly: true },
    { name: 'createdAt', type: 'datetime', readOnly: true },
    { name: 'updatedAt', type: 'datetime', readOnly: true },
  ],
  operations: ['read', 'changes', 'get', 'find'],
};

/** Campaign reads. */
export class Campaigns {
  constructor(private readonly client: PardotClient) {}

  async get(id: string): Promise<SourceRecord | null> {
    const row = await this.client.read<Record<string, unknown>>(`${CAMPAIGNS_PATH}/${encodeURIComponent(id)}`, CAMPAIGN_FIELDS);
    return row ? { id: String(row.id), entity: 'campaign', updatedAt: String(row.updatedAt), data: row } : null;
  }

  /** Campaigns by name (or id). */
  async find(field: string, value: unknown): Promise<SourceRecord[]> {
    if (field === 'id') {
      const r = await this.get(String(value));
      return r ? [r] : [];
    }
    if (field !== 'name') throw new SyncError('fatal', `campaigns can be found by name or id, not by "${field}"`, { system: 'pardot', field });
    const out: SourceRecord[] = [];
    for await (const row of this.client.all<Record<string, unknown>>(CAMPAIGNS_PATH, CAMPAIGN_FIELDS, { name: String(value) })) {
      out.push({ id: String(row.id), entity: 'campaign', updatedAt: String(row.updatedAt), data: row });
    }
    return out;
  }
}
