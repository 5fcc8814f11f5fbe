/** describeGlobal and describe bodies, built from the schema table. */
import type { ChildRelationship, SfField, SfObject } from './schema.js';

function fieldDescribe(f: SfField): Record<string, unknown> {
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    soapType: f.type === 'id' || f.type === 'reference' ? 'tns:ID' : f.type === 'boolean' ? 'xsd:boolean' : f.type === 'date' ? 'xsd:date' : f.type === 'datetime' ? 'xsd:dateTime' : f.type === 'int' ? 'xsd:int' : ['currency', 'double', 'percent'].includes(f.type) ? 'xsd:double' : 'xsd:string',
    length: f.length,
    byteLength: f.length * 3,
    precision: f.precision,
    scale: f.scale,
    digits: f.type === 'int' ? 9 : 0,
    nillable: f.nillable,
    createable: f.createable,
    updateable: f.updateable,
    defaultedOnCreate: f.defaultedOnCreate,
    externalId: f.externalId,
    unique: f.unique,
    idLookup: f.externalId || f.name === 'Id' || f.name === 'Name' || f.name === 'Email',
    custom: f.custom,
    calculated: false,
    filterable: f.type !== 'textarea',
    sortable: f.type !== 'textarea',
    groupable: !['textarea', 'currency', 'double', 'percent', 'datetime'].includes(f.type),
    caseSensitive: false,
    restrictedPicklist: f.restrictedPicklist,
    picklistValues: f.picklistValues.map((v, i) => ({ active: true, defaultValue: i === 0 && f.defaultedOnCreate, label: v, validFor: null, value: v })),
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    defaultValue: null,
    defaultValueFormula: null,
    calculatedFormula: null,
    inlineHelpText: null,
    autoNumber: false,
    controllerName: null,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    htmlFormatted: false,
    nameField: f.name === 'Name',
    namePointing: false,
    relationshipOrder: null,
    writeRequiresMasterRead: false,
  };
}

/** One entry of describeGlobal's `sobjects`. */
export function objectSummary(o: SfObject, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${o.name}`;
  return {
    name: o.name,
    label: o.label,
    labelPlural: o.labelPlural,
    keyPrefix: o.keyPrefix,
    // Custom objects are the ones whose API name ends in __c, as on a real org.
    custom: o.name.endsWith('__c'),
    createable: o.name !== 'User',
    updateable: true,
    deletable: o.name !== 'User',
    queryable: true,
    retrieveable: true,
    searchable: true,
    replicateable: true,
    triggerable: true,
    layoutable: true,
    activateable: false,
    customSetting: false,
    deprecatedAndHidden: false,
    feedEnabled: true,
    mergeable: ['Account', 'Contact', 'Lead'].includes(o.name),
    undeletable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** GET /sobjects. */
export function describeGlobal(objects: Iterable<SfObject>, version: string): Record<string, unknown> {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: [...objects].map((o) => objectSummary(o, version)) };
}

/** GET /sobjects/{T}/describe. */
export function describeObject(o: SfObject, version: string, children: ChildRelationship[] = []): Record<string, unknown> {
  return {
    ...objectSummary(o, version),
    fields: [...o.fields.values()].map(fieldDescribe),
    childRelationships: children.map((r) => ({
      cascadeDelete: false, childSObject: r.child.name, deprecatedAndHidden: false, field: r.field.name, junctionIdListNames: [], junctionReferenceTo: [],
      relationshipName: r.name, restrictedDelete: false,
    })),
    recordTypeInfos: [],
  };
}
