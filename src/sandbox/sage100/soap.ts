/**
 * The eBWS SOAP wire format: parses a request envelope into an operation and its arguments, and
 * renders results and faults the way the service does (empty responses for create/update/delete,
 * UDFs packed in OtherFields with a single field collapsed to an object, faults with `a:<code>` and
 * detail MasFault).
 */
import { XMLParser } from 'fast-xml-parser';
import type { Row } from './db.js';
import { AR_Customer, AR_CustomerContact, SO_SalesOrderDetail, SO_SalesOrderHeader, type Table } from './schema.js';
import { EBWS_NS, FAULT_NS } from './wsdl.js';

/** A parsed SOAP request. */
export interface SoapCall {
  operation: string;
  /** The operation element's children, as parsed (strings and nested objects). */
  args: Record<string, unknown>;
}

// htmlEntities: character references (`&#xD;`, `&#10;`) are decoded into the characters they name,
// as WCF's XML reader does, instead of being stored as literal text.
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true, htmlEntities: true });

/** Characters XML 1.0 forbids, raw. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** Character references, decimal or hex. */
const CHAR_REF = /&#(x[0-9a-fA-F]+|[0-9]+);/g;

/** The first character XML 1.0 does not allow in the message, raw or as a character reference, or null. */
function forbiddenChar(xml: string): number | null {
  const raw = NOT_XML.exec(xml);
  if (raw) return raw[0].charCodeAt(0);
  for (const m of xml.matchAll(CHAR_REF)) {
    const cp = m[1].startsWith('x') ? parseInt(m[1].slice(1), 16) : Number(m[1]);
    const allowed = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!allowed) return cp;
  }
  return null;
}

/**
 * Parses a SOAP 1.1 envelope. Throws when the body is not a SOAP request, or when it holds a
 * character XML 1.0 forbids (NUL, other control characters, U+FFFE/U+FFFF), raw or as a character
 * reference: WCF's reader rejects such a message before the service sees it (HTTP 400).
 */
export function parseEnvelope(xml: string): SoapCall {
  const bad = forbiddenChar(xml);
  if (bad !== null) throw new Error(`the message holds U+${bad.toString(16).toUpperCase().padStart(4, '0')}, a character XML does not allow`);
  const doc = parser.parse(xml) as { Envelope?: { Body?: Record<string, unknown> } };
  const body = doc.Envelope?.Body;
  if (!body || typeof body !== 'object') throw new Error('not a SOAP envelope');
  const operation = Object.keys(body)[0];
  if (!operation) throw new Error('empty SOAP body');
  const args = body[operation];
  return { operation, args: args && typeof args === 'object' ? (args as Record<string, unknown>) : {} };
}

/** A value from parsed XML as a string ('' for empty elements). */
export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return '';
  return String(v);
}

/** A repeated element as an array, whether it appeared once or many times. */
export function many(v: unknown): Record<string, unknown>[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => x && typeof x === 'object') as Record<string, unknown>[];
}

/** Reads an object element (Customer, SalesOrder, SalesOrderLine) into a row; OtherFields become UDF_ columns. */
export function readRecord(v: unknown): Row {
  const row: Row = {};
  if (!v || typeof v !== 'object') return row;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'OtherFields' || k === 'Lines') continue;
    if (typeof val !== 'object') row[k] = text(val);
  }
  const other = (v as Record<string, unknown>).OtherFields as Record<string, unknown> | undefined;
  for (const f of many(other?.Field)) {
    const name = text(f.MasFieldName);
    if (name) row[name] = text(f.Value);
  }
  return row;
}

/** The lines of a SalesOrder element and whether a Lines element was sent at all. */
export function readLines(order: unknown): { lines: Row[]; sent: boolean } {
  const linesEl = order && typeof order === 'object' ? (order as Record<string, unknown>).Lines : undefined;
  if (linesEl === undefined) return { lines: [], sent: false };
  const inner = linesEl && typeof linesEl === 'object' ? (linesEl as Record<string, unknown>).SalesOrderLine : undefined;
  return { lines: many(inner).map(readRecord), sent: true };
}

/** Escapes text for XML content; CR travels as a reference, as WCF writes it, so the reader keeps it. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#xD;');
}

function envelope(body: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`;
}

/** The columns of a row in layout order, UDFs packed into OtherFields (only the ones holding a value). */
function renderRecord(table: Table, row: Row, skip: string[] = []): string {
  const cols = table.columns.filter((c) => !c.name.startsWith('UDF_') && !skip.includes(c.name));
  const parts = cols.filter((c) => row[c.name] !== undefined).map((c) => `<${c.name}>${esc(row[c.name])}</${c.name}>`);
  const udfs = table.columns.filter((c) => c.name.startsWith('UDF_') && row[c.name]);
  if (udfs.length > 0) {
    parts.push(`<OtherFields>${udfs.map((c) => `<Field><MasFieldName>${c.name}</MasFieldName><Value>${esc(row[c.name])}</Value></Field>`).join('')}</OtherFields>`);
  }
  return parts.join('');
}

/** Renders a customer (GetCustomerResult body). */
export function renderCustomer(row: Row): string {
  return renderRecord(AR_Customer, row);
}

/** Renders a customer contact (GetCustomerContactResult body). */
export function renderContact(row: Row): string {
  return renderRecord(AR_CustomerContact, row);
}

/** Renders a sales order with its lines (GetSalesOrderResult / PreviewSalesOrderResult body). */
export function renderSalesOrder(header: Row, lines: Row[]): string {
  const head = renderRecord(SO_SalesOrderHeader, header);
  const ls = lines.map((l) => `<SalesOrderLine>${renderRecord(SO_SalesOrderDetail, l, ['SalesOrderNo'])}</SalesOrderLine>`).join('');
  return `${head}<Lines>${ls}</Lines>`;
}

/** A successful response; `result` is the inner XML of `<OpResult>`, or undefined for the empty responses. */
export function renderResponse(operation: string, result?: string): string {
  const inner = result === undefined ? '' : `<${operation}Result>${result}</${operation}Result>`;
  return envelope(`<${operation}Response xmlns="${EBWS_NS}">${inner}</${operation}Response>`);
}

/** A SOAP fault in eBWS's shape: faultcode `a:<code>`, faultstring, detail MasFault{ErrorCode, ErrorMessage}. */
export function renderFault(code: string, message: string): string {
  return envelope(
    `<s:Fault><faultcode xmlns:a="${FAULT_NS}">a:${esc(code)}</faultcode><faultstring xml:lang="en-US">${esc(message)}</faultstring>` +
      `<detail><MasFault xmlns="${EBWS_NS}"><ErrorCode>${esc(code)}</ErrorCode><ErrorMessage>${esc(message)}</ErrorMessage></MasFault></detail></s:Fault>`,
  );
}
