/** Handlers for the v5 object resources: prospects, custom fields, lists, list memberships, visitor activities, campaigns, external activities. */
import { jsonBody, pathId, type Reply, type RequestContext } from './context.js';
import { PardotApiError } from './errors.js';
import {
  campaignSpec,
  customFieldSpec,
  externalActivitySpec,
  listMembershipSpec,
  listSpec,
  prospectSpec,
  visitorActivitySpec,
  CUSTOM_FIELD_KINDS,
} from './objects.js';
import { createProspect, latestByEmail, updateProspect, validateProspectInput } from './prospect-writes.js';
import { parseFields, parseListQuery, runListQuery, selectFields, type ObjectSpec, type Row } from './query.js';
import type { PardotState } from './state.js';
import { toSecond } from './time.js';

/** Answers a collection query with the documented page shape. */
export function queryReply(ctx: RequestContext, spec: ObjectSpec, rows: Iterable<Row>): Reply {
  const q = parseListQuery(spec, ctx.params, ctx.now, ctx.state);
  const { body, warning } = runListQuery(spec, rows, q, `${ctx.origin}${ctx.path}`, ctx.offset, ctx.now, ctx.state);
  return { status: 200, body, headers: warning ? { 'Pardot-Warning': warning } : undefined };
}

/** Answers a read by id; recycled records are returned with the recycle-bin warning. */
export function readReply(ctx: RequestContext, spec: ObjectSpec, row: Row | undefined): Reply {
  const fields = parseFields(spec, ctx.params, ctx.state);
  if (!row) throw new PardotApiError(109);
  return { status: 200, body: selectFields(spec, row, fields, ctx.offset, ctx.state), headers: row.isDeleted ? { 'Pardot-Warning': '201;Record In Recycle Bin' } : undefined };
}

/** After a write: the requested fields (201/200), or id plus written fields when `fields` was not sent. */
function writeReply(ctx: RequestContext, spec: ObjectSpec, row: Row, status: number, written: Record<string, unknown>): Reply {
  const fields = ctx.params.has('fields') ? parseFields(spec, ctx.params, ctx.state) : ['id', ...Object.keys(written).filter((k) => k !== 'id')];
  return { status, body: selectFields(spec, row, fields, ctx.offset, ctx.state), headers: { Location: `${ctx.origin}/api/v5/objects/${spec.name}/${row.id}` } };
}

function prospects(state: PardotState): ObjectSpec {
  return prospectSpec(() => state.customFields.values());
}

// ---- prospects -------------------------------------------------------------------------------

export function queryProspects(ctx: RequestContext): Reply {
  return queryReply(ctx, prospects(ctx.state), ctx.state.prospects.values());
}

export function readProspect(ctx: RequestContext, id: string): Reply {
  return readReply(ctx, prospects(ctx.state), ctx.state.prospects.get(pathId(id)));
}

export function createProspectHandler(ctx: RequestContext): Reply {
  const spec = prospects(ctx.state);
  if (ctx.params.has('fields')) parseFields(spec, ctx.params, ctx.state);
  const values = validateProspectInput(ctx.state, jsonBody(ctx), true);
  if (!ctx.state.allowMultipleProspectsWithSameEmail && ctx.state.prospectsByEmail(String(values.email)).some((p) => !p.isDeleted)) {
    // Code and wording are the emulator's choice: v5 documents only that AMPSEA-off units refuse it.
    throw new PardotApiError(9, `A prospect with the specified email address already exists: ${String(values.email)}`);
  }
  const row = createProspect(ctx.state, values, ctx.now);
  return writeReply(ctx, spec, row, 201, values);
}

export function updateProspectHandler(ctx: RequestContext, id: string): Reply {
  const spec = prospects(ctx.state);
  if (ctx.params.has('fields')) parseFields(spec, ctx.params, ctx.state);
  const row = ctx.state.prospects.get(pathId(id));
  if (!row) throw new PardotApiError(109);
  if (row.isDeleted) throw new PardotApiError(219, 'The record is deleted and cannot be updated; undelete it first');
  const values = validateProspectInput(ctx.state, jsonBody(ctx), false);
  updateProspect(row, values, ctx.now);
  return writeReply(ctx, spec, row, 200, values);
}

