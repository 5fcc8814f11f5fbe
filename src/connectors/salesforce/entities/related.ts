/**
 * Related data read together with an entity's changes, so a polled flow gets what a Salesforce
 * record-triggered flow would post: parent fields through lookups (`Account.Sage100_Customer_No__c`)
 * and child relationship subqueries (`OpportunityLineItems`). A child relationship comes back from
 * SOQL as `{totalSize, done, records, nextRecordsUrl?}` (null without children); the hub's record
 * carries it as a plain array of child records, the shape the webhook payload has.
 *
 * The related reads name every shipped journey's ERP fields (Sage 100, Sage X3, TIMS); an org has the
 * ones of its own ERP only, so the connector reads those the org describes (`relatedIn`) and a query
 * never names a field the org lacks.
 */
import type { Fields } from '../../../core/json.js';
import type { SalesforceClient } from '../client.js';
import { soqlIdent } from '../soql.js';
import { stripAttributes, type SalesforceRecord } from './records.js';

/** A child relationship read with its parent. */
export interface ChildRead {
  /** Child relationship name (`OpportunityLineItems`). */
  relationship: string;
  /** Child fields, parent paths allowed (`Product2.Sage100_Item_Code__c`). */
  fields: string[];
}

/** What is read with one entity besides its own fields. */
export interface RelatedRead {
  /** Parent field paths (`Account.Sage100_Customer_No__c`). */
  parents: string[];
  children: ChildRead[];
}

/** Related reads per entity: what the journeys' flows map, for every ERP (filtered to the org's fields by relatedIn). */
export const RELATED_READS: Record<string, RelatedRead> = {
  Opportunity: {
    parents: ['Account.Sage100_Customer_No__c', 'Account.SageX3_Customer_No__c', 'Account.TIMS_Customer_Code__c'],
    children: [
      {
        relationship: 'OpportunityLineItems',
        fields: ['Id', 'Quantity', 'UnitPrice', 'TotalPrice', 'Product2Id', 'Product2.Sage100_Item_Code__c', 'Product2.SageX3_Item_Ref__c', 'Product2.TIMS_Item_Code__c'],
      },
    ],
  },
};

/**
 * The related reads of `entity` limited to the fields the org has. A path `Rel.Field` names a standard
 * lookup, whose object has the relationship's name (`Account`, `Product2`): it is kept when
 * `fieldsOf(Rel)` lists `Field`. Plain child fields are standard and always kept.
 */
export async function relatedIn(entity: string, fieldsOf: (object: string) => Promise<string[]>): Promise<RelatedRead | undefined> {
  const r = RELATED_READS[entity];
  if (!r) return undefined;
  const has = async (path: string): Promise<boolean> => {
    const dot = path.indexOf('.');
    return dot < 0 || (await fieldsOf(path.slice(0, dot))).includes(path.slice(dot + 1));
  };
  const kept = async (paths: string[]): Promise<string[]> => {
    const flags = await Promise.all(paths.map(has));
    return paths.filter((_, i) => flags[i]);
  };
  return { parents: await kept(r.parents), children: await Promise.all(r.children.map(async (c) => ({ relationship: c.relationship, fields: await kept(c.fields) }))) };
}

/** The extra SELECT items of an entity (identifiers checked): `related`, by default every related read of the entity. */
export function relatedSelect(entity: string, related: RelatedRead | undefined = RELATED_READS[entity]): string[] {
  const r = related;
  if (!r) return [];
  return [
    ...r.parents.map(soqlIdent),
    ...r.children.map((c) => `(SELECT ${c.fields.map(soqlIdent).join(', ')} FROM ${soqlIdent(c.relationship)})`),
  ];
}

interface ChildPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SalesforceRecord[];
}

function isChildPage(v: unknown): v is ChildPage {
  return !!v && typeof v === 'object' && Array.isArray((v as ChildPage).records) && 'done' in v;
}

/** Turns child relationship results into arrays, following a nested `nextRecordsUrl` when Salesforce paged them. */
export async function flattenChildren(client: SalesforceClient, entity: string, rec: SalesforceRecord): Promise<SalesforceRecord> {
  const r = RELATED_READS[entity];
  if (!r) return rec;
  const out: SalesforceRecord = { ...rec };
  for (const c of r.children) {
    const key = Object.keys(rec).find((k) => k.toLowerCase() === c.relationship.toLowerCase());
    const value = key ? rec[key] : null;
    if (!isChildPage(value)) {
      out[key ?? c.relationship] = [];
      continue;
    }
    const rows: Fields[] = value.records.map((x) => stripAttributes(x));
    let page = value;
    while (!page.done && page.nextRecordsUrl) {
      page = await client.json<ChildPage>({ method: 'GET', path: page.nextRecordsUrl, what: `${c.relationship} (next page)`, family: 'query' });
      rows.push(...page.records.map((x) => stripAttributes(x)));
    }
    out[key ?? c.relationship] = rows;
  }
  return out;
}
