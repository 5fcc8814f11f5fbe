/**
 * The emulated company's data file: a SQLite database with Sage 100's table layouts, written here
 * through better-sqlite3 and read by connectors through the SQLite ODBC driver, exactly as a Sage 100
 * host's tables are read through the ProvideX ODBC driver. Strings are stored space-padded to their
 * fixed width, decimals rounded to their scale, and every write stamps DateUpdated/TimeUpdated.
 */
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import type { SageClock } from './clock.js';
import { TABLES, columnOf, createTableSql, createViewSql, emptyValue, pad, storedName, type Column, type Table } from './schema.js';

/** A row as the business layer sees it: trimmed strings, decimal strings, `YYYYMMDD` dates (eBWS form). */
export type Row = Record<string, string>;

/** A stored value ready for SQLite. */
type Stored = string | number | null;

/** The data file of one emulated company. */
export class CompanyDb {
  readonly sql: Database.Database;

  constructor(
    /** Path of the SQLite file (the ODBC `Database=`). */
    readonly path: string,
    private readonly clock: SageClock,
    /** Sage user key stamped in UserCreatedKey/UserUpdatedKey. */
    private readonly userKey = '0000000001',
  ) {
    this.sql = new Database(path);
    // WAL lets the ODBC reader and this writer work at the same time.
    this.sql.pragma('journal_mode = WAL');
    this.sql.pragma('busy_timeout = 5000');
  }

  /** Creates the tables when the file is new. Returns true when it created them. */
  ensureSchema(): boolean {
    const kind = (name: string) => (this.sql.prepare('SELECT type FROM sqlite_master WHERE name = ?').get(name) as { type: string } | undefined)?.type;
    const fresh = kind('AR_Customer') === undefined;
    this.sql.transaction(() => {
      for (const t of TABLES) {
        const k = kind(t.name);
        if (k === 'view') continue;
        // A file from before the read views: its tables become the stored tables. Tables added since are created.
        if (k === 'table') this.sql.exec(`ALTER TABLE ${t.name} RENAME TO ${storedName(t)}`);
        else if (kind(storedName(t)) === undefined) this.sql.exec(createTableSql(t));
        this.sql.exec(createViewSql(t));
      }
    })();
    return fresh;
  }

  /** Drops every table and creates them again, empty. */
  wipe(): void {
    this.sql.transaction(() => {
      for (const t of TABLES) {
        this.sql.exec(`DROP VIEW IF EXISTS ${t.name}`);
        this.sql.exec(`DROP TABLE IF EXISTS ${storedName(t)}`);
      }
      for (const t of TABLES) {
        this.sql.exec(createTableSql(t));
        this.sql.exec(createViewSql(t));
      }
    })();
  }

  /** Runs `fn` in one transaction (a business object's write is atomic). */
  tx<T>(fn: () => T): T {
    return this.sql.transaction(fn)();
  }