export function deleteRecord(ctx: RequestContext, map: Map<number, Row>, id: string): Reply {
  const row = map.get(pathId(id));
  if (!row || row.isDeleted) throw new PardotApiError(109);
  row.isDeleted = true;
  row.updatedAt = toSecond(ctx.now);
  return { status: 204 };
}

/**
 * `POST /prospects/do/upsertLatestByEmail`: updates the non-deleted prospect with the latest
 * activity whose email equals `matchEmail` exactly (case-sensitive), else creates one. With
 * `secondaryDeletedSearch` and only deleted matches, the latest deleted one is undeleted and updated.
 * Answers 201 when it created, 200 when it updated.
 */
export function upsertLatestByEmail(ctx: RequestContext): Reply {
  const spec = prospects(ctx.state);
  const body = jsonBody(ctx);
  const matchEmail = body.matchEmail;
  if (typeof matchEmail !== 'string' || matchEmail === '') throw new PardotApiError(153, 'A required property is missing: matchEmail');
  const input = body.prospect;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new PardotApiError(153, 'A required property is missing: prospect');
  const fieldsFromBody = Array.isArray(body.fields) ? (body.fields as unknown[]).map(String) : undefined;
  if (fieldsFromBody) parseFields(spec, new URLSearchParams({ fields: fieldsFromBody.join(',') }), ctx.state);
  else if (ctx.params.has('fields')) parseFields(spec, ctx.params, ctx.state);

  let row = latestByEmail(ctx.state, matchEmail, false);
  let created = false;
  if (!row && body.secondaryDeletedSearch === true) {
    row = latestByEmail(ctx.state, matchEmail, true);
    if (row) row.isDeleted = false;
  }
  if (row) {
    const values = validateProspectInput(ctx.state, input as Record<string, unknown>, false);
    updateProspect(row, values, ctx.now);
  } else {
    const values = validateProspectInput(ctx.state, { email: matchEmail, ...(input as Record<string, unknown>) }, true);
    row = createProspect(ctx.state, values, ctx.now);
    created = true;
  }
  const fields = fieldsFromBody ?? (ctx.params.has('fields') ? parseFields(spec, ctx.params, ctx.state) : ['id', 'email', ...Object.keys(input as object).filter((k) => k !== 'email' && k !== 'id')]);
  return { status: created ? 201 : 200, body: selectFields(spec, row, fields, ctx.offset, ctx.state) };
}

// ---- custom fields ---------------------------------------------------------------------------

export function createCustomField(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  for (const k of ['fieldId', 'name', 'type']) if (typeof body[k] !== 'string' || body[k] === '') throw new PardotApiError(153, `A required property is missing: ${k}`);
  if (!(String(body.type) in CUSTOM_FIELD_KINDS)) throw new PardotApiError(154, `Invalid property value: type (one of ${Object.keys(CUSTOM_FIELD_KINDS).join(', ')})`);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(String(body.fieldId))) throw new PardotApiError(154, 'Invalid property value: fieldId');
  if ([...ctx.state.customFields.values()].some((c) => c.fieldId === body.fieldId)) throw new PardotApiError(154, `Invalid property value: fieldId ("${String(body.fieldId)}" already exists)`);
  const id = ctx.state.nextId('customField');
  const at = toSecond(ctx.now);
  const row: Row = { id, fieldId: body.fieldId, name: body.name, type: body.type, isRequired: body.isRequired === true, isRecordMultipleResponses: false, isUseValues: false, isAnalyticsSynced: false, salesforceId: null, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at };
  ctx.state.customFields.set(id, row);
  return writeReply(ctx, customFieldSpec, row, 201, { fieldId: row.fieldId, name: row.name, type: row.type });
}

// ---- lists and memberships -------------------------------------------------------------------

export function createList(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  if (typeof body.name !== 'string' || body.name === '') throw new PardotApiError(153, 'A required property is missing: name');
  const id = ctx.state.nextId('list');
  const at = toSecond(ctx.now);
  const row: Row = {
    id,
    name: body.name,
    title: typeof body.title === 'string' ? body.title : body.name,
    description: typeof body.description === 'string' ? body.description : null,
    isDynamic: false,
    isPublic: body.isPublic === true,
    folderId: null,
    campaignId: null,
    isDeleted: false,
    createdById: 1001,
    updatedById: 1001,
    createdAt: at,
    updatedAt: at,
  };
  ctx.state.lists.set(id, row);
  return writeReply(ctx, listSpec, row, 201, { name: row.name });
}

