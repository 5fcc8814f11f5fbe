/**
 * The only file that speaks SOAP: a WSDL-driven client (the `soap` package) for Sage 100 eBusiness
 * Web Services (`MasBasicService.svc`, basicHttp). Every call carries `logon{Username,Password}` and
 * `companyCode`; there is no session. UDF_ columns travel in `OtherFields.Field[]` and come back as a
 * single object when there is one, so both shapes are read. Decimals are kept as exact strings.
 * WCF reads a sequence in schema order, so objects are sent in the order the WSDL declares.
 */
import type { CallGate } from '../../core/connector.js';
import type { Client } from 'soap';
import { SyncError } from '../../core/errors.js';
import { assertXmlSendable, escapeXmlTree } from '../shared/xml.js';
import { classifyFault, classifyHttpStatus, classifyNetworkError } from './errors.js';

/** A Sage record as eBWS carries it: column name → string value; UDFs as `UDF_*` keys. */
export type SageRecord = Record<string, string>;

/** A sales order: header columns and lines. */
export interface SalesOrderDoc {
  header: SageRecord;
  lines: SageRecord[];
}

/** Connection facts for eBWS. */
export interface EbwsOptions {
  /** `https://host/vdir/MasBasicService.svc`; the WSDL is read from `?wsdl`. */
  endpointUrl: string;
  companyCode: string;
  username: string;
  password: string;
  /** Per-call timeout (default 30 s). */
  timeoutMs?: number;
  /** The connection's limiter, acquired for every SOAP call (the `soap` package does its own HTTP). */
  gate: CallGate;
}

interface SchemaNode {
  name?: string;
  $name?: string;
  $type?: string;
  children?: SchemaNode[];
}

/** Unpacks `OtherFields.Field` (object or array) into `UDF_*` keys of the record. */
export function unpackOtherFields(value: unknown): SageRecord {
  const out: SageRecord = {};
  if (!value || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'OtherFields' || k === 'Lines' || k === 'attributes') continue;
    if (v === null || v === undefined) out[k] = '';
    else if (typeof v !== 'object') out[k] = String(v);
  }
  const other = (value as Record<string, unknown>).OtherFields as { Field?: unknown } | undefined;
  const fields = other?.Field === undefined ? [] : Array.isArray(other.Field) ? other.Field : [other.Field];
  for (const f of fields as Array<{ MasFieldName?: unknown; Value?: unknown }>) {
    if (f && typeof f.MasFieldName === 'string') out[f.MasFieldName] = f.Value === undefined || f.Value === null ? '' : String(f.Value);
  }
  return out;
}

/** Splits `UDF_*` keys off into `OtherFields.Field[]`. */
export function packOtherFields(record: SageRecord): Record<string, unknown> {
  assertXmlSendable(record, { system: 'sage100', recordKey: record.CustomerNo ?? record.SalesOrderNo });
  const out: Record<string, unknown> = {};
  const udfs: Array<{ MasFieldName: string; Value: string }> = [];
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (k.toUpperCase().startsWith('UDF_')) udfs.push({ MasFieldName: k, Value: v });
    else out[k] = v;
  }
  if (udfs.length) out.OtherFields = { Field: udfs };
  return out;
}

/** eBWS client; opens (reads the WSDL) on first call. */
export class EbwsClient {
  private client: Promise<Client> | null = null;

  constructor(private readonly options: EbwsOptions) {}

  /** GetDiagnosticInformation (needs no logon). */
  async diagnostics(): Promise<string> {
    const r = await this.call('GetDiagnosticInformation', {}, false);
    return String(r?.GetDiagnosticInformationResult ?? '');
  }

  /** GetCustomer. */
  async getCustomer(arDivisionNo: string, customerNo: string): Promise<SageRecord> {
    const r = await this.call('GetCustomer', { arDivisionNo, customerNo }, true, `${arDivisionNo}-${customerNo}`);
    return unpackOtherFields(r?.GetCustomerResult);
  }

  /** GetNextCustomerNo: consumes the next number. */
  async getNextCustomerNo(): Promise<string> {
    const r = await this.call('GetNextCustomerNo', {});
    return String(r?.GetNextCustomerNoResult ?? '');
  }

  /** CreateCustomer (empty response). */
  async createCustomer(customer: SageRecord): Promise<void> {
    await this.call('CreateCustomer', { customer: await this.ordered('Customer', packOtherFields(customer)) }, true, `${customer.ARDivisionNo}-${customer.CustomerNo}`);
  }