  /** Inserts a row; missing columns get Sage's empty values; audit columns are stamped unless given. */
  insert(table: Table, values: Row, at?: Date): void {
    const row: Record<string, Stored> = {};
    for (const col of table.columns) row[col.name] = emptyValue(col);
    for (const [k, v] of Object.entries(values)) {
      const col = columnOf(table, k);
      if (col) row[col.name] = toStored(col, v);
    }
    this.stampInto(table, row, true, at);
    const names = table.columns.map((col) => col.name);
    this.sql.prepare(`INSERT INTO ${storedName(table)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...names.map((k) => row[k]));
  }

  /** Updates the given columns of one row by key and stamps it. Returns false when no row matched. */
  update(table: Table, key: Row, values: Row, at?: Date): boolean {
    const row: Record<string, Stored> = {};
    for (const [k, v] of Object.entries(values)) {
      const col = columnOf(table, k);
      if (col && !table.key.includes(col.name)) row[col.name] = toStored(col, v);
    }
    this.stampInto(table, row, false, at);
    const names = Object.keys(row);
    if (names.length === 0) return this.get(table, key) !== null;
    const where = this.whereKey(table, key);
    const res = this.sql.prepare(`UPDATE ${storedName(table)} SET ${names.map((k) => `${k} = ?`).join(', ')} WHERE ${where.sql}`).run(...names.map((k) => row[k]), ...where.params);
    return res.changes > 0;
  }

  /** Deletes rows matching a (possibly partial) key. Returns how many went. */
  delete(table: Table, key: Row): number {
    const where = this.whereKey(table, key);
    return this.sql.prepare(`DELETE FROM ${storedName(table)} WHERE ${where.sql}`).run(...where.params).changes;
  }

  /** One row by its full key, in eBWS form, or null. */
  get(table: Table, key: Row): Row | null {
    const where = this.whereKey(table, key);
    const raw = this.sql.prepare(`SELECT * FROM ${storedName(table)} WHERE ${where.sql}`).get(...where.params) as Record<string, Stored> | undefined;
    return raw ? fromStored(table, raw) : null;
  }

  /** Rows matching a partial key (e.g. the lines of one order), in key order. */
  list(table: Table, key: Row = {}): Row[] {
    const where = this.whereKey(table, key);
    const rows = this.sql.prepare(`SELECT * FROM ${storedName(table)} WHERE ${where.sql} ORDER BY ${table.key.join(', ')}`).all(...where.params) as Record<string, Stored>[];
    return rows.map((r) => fromStored(table, r));
  }

  /** Adds one to a counter column and returns the value before (the number handed out). */
  takeNext(table: Table, moduleCode: string, column: string): number {
    return this.tx(() => {
      const row = this.sql.prepare(`SELECT ${column} AS n FROM ${storedName(table)} WHERE ModuleCode = ?`).get(pad(moduleCode, 3)) as { n: number } | undefined;
      const value = row?.n ?? 1;
      if (row) this.sql.prepare(`UPDATE ${storedName(table)} SET ${column} = ? WHERE ModuleCode = ?`).run(value + 1, pad(moduleCode, 3));
      else this.insert(table, { ModuleCode: moduleCode, [column]: String(value + 1) });
      return value;
    });
  }

  /** Today's date on the emulated server as `YYYYMMDD` (the eBWS date form). */
  today(): string {
    return this.clock.stamp().date.replace(/-/g, '');
  }

  close(): void {
    this.sql.close();
  }

  private stampInto(table: Table, row: Record<string, Stored>, creating: boolean, at?: Date): void {
    if (!columnOf(table, 'DateUpdated')) return;
    const s = this.clock.stamp(at);
    row.DateUpdated = s.date;
    row.TimeUpdated = pad(s.time, 8);
    row.UserUpdatedKey = pad(this.userKey, 10);
    if (creating) {
      row.DateCreated = s.date;
      row.TimeCreated = pad(s.time, 8);
      row.UserCreatedKey = pad(this.userKey, 10);
    }
  }

  private whereKey(table: Table, key: Row): { sql: string; params: Stored[] } {
    const parts: string[] = [];
    const params: Stored[] = [];
    for (const [k, v] of Object.entries(key)) {
      const col = columnOf(table, k);
      if (!col) throw new Error(`${table.name} has no column ${k}`);
      parts.push(`${col.name} = ?`);
      params.push(toStored(col, v));
    }
    return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params };
  }
}

/** Converts an eBWS-form value to its stored form (padded, rounded, ISO date). */
export function toStored(col: Column, value: string): Stored {
  if (col.kind === 'decimal') return new Decimal(value === '' ? 0 : value).toDecimalPlaces(col.scale ?? 2).toNumber();
  if (col.kind === 'date') {
    if (value === '' || value === undefined || value === null) return null;
    const digits = value.replace(/-/g, '');
    return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  }
  return pad(value ?? '', col.width ?? 0);
}

/** Converts a stored row to eBWS form: trimmed strings, fixed-scale decimals, `YYYYMMDD` dates. */
export function fromStored(table: Table, raw: Record<string, Stored>): Row {
  const out: Row = {};
  for (const col of table.columns) {
    const v = raw[col.name];
    if (col.kind === 'decimal') out[col.name] = new Decimal(v ?? 0).toFixed(col.scale ?? 2);
    else if (col.kind === 'date') out[col.name] = typeof v === 'string' ? v.replace(/-/g, '') : '';
    else out[col.name] = String(v ?? '').trimEnd();
  }
  return out;
}
