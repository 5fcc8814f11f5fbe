/**
 * An open Sage 100 connection: reads (lists, gets, finds, change polls) through ODBC, writes through
 * eBWS. Polling reads `DateUpdated >= {d'<watermark day>'}` (the ProvideX driver cannot index a
 * date+time expression), turns DateUpdated + TimeUpdated into instants in the Sage server's zone,
 * and keeps only what is after the watermark through the shared polling helper (overlap with a
 * seen-set, key tie-break). Entities dispatch through one table.
 */
import type { ChangePage, CheckResult, Connector, ConnectorContext, EntitySpec, Logger, ReadChangesOptions, SourceRecord, Watermark } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { tableMethods, type EntityHandler, type EntityTable } from '../shared/entities.js';
import { pollByStamp } from '../shared/polling.js';
import { backToOf, isKeyPassMark, keyPassPage, withoutBackTo } from './key-pass.js';
import { normalizeKey } from '../../core/match-keys.js';
import { cashReceiptEntity } from './entities/cash-receipt.js';
import { customerContactEntity } from './entities/customer-contact.js';
import { customerEntity } from './entities/customer.js';
import { writeCustomer } from './entities/customer-write.js';
import { parseCustomerId, record, type EntityModule, type ReadContext } from './entities/entity.js';
import { invoiceHistoryEntity } from './entities/invoice-history.js';
import { itemWarehouseEntity } from './entities/item-warehouse.js';
import { itemEntity } from './entities/item.js';
import { openInvoiceEntity } from './entities/open-invoice.js';
import { previewSalesOrder, writeSalesOrder } from './entities/sales-order-write.js';
import { salesOrderEntity } from './entities/sales-order.js';
import { customerInvoiceTotals, type InvoiceTotals } from './invoice-totals.js';
import { FETCH_ROWS, OdbcClient, sqlStringLiteral, type OdbcLoader, type OdbcRow } from './odbc-client.js';
import { parseSettings, type Sage100Settings } from './settings.js';
import { EbwsClient } from './soap-client.js';
import { localDay, odbcDateLiteral, sageStampToMs } from './stamps.js';

/** Every entity this connector reads. */
export const ENTITY_MODULES: EntityModule[] = [
  customerEntity,
  customerContactEntity,
  salesOrderEntity,
  invoiceHistoryEntity,
  openInvoiceEntity,
  cashReceiptEntity,
  itemEntity,
  itemWarehouseEntity,
];

/** Options for tests and embedders. */
export interface Sage100ConnectionOptions {
  /** Replaces the loader of the optional `odbc` package. */
  odbcLoader?: OdbcLoader;
}

function withWhere(select: string, condition: string): string {
  return /\bWHERE\b/i.test(select) ? `${select} AND ${condition}` : `${select} WHERE ${condition}`;
}

/** A Sage 100 connection (eBWS + ODBC). */
export class Sage100Connection implements Connector {
  readonly settings: Sage100Settings;
  private readonly ebws: EbwsClient;
  private readonly odbc: OdbcClient;
  private readonly logger: Logger;
  // Entity operations come from the table (set in the constructor).
  declare readonly readChanges: Connector['readChanges'];
  declare readonly readAll: NonNullable<Connector['readAll']>;
  declare readonly get: Connector['get'];
  declare readonly find: Connector['find'];
  declare readonly write: Connector['write'];
  declare readonly writeBatch: NonNullable<Connector['writeBatch']>;

  constructor(ctx: ConnectorContext, options: Sage100ConnectionOptions = {}) {
    this.settings = parseSettings(ctx.settings);
    this.logger = ctx.logger;
    const s = this.settings;
    this.ebws = new EbwsClient({
      endpointUrl: s.endpointUrl,
      companyCode: s.companyCode,
      username: s.username,
      password: s.password,
      timeoutMs: s.requestTimeoutMs,
      gate: ctx.gate,
    });
    this.odbc = new OdbcClient({ connectionString: s.odbcConnectionString, loader: options.odbcLoader, gate: ctx.gate });
    Object.assign(this, tableMethods(this.entityTable(), 'sage100'));
  }