export function updateList(ctx: RequestContext, id: string): Reply {
  const row = ctx.state.lists.get(pathId(id));
  if (!row || row.isDeleted) throw new PardotApiError(109);
  const body = jsonBody(ctx);
  for (const [k, v] of Object.entries(body)) {
    if (!['name', 'title', 'description', 'isPublic'].includes(k)) throw new PardotApiError(180, `The field "${k}" is not writable in this operation`);
    row[k] = v;
  }
  row.updatedAt = toSecond(ctx.now);
  return writeReply(ctx, listSpec, row, 200, body);
}

/** Adds a prospect to a static list; a second active membership of the same pair is refused (code 58, as the legacy API documented). */
export function createListMembership(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  for (const k of ['listId', 'prospectId']) {
    if (body[k] === undefined) throw new PardotApiError(153, `A required property is missing: ${k}`);
    if (!Number.isInteger(body[k])) throw new PardotApiError(154, `Invalid property value: ${k} (an integer id is expected)`);
  }
  const list = ctx.state.lists.get(body.listId as number);
  if (!list || list.isDeleted) throw new PardotApiError(154, `Invalid property value: listId (list ${String(body.listId)} not found)`);
  if (list.isDynamic) throw new PardotApiError(154, 'Invalid property value: listId (memberships of a dynamic list are managed by its rules)');
  const prospect = ctx.state.prospects.get(body.prospectId as number);
  if (!prospect || prospect.isDeleted) throw new PardotApiError(154, `Invalid property value: prospectId (prospect ${String(body.prospectId)} not found)`);
  const existing = [...ctx.state.listMemberships.values()].find((m) => !m.isDeleted && m.listId === list.id && m.prospectId === prospect.id);
  if (existing) throw new PardotApiError(58, 'That prospect is already a member of that list');
  const id = ctx.state.nextId('listMembership');
  const at = toSecond(ctx.now);
  const row: Row = { id, listId: list.id, prospectId: prospect.id, optedOut: body.optedOut === true, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at };
  ctx.state.listMemberships.set(id, row);
  return writeReply(ctx, listMembershipSpec, row, 201, { listId: row.listId, prospectId: row.prospectId, optedOut: row.optedOut });
}

// ---- external activities ---------------------------------------------------------------------

/** `POST /api/v5/external-activities`: the type must be an active type of an active extension, and the email must match a prospect. Answers 204. */
export function createExternalActivity(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  for (const k of ['extension', 'type', 'value', 'email']) {
    if (body[k] === undefined || body[k] === null || body[k] === '') throw new PardotApiError(153, `A required property is missing: ${k}`);
    if (typeof body[k] !== 'string') throw new PardotApiError(154, `Invalid property value: ${k} (a string is expected)`);
  }
  const ext = String(body.extension);
  const type = String(body.type);
  if (!ctx.state.externalActivityTypes.some((t) => t.extension === ext && t.isActive)) {
    throw new PardotApiError(154, `Invalid property value: extension ("${ext}" is not an active marketing app extension of this business unit)`);
  }
  if (!ctx.state.externalActivityTypes.some((t) => t.extension === ext && t.type === type && t.isActive)) {
    throw new PardotApiError(154, `Invalid property value: type ("${type}" is not an active activity type of extension "${ext}")`);
  }
  const prospect = latestByEmail(ctx.state, String(body.email), false);
  if (!prospect) throw new PardotApiError(109, `The requested record was not found. No prospect with email "${String(body.email)}"`);
  const id = ctx.state.nextId('externalActivity');
  const at = toSecond(ctx.now);
  ctx.state.externalActivities.set(id, { id, extension: ext, type, value: String(body.value), email: body.email, prospectId: prospect.id, activityDate: at, createdAt: at, updatedAt: at });
  prospect.lastActivityAt = at;
  return { status: 204 };
}

/** The read-only specs, exported for the router. */
export const specs = { customFieldSpec, listSpec, listMembershipSpec, visitorActivitySpec, campaignSpec, externalActivitySpec };
