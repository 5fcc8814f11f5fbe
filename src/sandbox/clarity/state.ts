/**
 * The emulated shop's data: one table of rows per entity, stamped the way CEF stamps them
 * (`CreatedDate` on insert, `UpdatedDate` on every update, null before the first), custom attributes
 * kept as the `JsonAttributes` string and served parsed as `SerializableAttributes`, and an event
 * row (old/new status, hash and serialised record) written for every status change of a cart or a
 * sales order, as CEF's `CartEvent` and `SalesOrderEvent` tables hold them.
 */
import { createHash } from 'node:crypto';
import type { ShopClock } from './clock.js';
import { statusId, TABLE_BY_NAME, TABLES, type Row, type TableDef } from './model.js';

/** A business failure answered as `CEFActionResponse { ActionSucceeded: false }` on HTTP 200. */
export class ActionFailure extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

/** A validation failure answered as a ServiceStack `ResponseStatus` with field errors (HTTP 400). */
export class ValidationFailure extends Error {
  constructor(
    readonly errors: Array<{ ErrorCode: string; FieldName: string; Message: string }>,
    readonly status = 400,
  ) {
    super(errors.map((e) => e.Message).join(' '));
  }
}

/** A status change the shop made, for the webhook sender and the tests. */
export interface StatusChange {
  table: 'Cart' | 'SalesOrder';
  event: Row;
  record: Row;
}

/** Fields the API computes or stamps; a write never sets them. */
const SYSTEM_FIELDS = new Set(['ID', 'CreatedDate', 'UpdatedDate', 'Hash', 'SerializableAttributes', 'StatusName', 'StatusDisplayName', 'StatusID']);

/** All rows of the emulated shop. */
export class ShopState {
  private readonly tables = new Map<string, Map<number, Row>>();
  private readonly counters = new Map<string, number>();
  /** Told about every cart or order status change (the webhook sender listens). */
  statusListeners: Array<(change: StatusChange) => void> = [];
  /** Told about every user create or update made through the API or the control endpoints. */
  userListeners: Array<(user: Row) => void> = [];

  constructor(readonly clock: ShopClock) {
    for (const t of TABLES) this.tables.set(t.name, new Map());
  }

  /** The definition of a table; throws for an unknown one. */
  def(name: string): TableDef {
    const t = TABLE_BY_NAME.get(name);
    if (!t) throw new Error(`unknown table ${name}`);
    return t;
  }

  /** Rows of a table in id order (stored form). */
  rows(name: string): Row[] {
    return [...this.table(name).values()];
  }

  /** One stored row, or undefined. */
  get(name: string, id: number): Row | undefined {
    return this.table(name).get(id);
  }

  /** The row whose CustomKey equals `key`, or undefined. */
  byKey(name: string, key: string): Row | undefined {
    for (const r of this.table(name).values()) if (r.CustomKey === key) return r;
    return undefined;
  }

  /** Removes a row for good (the Delete routes); false when it did not exist. */
  remove(name: string, id: number): boolean {
    return this.table(name).delete(id);
  }

  /** Empties every table and the id counters. */
  wipe(): void {
    for (const t of this.tables.values()) t.clear();
    this.counters.clear();
  }

  /** Inserts a row (CEF Base fields stamped), returning the stored row. */
  insert(name: string, values: Row): Row {
    const def = this.def(name);
    const id = this.nextId(def);
    const row: Row = {
      ID: id,
      CustomKey: null,
      Active: true,
      JsonAttributes: '{}',
      ...clean(values),
      CreatedDate: this.clock.iso(),
      UpdatedDate: null,
    };
    if (values.SerializableAttributes !== undefined) row.JsonAttributes = JSON.stringify(attributesToJson(values.SerializableAttributes, {}));
    this.applyStatus(def, row, values);
    row.Hash = hashOf(row);
    this.table(name).set(id, row);
    if (name === 'User') this.userListeners.forEach((l) => l(row));
    return row;
  }

  /** Updates fields of a row (UpdatedDate stamped); a status change writes an event row. */
  update(name: string, id: number, values: Row): Row {
    const def = this.def(name);
    const row = this.get(name, id);
    if (!row) throw new ValidationFailure([{ ErrorCode: 'NotFound', FieldName: 'ID', Message: `${name} ${id} not found` }], 404);
    const before = { ...row };
    Object.assign(row, clean(values));
    if (values.SerializableAttributes !== undefined) {
      row.JsonAttributes = JSON.stringify(attributesToJson(values.SerializableAttributes, parseJson(String(before.JsonAttributes ?? '{}'))));
    }
    this.applyStatus(def, row, values);
    row.UpdatedDate = this.clock.iso();
    row.Hash = hashOf(row);
    if ((name === 'Cart' || name === 'SalesOrder') && before.StatusKey !== row.StatusKey) this.recordEvent(name, before, row);
    if (name === 'User') this.userListeners.forEach((l) => l(row));
    return row;
  }