  async check(): Promise<CheckResult> {
    const info: Record<string, string> = { companyCode: this.settings.companyCode };
    try {
      // GetCustomer on a number that cannot exist proves the logon and company without changing anything.
      await this.ebws.getCustomer(this.settings.defaults.ARDivisionNo, 'SYNCLINE~CHECK');
      info.ebws = 'ok';
    } catch (err) {
      if (!(err instanceof SyncError && err.kind === 'not_found')) return { ok: false, message: (err as Error).message, info };
      info.ebws = 'ok';
    }
    try {
      await this.odbc.query('SELECT CustomerNo FROM AR_Customer WHERE ARDivisionNo = ? AND CustomerNo = ?', [this.settings.defaults.ARDivisionNo, 'SYNCLINE~CHECK'], 'check');
      info.odbc = 'ok';
    } catch (err) {
      return { ok: false, message: (err as Error).message, info };
    }
    return { ok: true, message: `Connected to Sage 100 company ${this.settings.companyCode} (eBWS and ODBC).`, info };
  }

  /** The declared entities plus this company's UDF_ columns on customers and orders, read from the ODBC metadata. */
  async discover(): Promise<EntitySpec[]> {
    const udfTables: Record<string, string> = { AR_Customer: 'AR_Customer', SO_SalesOrder: 'SO_SalesOrderHeader' };
    const out: EntitySpec[] = [];
    for (const m of ENTITY_MODULES) {
      const table = udfTables[m.spec.name];
      if (!table) {
        out.push(m.spec);
        continue;
      }
      const cols = await this.odbc.columns(table);
      const udfs = cols
        .filter((c) => /^UDF_/i.test(c.name) && !m.spec.fields.some((f) => f.name === c.name))
        .map((c) => ({ name: c.name, type: 'string' as const, maxLength: c.size || undefined, description: 'User-defined field (written through eBWS OtherFields).' }));
      out.push({ ...m.spec, fields: [...m.spec.fields, ...udfs] });
    }
    return out;
  }

  /** Every entity's operations, dispatched through one table (connectors/shared/entities.ts). */
  private entityTable(): EntityTable {
    const table: Record<string, EntityHandler> = {};
    for (const m of ENTITY_MODULES) {
      table[m.spec.name] = { spec: m.spec, readChanges: (since, options) => this.readChangesOf(m, since, options), get: (id) => this.getOf(m, id), find: (field, value) => this.findOf(m, field, value) };
    }
    table.AR_Customer.write = (op) => writeCustomer(this.ebws, this.settings, op, async (field, value) => (await this.findOf(customerEntity, field, value)).map((r) => r.id));
    table.SO_SalesOrder.write = (op) => writeSalesOrder(this.ebws, op);
    return table;
  }

