/**
 * X3's object document, both ways and in both forms: `<PARAM>`/`<RESULT>` XML (GRP of FLD, LST of ITM,
 * TAB of LIN) and the JSON form of adxwss.optreturn=JSON. Every value we send is checked and
 * escaped by the shared XML escaping (src/connectors/shared/xml.ts: a character XML cannot carry is
 * invalid data naming the field); values read keep their exact text.
 */
import { XMLParser } from 'fast-xml-parser';
import { SyncError } from '../../core/errors.js';
import { escapeXmlText } from '../shared/xml.js';
import { parseExactJson } from './exact-json.js';

/** Fields of a group or of one table line: a value, or a list (LST) of values. */
export type X3Fields = Record<string, string | string[]>;

/** A document: groups by ID and tables (lines) by ID, in the order they were given. */
export interface X3Document {
  groups: Record<string, X3Fields>;
  tables: Record<string, X3Fields[]>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['GRP', 'FLD', 'LST', 'ITM', 'TAB', 'LIN'].includes(name),
});

type Node = Record<string, unknown>;
const nodes = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? String((v as Node)['#text'] ?? '') : String(v));

function fieldsOf(n: Node): X3Fields {
  const out: X3Fields = {};
  for (const f of nodes(n.FLD)) if (typeof f['@_NAME'] === 'string') out[f['@_NAME']] = text(f);
  for (const l of nodes(n.LST)) if (typeof l['@_NAME'] === 'string') out[l['@_NAME']] = nodes(l.ITM).map(text);
  return out;
}

const scalar = (v: unknown): string | string[] => (Array.isArray(v) ? v.map((x) => (x === null || x === undefined ? '' : String(x))) : v === null || v === undefined || typeof v === 'object' ? '' : String(v));

/** Reads a result (XML `<RESULT>`/`<PARAM>` or the JSON form). Empty text is an empty document. */
export function parseDocument(raw: string): X3Document {
  const t = raw.replace(/^\uFEFF/, '').trim();
  const doc: X3Document = { groups: {}, tables: {} };
  if (t === '') return doc;
  if (t.startsWith('{')) {
    const json = parseExactJson(t) as Record<string, unknown>;
    for (const [id, v] of Object.entries(json ?? {})) {
      if (Array.isArray(v)) doc.tables[id] = v.map((line) => Object.fromEntries(Object.entries((line ?? {}) as Record<string, unknown>).map(([k, x]) => [k, scalar(x)])));
      else if (v && typeof v === 'object') doc.groups[id] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, scalar(x)]));
    }
    return doc;
  }
  let parsed: Node;
  try {
    parsed = parser.parse(t) as Node;
  } catch (err) {
    throw new SyncError('retryable', `Sage X3 answered XML that cannot be read (${(err as Error).message.split('\n')[0]})`, { system: 'sagex3' });
  }
  const root = (parsed.RESULT ?? parsed.PARAM) as Node | undefined;
  if (!root || typeof root !== 'object') return doc;
  for (const g of nodes(root.GRP)) doc.groups[String(g['@_ID'] ?? '')] = fieldsOf(g);
  for (const tab of nodes(root.TAB)) doc.tables[String(tab['@_ID'] ?? '')] = nodes(tab.LIN).map(fieldsOf);
  return doc;
}

const SYSTEM = 'sagex3';

/** Refuses a value XML cannot carry (shared rule, src/connectors/shared/xml.ts); the field is named so the dead letter says what to fix. */
export function checkValue(field: string, value: string, recordKey?: string): void {
  escapeXmlText(value, field, { system: SYSTEM, recordKey });
}

/** Escapes one value of `field` for XML text or an attribute, through the shared escaping. */
export function xmlValue(value: string, field: string, recordKey?: string): string {
  return escapeXmlText(value, field, { system: SYSTEM, recordKey });
}

function fldXml(name: string, value: string | string[], recordKey?: string): string {
  const n = xmlValue(name, 'NAME', recordKey);
  if (Array.isArray(value)) return `<LST NAME="${n}" SIZE="${value.length}">${value.map((v) => `<ITM>${xmlValue(v, name, recordKey)}</ITM>`).join('')}</LST>`;
  return `<FLD NAME="${n}">${xmlValue(value, name, recordKey)}</FLD>`;
}

/** The `<PARAM>` document of `doc`; every value checked and escaped. */
export function buildDocumentXml(doc: X3Document, recordKey?: string): string {
  const parts: string[] = [];
  for (const [id, fields] of Object.entries(doc.groups)) parts.push(`<GRP ID="${xmlValue(id, 'GRP ID', recordKey)}">${Object.entries(fields).map(([k, v]) => fldXml(k, v, recordKey)).join('')}</GRP>`);
  for (const [id, lines] of Object.entries(doc.tables)) {
    parts.push(`<TAB ID="${xmlValue(id, 'TAB ID', recordKey)}" SIZE="${lines.length}">${lines.map((l, i) => `<LIN NUM="${i + 1}">${Object.entries(l).map(([k, v]) => fldXml(k, v, recordKey)).join('')}</LIN>`).join('')}</TAB>`);
  }
  return `<PARAM>${parts.join('')}</PARAM>`;
}

/** The JSON form of `doc` (for adxwss.optreturn=JSON); values checked the same way. */
export function buildDocumentJson(doc: X3Document, recordKey?: string): string {
  const check = (fields: X3Fields) => {
    for (const [k, v] of Object.entries(fields)) (Array.isArray(v) ? v : [v]).forEach((x) => checkValue(k, x, recordKey));
    return fields;
  };
  const out: Record<string, unknown> = {};
  for (const [id, fields] of Object.entries(doc.groups)) out[id] = check(fields);
  for (const [id, lines] of Object.entries(doc.tables)) out[id] = lines.map(check);
  return JSON.stringify(out);
}