  /** UpdateCustomer with the whole merged object (empty response). */
  async updateCustomer(customer: SageRecord): Promise<void> {
    await this.call('UpdateCustomer', { customer: await this.ordered('Customer', packOtherFields(customer)) }, true, `${customer.ARDivisionNo}-${customer.CustomerNo}`);
  }

  /** DeleteCustomer (empty response). */
  async deleteCustomer(arDivisionNo: string, customerNo: string): Promise<void> {
    await this.call('DeleteCustomer', { arDivisionNo, customerNo }, true, `${arDivisionNo}-${customerNo}`);
  }

  /** GetSalesOrder. */
  async getSalesOrder(salesOrderNo: string): Promise<SalesOrderDoc> {
    const r = await this.call('GetSalesOrder', { salesOrderNo }, true, salesOrderNo);
    return readOrder(r?.GetSalesOrderResult, await this.lineElement());
  }

  /** GetNextSalesOrderNo: consumes the next number. */
  async getNextSalesOrderNo(): Promise<string> {
    const r = await this.call('GetNextSalesOrderNo', {});
    return String(r?.GetNextSalesOrderNoResult ?? '');
  }

  /** PreviewSalesOrder: totals and tax without saving. */
  async previewSalesOrder(order: SalesOrderDoc): Promise<SalesOrderDoc> {
    const r = await this.call('PreviewSalesOrder', { salesOrder: await this.orderArg(order) }, true, order.header.SalesOrderNo);
    return readOrder(r?.PreviewSalesOrderResult, await this.lineElement());
  }

  /** CreateSalesOrder with its lines (empty response). */
  async createSalesOrder(order: SalesOrderDoc): Promise<void> {
    await this.call('CreateSalesOrder', { salesOrder: await this.orderArg(order) }, true, order.header.SalesOrderNo);
  }

  /** UpdateSalesOrder with the merged header; `lines` null sends no Lines element, so the order's lines stay as they are (empty response). */
  async updateSalesOrder(header: SageRecord, lines: SageRecord[] | null): Promise<void> {
    const arg = lines === null ? await this.ordered('SalesOrder', packOtherFields(header)) : await this.orderArg({ header, lines });
    await this.call('UpdateSalesOrder', { salesOrder: arg }, true, header.SalesOrderNo);
  }

  /** DeleteSalesOrder (empty response). */
  async deleteSalesOrder(salesOrderNo: string): Promise<void> {
    await this.call('DeleteSalesOrder', { salesOrderNo }, true, salesOrderNo);
  }

  private async orderArg(order: SalesOrderDoc): Promise<Record<string, unknown>> {
    const line = await this.lineElement();
    const type = await this.lineType();
    const header = await this.ordered('SalesOrder', { ...packOtherFields(order.header), Lines: { [line]: await Promise.all(order.lines.map((l) => this.ordered(type, packOtherFields(l)))) } });
    return header;
  }

  /** The sequence of elements the WSDL declares for a complex type (empty when the type is not declared). */
  private async sequenceOf(typeName: string): Promise<SchemaNode[]> {
    const client = await this.open();
    const defs = (client as unknown as { wsdl?: { definitions?: { schemas?: Record<string, { complexTypes?: Record<string, SchemaNode> }> } } }).wsdl?.definitions;
    for (const schema of Object.values(defs?.schemas ?? {})) {
      const seq = schema.complexTypes?.[typeName]?.children?.find((c) => c.name === 'sequence');
      if (seq?.children) return seq.children;
    }
    return [];
  }

  /**
   * The element of one sales-order line inside `Lines`, as the server's WSDL declares it (Sage's
   * published docs do not show the wrapper; `SalesOrderLine` when the WSDL does not say).
   */
  private async lineElement(): Promise<string> {
    return (await this.lineNode())?.$name ?? 'SalesOrderLine';
  }

  /** The complex type of one sales-order line (for its element order). */
  private async lineType(): Promise<string> {
    return (await this.lineNode())?.$type?.replace(/^[^:]*:/, '') ?? 'SalesOrderLine';
  }

  private async lineNode(): Promise<SchemaNode | undefined> {
    const lines = (await this.sequenceOf('SalesOrder')).find((c) => c.$name === 'Lines');
    const wrapper = lines?.$type?.replace(/^[^:]*:/, '');
    return wrapper ? (await this.sequenceOf(wrapper))[0] : undefined;
  }

