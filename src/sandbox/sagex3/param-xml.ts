/**
 * X3's object document in both forms the SOAP service speaks (adxwss.optreturn): the XML form
 * (`<PARAM>`/`<RESULT>` with GRP, FLD, LST/ITM, TAB/LIN) and the JSON form (a group is an object, a
 * table an array of objects, a list an array of strings). Input is read through the publication's
 * layout into an ObjectInput; output is rendered from a stored row.
 */
import { XMLParser } from 'fast-xml-parser';
import type { LineInput, ObjectInput } from './business.js';
import { FIELD_MENUS, LOCAL_MENUS, X3Error, type Line, type Row } from './model.js';
import type { LayoutField, Publication } from './publications.js';

/** A document as sent, before the layout is applied: groups of fields (lists as arrays) and tables of lines. */
export interface ParamDoc {
  groups: Map<string, Record<string, string | string[]>>;
  tables: Map<string, Array<{ num: number; fields: Record<string, string> }>>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['GRP', 'FLD', 'LST', 'ITM', 'TAB', 'LIN'].includes(name),
});

type XmlNode = Record<string, unknown>;
const textOf = (n: unknown): string => (n === undefined || n === null ? '' : typeof n === 'object' ? String((n as XmlNode)['#text'] ?? '') : String(n));
const list = (n: unknown): XmlNode[] => (Array.isArray(n) ? (n as XmlNode[]) : []);

function readFields(node: XmlNode): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of list(node.FLD)) {
    const name = f['@_NAME'];
    if (typeof name === 'string' && name) out[name] = textOf(f);
  }
  for (const l of list(node.LST)) {
    const name = l['@_NAME'];
    if (typeof name === 'string' && name) out[name] = list(l.ITM).map(textOf);
  }
  return out;
}

