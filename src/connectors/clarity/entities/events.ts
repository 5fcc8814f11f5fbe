/**
 * The event tables as a change log: `/Shopping/CartEvents` and `/Ordering/SalesOrderEvents` hold a
 * row for every status change, with the record serialised before and after. A flow that must see
 * every transition (a cart abandoned, revived and abandoned again between two polls; an order that
 * went Confirmed → Processing → Shipped in one minute) reads these instead of the record, whose
 * polling only shows the latest state. Each record carries OldStatusKey, NewStatusKey and the record
 * as it was after the change (`Record`).
 */
import type { Fields } from '../../../core/json.js';
import type { CefRow } from '../client.js';
import { defaultData, type CefEntityDef } from './common.js';

const eventFields = (master: string) => [
  { name: 'MasterID', type: 'reference' as const, references: master, description: `The ${master} that changed` },
  { name: 'OldStatusKey', type: 'string' as const, description: 'Status before the change (null for a new record)' },
  { name: 'NewStatusKey', type: 'string' as const },
  { name: 'EventDate', type: 'datetime' as const },
  { name: 'Record', type: 'object' as const, description: `The ${master} after the change (NewRecordSerialized)` },
];

function eventData(row: CefRow): Fields {
  const after = parse(row.NewRecordSerialized);
  const before = parse(row.OldRecordSerialized);
  const { OldRecordSerialized: _o, NewRecordSerialized: _n, ...rest } = row;
  return {
    ...(rest as Fields),
    EventDate: (row.CreatedDate as string | undefined) ?? null,
    OldStatusKey: (before?.StatusKey as string | undefined) ?? null,
    NewStatusKey: (after?.StatusKey as string | undefined) ?? null,
    Record: after ? (defaultData(after) as Fields[string]) : null,
  };
}

/** Keys an event row by the record it changed: the changes of one cart or order run in order. */
const masterKey = (master: string) => (row: CefRow) => (row.MasterID === null || row.MasterID === undefined ? undefined : `${master}:${String(row.MasterID)}`);

function parse(v: unknown): CefRow | null {
  if (typeof v !== 'string' || !v) return null;
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as CefRow) : null;
  } catch {
    return null;
  }
}

/** Shopping/CartEvent. */
export const cartEventEntity: CefEntityDef = {
  name: 'CartEvent',
  area: 'Shopping',
  plural: 'CartEvents',
  label: 'Cart status change',
  writable: false,
  findBy: ['MasterID'],
  fields: eventFields('Cart'),
  toData: eventData,
  sequenceKeyOf: masterKey('Cart'),
};

/** Ordering/SalesOrderEvent. */
export const salesOrderEventEntity: CefEntityDef = {
  name: 'SalesOrderEvent',
  area: 'Ordering',
  plural: 'SalesOrderEvents',
  label: 'Sales order status change',
  writable: false,
  findBy: ['MasterID'],
  fields: eventFields('SalesOrder'),
  toData: eventData,
  sequenceKeyOf: masterKey('SalesOrder'),
};
