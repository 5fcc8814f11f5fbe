/**
 * What each Sage 100 entity module declares: its spec (fields with real widths), how its rows are
 * selected over ODBC and stamped, how an id maps to a key, and how rows become records.
 */
import { Decimal } from 'decimal.js';
import type { EntitySpec, FieldSpec, SourceRecord } from '../../../core/connector.js';
import { SyncError } from '../../../core/errors.js';
import type { OdbcClient, OdbcRow } from '../odbc-client.js';
import { odbcDate } from '../stamps.js';

/** What entity modules need to read. */
export interface ReadContext {
  odbc: OdbcClient;
  /** IANA zone of the Sage server, for stamps. */
  timeZone: string;
}

/** A SQL fragment with its `?` parameters. */
export interface SqlPart {
  sql: string;
  params: string[];
}

/** One readable Sage 100 entity. */
export interface EntityModule {
  spec: EntitySpec;
  /** SELECT ... FROM ... (no WHERE); a WHERE is appended for polls and gets. */
  select: string;
  /** The date column polled with `>= {d'...'}` (qualified when the select joins). */
  dateColumn: string;
  /** The row's DateUpdated and TimeUpdated values. */
  stampOf(row: OdbcRow): { date: unknown; time: unknown };
  /** The record id of a row. */
  idOf(row: OdbcRow): string;
  /** WHERE condition selecting one id. Throws invalid_data for a malformed id. */
  whereId(id: string): SqlPart;
  /**
   * KPRIMARY's columns, in order. With them a read from the beginning goes by key instead of by stamp
   * (key-pass.ts): ProvideX cannot order by DateUpdated + TimeUpdated, so each stamp-ordered page from
   * nothing is a read of the whole table.
   */
  primaryKey?: string[];
  /** The stamp columns alone (`SELECT DateUpdated, TimeUpdated FROM ...`): the newest stamp when a key pass starts. */
  stampSelect?: string;
  /** The column reference for a field in WHERE (qualified when the select joins). */
  column?(field: string): string;
  /** Turns rows into records' data (lines and totals fetched here). */
  toData(rows: OdbcRow[], ctx: ReadContext): Promise<Array<Record<string, unknown>>>;
}

/** A string field with its Sage width. */
export const str = (name: string, maxLength: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'string', maxLength, ...extra });
/** A decimal field (money 2, quantities 4). */
export const dec = (name: string, scale = 2, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'decimal', scale, ...extra });
/** A date field (`YYYY-MM-DD`). */
export const date = (name: string, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type: 'date', ...extra });
/** The audit columns every master/transaction table carries. */
export const auditFields = (): FieldSpec[] => [
  date('DateCreated', { readOnly: true }),
  str('TimeCreated', 8, { readOnly: true, description: 'Decimal hours, Sage server local time' }),
  str('UserCreatedKey', 10, { readOnly: true }),
  date('DateUpdated', { readOnly: true }),
  str('TimeUpdated', 8, { readOnly: true, description: 'Decimal hours, Sage server local time' }),
  str('UserUpdatedKey', 10, { readOnly: true }),
];

/** Normalises a row by the entity's fields: decimals as exact fixed-scale strings, dates as `YYYY-MM-DD` or null. */
export function normalise(row: OdbcRow, fields: FieldSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const f of fields) {
    if (!(f.name in row)) continue;
    const v = row[f.name];
    if (f.type === 'decimal') out[f.name] = v === null || v === undefined || v === '' ? null : new Decimal(String(v)).toFixed(f.scale ?? 2);
    else if (f.type === 'date') out[f.name] = odbcDate(v);
  }
  return out;
}

/** Splits `01-ABF` into division and customer number. */
export function parseCustomerId(id: string): { ARDivisionNo: string; CustomerNo: string } {
  const m = /^(\d{2})-(.+)$/.exec(id.trim());
  if (!m) throw new SyncError('invalid_data', `Sage 100 customer id "${id}" is not of the form <ARDivisionNo>-<CustomerNo>, e.g. 01-ABF`, { system: 'sage100', field: 'id', value: id });
  return { ARDivisionNo: m[1], CustomerNo: m[2].toUpperCase() };
}

/** Builds `01-ABF` from a row. */
export function customerId(row: { ARDivisionNo?: unknown; CustomerNo?: unknown }): string {
  return `${String(row.ARDivisionNo ?? '').trim()}-${String(row.CustomerNo ?? '').trim()}`;
}

/** Groups rows by a key function, keeping order. */
export function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** Splits a list into chunks (IN lists stay short for the ProvideX driver). */
export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Makes a SourceRecord. */
export function record(entity: string, id: string, updatedAt: string | undefined, data: Record<string, unknown>): SourceRecord {
  return updatedAt ? { id, entity, updatedAt, data } : { id, entity, data };
}
