/** Writing AR_Customer through eBWS: numbered creates with Sage's required defaults, merged updates, deletes. */
import type { WriteOp, WriteOutcome } from '../../../core/connector.js';
import { invalidField, SyncError } from '../../../core/errors.js';
import type { Sage100Settings } from '../settings.js';
import type { EbwsClient, SageRecord } from '../soap-client.js';
import { customerSpec } from './customer.js';
import { parseCustomerId } from './entity.js';
import { checkLengths, toSageRecord, withoutReadOnly } from './write-helpers.js';

/** How many generated numbers a create tries before giving up (another user may hold the next one). */
const NUMBER_ATTEMPTS = 5;

type Ok = WriteOutcome & { ok: true };

/** Creates a customer; without CustomerNo, takes GetNextCustomerNo and moves on when that number is already used. */
export async function createCustomer(ebws: EbwsClient, settings: Sage100Settings, data: Record<string, unknown>): Promise<Ok> {
  const c = toSageRecord(data, customerSpec.fields);
  const d = settings.defaults;
  c.ARDivisionNo = (c.ARDivisionNo || d.ARDivisionNo).padStart(2, '0');
  c.SalespersonDivisionNo ||= d.SalespersonDivisionNo ?? c.ARDivisionNo;
  if (!c.SalespersonNo && d.SalespersonNo) c.SalespersonNo = d.SalespersonNo;
  if (!c.TermsCode && d.TermsCode) c.TermsCode = d.TermsCode;
  if (!c.CustomerType && d.CustomerType) c.CustomerType = d.CustomerType;
  if (!c.PriceLevel && d.PriceLevel) c.PriceLevel = d.PriceLevel;
  if (!c.TaxSchedule && d.TaxSchedule) c.TaxSchedule = d.TaxSchedule;
  if (!c.CustomerName) throw invalidField('CustomerName', c.CustomerName ?? null, 'required', 'Sage 100 AR_Customer: field "CustomerName" is required.');
  if (!c.SalespersonNo) {
    throw invalidField('SalespersonNo', null, 'required', 'Sage 100 AR_Customer: field "SalespersonNo" is required when adding a customer; map it or set "Default salesperson" on the connection.');
  }
  if (c.CustomerNo) c.CustomerNo = c.CustomerNo.toUpperCase();
  checkLengths(c, customerSpec.fields, 'AR_Customer');
  if (c.CustomerNo) {
    await ebws.createCustomer(c);
    return { ok: true, id: `${c.ARDivisionNo}-${c.CustomerNo}`, created: true, data: { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo } };
  }
  let lastConflict: SyncError | undefined;
  for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt++) {
    const no = await ebws.getNextCustomerNo();
    try {
      await ebws.createCustomer({ ...c, CustomerNo: no });
      return { ok: true, id: `${c.ARDivisionNo}-${no}`, created: true, data: { ARDivisionNo: c.ARDivisionNo, CustomerNo: no } };
    } catch (err) {
      if (!(err instanceof SyncError && err.kind === 'conflict')) throw err;
      lastConflict = err;
    }
  }
  throw new SyncError('conflict', `Sage 100 AR_Customer: ${NUMBER_ATTEMPTS} generated customer numbers in a row were already in use; check the next customer number in A/R Options.`, {
    system: 'sage100',
    vendorCode: 'WS_AlreadyExists',
  }, { cause: lastConflict });
}

/** Updates a customer the documented way: GetCustomer, merge the changes, send the whole object. */
export async function updateCustomer(ebws: EbwsClient, id: string, data: Record<string, unknown>): Promise<Ok> {
  const key = parseCustomerId(id);
  const changes = toSageRecord(data, customerSpec.fields, ['ARDivisionNo', 'CustomerNo']);
  checkLengths(changes, customerSpec.fields, 'AR_Customer', id);
  const current = await ebws.getCustomer(key.ARDivisionNo, key.CustomerNo);
  const merged: SageRecord = { ...withoutReadOnly(current, customerSpec.fields), ...changes, ARDivisionNo: key.ARDivisionNo, CustomerNo: key.CustomerNo };
  await ebws.updateCustomer(merged);
  return { ok: true, id: `${key.ARDivisionNo}-${key.CustomerNo}`, created: false, data: { ARDivisionNo: key.ARDivisionNo, CustomerNo: key.CustomerNo } };
}

/** Deletes a customer. */
export async function deleteCustomer(ebws: EbwsClient, id: string): Promise<Ok> {
  const key = parseCustomerId(id);
  await ebws.deleteCustomer(key.ARDivisionNo, key.CustomerNo);
  return { ok: true, id: `${key.ARDivisionNo}-${key.CustomerNo}`, created: false };
}

/** Runs one write on AR_Customer; `findIds` resolves an upsert match to existing ids. */
export async function writeCustomer(ebws: EbwsClient, settings: Sage100Settings, op: WriteOp, findIds: (field: string, value: unknown) => Promise<string[]>): Promise<Ok> {
  switch (op.verb) {
    case 'create':
      return createCustomer(ebws, settings, op.data);
    case 'update':
      return updateCustomer(ebws, requireId(op), op.data);
    case 'delete':
      return deleteCustomer(ebws, requireId(op));
    case 'upsert': {
      if (op.id) return updateCustomer(ebws, op.id, op.data);
      if (!op.match) throw new SyncError('fatal', 'Sage 100 AR_Customer upsert needs an id or a match field.', { system: 'sage100' });
      const ids = await findIds(op.match.field, op.match.value);
      if (ids.length > 1) throw new SyncError('conflict', `Sage 100 AR_Customer: ${ids.length} customers have ${op.match.field} = ${JSON.stringify(op.match.value)} (${ids.slice(0, 5).join(', ')}).`, { system: 'sage100', field: op.match.field });
      if (ids.length === 1) return updateCustomer(ebws, ids[0], op.data);
      return createCustomer(ebws, settings, { ...op.data, [op.match.field]: op.data[op.match.field] ?? op.match.value });
    }
  }
}

function requireId(op: WriteOp): string {
  if (!op.id) throw new SyncError('fatal', `Sage 100 AR_Customer ${op.verb} needs the customer id (01-ABF).`, { system: 'sage100' });
  return op.id;
}