  private async readChangesOf(m: EntityModule, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
    const { timeZone, pollOverlapMs, settleSeconds } = this.settings;
    const entity = m.spec.name;
    // The connection's own overlap (for callers that keep the returned watermark) or the flow's, the larger.
    const overlapMs = Math.max(options.overlapMs ?? 0, pollOverlapMs);
    if (m.primaryKey && (since === null || isKeyPassMark(since))) return this.keyPassOf(m, m.primaryKey, since, options, overlapMs);
    // The first poll after a key pass reads back to where the pass started, for the changes behind it.
    const backTo = backToOf(since);
    const page = await pollByStamp<OdbcRow>({
      since,
      limit: Math.max(1, options.limit),
      overlapMs: backTo === null ? overlapMs : Math.max(overlapMs, Date.parse(since!.at) - backTo),
      settleMs: settleSeconds * 1000,
      // Stamps come from workstation clocks, not ours: without a settle time nothing is held back, however far ahead a clock runs.
      now: settleSeconds > 0 ? Date.now() : Number.POSITIVE_INFINITY,
      signal: options.signal,
      // The ProvideX driver cannot index a date+time expression: read from the window's local day and let
      // the helper cut. The rows stream through a cursor and the helper keeps only the page's best, so a
      // page of a 100,000-customer table holds a page, not the table.
      fetch: (w) => this.streamRows(w.fromMs === null ? m.select : withWhere(m.select, `${m.dateColumn} >= ${odbcDateLiteral(localDay(w.fromMs, timeZone))}`), `${entity} changes`, options.signal),
      stampMs: (row) => {
        const st = m.stampOf(row);
        return sageStampToMs(st.date, st.time, timeZone);
      },
      onUnstamped: (row) => this.logger.warn({ entity, id: m.idOf(row) }, 'Sage 100 row without DateUpdated: change polling cannot place it'),
      key: (row) => m.idOf(row),
      // Lines and totals are fetched for the page's rows only, in one go.
      toRecords: async (picked) => {
        const data = await m.toData(picked, this.readContext());
        return picked.map((row, i) => record(entity, m.idOf(row), undefined, data[i]));
      },
    });
    return backTo === null ? page : { ...page, next: withoutBackTo(page.next) };
  }

  /** A read from the beginning by primary key: pages by key range, each read once (key-pass.ts). */
  private keyPassOf(m: EntityModule, key: string[], since: Watermark | null, options: ReadChangesOptions, overlapMs: number): Promise<ChangePage> {
    const { timeZone } = this.settings;
    const entity = m.spec.name;
    const stampMs = (row: OdbcRow) => {
      const st = m.stampOf(row);
      return sageStampToMs(st.date, st.time, timeZone);
    };
    return keyPassPage<OdbcRow>({
      since,
      limit: Math.max(1, options.limit),
      overlapMs,
      rowsAfter: (after, limit) => this.rowsAfterKey(m, key, after, limit, options.signal),
      newestStamp: async () => {
        let newest: number | null = null;
        for await (const row of this.streamRows(m.stampSelect ?? m.select, `${entity} newest stamp`, options.signal)) {
          const ms = stampMs(row);
          if (ms !== null && Number.isFinite(ms) && (newest === null || ms > newest)) newest = ms;
        }
        return newest;
      },
      keyOf: (row) => key.map((c) => String(row[c] ?? '')),
      key: (row) => m.idOf(row),
      stampMs,
      onUnstamped: (row) => this.logger.warn({ entity, id: m.idOf(row) }, 'Sage 100 row without DateUpdated: change polling cannot place it'),
      toRecords: async (rows) => {
        const data = await m.toData(rows, this.readContext());
        return rows.map((row, i) => record(entity, m.idOf(row), undefined, data[i]));
      },
    });
  }

