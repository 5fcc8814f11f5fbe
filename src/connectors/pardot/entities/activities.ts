/**
 * Visitor activities (read and query: what prospects did) and external activities (write: what
 * happened elsewhere, e.g. an order shipped, recorded on the prospect's timeline).
 */
import type { EntitySpec, SourceRecord, WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { PardotClient } from '../client.js';
import { normalizeEmail } from './prospects.js';

/** Visitor activities collection path. */
export const VISITOR_ACTIVITIES_PATH = '/api/v5/objects/visitor-activities';
/** External activities path (outside `objects`). */
export const EXTERNAL_ACTIVITIES_PATH = '/api/v5/external-activities';

/** The extension used when a write does not name one. */
export const DEFAULT_EXTENSION = 'Syncline';

/** Numeric visitor activity types: `typeName` is unreliable (6, 11 and 13 can all say "Email"). */
export const VISITOR_ACTIVITY_TYPES: Record<number, string> = {
  1: 'Click', 2: 'View', 3: 'Error', 4: 'Success', 5: 'Session', 6: 'Sent', 7: 'Search', 8: 'New Opportunity',
  9: 'Opportunity Won', 10: 'Opportunity Lost', 11: 'Open', 12: 'Unsubscribe Page', 13: 'Bounced', 14: 'Spam Complaint',
  15: 'Email Preference Page', 16: 'Resubscribed', 17: 'Click (Third Party)', 18: 'Opportunity Reopened', 19: 'Opportunity Linked',
  20: 'Visit', 21: 'Custom URL click', 22: 'Olark Chat', 23: 'Invited to Webinar', 24: 'Attended Webinar', 25: 'Registered for Webinar',
  26: 'Social Post Click', 27: 'Video View', 28: 'Event Registered', 29: 'Event Checked In', 30: 'Video Conversion',
  31: 'UserVoice Suggestion', 32: 'UserVoice Comment', 33: 'UserVoice Ticket', 34: 'Video Watched (≥75%)',
  35: 'Indirect Unsubscribe Open', 36: 'Indirect Bounce', 37: 'Indirect Resubscribed', 38: 'Opportunity Unlinked',
};

/** Fields requested for visitor activities. */
export const VISITOR_ACTIVITY_FIELDS = ['id', 'prospectId', 'visitorId', 'type', 'typeName', 'details', 'campaignId', 'emailId', 'formId', 'formHandlerId', 'landingPageId', 'createdAt', 'updatedAt'];

/** Visitor activities: read only. */
export const visitorActivityEntity: EntitySpec = {
  name: 'visitorActivity',
  label: 'Visitor activity',
  idField: 'id',
  updatedField: 'updatedAt',
  fields: [
    ...VISITOR_ACTIVITY_FIELDS.map((name) => ({
      name,
      type: name === 'id' ? ('id' as const) : name.endsWith('At') ? ('datetime' as const) : name.endsWith('Id') || name === 'type' ? ('integer' as const) : ('string' as const),
      readOnly: true,
    })),
    { name: 'typeLabel', type: 'string', readOnly: true, description: 'Label of the numeric type, added by Syncline (typeName is unreliable)' },
  ],
  operations: ['read', 'changes', 'get', 'find'],
};

/** External activities: write only. */
export const externalActivityEntity: EntitySpec = {
  name: 'externalActivity',
  label: 'External activity',
  idField: 'id',
  fields: [
    { name: 'extension', type: 'string', description: `Marketing app extension DeveloperName (default ${DEFAULT_EXTENSION})` },
    { name: 'type', type: 'string', required: true, description: 'Activity type DeveloperName, e.g. "Order_Shipped"' },
    { name: 'value', type: 'string', required: true, description: 'Free text shown on the timeline, e.g. the order number' },
    { name: 'email', type: 'email', required: true, description: "The prospect's email (normalised)" },
  ],
  operations: ['create', 'find'],
  description:
    'No id comes back and the API has no idempotency key: flows match on email+type+value (found by the prospect\'s email) so a retried write finds the activity it already recorded instead of adding it twice.',
};

/** Fields read back for external activities. */
export const EXTERNAL_ACTIVITY_FIELDS = ['id', 'extension', 'type', 'value', 'email', 'prospectId', 'activityDate', 'createdAt', 'updatedAt'];

/** External activities on the timeline of the prospect with this email (`GET /api/v5/external-activities?email=`), for matching. */
export async function findExternalActivities(client: PardotClient, field: string, value: unknown): Promise<SourceRecord[]> {
  if (field !== 'email') throw new SyncError('fatal', `external activities can be found by email (then type and value), not by "${field}"`, { system: 'pardot', field });
  const out: SourceRecord[] = [];
  for await (const row of client.all<Record<string, unknown>>(EXTERNAL_ACTIVITIES_PATH, EXTERNAL_ACTIVITY_FIELDS, { email: normalizeEmail(value), orderBy: 'createdAt' })) {
    out.push({ id: String(row.id), entity: 'externalActivity', updatedAt: typeof row.updatedAt === 'string' ? row.updatedAt : undefined, data: row as SourceRecord['data'] });
  }
  return out;
}

/** Adds the type label. */
export function visitorActivityRecord(row: Record<string, unknown>): SourceRecord {
  const label = VISITOR_ACTIVITY_TYPES[Number(row.type)];
  return { id: String(row.id), entity: 'visitorActivity', updatedAt: typeof row.updatedAt === 'string' ? row.updatedAt : undefined, data: { ...row, typeLabel: label ?? null } };
}

/** Visitor activity reads. */
export class VisitorActivities {
  constructor(private readonly client: PardotClient) {}

  async get(id: string): Promise<SourceRecord | null> {
    const row = await this.client.read<Record<string, unknown>>(`${VISITOR_ACTIVITIES_PATH}/${encodeURIComponent(id)}`, VISITOR_ACTIVITY_FIELDS);
    return row ? visitorActivityRecord(row) : null;
  }

  /** Activities by prospectId or type. */
  async find(field: string, value: unknown): Promise<SourceRecord[]> {
    if (field === 'id') {
      const r = await this.get(String(value));
      return r ? [r] : [];
    }
    if (field !== 'prospectId' && field !== 'type') throw new SyncError('fatal', `visitor activities can be found by prospectId or type, not by "${field}"`, { system: 'pardot', field });
    const out: SourceRecord[] = [];
    for await (const row of this.client.all<Record<string, unknown>>(VISITOR_ACTIVITIES_PATH, VISITOR_ACTIVITY_FIELDS, { [field]: String(value), orderBy: 'createdAt' })) {
      out.push(visitorActivityRecord(row));
    }
    return out;
  }
}

/** Records one external activity on the prospect with this email. Answers 204 with no id. */
export async function writeExternalActivity(client: PardotClient, op: WriteOp): Promise<WriteOutcome & { ok: true }> {
  if (op.verb !== 'create' && op.verb !== 'upsert') throw new SyncError('fatal', `external activities can only be created (got ${op.verb})`, { system: 'pardot' });
  const email = normalizeEmail(op.data.email);
  const body = { extension: String(op.data.extension ?? DEFAULT_EXTENSION), type: String(op.data.type ?? ''), value: String(op.data.value ?? ''), email };
  for (const k of ['type', 'value', 'email'] as const) {
    if (!body[k]) throw new SyncError('invalid_data', `an external activity needs ${k}`, { system: 'pardot', field: k, rule: 'required', recordKey: email });
  }
  await client.call({ method: 'POST', path: EXTERNAL_ACTIVITIES_PATH, json: body, recordKey: email });
  return { ok: true, id: op.idempotencyKey ?? `${body.extension}/${body.type}/${email}/${body.value}`, created: true };
}