/** Parses the XML form. Throws X3Error on text that is not a PARAM document. */
export function parseParamXml(xml: string): ParamDoc {
  let doc: XmlNode;
  try {
    doc = parser.parse(xml.replace(/^\uFEFF/, '')) as XmlNode;
  } catch (err) {
    throw X3Error.of(`XML parsing error: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = (doc.PARAM ?? doc.RESULT) as XmlNode | string | undefined;
  if (root === undefined) throw X3Error.of('XML parsing error: the document has no PARAM element');
  const out: ParamDoc = { groups: new Map(), tables: new Map() };
  if (typeof root !== 'object') return out;
  for (const g of list(root.GRP)) out.groups.set(String(g['@_ID'] ?? ''), readFields(g));
  for (const t of list(root.TAB)) {
    const lines = list(t.LIN).map((l, i) => ({ num: Number(l['@_NUM'] ?? i + 1), fields: readFields(l) as Record<string, string> }));
    out.tables.set(String(t['@_ID'] ?? ''), lines);
  }
  return out;
}

/** JSON as X3's samples write it: a BOM and trailing commas are tolerated; anything else must be JSON. */
export function lenientJson(text: string): unknown {
  let out = '';
  let inString = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += s[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    if (ch === ',') {
      const rest = /^\s*[}\]]/.exec(s.slice(i + 1));
      if (rest) continue;
    }
    out += ch;
  }
  try {
    return JSON.parse(out);
  } catch (err) {
    throw X3Error.of(`JSON parsing error: ${(err as Error).message}`);
  }
}

const scalar = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? '' : String(v));

/** Parses the JSON form. */
export function parseParamJson(text: string): ParamDoc {
  const doc = lenientJson(text);
  const out: ParamDoc = { groups: new Map(), tables: new Map() };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw X3Error.of('JSON parsing error: the document is not an object');
  for (const [id, v] of Object.entries(doc as Record<string, unknown>)) {
    if (Array.isArray(v)) {
      out.tables.set(id, v.map((line, i) => ({ num: i + 1, fields: Object.fromEntries(Object.entries((line ?? {}) as Record<string, unknown>).map(([k, x]) => [k, scalar(x)])) })));
    } else if (v && typeof v === 'object') {
      out.groups.set(id, Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, Array.isArray(x) ? x.map(scalar) : scalar(x)])));
    }
  }
  return out;
}

/** Parses either form; `json` says which the request config chose. */
export function parseParam(text: string, json: boolean): ParamDoc {
  const t = text.trim();
  // X3 reads what it is given: an XML document even when JSON was asked for the answer, and the reverse.
  if (t.startsWith('<') || (!json && !t.startsWith('{'))) return parseParamXml(t);
  return parseParamJson(t);
}

function dateIn(field: LayoutField, v: string): string {
  if (field.type !== 'Date' || v === '') return v;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) throw X3Error.of(`${field.name} : Incorrect date (${v})`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function applyField(field: LayoutField, value: string | string[], into: Record<string, string>): void {
  if (field.display || field.transient) return;
  if (field.list) {
    const items = Array.isArray(value) ? value : [value];
    field.list.forEach((col, i) => {
      if (items[i] !== undefined) into[col] = items[i];
    });
    return;
  }
  const v = Array.isArray(value) ? (value[0] ?? '') : value;
  into[field.column ?? field.name] = dateIn(field, v);
}

/** Applies a publication's layout to a sent document: header fields, child lines, and the WW_MODSTAMP of ADXTEC. */
export function toObjectInput(pub: Publication, doc: ParamDoc): ObjectInput {
  const input: ObjectInput = { fields: {}, children: {} };
  for (const block of pub.blocks) {
    if (block.table) {
      const lines = doc.tables.get(block.id) ?? (doc.groups.has(block.id) ? [{ num: 1, fields: doc.groups.get(block.id) as Record<string, string> }] : undefined);
      if (!lines) continue;
      input.children[block.table.collection] = lines.map((l): LineInput => {
        const fields: Line = {};
        for (const f of block.fields) if (l.fields[f.name] !== undefined) applyField(f, l.fields[f.name], fields);
        return { num: l.num, fields };
      });
      continue;
    }
    const g = doc.groups.get(block.id);
    if (!g) continue;
    for (const f of block.fields) if (g[f.name] !== undefined) applyField(f, g[f.name], input.fields);
  }
  const tec = doc.groups.get('ADXTEC');
  if (tec && typeof tec.WW_MODSTAMP === 'string' && tec.WW_MODSTAMP) input.modStamp = tec.WW_MODSTAMP;
  return input;
}

/** Escapes text for XML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function valueOut(field: LayoutField, row: Record<string, unknown>, get: (cls: string, key: string) => Record<string, unknown> | undefined): string | string[] {
  if (field.display) return field.display(row, get);
  if (field.list) return field.list.map((c) => scalar(row[c]));
  const v = scalar(row[field.column ?? field.name]);
  if (field.type === 'Date') return /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10).replace(/-/g, '') : '';
  return v;
}

function fldXml(field: LayoutField, value: string | string[]): string {
  if (Array.isArray(value)) return `<LST NAME="${field.name}" SIZE="${value.length}" TYPE="${field.type}">${value.map((v) => `<ITM>${esc(v)}</ITM>`).join('')}</LST>`;
  const menu = FIELD_MENUS[field.column ?? field.name];
  const label = menu !== undefined ? LOCAL_MENUS[menu]?.[value] : undefined;
  const attrs = label !== undefined ? `MENULAB="${esc(label)}" MENULOCAL="${menu}" ` : '';
  return value === '' ? `<FLD ${attrs}NAME="${field.name}" TYPE="${field.type}" />` : `<FLD ${attrs}NAME="${field.name}" TYPE="${field.type}">${esc(value)}</FLD>`;
}

/** Renders a record (or a subprogram's answer) through a layout as `<RESULT>` XML or the JSON form. */
export function renderResult(pub: Publication, row: Row, get: (cls: string, key: string) => Record<string, unknown> | undefined, json: boolean, tec?: { modStamp: string; user: string }): string {
  if (json) {
    const out: Record<string, unknown> = {};
    for (const block of pub.blocks) {
      const obj = (r: Record<string, unknown>) => {
        const o: Record<string, unknown> = {};
        for (const f of block.fields) {
          if (f.transient && !f.list) continue;
          const v = valueOut(f, r, get);
          o[f.name] = v;
          const menu = FIELD_MENUS[f.column ?? f.name];
          if (menu !== undefined && typeof v === 'string' && LOCAL_MENUS[menu]?.[v]) o[`${f.name}_LBL`] = LOCAL_MENUS[menu][v];
        }
        return o;
      };
      out[block.id] = block.table ? ((row[block.table.collection] as Line[] | undefined) ?? []).map(obj) : obj(row);
    }
    if (tec) out.ADXTEC = { WW_MODSTAMP: tec.modStamp, WW_MODUSER: tec.user };
    return JSON.stringify(out);
  }
  const parts: string[] = [];
  for (const block of pub.blocks) {
    const flds = (r: Record<string, unknown>) => block.fields.filter((f) => !f.transient).map((f) => fldXml(f, valueOut(f, r, get))).join('');
    if (block.table) {
      const lines = (row[block.table.collection] as Line[] | undefined) ?? [];
      parts.push(`<TAB DIM="${block.table.dim}" ID="${block.id}" SIZE="${lines.length}">${lines.map((l, i) => `<LIN NUM="${i + 1}">${flds(l)}</LIN>`).join('')}</TAB>`);
    } else parts.push(`<GRP ID="${block.id}">${flds(row)}</GRP>`);
  }
  if (tec) parts.push(`<GRP ID="ADXTEC"><FLD NAME="WW_MODSTAMP" TYPE="Char">${esc(tec.modStamp)}</FLD><FLD NAME="WW_MODUSER" TYPE="Char">${esc(tec.user)}</FLD></GRP>`);
  return `<?xml version="1.0" encoding="UTF-8"?><RESULT>${parts.join('')}</RESULT>`;
}

/** Renders the left list of a `query`: one line per record with the object's list fields. */
export function renderList(pub: Publication, rows: Row[], fields: string[], json: boolean): string {
  if (json) return JSON.stringify({ [`${pub.object}1_1`]: rows.map((r) => Object.fromEntries(fields.map((f) => [f, scalar(r[f])]))) });
  const lines = rows.map((r, i) => `<LIN NUM="${i + 1}">${fields.map((f) => fldXml({ name: f, type: 'Char' }, scalar(r[f]))).join('')}</LIN>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><RESULT><TAB DIM="${rows.length}" ID="${pub.object}1_1" SIZE="${rows.length}">${lines}</TAB></RESULT>`;
}
