/**
 * Lists and list memberships. Adding a prospect to a list and removing it are idempotent: an
 * existing membership is reported as success (created: false), a missing one on removal too.
 * Dynamic lists are rule-driven and refuse manual memberships.
 */
import type { EntitySpec, SourceRecord, WriteOp, WriteOutcome } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { PardotClient } from '../client.js';

/** Lists collection path. */
export const LISTS_PATH = '/api/v5/objects/lists';
/** List memberships collection path. */
export const MEMBERSHIPS_PATH = '/api/v5/objects/list-memberships';

/** Lists (static and dynamic). */
export const listEntity: EntitySpec = {
  name: 'list',
  label: 'List',
  idField: 'id',
  updatedField: 'updatedAt',
  fields: [
    { name: 'id', type: 'id', readOnly: true },
    { name: 'name', type: 'string', required: true, description: 'Internal name' },
    { name: 'title', type: 'string', description: 'Public title' },
    { name: 'description', type: 'text' },
    { name: 'isDynamic', type: 'boolean', readOnly: true },
    { name: 'isPublic', type: 'boolean' },
    { name: 'isDeleted', type: 'boolean', readOnly: true },
    { name: 'createdAt', type: 'datetime', readOnly: true },
    { name: 'updatedAt', type: 'datetime', readOnly: true },
  ],
  operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'delete'],
};

/** A prospect's membership of a list. */
export const listMembershipEntity: EntitySpec = {
  name: 'listMembership',
  label: 'List membership',
  idField: 'id',
  updatedField: 'updatedAt',
  fields: [
    { name: 'id', type: 'id', readOnly: true },
    { name: 'listId', type: 'reference', references: 'list', required: true },
    { name: 'prospectId', type: 'reference', references: 'prospect', required: true },
    { name: 'optedOut', type: 'boolean' },
    // Read with deleted memberships included (changes.ts), so a flow can tell a removal from an addition.
    { name: 'isDeleted', type: 'boolean', readOnly: true },
    { name: 'createdAt', type: 'datetime', readOnly: true },
    { name: 'updatedAt', type: 'datetime', readOnly: true },
  ],
  operations: ['read', 'changes', 'get', 'find', 'create', 'upsert', 'delete'],
  description: 'create/upsert adds a prospect to a static list (idempotent); delete removes it (idempotent).',
};

const LIST_FIELDS = ['id', 'name', 'title', 'description', 'isDynamic', 'isPublic', 'isDeleted', 'createdAt', 'updatedAt'];
const MEMBERSHIP_FIELDS = ['id', 'listId', 'prospectId', 'optedOut', 'createdAt', 'updatedAt'];

/** List and membership operations. */
export class Lists {
  constructor(private readonly client: PardotClient) {}

  /** A list by id. */
  async getList(id: string): Promise<SourceRecord | null> {
    const row = await this.client.read<Record<string, unknown>>(`${LISTS_PATH}/${encodeURIComponent(id)}`, LIST_FIELDS);
    return row ? record('list', row) : null;
  }

  /** Lists whose name equals `name`. */
  async findLists(field: string, value: unknown): Promise<SourceRecord[]> {
    if (field === 'id') {
      const r = await this.getList(String(value));
      return r ? [r] : [];
    }
    if (field !== 'name') throw new SyncError('fatal', `Pardot lists can be found by name or id, not by "${field}"`, { system: 'pardot', field });
    const out: SourceRecord[] = [];
    for await (const row of this.client.all<Record<string, unknown>>(LISTS_PATH, LIST_FIELDS, { name: String(value) })) out.push(record('list', row));
    return out;
  }

  /** Creates, updates or deletes a list. */
  async writeList(op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    const { id: _id, ...data } = op.data;
    if (op.verb === 'create' || op.verb === 'upsert') {
      if (op.verb === 'upsert') {
        const existing = await this.findLists('name', op.match?.value ?? data.name);
        if (existing[0]) return this.writeList({ ...op, verb: 'update', id: existing[0].id });
      }
      const res = await this.client.call({ method: 'POST', path: LISTS_PATH, query: { fields: LIST_FIELDS.join(',') }, json: data, recordKey: String(data.name) });
      return { ok: true, id: String((res.json as { id: number }).id), created: true, data: res.json as Record<string, unknown> };
    }
    if (!op.id) throw new SyncError('fatal', `a list ${op.verb} needs the list id`, { system: 'pardot' });
    if (op.verb === 'delete') {
      await this.client.call({ method: 'DELETE', path: `${LISTS_PATH}/${encodeURIComponent(op.id)}`, recordKey: op.id });
      return { ok: true, id: op.id, created: false };
    }
    const res = await this.client.call({ method: 'PATCH', path: `${LISTS_PATH}/${encodeURIComponent(op.id)}`, query: { fields: LIST_FIELDS.join(',') }, json: data, recordKey: op.id });
    return { ok: true, id: op.id, created: false, data: res.json as Record<string, unknown> };
  }

