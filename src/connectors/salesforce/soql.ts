/**
 * Safe SOQL building: every value is rendered as a typed literal with SOQL's escapes, and every
 * field or object name is checked to be an identifier, so record data can never change a query's shape.
 */
import { SyncError } from '../../core/errors.js';
import type { FieldType } from '../../core/connector.js';

const IDENT = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** Checks a field path or object name; throws SyncError('fatal') otherwise. */
export function soqlIdent(name: string): string {
  if (!IDENT.test(name)) throw new SyncError('fatal', `"${name}" is not a valid Salesforce field or object name`, { system: 'salesforce', field: name });
  return name;
}

/** A quoted SOQL string literal: backslash, quotes and control characters escaped per the SOQL rules. */
export function soqlString(value: string): string {
  const escaped = value.replace(/[\\'"\n\r\t\b\f]/g, (c) => {
    switch (c) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\b': return '\\b';
      case '\f': return '\\f';
      default: return `\\${c}`;
    }
  });
  return `'${escaped}'`;
}

/** Escapes LIKE wildcards in a value that must match literally, then quotes it. */
export function soqlLikeLiteral(value: string): string {
  return soqlString(value).replace(/[%_]/g, (c) => `\\${c}`);
}

/** A SOQL datetime literal (UTC, no quotes, no milliseconds): `2024-09-10T13:57:45Z`. */
export function soqlDateTime(value: string | Date | number): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : parseStamp(value);
  if (!Number.isFinite(ms)) throw new SyncError('invalid_data', `"${String(value)}" is not a date-time`, { system: 'salesforce', value });
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses Salesforce's `2024-09-10T13:57:45.000+0000` as well as ISO 8601. */
export function parseStamp(value: string): number {
  const fixed = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return Date.parse(fixed);
}

/** Renders any value as a literal for a field of the given type (type unknown: inferred from the JS value). */
export function soqlLiteral(value: unknown, type?: FieldType): string {
  if (value === null || value === undefined) return 'NULL';
  switch (type) {
    case 'integer':
    case 'number':
    case 'decimal': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n) || (typeof value === 'string' && value.trim() === '')) throw new SyncError('invalid_data', `"${String(value)}" is not a number`, { system: 'salesforce', value });
      return String(n);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
      if (value === 'true' || value === 'false') return value.toUpperCase();
      throw new SyncError('invalid_data', `"${String(value)}" is not a boolean`, { system: 'salesforce', value });
    case 'date': {
      const s = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) throw new SyncError('invalid_data', `"${String(value)}" is not a date`, { system: 'salesforce', value });
      return s;
    }
    case 'datetime':
      return soqlDateTime(value as string);
    case 'id':
    case 'reference': {
      const s = String(value);
      if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(s)) throw new SyncError('invalid_data', `"${s}" is not a Salesforce id`, { system: 'salesforce', value });
      return soqlString(s);
    }
    case undefined:
      if (typeof value === 'number') return soqlLiteral(value, 'number');
      if (typeof value === 'boolean') return soqlLiteral(value, 'boolean');
      if (value instanceof Date) return soqlDateTime(value);
      return soqlString(String(value));
    default:
      return soqlString(typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
