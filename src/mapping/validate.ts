/**
 * Validation of a mapped record against the target entity's schema before any write: required fields, types,
 * lengths, allowed values, read-only fields. Every failure is a SyncError('invalid_data') naming the flow,
 * the record, the field, the value and the rule, so the record goes to the dead-letter queue whole.
 */
import { SyncError } from '../core/errors.js';
import type { EntitySpec, FieldSpec } from '../core/connector.js';
import type { Fields } from '../core/json.js';
import { emailValid } from './functions/email.js';
import { parseInstant } from './functions/dates.js';
import { charLength } from './functions/text.js';
import { showValue, where } from './messages.js';

/** Where the record being validated comes from and how it will be written. */
export interface ValidationContext {
  flow: string;
  target: string;
  recordKey?: string;
  /** `delete` names its record; like `update` it needs none of the fields a create requires. */
  verb: 'create' | 'update' | 'upsert' | 'delete';
}

const DECIMAL_TEXT = /^[-+]?\d+(?:\.\d+)?$/;
const DATE_TEXT = /^\d{4}-?\d{2}-?\d{2}$/;
const DATETIME_TEXT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$/i;
const PHONE_TEXT = /^[+\d\s().\-/]*(?:(?:x|ext\.?|extension)\s*\d+)?$/i;

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Why a value does not fit a field type, or null when it fits. */
function typeProblem(spec: FieldSpec, v: unknown): string | null {
  switch (spec.type) {
    case 'string':
    case 'text':
    case 'id':
    case 'reference':
    case 'picklist':
      return typeof v === 'string' ? null : `is ${kind(v)}; the target expects text`;
    case 'email':
      if (typeof v !== 'string') return `is ${kind(v)}; the target expects an email address`;
      return emailValid(v) ? null : 'is not a valid email address';
    case 'phone': {
      if (typeof v !== 'string') return `is ${kind(v)}; the target expects a phone number`;
      const digits = v.replace(/\D/g, '').length;
      return PHONE_TEXT.test(v) && digits >= 3 ? null : 'is not a phone number';
    }
    case 'integer':
      if (typeof v === 'number') return Number.isSafeInteger(v) ? null : 'is not a whole number within the safe range';
      return `is ${kind(v)}; the target expects a whole number`;
    case 'number':
      if (typeof v === 'number') return Number.isFinite(v) ? null : 'is not a finite number';
      return `is ${kind(v)}; the target expects a number`;
    case 'decimal': {
      let text: string;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return 'is not a finite number';
        text = String(v);
        if (/e/i.test(text)) return null;
      } else if (typeof v === 'string' && DECIMAL_TEXT.test(v.trim())) text = v.trim();
      else return `is ${kind(v)}; the target expects a decimal number`;
      const dot = text.indexOf('.');
      const places = dot < 0 ? 0 : text.length - dot - 1;
      if (spec.scale !== undefined && places > spec.scale && !/^0+$/.test(text.slice(dot + 1 + spec.scale))) {
        return `has ${places} decimal places; the target allows at most ${spec.scale}`;
      }
      return null;
    }
    case 'boolean':
      return typeof v === 'boolean' ? null : `is ${kind(v)}; the target expects true or false`;
    case 'date':
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'is an invalid date' : null;
      if (typeof v !== 'string' || !DATE_TEXT.test(v)) return `is ${kind(v)}; the target expects a date (YYYY-MM-DD)`;
      return typeof parseInstant(v) === 'number' ? null : 'is not a real calendar date';
    case 'datetime':
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'is an invalid date' : null;
      if (typeof v !== 'string' || !DATETIME_TEXT.test(v.trim())) return `is ${kind(v)}; the target expects a date and time with a time zone`;
      return typeof parseInstant(v) === 'number' ? null : 'is not a real date and time';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? null : `is ${kind(v)}; the target expects an object`;
    case 'array':
      return Array.isArray(v) ? null : `is ${kind(v)}; the target expects a list`;
    default:
      return null;
  }
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date object';
  switch (typeof v) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a true/false value';
    default:
      return 'an object';
  }
}

/**
 * Checks a mapped record against the target's EntitySpec. Required fields are checked on create and upsert
 * (an update leaves absent fields alone); a null clears a field and is only refused when it is required.
 */
export function validateRecord(fields: Fields, entity: EntitySpec, ctx: ValidationContext): SyncError[] {
  const errors: SyncError[] = [];
  const at = where(ctx.flow, ctx.recordKey);
  const err = (spec: FieldSpec, value: unknown, rule: string, text: string): void => {
    errors.push(new SyncError('invalid_data', `${at}: ${text}`, { field: spec.name, value, rule, recordKey: ctx.recordKey, refusedBy: 'precheck' }));
  };
  for (const spec of entity.fields) {
    const has = Object.hasOwn(fields, spec.name);
    const v = has ? fields[spec.name] : undefined;
    if (spec.readOnly && has && v !== undefined) {
      err(spec, v, 'readOnly', `${spec.name} ${showValue(v)} cannot be written: the field is read-only on ${entity.name}`);
      continue;
    }
    if (isEmpty(v)) {
      const mustHave = (ctx.verb !== 'update' && ctx.verb !== 'delete') || (has && v !== undefined);
      if (spec.required && mustHave && !spec.readOnly) {
        err(spec, v, 'required', `${spec.name} is required by ${entity.name} but the mapping gave ${showValue(v)}`);
      }
      continue;
    }
    const problem = typeProblem(spec, v);
    if (problem) {
      err(spec, v, `type ${spec.type}`, `${spec.name} ${showValue(v)} ${problem}`);
      continue;
    }
    if (spec.maxLength !== undefined && typeof v === 'string') {
      const len = charLength(v);
      if (len > spec.maxLength) {
        err(spec, v, `maxLength ${spec.maxLength}`, `${spec.name} ${showValue(v)} is ${len} characters; the target allows at most ${spec.maxLength}`);
        continue;
      }
    }
    if (spec.enum && spec.enum.length > 0 && !spec.enum.includes(String(v))) {
      const shown = spec.enum.slice(0, 12).join(', ') + (spec.enum.length > 12 ? `, … (${spec.enum.length} in all)` : '');
      err(spec, v, 'enum', `${spec.name} ${showValue(v)} is not an allowed value; the target allows ${shown}`);
    }
  }
  return errors;
}