  /**
   * Up to `limit` rows after `after` in KPRIMARY order, through a cursor closed once the page is full.
   * "After (a, b)" is read as `a = 'x' AND b > 'y'`, then `a > 'x'`: conditions on the key's leading
   * columns, without OR, so the driver can walk the key from the page's first row. The key values
   * (read from the table itself) go into the SQL as quoted literals, not `?` parameters, where they
   * can: a driver need not stream a statement with parameters (the SQLite ODBC driver then builds the
   * whole result before the first fetch, the rest of the table for every page).
   */
  private async rowsAfterKey(m: EntityModule, key: string[], after: string[] | null, limit: number, signal?: AbortSignal): Promise<OdbcRow[]> {
    const orderBy = ` ORDER BY ${key.join(', ')}`;
    const reads: Array<{ sql: string; params: string[] }> = [];
    for (let i = key.length - 1; after && i >= 0; i--) {
      const params: string[] = [];
      const value = (v: string) => sqlStringLiteral(v) ?? (params.push(v), '?');
      const where = [...key.slice(0, i).map((c, j) => `${c} = ${value(after[j])}`), `${key[i]} > ${value(after[i])}`].join(' AND ');
      reads.push({ sql: withWhere(m.select, where) + orderBy, params });
    }
    if (!after) reads.push({ sql: m.select + orderBy, params: [] });
    const out: OdbcRow[] = [];
    for (const read of reads) {
      for await (const rows of this.odbc.stream(read.sql, read.params, `${m.spec.name} by key`, Math.min(limit, FETCH_ROWS))) {
        signal?.throwIfAborted();
        out.push(...rows.slice(0, limit - out.length));
        // Leaving the loop closes the cursor: the rest of the table is not read.
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  private async *streamRows(sql: string, what: string, signal?: AbortSignal): AsyncGenerator<OdbcRow> {
    for await (const rows of this.odbc.stream(sql, [], what)) {
      signal?.throwIfAborted();
      yield* rows;
    }
  }

  private async getOf(m: EntityModule, id: string): Promise<SourceRecord | null> {
    const where = m.whereId(id);
    const rows = await this.odbc.query(withWhere(m.select, where.sql), where.params, `${m.spec.name} get`);
    if (rows.length === 0) return null;
    return (await this.toRecords(m, rows))[0];
  }

  private async findOf(m: EntityModule, field: string, value: unknown): Promise<SourceRecord[]> {
    const entity = m.spec.name;
    if (field === m.spec.idField || field === 'id') {
      const one = await this.getOf(m, String(value));
      return one ? [one] : [];
    }
    if (field === 'CustomerId' && m.spec.fields.some((f) => f.name === 'CustomerId')) {
      // The combined customer key of orders and invoices: both columns, as on the customer.
      const k = parseCustomerId(String(value));
      return this.toRecords(m, await this.odbc.query(withWhere(m.select, 'ARDivisionNo = ? AND CustomerNo = ?'), [k.ARDivisionNo, k.CustomerNo], `${entity} find`));
    }
    const spec = m.spec.fields.find((f) => f.name === field);
    if ((!spec || spec.readOnly || spec.type === 'array' || spec.type === 'reference') && !/^UDF_\w+$/i.test(field)) {
      throw new SyncError('fatal', `Sage 100 ${entity}: cannot search by "${field}"; use a column of the table.`, { system: 'sage100', field });
    }
    const column = m.column ? m.column(field) : field;
    if (spec?.type === 'email') {
      // Flows lower-case and trim emails; Sage keeps them as typed (`Ann.Lee@Contoso.com `): compare folded.
      return this.toRecords(m, await this.odbc.query(withWhere(m.select, `${this.odbc.foldedColumn(column)} = ?`), [normalizeKey(value).toLowerCase()], `${entity} find`));
    }
    const rows = await this.odbc.query(withWhere(m.select, `${column} = ?`), [value === null || value === undefined ? '' : String(value)], `${entity} find`);
    return this.toRecords(m, rows);
  }

  /** PreviewSalesOrder: prices, totals and tax of an order (header fields + Lines) without saving it. */
  previewSalesOrder(data: Record<string, unknown>): Promise<Record<string, unknown>> {
    return previewSalesOrder(this.ebws, data);
  }

  /** Lifetime invoice figures per customer id (`01-ABF`), summed exactly from AR_InvoiceHistoryHeader. */
  customerInvoiceTotals(customerIds: string[]): Promise<Map<string, InvoiceTotals>> {
    return customerInvoiceTotals(this.odbc, customerIds);
  }

  async close(): Promise<void> {
    await this.odbc.close();
  }

  private readContext(): ReadContext {
    return { odbc: this.odbc, timeZone: this.settings.timeZone };
  }

  private async toRecords(m: EntityModule, rows: Array<Record<string, unknown>>): Promise<SourceRecord[]> {
    const data = await m.toData(rows, this.readContext());
    return rows.map((row, i) => {
      const s = m.stampOf(row);
      const ms = sageStampToMs(s.date, s.time, this.settings.timeZone);
      return record(m.spec.name, m.idOf(row), ms ? new Date(ms).toISOString() : undefined, data[i]);
    });
  }
}
