/** describeGlobal / describe → EntitySpec, for discover() and for typing SOQL literals. */
import type { EntitySpec, FieldSpec, FieldType } from '../../../core/connector.js';
import type { SalesforceClient } from '../client.js';
import { soqlIdent } from '../soql.js';

/** A field as describe() reports it (the subset we read). */
export interface DescribeField {
  name: string;
  label: string;
  type: string;
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  externalId: boolean;
  scale?: number;
  picklistValues?: { value: string; active: boolean }[];
  referenceTo?: string[];
}

/** An object as describe() reports it (the subset we read). */
export interface DescribeResult {
  name: string;
  label: string;
  fields: DescribeField[];
  /** Related lists; a query may select one as a subquery (`(SELECT … FROM OpportunityLineItems)`). */
  childRelationships?: Array<{ relationshipName: string | null; childSObject: string }>;
}

/** describeGlobal's object list. */
export async function describeGlobal(client: SalesforceClient): Promise<{ name: string; label: string; queryable: boolean; createable: boolean; custom: boolean }[]> {
  const r = await client.json<{ sobjects: { name: string; label: string; queryable: boolean; createable: boolean; custom: boolean }[] }>({ method: 'GET', path: 'sobjects', what: 'describeGlobal', family: 'rest' });
  return r.sobjects;
}

/** The describe of one object. */
export async function describeObject(client: SalesforceClient, entity: string): Promise<DescribeResult> {
  return client.json<DescribeResult>({ method: 'GET', path: `sobjects/${soqlIdent(entity)}/describe`, what: `describe ${entity}`, family: 'rest' });
}

const TYPE_MAP: Record<string, FieldType> = {
  id: 'id', string: 'string', textarea: 'text', email: 'email', phone: 'phone', url: 'string', picklist: 'picklist', multipicklist: 'string',
  boolean: 'boolean', currency: 'decimal', double: 'number', percent: 'number', int: 'integer', long: 'integer', date: 'date', datetime: 'datetime',
  reference: 'reference', combobox: 'string', encryptedstring: 'string', address: 'object', location: 'object', time: 'string',
};

/** One describe field as a FieldSpec. */
export function toFieldSpec(f: DescribeField): FieldSpec {
  const type = TYPE_MAP[f.type] ?? 'string';
  const spec: FieldSpec = { name: f.name, label: f.label, type };
  if (f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean') spec.required = true;
  if (f.length > 0 && ['string', 'text', 'email', 'phone', 'picklist'].includes(type)) spec.maxLength = f.length;
  if (!f.createable && !f.updateable) spec.readOnly = true;
  if (f.externalId) spec.externalId = true;
  if (f.picklistValues && f.picklistValues.length > 0) spec.enum = f.picklistValues.filter((p) => p.active).map((p) => p.value);
  if (type === 'reference' && f.referenceTo && f.referenceTo.length > 0) spec.references = f.referenceTo[0];
  if (type === 'decimal' && f.scale !== undefined) spec.scale = f.scale;
  return spec;
}

/** A describe result as an EntitySpec. */
export function toEntitySpec(d: DescribeResult): EntitySpec {
  const hasStamp = d.fields.some((f) => f.name === 'SystemModstamp');
  return {
    name: d.name,
    label: d.label,
    idField: 'Id',
    ...(hasStamp ? { updatedField: 'SystemModstamp' } : {}),
    fields: d.fields.map(toFieldSpec),
    relationships: (d.childRelationships ?? []).flatMap((r) => (r.relationshipName ? [r.relationshipName] : [])),
    operations: ['read', 'changes', 'get', 'find', 'create', 'update', 'upsert', 'delete', 'batch'],
    maxBatchSize: 200,
  };
}
