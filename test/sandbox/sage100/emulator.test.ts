/**
 * The Sage 100 emulator over real HTTP: WSDL, eBWS operations and faults as raw SOAP, the company
 * file as the SQLite ODBC driver sees it (padding, stamps), control API and fault injection.
 */
import Database from 'better-sqlite3';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';

const NS = 'http://sage.com/sage100/ebusiness/webservices';
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });

let emu: RunningSage100Emulator;

function envelope(op: string, inner: string, logon = '<logon><Username>syncline</Username><Password>sage100</Password></logon><companyCode>ABC</companyCode>'): string {
  return `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${op} xmlns="${NS}">${logon}${inner}</${op}></soap:Body></soap:Envelope>`;
}

async function soap(op: string, inner = '', logon?: string): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(emu.endpointUrl, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `${NS}/IMasBasicService/${op}` }, body: envelope(op, inner, logon) });
  const text = await res.text();
  const doc = text.startsWith('<') ? (parser.parse(text) as { Envelope: { Body: Record<string, unknown> } }) : { Envelope: { Body: {} } };
  return { status: res.status, body: doc.Envelope.Body, text };
}

function fault(body: Record<string, unknown>): { code: string; string: string; detailCode: string } {
  const f = body.Fault as { faultcode: string; faultstring: string; detail: { MasFault: { ErrorCode: string } } };
  return { code: f.faultcode, string: f.faultstring, detailCode: f.detail.MasFault.ErrorCode };
}

beforeAll(async () => {
  emu = await startSage100Emulator();
});
afterAll(async () => {
  await emu.close();
});

