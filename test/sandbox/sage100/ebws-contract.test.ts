/**
 * The eBWS operation set of Sage's published contract (docs/connectors/sage100.md lists the sources),
 * driven with the unmodified `soap` package from the emulator's WSDL: contract and diagnostic
 * information as complex types, GetSalesOrderTemplate(arDivisionNo, customerNo) answering an empty
 * SalesOrder with the customer's defaults, and the four customer contact operations.
 */
import { createClientAsync, type Client } from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer, SO_SalesOrderHeader } from '../../../src/sandbox/sage100/schema.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';

let emu: RunningSage100Emulator;
let client: Client;
const logon = { Username: 'syncline', Password: 'sage100' };

beforeAll(async () => {
  emu = await startSage100Emulator({ seedSize: { customers: 3, items: 2, orders: 0, invoices: 0 } });
  client = await createClientAsync(`${emu.endpointUrl}?wsdl`);
});
afterAll(async () => emu?.close());

type Call = (args: Record<string, unknown>) => Promise<[Record<string, unknown>]>;
const call = (op: string, args: Record<string, unknown>) => (client as unknown as Record<string, Call>)[`${op}Async`](args).then((r) => r[0]);

describe('eBWS contract', () => {
  it('lists the published operations in the WSDL', () => {
    const ops = Object.keys((client.describe() as Record<string, Record<string, Record<string, unknown>>>).MasBasicService.BasicHttpBinding_IMasBasicService);
    expect(ops).toEqual(expect.arrayContaining([
      'GetContractInformation', 'GetDiagnosticInformation', 'GetCustomer', 'GetNextCustomerNo', 'CreateCustomer', 'UpdateCustomer', 'DeleteCustomer',
      'GetCustomerContact', 'CreateCustomerContact', 'UpdateCustomerContact', 'DeleteCustomerContact',
      'GetSalesOrder', 'GetNextSalesOrderNo', 'GetSalesOrderTemplate', 'PreviewSalesOrder', 'CreateSalesOrder', 'UpdateSalesOrder', 'DeleteSalesOrder',
    ]));
  });

  it('answers contract and diagnostic information without a logon', async () => {
    const info = await call('GetContractInformation', {});
    expect(String((info.GetContractInformationResult as { Operations: string }).Operations)).toContain('GetSalesOrderTemplate');
    const diag = await call('GetDiagnosticInformation', {});
    expect((diag.GetDiagnosticInformationResult as { ServiceName: string }).ServiceName).toMatch(/Sage 100/);
  });

  it('GetSalesOrderTemplate: an unsaved order with the customer defaults, no number used', async () => {
    const customer = emu.db.list(AR_Customer)[0];
    const before = emu.db.list(SO_SalesOrderHeader).length;
    const res = await call('GetSalesOrderTemplate', { logon, companyCode: 'ABC', arDivisionNo: customer.ARDivisionNo, customerNo: customer.CustomerNo });
    const order = res.GetSalesOrderTemplateResult as Record<string, unknown>;
    expect(order).toMatchObject({ ARDivisionNo: customer.ARDivisionNo, CustomerNo: customer.CustomerNo, TermsCode: customer.TermsCode });
    expect(emu.db.list(SO_SalesOrderHeader).length).toBe(before);
    await expect(call('GetSalesOrderTemplate', { logon, companyCode: 'ABC', arDivisionNo: '01', customerNo: 'NOSUCH' })).rejects.toMatchObject({ root: { Envelope: { Body: { Fault: { faultcode: 'a:CI_NoKey' } } } } });
  });

  it('customer contacts: create, get, update, delete', async () => {
    const customer = emu.db.list(AR_Customer)[0];
    const key = { ARDivisionNo: customer.ARDivisionNo, CustomerNo: customer.CustomerNo, ContactCode: 'BUYER' };
    await call('CreateCustomerContact', { logon, companyCode: 'ABC', customerContact: { ...key, ContactName: 'Ana Buyer', EmailAddress: 'ana@buyer.example' } });
    await expect(call('CreateCustomerContact', { logon, companyCode: 'ABC', customerContact: { ...key, ContactName: 'Again' } })).rejects.toMatchObject({ root: { Envelope: { Body: { Fault: { faultcode: 'a:WS_AlreadyExists' } } } } });
    const args = { logon, companyCode: 'ABC', arDivisionNo: key.ARDivisionNo, customerNo: key.CustomerNo, contactCode: 'BUYER' };
    const got = (await call('GetCustomerContact', args)).GetCustomerContactResult as Record<string, unknown>;
    expect(got).toMatchObject({ ContactName: 'Ana Buyer', EmailAddress: 'ana@buyer.example' });
    await call('UpdateCustomerContact', { logon, companyCode: 'ABC', customerContact: { ...got, ContactTitle: 'Purchasing' } });
    expect(((await call('GetCustomerContact', args)).GetCustomerContactResult as Record<string, unknown>).ContactTitle).toBe('Purchasing');
    await call('DeleteCustomerContact', args);
    await expect(call('GetCustomerContact', args)).rejects.toMatchObject({ root: { Envelope: { Body: { Fault: { faultcode: 'a:CI_NoKey' } } } } });
    await expect(call('CreateCustomerContact', { logon, companyCode: 'ABC', customerContact: { ARDivisionNo: '01', CustomerNo: 'NOSUCH', ContactCode: 'X' } })).rejects.toMatchObject({ root: { Envelope: { Body: { Fault: { faultcode: 'a:CI_NOF' } } } } });
  });
});
