/** Writing SO_SalesOrder through eBWS: numbered creates with lines, merged updates, previews, deletes. */
import type { WriteOp, WriteOutcome } from '../../../core/connector.js';
import { invalidField, SyncError } from '../../../core/errors.js';
import type { EbwsClient, SageRecord, SalesOrderDoc } from '../soap-client.js';
import { parseCustomerId } from './entity.js';
import { salesOrderLineFields, salesOrderSpec } from './sales-order.js';
import { checkLengths, toSageRecord, withoutReadOnly } from './write-helpers.js';

type Ok = WriteOutcome & { ok: true };

const NUMBER_ATTEMPTS = 5;

/** Builds the eBWS order from flow data: header fields, `CustomerId` split into its key, `Lines` as line records. */
export function toOrderDoc(data: Record<string, unknown>, recordKey?: string): { doc: SalesOrderDoc; linesGiven: boolean } {
  const header = toSageRecord(data, salesOrderSpec.fields);
  if (typeof data.CustomerId === 'string' && data.CustomerId) Object.assign(header, parseCustomerId(data.CustomerId));
  if (header.CustomerNo) header.CustomerNo = header.CustomerNo.toUpperCase();
  checkLengths(header, salesOrderSpec.fields, 'SO_SalesOrder', recordKey);
  const linesGiven = Array.isArray(data.Lines);
  const lines = (linesGiven ? (data.Lines as unknown[]) : []).map((l, i) => {
    if (!l || typeof l !== 'object') throw invalidField(`Lines[${i}]`, l, 'object', `Sage 100 SO_SalesOrder: line ${i + 1} is not an object.`, recordKey);
    const line = toSageRecord(l as Record<string, unknown>, salesOrderLineFields);
    checkLengths(line, salesOrderLineFields, 'SO_SalesOrder line', recordKey);
    return line;
  });
  return { doc: { header, lines }, linesGiven };
}

/** The order as flows see it after a write or preview: header fields plus `Lines`. */
export function orderData(doc: SalesOrderDoc): Record<string, unknown> {
  return { ...doc.header, CustomerId: `${doc.header.ARDivisionNo}-${doc.header.CustomerNo}`, Lines: doc.lines };
}

/** Creates an order; without SalesOrderNo, takes GetNextSalesOrderNo (moving on when that number is taken). */
export async function createSalesOrder(ebws: EbwsClient, data: Record<string, unknown>): Promise<Ok> {
  const { doc } = toOrderDoc(data);
  if (doc.lines.length === 0) throw invalidField('Lines', [], 'required', 'Sage 100 SO_SalesOrder: an order needs at least one line.');
  let no = doc.header.SalesOrderNo;
  if (no) await ebws.createSalesOrder(doc);
  else {
    for (let attempt = 0; ; attempt++) {
      no = await ebws.getNextSalesOrderNo();
      try {
        await ebws.createSalesOrder({ header: { ...doc.header, SalesOrderNo: no }, lines: doc.lines });
        break;
      } catch (err) {
        if (!(err instanceof SyncError && err.kind === 'conflict') || attempt + 1 >= NUMBER_ATTEMPTS) throw err;
      }
    }
  }
  // eBWS answers a create with nothing; read the order back for its totals and defaults.
  const saved = await ebws.getSalesOrder(no);
  return { ok: true, id: no, created: true, data: orderData(saved) };
}

/** Updates an order: GetSalesOrder, merge header changes, replace the lines when `Lines` is given. */
export async function updateSalesOrder(ebws: EbwsClient, id: string, data: Record<string, unknown>): Promise<Ok> {
  const { doc, linesGiven } = toOrderDoc(data, id);
  const current = await ebws.getSalesOrder(id);
  const header: SageRecord = { ...withoutReadOnly(current.header, salesOrderSpec.fields), ...doc.header, SalesOrderNo: id };
  // Without Lines only the header is sent: resending the lines could make Sage add them a second time.
  await ebws.updateSalesOrder(header, linesGiven ? doc.lines : null);
  const saved = await ebws.getSalesOrder(id);
  return { ok: true, id, created: false, data: orderData(saved) };
}

/** Runs one write on SO_SalesOrder. */
export async function writeSalesOrder(ebws: EbwsClient, op: WriteOp): Promise<Ok> {
  switch (op.verb) {
    case 'create':
      return createSalesOrder(ebws, op.data);
    case 'update':
    case 'upsert':
      if (!op.id && op.verb === 'upsert' && !op.data.SalesOrderNo) return createSalesOrder(ebws, op.data);
      return updateSalesOrder(ebws, op.id ?? String(op.data.SalesOrderNo), op.data);
    case 'delete':
      if (!op.id) throw new SyncError('fatal', 'Sage 100 SO_SalesOrder delete needs the SalesOrderNo.', { system: 'sage100' });
      await ebws.deleteSalesOrder(op.id);
      return { ok: true, id: op.id, created: false };
  }
}

/** PreviewSalesOrder: the order as Sage would save it (prices, totals, tax), without saving. */
export async function previewSalesOrder(ebws: EbwsClient, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { doc } = toOrderDoc(data);
  return orderData(await ebws.previewSalesOrder(doc));
}