describe('eBWS over HTTP', () => {
  it('serves a WSDL naming every operation at ?wsdl', async () => {
    const res = await fetch(`${emu.endpointUrl}?wsdl`);
    expect(res.status).toBe(200);
    const wsdl = await res.text();
    for (const op of ['GetCustomer', 'CreateCustomer', 'UpdateCustomer', 'DeleteCustomer', 'GetNextCustomerNo', 'GetSalesOrder', 'CreateSalesOrder', 'UpdateSalesOrder', 'DeleteSalesOrder', 'GetNextSalesOrderNo', 'PreviewSalesOrder']) {
      expect(wsdl).toContain(`<wsdl:operation name="${op}">`);
    }
    expect(wsdl).toContain(`location="${emu.endpointUrl}"`);
  });

  it('GetNextCustomerNo consumes the counter', async () => {
    const a = await soap('GetNextCustomerNo');
    const b = await soap('GetNextCustomerNo');
    const na = (a.body.GetNextCustomerNoResponse as { GetNextCustomerNoResult: string }).GetNextCustomerNoResult;
    const nb = (b.body.GetNextCustomerNoResponse as { GetNextCustomerNoResult: string }).GetNextCustomerNoResult;
    expect(Number(nb)).toBe(Number(na) + 1);
  });

  it('creates a customer with an empty response, stores it padded and stamped, and returns UDFs (one as a single Field)', async () => {
    const created = await soap('CreateCustomer', '<customer><ARDivisionNo>02</ARDivisionNo><CustomerNo>zeta1</CustomerNo><CustomerName>Zeta Tools</CustomerName><SalespersonNo>0100</SalespersonNo><TermsCode>01</TermsCode><OtherFields><Field><MasFieldName>UDF_WEB_SOURCE</MasFieldName><Value>shop</Value></Field></OtherFields></customer>');
    expect(created.status).toBe(200);
    expect(created.body.CreateCustomerResponse).toBe('');
    const got = await soap('GetCustomer', '<arDivisionNo>02</arDivisionNo><customerNo>ZETA1</customerNo>');
    const c = (got.body.GetCustomerResponse as { GetCustomerResult: Record<string, unknown> }).GetCustomerResult;
    expect(c.CustomerNo).toBe('ZETA1');
    expect(c.SalespersonDivisionNo).toBe('02');
    // One UDF: Field is a single element, which the XML parser reads as an object, not an array.
    expect(Array.isArray((c.OtherFields as { Field: unknown }).Field)).toBe(false);
    expect(got.text).toMatch(/<OtherFields><Field><MasFieldName>UDF_WEB_SOURCE<\/MasFieldName><Value>shop<\/Value><\/Field><\/OtherFields>/);
    const db = new Database(emu.dbPath, { readonly: true });
    const row = db.prepare("SELECT CustomerNo, CustomerName, DateUpdated, TimeUpdated FROM AR_Customer WHERE ARDivisionNo = '02' AND CustomerNo = 'ZETA1'").get() as Record<string, string>;
    db.close();
    expect(row.CustomerNo).toBe('ZETA1'.padEnd(20));
    expect(row.CustomerName).toBe('Zeta Tools'.padEnd(30));
    expect(row.DateUpdated).toBe(emu.clock.stamp().date);
    expect(Number(row.TimeUpdated)).toBeGreaterThanOrEqual(0);
    expect(Number(row.TimeUpdated)).toBeLessThan(24);
  });

  it('refuses NUL and other characters XML forbids, raw or as references, with 400 as WCF does; keeps CR/LF', async () => {
    const customer = (no: string, name: string) => `<customer><ARDivisionNo>02</ARDivisionNo><CustomerNo>${no}</CustomerNo><CustomerName>${name}</CustomerName><SalespersonNo>0100</SalespersonNo></customer>`;
    for (const name of ['Nul&#0;Co', 'Nul&#x0;Co', 'Nul\u0000Co', 'Bell&#x7;Co', 'Odd&#xFFFE;Co']) {
      const res = await soap('CreateCustomer', customer('NUL1', name));
      expect(res.status, name).toBe(400);
    }
    expect((await soap('GetCustomer', '<arDivisionNo>02</arDivisionNo><customerNo>NUL1</customerNo>')).status).toBe(500);
    expect((await soap('CreateCustomer', customer('CRLF1', 'One&#xD;&#xA;Two&#9;Three'))).status).toBe(200);
    const db = new Database(emu.dbPath, { readonly: true });
    const row = db.prepare("SELECT CustomerName FROM AR_Customer WHERE ARDivisionNo = '02' AND CustomerNo = 'CRLF1'").get() as { CustomerName: string };
    db.close();
    expect(row.CustomerName.trimEnd()).toBe('One\r\nTwo\tThree');
    const got = await soap('GetCustomer', '<arDivisionNo>02</arDivisionNo><customerNo>CRLF1</customerNo>');
    expect(got.text).toContain('<CustomerName>One&#xD;\nTwo\tThree');
  });

  it('answers the documented faults', async () => {
    const long = await soap('CreateCustomer', `<customer><ARDivisionNo>01</ARDivisionNo><CustomerNo>LONG1</CustomerNo><CustomerName>${'N'.repeat(31)}</CustomerName><SalespersonNo>0100</SalespersonNo></customer>`);
    expect(long.status).toBe(500);
    expect(fault(long.body)).toMatchObject({ code: 'a:CI_CharLength', detailCode: 'CI_CharLength' });
    expect(fault(long.body).string).toContain('CustomerName');
    const fk = await soap('CreateCustomer', '<customer><ARDivisionNo>01</ARDivisionNo><CustomerNo>FK1</CustomerNo><CustomerName>X</CustomerName><SalespersonNo>9999</SalespersonNo></customer>');
    expect(fault(fk.body).detailCode).toBe('CI_NOF');
    expect(fault(fk.body).string).toMatch(/column SalespersonNo/);
    const dup = await soap('CreateCustomer', '<customer><ARDivisionNo>02</ARDivisionNo><CustomerNo>ZETA1</CustomerNo><CustomerName>Again</CustomerName><SalespersonNo>0100</SalespersonNo></customer>');
    expect(fault(dup.body).detailCode).toBe('WS_AlreadyExists');
    const missing = await soap('GetCustomer', '<arDivisionNo>01</arDivisionNo><customerNo>NOSUCH</customerNo>');
    expect(fault(missing.body).detailCode).toBe('CI_NoKey');
    const badLogon = await soap('GetCustomer', '<arDivisionNo>01</arDivisionNo><customerNo>X</customerNo>', '<logon><Username>syncline</Username><Password>wrong</Password></logon><companyCode>ABC</companyCode>');
    expect(fault(badLogon.body).string).toMatch(/Invalid username or password/);
    const badItem = await soap('CreateSalesOrder', '<salesOrder><SalesOrderNo>9000001</SalesOrderNo><ARDivisionNo>02</ARDivisionNo><CustomerNo>ZETA1</CustomerNo><Lines><SalesOrderLine><ItemCode>NO-SUCH-ITEM</ItemCode><QuantityOrdered>1</QuantityOrdered></SalesOrderLine></Lines></salesOrder>');
    expect(fault(badItem.body).detailCode).toBe('CI_NOF');
    expect(fault(badItem.body).string).toMatch(/column ItemCode/);
    // Atomic: the failed order left nothing behind.
    expect(fault((await soap('GetSalesOrder', '<salesOrderNo>9000001</salesOrderNo>')).body).detailCode).toBe('CI_NoKey');
  });

  it('previews an order with totals and tax without saving it', async () => {
    const db = new Database(emu.dbPath, { readonly: true });
    const item = db.prepare("SELECT ItemCode, StandardUnitPrice FROM CI_Item WHERE ItemType = '1' AND InactiveItem = 'N' LIMIT 1").get() as { ItemCode: string; StandardUnitPrice: number };
    const cust = db.prepare("SELECT ARDivisionNo, CustomerNo, TaxSchedule FROM AR_Customer WHERE TaxSchedule = 'WI' AND CreditHold = 'N' LIMIT 1").get() as Record<string, string>;
    const before = (db.prepare('SELECT COUNT(*) AS n FROM SO_SalesOrderHeader').get() as { n: number }).n;
    db.close();
    const res = await soap('PreviewSalesOrder', `<salesOrder><ARDivisionNo>${cust.ARDivisionNo}</ARDivisionNo><CustomerNo>${cust.CustomerNo.trim()}</CustomerNo><Lines><SalesOrderLine><ItemCode>${item.ItemCode.trim()}</ItemCode><QuantityOrdered>3</QuantityOrdered></SalesOrderLine></Lines></salesOrder>`);
    expect(res.status).toBe(200);
    const o = (res.body.PreviewSalesOrderResponse as { PreviewSalesOrderResult: Record<string, unknown> }).PreviewSalesOrderResult;
    const expected = Math.round(item.StandardUnitPrice * 3 * 100) / 100;
    expect(Number(o.TaxableAmt)).toBeCloseTo(expected, 2);
    expect(Number(o.SalesTaxAmt)).toBeCloseTo(Math.round(expected * 0.055 * 100) / 100, 2);
    const db2 = new Database(emu.dbPath, { readonly: true });
    expect((db2.prepare('SELECT COUNT(*) AS n FROM SO_SalesOrderHeader').get() as { n: number }).n).toBe(before);
    db2.close();
  });
});

