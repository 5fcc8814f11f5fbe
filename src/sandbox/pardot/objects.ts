/**
 * The emulated v5 objects: their fields (kind, writable), filters and sort keys. Prospect fields
 * follow the v5 prospect field table; custom fields are added as `<fieldId>__c` from the
 * custom-fields object at run time.
 */
import type { FieldKind, ObjectSpec, Relation, Row } from './query.js';

/** A field with its kind and whether a create/update may set it. */
interface FieldDef {
  kind: FieldKind;
  writable: boolean;
}

const ro = (kind: FieldKind): FieldDef => ({ kind, writable: false });
const rw = (kind: FieldKind): FieldDef => ({ kind, writable: true });

/** Standard prospect fields (v5 camelCase names). */
export const PROSPECT_FIELDS: Record<string, FieldDef> = {
  id: ro('int'),
  email: rw('string'),
  firstName: rw('string'),
  lastName: rw('string'),
  salutation: rw('string'),
  phone: rw('string'),
  fax: rw('string'),
  company: rw('string'),
  jobTitle: rw('string'),
  department: rw('string'),
  industry: rw('string'),
  website: rw('string'),
  addressOne: rw('string'),
  addressTwo: rw('string'),
  city: rw('string'),
  state: rw('string'),
  zip: rw('string'),
  country: rw('string'),
  territory: rw('string'),
  annualRevenue: rw('string'),
  employees: rw('string'),
  source: rw('string'),
  comments: rw('string'),
  notes: rw('string'),
  score: rw('int'),
  grade: rw('string'),
  optedOut: rw('bool'),
  isDoNotEmail: rw('bool'),
  isDoNotCall: rw('bool'),
  isReviewed: rw('bool'),
  isStarred: rw('bool'),
  doNotSell: rw('bool'),
  campaignId: rw('int'),
  assignedToId: rw('int'),
  prospectAccountId: ro('int'),
  salesforceId: ro('string'),
  salesforceLeadId: ro('string'),
  salesforceContactId: ro('string'),
  salesforceAccountId: ro('string'),
  salesforceUrl: ro('string'),
  salesforceLastSync: ro('datetime'),
  lastActivityAt: ro('datetime'),
  firstActivityAt: ro('datetime'),
  recentInteraction: ro('string'),
  isEmailHardBounced: ro('bool'),
  emailBouncedAt: ro('datetime'),
  emailBouncedReason: ro('string'),
  isDeleted: ro('bool'),
  createdById: ro('int'),
  updatedById: ro('int'),
  createdAt: ro('datetime'),
  updatedAt: ro('datetime'),
};

/** Pardot custom field types and the value kind the emulator keeps for each. */
export const CUSTOM_FIELD_KINDS: Record<string, FieldKind> = {
  text: 'string',
  textarea: 'string',
  number: 'number',
  date: 'date',
  dropdown: 'string',
  'radio button': 'string',
  checkbox: 'string',
  'multi-select': 'string',
  hidden: 'string',
  'crm user': 'string',
};

/** The prospect object spec; custom fields come from the live custom-field rows. */
export function prospectSpec(customFields: () => Iterable<Row>): ObjectSpec {
  return {
    name: 'prospects',
    fields() {
      const m = new Map<string, FieldKind>(Object.entries(PROSPECT_FIELDS).map(([k, d]) => [k, d.kind]));
      for (const cf of customFields()) m.set(`${cf.fieldId as string}__c`, CUSTOM_FIELD_KINDS[cf.type as string] ?? 'string');
      return m;
    },
    equalityFilters: ['email'],
    sortable: ['id', 'createdAt', 'updatedAt', 'lastActivityAt'],
    softDelete: true,
    related: { campaign: toCampaign('campaignId') },
  };
}

/** A to-one relation to a campaign through `via`. */
function toCampaign(via: string): Relation {
  return { via, target: () => campaignSpec, find: (state, id) => state.campaigns.get(id) };
}

/** A to-one relation to a prospect through `via`. */
function toProspect(via: string): Relation {
  return { via, target: (state) => prospectSpec(() => state.customFields.values()), find: (state, id) => state.prospects.get(id) };
}