  /** A membership by id. */
  async getMembership(id: string): Promise<SourceRecord | null> {
    const row = await this.client.read<Record<string, unknown>>(`${MEMBERSHIPS_PATH}/${encodeURIComponent(id)}`, MEMBERSHIP_FIELDS);
    return row ? record('listMembership', row) : null;
  }

  /** Memberships by listId or prospectId. */
  async findMemberships(field: string, value: unknown): Promise<SourceRecord[]> {
    if (field === 'id') {
      const r = await this.getMembership(String(value));
      return r ? [r] : [];
    }
    if (field !== 'listId' && field !== 'prospectId') throw new SyncError('fatal', `Pardot list memberships can be found by listId or prospectId, not by "${field}"`, { system: 'pardot', field });
    const out: SourceRecord[] = [];
    for await (const row of this.client.all<Record<string, unknown>>(MEMBERSHIPS_PATH, MEMBERSHIP_FIELDS, { [field]: String(value) })) out.push(record('listMembership', row));
    return out;
  }

  /** The active membership of a prospect in a list, if any. */
  async membershipOf(listId: number, prospectId: number): Promise<Record<string, unknown> | null> {
    for await (const row of this.client.all<Record<string, unknown>>(MEMBERSHIPS_PATH, MEMBERSHIP_FIELDS, { listId, prospectId })) return row;
    return null;
  }

  /** Adds a prospect to a list; an existing membership is success with created false. */
  async addToList(listId: number, prospectId: number, optedOut?: boolean): Promise<WriteOutcome & { ok: true }> {
    const key = `${listId}/${prospectId}`;
    const existing = await this.membershipOf(listId, prospectId);
    if (existing) return { ok: true, id: String(existing.id), created: false, data: existing };
    try {
      const body: Record<string, unknown> = { listId, prospectId };
      if (optedOut !== undefined) body.optedOut = optedOut;
      const res = await this.client.call({ method: 'POST', path: MEMBERSHIPS_PATH, query: { fields: MEMBERSHIP_FIELDS.join(',') }, json: body, recordKey: key });
      const row = res.json as Record<string, unknown>;
      return { ok: true, id: String(row.id), created: true, data: row };
    } catch (err) {
      // Another writer added it between our check and our create.
      if (err instanceof SyncError && err.kind === 'conflict') {
        const now = await this.membershipOf(listId, prospectId);
        if (now) return { ok: true, id: String(now.id), created: false, data: now };
      }
      throw err;
    }
  }

  /** Removes a prospect from a list; no membership is success too. */
  async removeFromList(listId: number, prospectId: number): Promise<WriteOutcome & { ok: true }> {
    const existing = await this.membershipOf(listId, prospectId);
    if (!existing) return { ok: true, id: `${listId}/${prospectId}`, created: false };
    await this.deleteMembership(String(existing.id));
    return { ok: true, id: String(existing.id), created: false };
  }

  private async deleteMembership(id: string): Promise<void> {
    try {
      await this.client.call({ method: 'DELETE', path: `${MEMBERSHIPS_PATH}/${encodeURIComponent(id)}`, recordKey: id });
    } catch (err) {
      if (!(err instanceof SyncError && err.kind === 'not_found')) throw err;
    }
  }

  /** A membership write: create/upsert adds, delete removes (by id or by listId + prospectId). */
  async writeMembership(op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    if (op.verb === 'delete' && op.id && op.data.listId === undefined) {
      await this.deleteMembership(op.id);
      return { ok: true, id: op.id, created: false };
    }
    const listId = toId(op.data.listId, 'listId');
    const prospectId = toId(op.data.prospectId, 'prospectId');
    if (op.verb === 'delete') return this.removeFromList(listId, prospectId);
    if (op.verb === 'update') throw new SyncError('fatal', 'list memberships are added or removed, not updated', { system: 'pardot' });
    return this.addToList(listId, prospectId, typeof op.data.optedOut === 'boolean' ? op.data.optedOut : undefined);
  }
}

function toId(v: unknown, field: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new SyncError('invalid_data', `${field} must be a Pardot id (integer)`, { system: 'pardot', field, value: v, rule: 'integer id' });
  return n;
}

function record(entity: string, row: Record<string, unknown>): SourceRecord {
  return { id: String(row.id), entity, updatedAt: typeof row.updatedAt === 'string' ? row.updatedAt : undefined, data: row };
}