  /** Reorders an object's keys to the sequence the WSDL declares for `typeName` (unknown keys last). */
  private async ordered(typeName: string, obj: Record<string, unknown>): Promise<Record<string, unknown>> {
    const order = (await this.sequenceOf(typeName)).map((c) => c.$name ?? '');
    if (order.length === 0) return obj;
    const rank = (k: string) => {
      const i = order.indexOf(k);
      return i === -1 ? order.length : i;
    };
    return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => rank(a) - rank(b)));
  }

  private open(): Promise<Client> {
    if (!this.client) {
      const { endpointUrl } = this.options;
      // The soap package takes about half a second to load: loaded on the first Sage 100 call, not at start.
      const opening = import('soap').then(async ({ createClientAsync }) => {
        // The WSDL read is a request to the service like any other: it takes a slot of the connection's
        // gate. A failure to get the slot (the store's connection lost) is not eBWS failing: it goes up as it is.
        const release = await this.options.gate.acquire('ebws:wsdl');
        try {
          return await createClientAsync(`${endpointUrl}?wsdl`, {
            endpoint: endpointUrl,
            // Money and quantities stay exact decimal strings.
            customDeserializer: { decimal: (text: string) => text },
            // Every value is escaped by escapeXmlTree before the call; the library must not escape again.
            escapeXML: false,
            wsdl_options: { timeout: this.options.timeoutMs ?? 30_000 },
          } as never);
        } catch (err) {
          throw transportError(err, 'reading the WSDL', `${endpointUrl}?wsdl`);
        } finally {
          release();
        }
      });
      this.client = opening;
      // A failed open is tried again by the next call.
      opening.catch(() => {
        if (this.client === opening) this.client = null;
      });
    }
    return this.client;
  }

  private async call(operation: string, args: Record<string, unknown>, withLogon = true, recordKey?: string): Promise<Record<string, unknown> | null> {
    const client = await this.open();
    const method = (client as unknown as Record<string, unknown>)[`${operation}Async`] as
      | ((a: unknown, o: unknown) => Promise<[Record<string, unknown> | null]>)
      | undefined;
    if (typeof method !== 'function') throw new SyncError('fatal', `Sage 100: the eBWS service at ${this.options.endpointUrl} has no ${operation} operation.`, { system: 'sage100' });
    // Escaped here, not by the library (its escaping lets `<![CDATA[…]]>` through): see shared/xml.ts.
    const body = escapeXmlTree(withLogon ? { logon: { Username: this.options.username, Password: this.options.password }, companyCode: this.options.companyCode, ...args } : args, { system: 'sage100', recordKey });
    const release = await this.options.gate.acquire(`ebws:${operation}`);
    try {
      const [result] = await method.call(client, body, { timeout: this.options.timeoutMs ?? 30_000 });
      return result;
    } catch (err) {
      const fault = faultOf(err);
      if (fault) throw classifyFault(fault, operation, recordKey);
      throw transportError(err, operation, this.options.endpointUrl);
    } finally {
      release();
    }
  }
}

function readOrder(value: unknown, lineElement: string): SalesOrderDoc {
  const header = unpackOtherFields(value);
  const linesEl = (value as { Lines?: Record<string, unknown> } | undefined)?.Lines?.[lineElement];
  const lines = linesEl === undefined ? [] : Array.isArray(linesEl) ? linesEl : [linesEl];
  return { header, lines: lines.map(unpackOtherFields) };
}

/** The Sage fault carried by a SOAP error, if any. */
function faultOf(err: unknown): { code: string; message: string } | null {
  const fault = (err as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } })?.root?.Envelope?.Body?.Fault;
  if (!fault) return null;
  const str = (v: unknown): string => (v && typeof v === 'object' && '$value' in v ? String((v as { $value: unknown }).$value) : v === undefined || v === null ? '' : String(v));
  const detail = (fault.detail as { MasFault?: { ErrorCode?: unknown; ErrorMessage?: unknown } } | undefined)?.MasFault;
  const code = str(detail?.ErrorCode) || str(fault.faultcode).replace(/^[^:]*:/, '');
  const message = str(detail?.ErrorMessage) || str(fault.faultstring);
  return { code, message };
}

/** An HTTP status without a fault, or a network failure. */
function transportError(err: unknown, operation: string, url: string): SyncError {
  if (err instanceof SyncError) return err;
  const e = err as { response?: { status?: number }; code?: string; message?: string };
  if (e?.response?.status && e.response.status >= 300) return classifyHttpStatus(e.response.status, operation, url);
  return classifyNetworkError(e?.code, e?.message ?? String(err), operation, url, err);
}
