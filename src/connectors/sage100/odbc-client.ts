/**
 * The only file that speaks ODBC. Sage 100 (Standard/Advanced) is read through the ProvideX ODBC
 * driver (DSN `SOTAMAS90`), Premium through SQL Server's; both through the `odbc` package over the
 * platform's driver manager (unixODBC here). The package is an optional dependency loaded on first
 * use, so a machine without unixODBC still runs every other connector, and only Sage 100 reads fail,
 * with a message saying what to install. Strings come back padded to their fixed width; they are
 * trimmed here, because the padding is a property of the transport, not of the data.
 */
import type { CallGate } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { ownString, V8_MIN_VIEW } from '../shared/own-string.js';
import { classifyOdbcError, odbcUnavailable } from './errors.js';

/** What we use of an ODBC connection (the `odbc` package's Connection). */
export interface OdbcConnection {
  query(sql: string, params?: Array<string | number>): Promise<Array<Record<string, unknown>>>;
  /** With `cursor: true`, a cursor that fetches `fetchSize` rows at a time. */
  query(sql: string, params: Array<string | number>, options: { cursor: true; fetchSize: number }): Promise<OdbcCursor>;
  close(): Promise<void>;
}

/** What we use of the `odbc` package's Cursor. */
export interface OdbcCursor {
  readonly noData: boolean;
  fetch(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** What we use of the `odbc` package. */
export interface OdbcModule {
  connect(options: string | { connectionString: string; loginTimeout?: number; connectionTimeout?: number }): Promise<OdbcConnection>;
}

/** Loads the `odbc` package; injectable so the "not installed" path can be exercised. */
export type OdbcLoader = () => Promise<OdbcModule>;

/** The default loader: a dynamic import, so the package stays optional. */
export const loadOdbcPackage: OdbcLoader = async () => {
  const name = 'odbc';
  const mod = (await import(name)) as { default?: OdbcModule } & OdbcModule;
  return mod.default ?? mod;
};

/** Options of the ODBC reader. */
export interface OdbcClientOptions {
  /** Full ODBC connection string (`DSN=SOTAMAS90;UID=...;PWD=...;Company=ABC` or `Driver=...`). */
  connectionString: string;
  /** Seconds to wait for the login (default 15). */
  loginTimeoutSeconds?: number;
  loader?: OdbcLoader;
  /** The connection's limiter, acquired for every query. */
  gate: CallGate;
}

/**
 * Rows per cursor fetch. The `odbc` package binds, per cursor, a buffer of this many rows for every
 * column at four bytes per character of its width (a 250-wide EmailAddress: 1 MB at 1,000 rows), and
 * copies each fetch's cells into native memory before they become JavaScript values, all on libuv's
 * worker threads, whose malloc arenas keep what they once held: at 1,000 rows a 100,000-customer load
 * kept 44 MB in those arenas, at 100 rows 20 MB (bench/RESULTS.md). A fetch is one hop to a worker
 * thread, so 100 rows costs no measurable CPU.
 */
export const FETCH_ROWS = 100;

/** A row as read: strings trimmed of their padding; other values as the driver gave them. */
export type OdbcRow = Record<string, unknown>;

/** A lazily opened ODBC connection with queries run one at a time (the ProvideX driver is not re-entrant). */
export class OdbcClient {
  private conn: Promise<OdbcConnection> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OdbcClientOptions) {}

  /** Runs a SELECT with `?` parameters; `what` names the read in errors. */
  query(sql: string, params: Array<string | number>, what: string): Promise<OdbcRow[]> {
    const run = async () => {
      const conn = await this.connection();
      const release = await this.options.gate.acquire(`odbc:${what}`);
      let rows: Array<Record<string, unknown>>;
      try {
        rows = await conn.query(sql, params);
      } catch (err) {
        const classified = classifyOdbcError(err, 'query', what);
        // A broken connection is reopened on the next call.
        if (classified.kind === 'retryable') this.reset();
        throw classified;
      } finally {
        release();
      }
      return Array.from(rows, trimRow);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs a SELECT through a cursor and yields its rows `fetchSize` at a time, so a whole table is read
   * without holding it (the driver's result buffer and the rows both stay one fetch long). The
   * connection is held, in its queue, until the generator ends or is returned.
   */
  async *stream(sql: string, params: Array<string | number>, what: string, fetchSize = FETCH_ROWS): AsyncGenerator<OdbcRow[]> {
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const before = this.queue;
    this.queue = before.then(() => mine);
    await before;
    try {
      const conn = await this.connection();
      const release = await this.options.gate.acquire(`odbc:${what}`);
      try {
        let cursor: OdbcCursor;
        try {
          cursor = await conn.query(sql, params, { cursor: true, fetchSize });
        } catch (err) {
          throw this.classified(err, what);
        }
        try {
          while (!cursor.noData) {
            let rows: Array<Record<string, unknown>>;
            try {
              rows = await cursor.fetch();
            } catch (err) {
              throw this.classified(err, what);
            }
            if (rows.length) yield Array.from(rows, trimRow);
          }
        } finally {
          await cursor.close().catch(() => undefined);
        }
      } finally {
        release();
      }
    } finally {
      done();
    }
  }

  private classified(err: unknown, what: string): SyncError {
    const classified = classifyOdbcError(err, 'query', what);
    // A broken connection is reopened on the next call.
    if (classified.kind === 'retryable') this.reset();
    return classified;
  }

  /** The columns of a table (name and width), read from the driver's result metadata without fetching rows. */
  async columns(table: string): Promise<Array<{ name: string; size: number }>> {
    if (!/^\w+$/.test(table)) throw new SyncError('fatal', `not a table name: ${table}`, { system: 'sage100' });
    const run = async () => {
      const conn = await this.connection();
      const release = await this.options.gate.acquire(`odbc:${table} columns`);
      try {
        const result = (await conn.query(`SELECT * FROM ${table} WHERE 1 = 0`)) as Array<Record<string, unknown>> & { columns?: Array<{ name: string; columnSize: number }> };
        return (result.columns ?? []).map((c) => ({ name: c.name, size: c.columnSize }));
      } catch (err) {
        throw classifyOdbcError(err, 'query', `${table} columns`);
      } finally {
        release();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * `column` folded for a case- and padding-insensitive comparison with a trimmed, lower-cased value.
   * The ODBC scalar functions ({fn LCASE}, {fn LTRIM}, {fn RTRIM}) are what the ProvideX and SQL Server
   * drivers know; SQLite's driver (the sandbox's database) passes functions through to SQLite, which
   * names them LOWER and TRIM.
   */
  foldedColumn(column: string): string {
    if (!/^[\w.]+$/.test(column)) throw new SyncError('fatal', `not a column name: ${column}`, { system: 'sage100' });
    return /(^|;)\s*Driver\s*=\s*\{?SQLite3/i.test(this.options.connectionString) ? `LOWER(TRIM(${column}))` : `{fn LCASE({fn LTRIM({fn RTRIM(${column})})})}`;
  }

  /** Closes the connection if one is open. */
  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.then((c) => c.close()).catch(() => undefined);
  }

  private reset(): void {
    const conn = this.conn;
    this.conn = null;
    conn?.then((c) => c.close()).catch(() => undefined);
  }

  private connection(): Promise<OdbcConnection> {
    if (!this.conn) {
      this.conn = this.open();
      this.conn.catch(() => {
        this.conn = null;
      });
    }
    return this.conn;
  }

  private async open(): Promise<OdbcConnection> {
    let odbc: OdbcModule;
    try {
      odbc = await (this.options.loader ?? loadOdbcPackage)();
    } catch (err) {
      throw odbcUnavailable(err);
    }
    if (typeof odbc?.connect !== 'function') throw odbcUnavailable(new Error('the odbc module has no connect()'));
    try {
      return await odbc.connect({ connectionString: this.options.connectionString, loginTimeout: this.options.loginTimeoutSeconds ?? 15 });
    } catch (err) {
      if (err instanceof SyncError) throw err;
      throw classifyOdbcError(err, 'connect', 'connect');
    }
  }
}

/**
 * One ODBC connection-string value, always braced with `}` doubled (the ODBC rule), so a password
 * holding `;`, `=` or `}` stays one value and cannot add attributes (`x;Driver=...`).
 */
export function odbcValue(value: string): string {
  return `{${value.replace(/}/g, '}}')}}`;
}

/**
 * The DSN route's connection string: `DSN=...;UID={...};PWD={...};Company={...}`, every value quoted.
 * Drivers look the DSN name up as written (some keep braces as part of the name), so it is not
 * quoted but must be a plain name.
 */
export function dsnConnectionString(p: { dsn: string; username: string; password: string; companyCode: string }): string {
  if (!/^[\w .-]+$/.test(p.dsn)) throw new SyncError('fatal', `Sage 100 connection: the ODBC DSN name "${p.dsn}" may hold only letters, digits, spaces, dots, dashes and underscores.`, { system: 'sage100', field: 'odbcDsn' });
  return `DSN=${p.dsn};UID=${odbcValue(p.username)};PWD=${odbcValue(p.password)};Company=${odbcValue(p.companyCode)}`;
}

/**
 * A string as an SQL character literal (`'O''BRIEN'`), or null when it holds anything but printable
 * ASCII or holds ODBC escape braces, so that it must go as a `?` parameter instead.
 */
export function sqlStringLiteral(value: string): string | null {
  return /^[\x20-\x7E]*$/.test(value) && !/[{}]/.test(value) ? `'${value.replace(/'/g, "''")}'` : null;
}

/** Trims the trailing-space padding of every string value; each trimmed value is a string of its own (see unpadded). */
export function trimRow(row: Record<string, unknown>): OdbcRow {
  const out: OdbcRow = {};
  for (const k in row) {
    const v = row[k];
    out[k] = typeof v === 'string' ? unpadded(v) : v;
  }
  return out;
}

/**
 * A value without its trailing padding, sharing no memory with the padded original: `trimEnd` alone
 * returns a view that keeps the padded string alive, so the records of a bulk load held a 250-character
 * EmailAddress (and every other padded column they carried into an upload CSV) per customer for as
 * long as the batch lived (bench/RESULTS.md, issue 20).
 */
function unpadded(value: string): string {
  const t = value.trimEnd();
  // Below V8's view length the cut is a copy already.
  return t.length === value.length || t.length < V8_MIN_VIEW ? t : ownString(t);
}
