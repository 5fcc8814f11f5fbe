/**
 * Validation and application of prospect writes, shared by create, update, upsertLatestByEmail and
 * the Import API so every path enforces the same field rules.
 */
import { PardotApiError } from './errors.js';
import { CUSTOM_FIELD_KINDS, PROSPECT_FIELDS } from './objects.js';
import type { Row } from './query.js';
import type { PardotState } from './state.js';
import { toSecond } from './time.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GRADES = ['A+', 'A', 'A-', 'B+', 'B', 'B-', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'F'];
const MAX_STRING = 255;

/** Checks `input` against the prospect fields and returns the values to store (numbers coerced). Throws PardotApiError. */
export function validateProspectInput(state: PardotState, input: Record<string, unknown>, creating: boolean): Record<string, unknown> {
  const custom = new Map<string, string>();
  for (const cf of state.customFields.values()) custom.set(`${cf.fieldId as string}__c`, cf.type as string);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const std = PROSPECT_FIELDS[key];
    if (std) {
      if (!std.writable) throw new PardotApiError(180, `The field "${key}" is not writable in this operation`);
      out[key] = checkValue(key, value, std.kind);
      continue;
    }
    const type = custom.get(key);
    if (type === undefined) throw new PardotApiError(224, `Invalid fields for the request type: ${key}`);
    out[key] = checkValue(key, value, CUSTOM_FIELD_KINDS[type] ?? 'string');
  }
  if (creating && (out.email === undefined || out.email === null || out.email === '')) {
    throw new PardotApiError(153, 'A required property is missing: email');
  }
  if ('email' in out && out.email !== null && !EMAIL.test(String(out.email))) throw new PardotApiError(154, `Invalid property value: email ("${String(out.email)}" is not a valid email address)`);
  if ('grade' in out && out.grade !== null && !GRADES.includes(String(out.grade))) throw new PardotApiError(154, `Invalid property value: grade (one of ${GRADES.join(', ')})`);
  return out;
}

function checkValue(key: string, value: unknown, kind: string): unknown {
  if (value === null) return null;
  const bad = (rule: string) => new PardotApiError(154, `Invalid property value: ${key} (${rule})`);
  switch (kind) {
    case 'string':
      if (typeof value !== 'string' && typeof value !== 'number') throw bad('a string is expected');
      if (String(value).length > MAX_STRING) throw bad(`at most ${MAX_STRING} characters`);
      return String(value);
    case 'int':
      if (!Number.isInteger(typeof value === 'string' && value.trim() !== '' ? Number(value) : value)) throw bad('an integer is expected');
      return Number(value);
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('a number is expected');
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad('true or false is expected');
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !Number.isFinite(Date.parse(value))) throw bad('a date YYYY-MM-DD is expected');
      return value;
    default:
      return value;
  }
}

/** Creates a prospect from validated values. */
export function createProspect(state: PardotState, values: Record<string, unknown>, now: number): Row {
  const id = state.nextId('prospect');
  const at = toSecond(now);
  const row: Row = { optedOut: false, isDoNotEmail: false, isDoNotCall: false, score: 0, ...values, id, isDeleted: false, createdAt: at, updatedAt: at, createdById: 1001, updatedById: 1001 };
  state.prospects.set(id, row);
  return row;
}

/** Applies validated values to an existing prospect and stamps updatedAt. */
export function updateProspect(row: Row, values: Record<string, unknown>, now: number): Row {
  Object.assign(row, values);
  row.updatedAt = toSecond(now);
  row.updatedById = 1001;
  return row;
}

/** The prospect upsertLatestByEmail updates: the non-deleted match with the latest activity. */
export function latestByEmail(state: PardotState, email: string, includeDeleted: boolean): Row | undefined {
  const matches = state.prospectsByEmail(email).filter((p) => includeDeleted || !p.isDeleted);
  matches.sort((a, b) => activityOf(b) - activityOf(a) || b.id - a.id);
  return matches[0];
}

function activityOf(p: Row): number {
  return (p.lastActivityAt as number | undefined) ?? (p.updatedAt as number);
}
