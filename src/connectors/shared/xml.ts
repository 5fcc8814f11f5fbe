/**
 * The one place values become XML text, for every SOAP connector (Sage 100 eBWS, Sage X3). We escape
 * every value ourselves instead of trusting the SOAP library: the `soap` package passes a value that
 * looks like `<![CDATA[ … ]]>` through unescaped, so a record could inject markup (a required field
 * arrived blank). Give the library the escaped tree with its own escaping turned off
 * (`escapeXML: false`). Tab, CR and LF travel as character references so the service keeps them
 * (a raw CR would be normalised away by the receiving XML parser). A character XML 1.0 cannot carry
 * at all (NUL and the other C0 controls, U+FFFE, U+FFFF, lone surrogates) makes the value invalid
 * data: it could never be sent, so retrying is pointless.
 */
import { SyncError } from '../../core/errors.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#x9;',
  '\r': '&#xD;',
  '\n': '&#xA;',
};

/** Characters XML 1.0 forbids in a document, raw or as character references. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first character of `value` that XML cannot carry, as `U+XXXX`, or null. */
export function unsendableXmlChar(value: string): string | null {
  const m = NOT_XML.exec(value);
  return m ? `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** Escapes one value for XML text or an attribute. Throws SyncError('invalid_data') naming `field` when the value holds a character XML cannot carry. */
export function escapeXmlText(value: string, field = 'value', context: { system?: string; recordKey?: string } = {}): string {
  const bad = unsendableXmlChar(value);
  if (bad) {
    throw new SyncError('invalid_data', `field "${field}" holds ${bad}, a character XML cannot carry; it cannot be sent`, {
      field,
      rule: 'XML 1.0 characters only',
      value: value.length > 80 ? `${value.slice(0, 80)}…` : value,
      recordKey: context.recordKey,
      system: context.system,
    });
  }
  return value.replace(/[&<>"'\t\r\n]/g, (c) => ENTITIES[c]);
}

/** Throws SyncError('invalid_data') naming the first field of a flat record whose value XML cannot carry (checked before the record is packed into nested elements, so the error names the record's own field). */
export function assertXmlSendable(record: Record<string, unknown>, context: { system?: string; recordKey?: string } = {}): void {
  for (const [field, v] of Object.entries(record)) if (typeof v === 'string') escapeXmlText(v, field, context);
}

/**
 * Escapes every string in a SOAP argument tree (objects and arrays; element names are ours and left
 * as they are); numbers and booleans pass unchanged. The field named in an error is the innermost
 * element holding the bad value.
 */
export function escapeXmlTree<T>(value: T, context: { system?: string; recordKey?: string } = {}, field = 'value'): T {
  if (typeof value === 'string') return escapeXmlText(value, field, context) as T;
  if (Array.isArray(value)) return value.map((v) => escapeXmlTree(v, context, field)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = escapeXmlTree(v, context, k);
    return out as T;
  }
  return value;
}

/**
 * A top-level string part of an RPC-style SOAP call (X3's publicName, objectXml). The `soap` package
 * entity-escapes these parts itself whatever `escapeXML` says, except a string that is one CDATA
 * section; so the text goes as a CDATA section of ours (a `]]>` inside split across two sections),
 * which arrives as exactly `value`. Checked like any value: a character XML cannot carry is invalid data.
 */
export function xmlPartText(value: string, field = 'value', context: { system?: string; recordKey?: string } = {}): string {
  escapeXmlText(value, field, context);
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
