/**
 * An open Sage 100 connection: reads (lists, gets, finds, change polls) through ODBC, writes through
 * eBWS. Polling reads `DateUpdated >= {d'<watermark day>'}` (the ProvideX driver cannot index a
 * date+time expression), turns DateUpdated + TimeUpdated into instants in the Sage server's zone,
 * and keeps only what is after the watermark (see poll.ts).
 */
import type {
  ChangePage,
  CheckResult,
  Connector,
  ConnectorContext,
  EntitySpec,
  ReadChangesOptions,
  SourceRecord,
  Watermark,
  WriteOp,
  WriteOutcome,
} from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { normalizeKey } from '../../core/match-keys.js';
import { customerEntity } from './entities/customer.js';
import { writeCustomer } from './entities/customer-write.js';
import { parseCustomerId, record, type EntityModule, type ReadContext } from './entities/entity.js';
import { invoiceHistoryEntity } from './entities/invoice-history.js';
import { itemWarehouseEntity } from './entities/item-warehouse.js';
import { itemEntity } from './entities/item.js';
import { previewSalesOrder, writeSalesOrder } from './entities/sales-order-write.js';
import { salesOrderEntity } from './entities/sales-order.js';
import { customerInvoiceTotals, type InvoiceTotals } from './invoice-totals.js';
import { OdbcClient, type OdbcLoader } from './odbc-client.js';
import { pollFromMs, selectChanges } from './poll.js';
import { parseSettings, type Sage100Settings } from './settings.js';
import { EbwsClient } from './soap-client.js';
import { localDay, odbcDateLiteral, sageStampToMs } from './stamps.js';

/** Every entity this connector reads. */
export const ENTITY_MODULES: EntityModule[] = [customerEntity, salesOrderEntity, invoiceHistoryEntity, itemEntity, itemWarehouseEntity];

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

  constructor(ctx: ConnectorContext, options: Sage100ConnectionOptions = {}) {
    this.settings = parseSettings(ctx.settings);
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

  async readChanges(entity: string, since: Watermark | null, options: ReadChangesOptions): Promise<ChangePage> {
    const m = this.module(entity);
    const { timeZone, pollOverlapMs } = this.settings;
    const fromMs = pollFromMs(since, pollOverlapMs);
    const sql = fromMs === null ? m.select : withWhere(m.select, `${m.dateColumn} >= ${odbcDateLiteral(localDay(fromMs, timeZone))}`);
    const rows = await this.odbc.query(sql, [], `${entity} changes`);
    options.signal?.throwIfAborted();
    const candidates = rows.map((row) => {
      const s = m.stampOf(row);
      return { key: m.idOf(row), stampMs: sageStampToMs(s.date, s.time, timeZone) ?? 0, row };
    });
    const page = selectChanges(candidates, since, Math.max(1, options.limit), pollOverlapMs);
    const data = await m.toData(page.items.map((i) => i.row), this.readContext());
    const records = page.items.map((it, i) => record(entity, it.key, it.stampMs ? new Date(it.stampMs).toISOString() : undefined, data[i]));
    return { records, next: page.next, hasMore: page.hasMore };
  }

  async get(entity: string, id: string): Promise<SourceRecord | null> {
    const m = this.module(entity);
    const where = m.whereId(id);
    const rows = await this.odbc.query(withWhere(m.select, where.sql), where.params, `${entity} get`);
    if (rows.length === 0) return null;
    return (await this.toRecords(m, rows))[0];
  }

  async find(entity: string, field: string, value: unknown): Promise<SourceRecord[]> {
    const m = this.module(entity);
    if (field === m.spec.idField || field === 'id') {
      const one = await this.get(entity, String(value));
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

  async write(entity: string, op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    if (entity === 'AR_Customer') {
      return writeCustomer(this.ebws, this.settings, op, async (field, value) => (await this.find(entity, field, value)).map((r) => r.id));
    }
    if (entity === 'SO_SalesOrder') return writeSalesOrder(this.ebws, op);
    this.module(entity);
    throw new SyncError('fatal', `Sage 100 ${entity} is read-only: eBusiness Web Services only write customers and sales orders.`, { system: 'sage100' });
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

  private module(entity: string): EntityModule {
    const m = ENTITY_MODULES.find((x) => x.spec.name === entity);
    if (!m) throw new SyncError('fatal', `Sage 100 has no entity "${entity}" (known: ${ENTITY_MODULES.map((x) => x.spec.name).join(', ')}).`, { system: 'sage100' });
    return m;
  }
}