describe('control API', () => {
  it('records calls, injects 503 and vendor faults, and simulates Sage-side activity with stamps', async () => {
    const calls = (await (await fetch(`${emu.url}/__sandbox/calls`)).json()) as { calls: Array<{ operation: string }> };
    expect(calls.calls.some((c) => c.operation === 'CreateCustomer')).toBe(true);

    await fetch(`${emu.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ path: 'GetCustomer', count: 1, fault: { status: 503 } }) });
    expect((await soap('GetCustomer', '<arDivisionNo>02</arDivisionNo><customerNo>ZETA1</customerNo>')).status).toBe(503);
    expect((await soap('GetCustomer', '<arDivisionNo>02</arDivisionNo><customerNo>ZETA1</customerNo>')).status).toBe(200);
    await fetch(`${emu.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ path: 'CreateSalesOrder', count: 1, fault: { vendorError: 'CI_NOF' } }) });
    expect(fault((await soap('CreateSalesOrder', '<salesOrder/>')).body).detailCode).toBe('CI_NOF');

    const at = '2026-01-15T23:59:30.000Z';
    const clock = (await (await fetch(`${emu.url}/__sandbox/clock`, { method: 'POST', body: JSON.stringify({ at }) })).json()) as { stamp: { date: string; time: string } };
    expect(clock.stamp.date).toBe('2026-01-15');
    expect(Number(clock.stamp.time)).toBeGreaterThan(23.99);
    const db = new Database(emu.dbPath, { readonly: true });
    const order = db.prepare("SELECT SalesOrderNo FROM SO_SalesOrderHeader WHERE OrderStatus = 'N' LIMIT 1").get() as { SalesOrderNo: string };
    db.close();
    const moved = await fetch(`${emu.url}/__sandbox/activity/order-status`, { method: 'POST', body: JSON.stringify({ salesOrderNo: order.SalesOrderNo }) });
    expect(await moved.json()).toEqual({ ok: true, status: 'O' });
    expect(emu.setOrderStatus(order.SalesOrderNo, 'H')).toBe('H');
    expect(emu.setOrderStatus(order.SalesOrderNo)).toBe('O');
    const posted = (await (await fetch(`${emu.url}/__sandbox/activity/post-invoice`, { method: 'POST', body: JSON.stringify({ salesOrderNo: order.SalesOrderNo }) })).json()) as { invoiceNo: string };
    const db2 = new Database(emu.dbPath, { readonly: true });
    const inv = db2.prepare('SELECT SalesOrderNo, DateUpdated FROM AR_InvoiceHistoryHeader WHERE InvoiceNo = ?').get(posted.invoiceNo) as Record<string, string>;
    const gone = db2.prepare('SELECT COUNT(*) AS n FROM SO_SalesOrderHeader WHERE SalesOrderNo = ?').get(order.SalesOrderNo) as { n: number };
    db2.close();
    expect(inv.SalesOrderNo).toBe(order.SalesOrderNo);
    expect(inv.DateUpdated).toBe('2026-01-15');
    expect(gone.n).toBe(0);
  });

  it('every order status and type is seeded, and reset restores the seed', async () => {
    const db = new Database(emu.dbPath, { readonly: true });
    const statuses = (db.prepare('SELECT DISTINCT OrderStatus AS s FROM SO_SalesOrderHeader').all() as Array<{ s: string }>).map((r) => r.s).sort();
    const types = (db.prepare('SELECT DISTINCT OrderType AS s FROM SO_SalesOrderHeader').all() as Array<{ s: string }>).map((r) => r.s).sort();
    db.close();
    expect(statuses).toEqual(['C', 'H', 'N', 'O']);
    expect(types).toEqual(expect.arrayContaining(['B', 'M', 'Q', 'R', 'S']));
    expect((await fetch(`${emu.url}/__sandbox/reset`, { method: 'POST' })).status).toBe(200);
    const db2 = new Database(emu.dbPath, { readonly: true });
    const n = (db2.prepare("SELECT COUNT(*) AS n FROM AR_Customer WHERE CustomerNo = 'ZETA1'").get() as { n: number }).n;
    const customers = (db2.prepare('SELECT COUNT(*) AS n FROM AR_Customer').get() as { n: number }).n;
    db2.close();
    expect(n).toBe(0);
    expect(customers).toBe(300);
  });
});