function simpleSpec(name: string, fields: Record<string, FieldKind>, equalityFilters: string[], softDelete: boolean, related?: () => Record<string, Relation>): ObjectSpec {
  const map = new Map(Object.entries(fields));
  const spec: ObjectSpec = { name, fields: () => map, equalityFilters, sortable: ['id', 'createdAt', 'updatedAt'], softDelete };
  // Resolved on first use: the relations point at specs declared further down.
  if (related) Object.defineProperty(spec, 'related', { get: related, enumerable: true });
  return spec;
}

/** Custom field definitions (`/objects/custom-fields`). */
export const customFieldSpec = simpleSpec(
  'custom-fields',
  {
    id: 'int',
    fieldId: 'string',
    name: 'string',
    type: 'string',
    isRequired: 'bool',
    isRecordMultipleResponses: 'bool',
    isUseValues: 'bool',
    isAnalyticsSynced: 'bool',
    salesforceId: 'string',
    createdById: 'int',
    updatedById: 'int',
    createdAt: 'datetime',
    updatedAt: 'datetime',
  },
  ['fieldId'],
  false,
);

/** Visitor activities: read and query only. */
export const visitorActivitySpec = simpleSpec(
  'visitor-activities',
  {
    id: 'int',
    prospectId: 'int',
    visitorId: 'int',
    visitId: 'int',
    type: 'int',
    typeName: 'string',
    details: 'string',
    campaignId: 'int',
    emailId: 'int',
    emailTemplateId: 'int',
    listEmailId: 'int',
    formId: 'int',
    formHandlerId: 'int',
    landingPageId: 'int',
    fileId: 'int',
    customRedirectId: 'int',
    opportunityId: 'int',
    createdAt: 'datetime',
    updatedAt: 'datetime',
  },
  ['prospectId', 'type'],
  false,
  () => ({ prospect: toProspect('prospectId'), campaign: toCampaign('campaignId') }),
);

/** Lists (static and dynamic). */
export const listSpec = simpleSpec(
  'lists',
  {
    id: 'int',
    name: 'string',
    title: 'string',
    description: 'string',
    isDynamic: 'bool',
    isPublic: 'bool',
    folderId: 'int',
    campaignId: 'int',
    isDeleted: 'bool',
    createdById: 'int',
    updatedById: 'int',
    createdAt: 'datetime',
    updatedAt: 'datetime',
  },
  ['name'],
  true,
  () => ({ campaign: toCampaign('campaignId') }),
);

/** List memberships (prospect ↔ list). */
export const listMembershipSpec = simpleSpec(
  'list-memberships',
  { id: 'int', listId: 'int', prospectId: 'int', optedOut: 'bool', isDeleted: 'bool', createdById: 'int', updatedById: 'int', createdAt: 'datetime', updatedAt: 'datetime' },
  ['listId', 'prospectId'],
  true,
  () => ({ list: { via: 'listId', target: () => listSpec, find: (state, id) => state.lists.get(id) }, prospect: toProspect('prospectId') }),
);

/** Campaigns: read and query (created in Salesforce with Connected Campaigns). */
export const campaignSpec = simpleSpec(
  'campaigns',
  { id: 'int', name: 'string', cost: 'int', folderId: 'int', parentCampaignId: 'int', salesforceId: 'string', isDeleted: 'bool', createdById: 'int', updatedById: 'int', createdAt: 'datetime', updatedAt: 'datetime' },
  ['name'],
  true,
  () => ({ parentCampaign: toCampaign('parentCampaignId') }),
);

/** External activities as read back (`/api/v5/external-activities`). */
export const externalActivitySpec = simpleSpec(
  'external-activities',
  { id: 'int', extension: 'string', type: 'string', value: 'string', email: 'string', prospectId: 'int', activityDate: 'datetime', createdAt: 'datetime', updatedAt: 'datetime' },
  ['prospectId', 'email'],
  false,
  () => ({ prospect: toProspect('prospectId') }),
);

/** Imports (`/api/v5/imports`): read by id. */
export const importSpec = simpleSpec(
  'imports',
  {
    id: 'int',
    status: 'string',
    operation: 'string',
    object: 'string',
    isExpired: 'bool',
    batchesRef: 'string',
    createdCount: 'int',
    updatedCount: 'int',
    errorCount: 'int',
    errorRef: 'string',
    createOnNoMatch: 'bool',
    restoreDeleted: 'bool',
    createdById: 'int',
    createdAt: 'datetime',
    updatedAt: 'datetime',
  },
  [],
  false,
);