  /** Writes the event row of a cart or order status change (also for a new order: old status null). */
  recordEvent(name: 'Cart' | 'SalesOrder', before: Row | null, after: Row): Row {
    const event = this.insertEvent(`${name}Event`, {
      MasterID: after.ID,
      OldStatusID: before?.StatusID ?? null,
      NewStatusID: after.StatusID ?? null,
      OldStateID: before?.StateID ?? null,
      NewStateID: after.StateID ?? null,
      OldTypeID: before?.TypeID ?? null,
      NewTypeID: after.TypeID ?? null,
      OldHash: before?.Hash ?? null,
      NewHash: after.Hash ?? null,
      OldRecordSerialized: before ? JSON.stringify(this.view(name, before)) : null,
      NewRecordSerialized: JSON.stringify(this.view(name, after)),
    });
    this.statusListeners.forEach((l) => l({ table: name, event, record: after }));
    return event;
  }

  /** The API model of a stored row: attributes parsed, status fields named. */
  view(name: string, row: Row): Row {
    const { JsonAttributes, ...rest } = row;
    const out: Row = { ...rest, JsonAttributes };
    const attrs = parseJson(String(JsonAttributes ?? '{}'));
    out.SerializableAttributes = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { Key: k, Value: v }]));
    // Sales collections carry their user as CEF's related-object model does (summary fields only).
    if ((name === 'Cart' || name === 'SalesOrder') && row.UserID) {
      const user = this.get('User', Number(row.UserID));
      out.User = user ? { ID: user.ID, CustomKey: user.CustomKey, UserName: user.UserName, Email: user.Email, TypeKey: user.TypeKey, IsEmailSubscriber: user.IsEmailSubscriber, IsSMSAllowed: user.IsSMSAllowed } : null;
    }
    if (this.def(name).statuses && row.StatusKey !== undefined) {
      out.StatusName = row.StatusKey;
      out.StatusDisplayName = row.StatusKey;
    }
    return out;
  }

  private insertEvent(name: string, values: Row): Row {
    const def = this.def(name);
    const id = this.nextId(def);
    const row: Row = { ID: id, CustomKey: null, Active: true, JsonAttributes: '{}', CreatedDate: this.clock.iso(), UpdatedDate: null, ...values };
    row.Hash = hashOf(row);
    this.table(name).set(id, row);
    return row;
  }

  private applyStatus(def: TableDef, row: Row, values: Row): void {
    if (!def.statuses) return;
    const key = values.StatusKey ?? row.StatusKey ?? def.statuses[0];
    const id = statusId(def, String(key));
    if (id === undefined) throw new ActionFailure([`StatusKey '${String(key)}' is not a valid ${def.name} status (one of: ${def.statuses.join(', ')})`]);
    row.StatusKey = key;
    row.StatusID = id;
  }

  private nextId(def: TableDef): number {
    const n = this.counters.get(def.name) ?? def.firstId;
    this.counters.set(def.name, n + 1);
    return n;
  }

  private table(name: string): Map<number, Row> {
    const t = this.tables.get(name);
    if (!t) throw new Error(`unknown table ${name}`);
    return t;
  }
}

/** Values a write may set: system-stamped fields dropped. */
function clean(values: Row): Row {
  return Object.fromEntries(Object.entries(values).filter(([k, v]) => !SYSTEM_FIELDS.has(k) && v !== undefined));
}

/** `SerializableAttributes` as sent (`{ Key: { Value } }` or `{ Key: value }`) merged into the stored JSON object. */
function attributesToJson(given: unknown, current: Record<string, unknown>): Record<string, unknown> {
  const out = { ...current };
  if (given === null || typeof given !== 'object') return out;
  for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && 'Value' in (v as Row)) out[k] = (v as Row).Value;
    else if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function hashOf(row: Row): string {
  const { Hash: _h, UpdatedDate: _u, ...rest } = row;
  return createHash('sha1').update(JSON.stringify(rest)).digest('hex');
}
