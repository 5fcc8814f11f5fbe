/**
 * The Sage 100 connector against the emulator: writes over real HTTP (eBWS SOAP through the WSDL),
 * reads through the real unixODBC driver manager and SQLite ODBC driver.
 */
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import { sage100Connector, type Sage100Connection } from '../../../src/connectors/sage100/index.js';
import { EbwsClient } from '../../../src/connectors/sage100/soap-client.js';
import type { InvoiceTotals } from '../../../src/connectors/sage100/invoice-totals.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { AR_Customer } from '../../../src/sandbox/sage100/schema.js';
import { isPostgresOutage } from '../../../src/store/postgres/outage.js';
import { emulatorSettings, testContext } from './context.js';

let emu: RunningSage100Emulator;
let conn: Sage100Connection;

async function rejection(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SyncError);
    return err as SyncError;
  }
  throw new Error('expected a rejection');
}

function sqlite<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(emu.dbPath, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** A seeded customer's id (01-ABF form), read straight from the company file. */
function seededCustomerId(): string {
  const r = sqlite((db) => db.prepare("SELECT ARDivisionNo AS d, CustomerNo AS c FROM AR_Customer WHERE ARDivisionNo = '01' ORDER BY CustomerNo LIMIT 1").get() as { d: string; c: string });
  return `${r.d}-${r.c.trim()}`;
}

beforeAll(async () => {
  emu = await startSage100Emulator();
  conn = sage100Connector.create(testContext(emulatorSettings(emu))) as Sage100Connection;
});
afterAll(async () => {
  await conn?.close();
  await emu?.close();
});

describe('check', () => {
  it('reports eBWS and ODBC reachable', async () => {
    const r = await conn.check();
    expect(r).toMatchObject({ ok: true, info: { ebws: 'ok', odbc: 'ok' } });
  });

  it('reports a wrong password as a failed check naming the logon', async () => {
    const bad = sage100Connector.create(testContext(emulatorSettings(emu, { password: 'nope' })));
    const r = await bad.check();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/refused the logon/);
    await bad.close();
  });
});

describe('discover', () => {
  it("adds the company's UDF_ columns with their widths", async () => {
    const entities = await conn.discover();
    const customer = entities.find((e) => e.name === 'AR_Customer')!;
    expect(customer.fields.find((f) => f.name === 'UDF_SF_ACCOUNT_ID')).toMatchObject({ type: 'string', maxLength: 18 });
    expect(customer.fields.find((f) => f.name === 'CustomerName')).toMatchObject({ maxLength: 30, required: true });
    const order = entities.find((e) => e.name === 'SO_SalesOrder')!;
    expect(order.fields.some((f) => f.name === 'UDF_SF_OPPORTUNITY_ID')).toBe(true);
    expect(entities.map((e) => e.name)).toEqual(['AR_Customer', 'AR_CustomerContact', 'SO_SalesOrder', 'AR_InvoiceHistory', 'AR_OpenInvoice', 'AR_CashReceiptsHistory', 'CI_Item', 'IM_ItemWarehouse']);
  });
});

describe('customers', () => {
  it('creates a customer with a generated number and the configured defaults, skipping a number already taken', async () => {
    // Someone keyed the next number by hand: the first generated number collides and the connector moves on.
    const next = sqlite((db) => Number((db.prepare("SELECT NextCustomerNo AS n FROM AR_Options WHERE ModuleCode = 'A/R'").get() as { n: number | string }).n));
    const taken = String(next).padStart(7, '0');
    await conn.write('AR_Customer', { verb: 'create', data: { ARDivisionNo: '01', CustomerNo: taken, CustomerName: 'Hand Keyed Co', SalespersonNo: '0200' } });
    const out = await conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Acme Widgets', EmailAddress: 'buyer@acme.example', CreditLimit: '2500.5', UDF_WEB_SOURCE: 'pardot' } });
    expect(out.created).toBe(true);
    expect(out.id).toBe(`01-${String(next + 1).padStart(7, '0')}`);
    const rec = await conn.get('AR_Customer', out.id);
    expect(rec?.data).toMatchObject({ CustomerName: 'Acme Widgets', SalespersonNo: '0100', SalespersonDivisionNo: '01', TermsCode: '01', CreditLimit: '2500.50', UDF_WEB_SOURCE: 'pardot' });
  });

  it('updates by merging into the current customer (other fields and UDFs kept)', async () => {
    const out = await conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Merge Test Inc', City: 'Madison', State: 'WI', UDF_WEB_SOURCE: 'form', UDF_PARDOT_ID: '12345' } });
    const upd = await conn.write('AR_Customer', { verb: 'update', id: out.id, data: { CustomerName: 'Merge Test Incorporated', CreditLimit: 9000 } });
    expect(upd).toMatchObject({ ok: true, id: out.id, created: false });
    const rec = await conn.get('AR_Customer', out.id);
    expect(rec?.data).toMatchObject({ CustomerName: 'Merge Test Incorporated', City: 'Madison', State: 'WI', CreditLimit: '9000.00', UDF_WEB_SOURCE: 'form', UDF_PARDOT_ID: '12345' });
  });

  it('rejects a name longer than 30 characters, naming the field, before spending a customer number', async () => {
    const before = sqlite((db) => Number((db.prepare("SELECT NextCustomerNo AS n FROM AR_Options WHERE ModuleCode = 'A/R'").get() as { n: number | string }).n));
    const err = await rejection(conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'The Extremely Long Customer Name Company LLC' } }));
    expect(err.kind).toBe('invalid_data');
    expect(err.details).toMatchObject({ field: 'CustomerName', rule: 'maxLength 30' });
    expect(err.message).toMatch(/"CustomerName" is 44 characters long; Sage 100 allows at most 30/);
    const after = sqlite((db) => Number((db.prepare("SELECT NextCustomerNo AS n FROM AR_Options WHERE ModuleCode = 'A/R'").get() as { n: number | string }).n));
    expect(after).toBe(before);
  });

  it('maps Sage faults: unknown salesperson (CI_NOF) names the field, duplicate number is a conflict, unknown customer is not found', async () => {
    const nof = await rejection(conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Bad Rep Co', SalespersonNo: '9999' } }));
    expect(nof).toMatchObject({ kind: 'invalid_data', details: { vendorCode: 'CI_NOF', field: 'SalespersonNo' } });
    expect(nof.message).toMatch(/field "SalespersonNo"/);
    const dup = await rejection(conn.write('AR_Customer', { verb: 'create', data: { ARDivisionNo: '01', CustomerNo: 'DUPE1', CustomerName: 'Dupe' } }).then(() => conn.write('AR_Customer', { verb: 'create', data: { ARDivisionNo: '01', CustomerNo: 'DUPE1', CustomerName: 'Dupe' } })));
    expect(dup).toMatchObject({ kind: 'conflict', details: { vendorCode: 'WS_AlreadyExists' } });
    const nf = await rejection(conn.write('AR_Customer', { verb: 'update', id: '01-NOSUCHCUST', data: { CustomerName: 'X' } }));
    expect(nf).toMatchObject({ kind: 'not_found', details: { vendorCode: 'CI_NoKey' } });
  });

  it('maps a CI_CharLength fault from the service to invalid_data naming the field', async () => {
    emu.faults.add({ path: 'UpdateCustomer', count: 1, fault: { vendorError: 'CI_CharLength' } });
    const err = await rejection(conn.write('AR_Customer', { verb: 'update', id: seededCustomerId(), data: { City: 'Madison' } }));
    expect(err).toMatchObject({ kind: 'invalid_data', details: { vendorCode: 'CI_CharLength', field: 'CustomerName', rule: 'maxLength 30' } });
  });

  it('upserts by email: updates the one match, creates when none', async () => {
    const email = 'upsert.me@example.test';
    const first = await conn.write('AR_Customer', { verb: 'upsert', match: { field: 'EmailAddress', value: email }, data: { CustomerName: 'Upsert One' } });
    expect(first.created).toBe(true);
    const second = await conn.write('AR_Customer', { verb: 'upsert', match: { field: 'EmailAddress', value: email }, data: { CustomerName: 'Upsert One Renamed' } });
    expect(second).toMatchObject({ created: false, id: first.id });
    expect((await conn.find('AR_Customer', 'EmailAddress', email)).map((r) => r.data.CustomerName)).toEqual(['Upsert One Renamed']);
  });

  it('reads padded strings trimmed, decimals exact, ids combined from the composite key', async () => {
    const raw = sqlite((db) => db.prepare("SELECT ARDivisionNo, CustomerNo, CustomerName FROM AR_Customer WHERE ARDivisionNo = '02' LIMIT 1").get() as Record<string, string>);
    expect(raw.CustomerNo.endsWith(' ')).toBe(true);
    const rec = await conn.get('AR_Customer', `02-${raw.CustomerNo.trim()}`);
    expect(rec?.id).toBe(`02-${raw.CustomerNo.trim()}`);
    expect(rec?.data.CustomerNo).toBe(raw.CustomerNo.trim());
    expect(rec?.data.CustomerName).toBe(raw.CustomerName.trimEnd());
    expect(String(rec?.data.CreditLimit)).toMatch(/^\d+\.\d{2}$/);
    expect(rec?.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('attaches lifetime invoice totals summed exactly (credit memos subtracted)', async () => {
    const target = sqlite((db) => db.prepare("SELECT ARDivisionNo AS d, CustomerNo AS c FROM AR_InvoiceHistoryHeader GROUP BY ARDivisionNo, CustomerNo HAVING SUM(InvoiceType = 'CM') > 0 LIMIT 1").get() as { d: string; c: string });
    const rows = sqlite((db) => db.prepare('SELECT InvoiceType, TaxableSalesAmt, NonTaxableSalesAmt, InvoiceDate FROM AR_InvoiceHistoryHeader WHERE ARDivisionNo = ? AND CustomerNo = ?').all(target.d, target.c) as Array<Record<string, string | number>>);
    let expected = new Decimal(0);
    for (const r of rows) {
      const amt = new Decimal(String(r.TaxableSalesAmt)).add(String(r.NonTaxableSalesAmt));
      expected = r.InvoiceType === 'CM' ? expected.sub(amt.abs()) : expected.add(amt);
    }
    const id = `${target.d}-${target.c.trim()}`;
    const rec = await conn.get('AR_Customer', id);
    expect(rec?.data.LifetimeSalesAmt).toBe(expected.toFixed(2));
    expect(rec?.data.LifetimeInvoiceCount).toBe(rows.filter((r) => r.InvoiceType !== 'CM').length);
    const totals = await conn.customerInvoiceTotals([id, '01-NOINVOICES']);
    expect(totals.get(id)?.lifetimeSales).toBe(expected.toFixed(2));
    expect(totals.get('01-NOINVOICES')).toMatchObject({ invoiceCount: 0, lifetimeSales: '0.00' });
  });
  it("computes a page's figures with four queries per division, identical to the cent to each customer's own", async () => {
    const ctx = testContext(emulatorSettings(emu));
    const c = sage100Connector.create(ctx) as Sage100Connection;
    try {
      const ids = sqlite((db) => db.prepare('SELECT ARDivisionNo AS d, CustomerNo AS c FROM AR_Customer').all() as Array<{ d: string; c: string }>).map((r) => `${r.d}-${r.c.trim()}`);
      const divisions = new Set(ids.map((id) => id.slice(0, 2)));
      expect(ids.length).toBeGreaterThan(50 * divisions.size);
      // The seed has no cash receipts: pay something on a few open invoices so last payment dates are compared too.
      const owing = sqlite((db) => db.prepare('SELECT DISTINCT ARDivisionNo AS d, CustomerNo AS c FROM AR_OpenInvoice WHERE Balance > 10 LIMIT 3').all() as Array<{ d: string; c: string }>);
      for (const o of owing) emu.receivePayment(`${o.d}-${o.c.trim()}`, '3.33', { checkNo: 'PAGE1' });
      ctx.calls.length = 0;
      const page = await c.customerInvoiceTotals(ids);
      // Four child tables, one read each per division: not four per 50 customers.
      expect(ctx.calls).toHaveLength(4 * divisions.size);
      const alone = new Map<string, unknown>();
      for (const id of ids) alone.set(id, (await c.customerInvoiceTotals([id])).get(id));
      expect(page).toEqual(alone);
      // Not vacuous: the seed gives customers sales, credit memos, open balances, orders and payments.
      const all = [...page.values()];
      for (const pick of [(t: InvoiceTotals) => t.lifetimeSales, (t: InvoiceTotals) => t.openBalance]) expect(all.filter((t) => pick(t) !== '0.00').length).toBeGreaterThan(10);
      for (const pick of [(t: InvoiceTotals) => t.creditMemoCount > 0, (t: InvoiceTotals) => t.lastOrderDate, (t: InvoiceTotals) => t.lastPaymentDate]) expect(all.some(pick)).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('receivables: payments, credit memos, open balance, contacts', () => {
  it('computes open balance, last payment and credit memos from AR_OpenInvoice and AR_CashReceiptsHistory, and reads those rows', async () => {
    const id = seededCustomerId();
    const [ARDivisionNo, CustomerNo] = id.split('-');
    emu.advanceClock(60_000);
    const before = await conn.get('AR_Customer', id);
    const cm = emu.postCreditMemo(id, '19.99', 'returned');
    const paid = emu.receivePayment(id, '7.25', { checkNo: 'CHK77' });
    const balance = sqlite((db) => db.prepare('SELECT Balance FROM AR_OpenInvoice WHERE ARDivisionNo = ? AND CustomerNo = ?').all(ARDivisionNo, CustomerNo) as Array<{ Balance: number }>).reduce((s, r) => s.add(String(r.Balance)), new Decimal(0));
    const after = await conn.get('AR_Customer', id);
    expect(after?.data.OpenBalance).toBe(balance.toFixed(2));
    expect(after?.data.CreditMemoCount).toBe(Number(before?.data.CreditMemoCount) + 1);
    expect(new Decimal(String(after?.data.LifetimeSalesAmt)).toFixed(2)).toBe(new Decimal(String(before?.data.LifetimeSalesAmt)).sub('19.99').toFixed(2));
    expect(after?.data.LastPaymentDate).toBe(emu.db.today().replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3'));
    // The customer row itself did not change: the figures come from the child rows.
    expect(after?.updatedAt).toBe(before?.updatedAt);

    const receipts = await conn.find('AR_CashReceiptsHistory', 'CustomerId', id);
    const mine = receipts.filter((r) => r.data.CheckNo === 'CHK77');
    expect(mine.map((r) => r.data.PostingAmt)).toEqual(paid.applied.map((a) => a.amount));
    expect(mine[0].id).toBe(`${paid.depositNo}|${ARDivisionNo}|${CustomerNo}|CHK77|${paid.applied[0].invoiceNo}`);
    expect((await conn.get('AR_CashReceiptsHistory', mine[0].id))?.data.CustomerId).toBe(id);
    const credit = await conn.get('AR_OpenInvoice', `${id}|${cm}|CM`);
    expect(credit?.data).toMatchObject({ Balance: '-19.99', InvoiceType: 'CM', CustomerId: id });
    const memo = await conn.get('AR_InvoiceHistory', `${cm}-000000`);
    expect(memo?.data).toMatchObject({ InvoiceType: 'CM', NonTaxableSalesAmt: '19.99', EmailAddress: '' });
    // Polling the receipts from before the payment finds it.
    const page = await conn.readChanges('AR_CashReceiptsHistory', { at: new Date(Date.parse(String(before?.updatedAt ?? new Date(0).toISOString())) - 1).toISOString() } as never, { limit: 500 });
    expect(page.records.some((r) => r.id === mine[0].id)).toBe(true);
  });

  it("lists a customer's contacts by CustomerId", async () => {
    const id = seededCustomerId();
    emu.addContact(id, { ContactCode: 'AP', ContactName: 'Accounts Payable', EmailAddress: 'ap@example.com' });
    const contacts = await conn.find('AR_CustomerContact', 'CustomerId', id);
    expect(contacts.map((c) => [c.id, c.data.EmailAddress])).toContainEqual([`${id}-AP`, 'ap@example.com']);
    expect((await conn.get('AR_CustomerContact', `${id}-AP`))?.data.ContactName).toBe('Accounts Payable');
  });
});

describe('sales orders', () => {
  const firstItem = () => sqlite((db) => db.prepare("SELECT ItemCode, StandardUnitPrice FROM CI_Item WHERE ItemType = '1' AND InactiveItem = 'N' LIMIT 1 OFFSET 3").get() as { ItemCode: string; StandardUnitPrice: number });
  const taxedCustomer = () => sqlite((db) => db.prepare("SELECT ARDivisionNo, CustomerNo FROM AR_Customer WHERE TaxSchedule = 'NY' AND CreditHold = 'N' AND CustomerStatus = 'A' LIMIT 1").get() as Record<string, string>);

  it('previews totals and tax without saving', async () => {
    const item = firstItem();
    const cust = taxedCustomer();
    const preview = await conn.previewSalesOrder({ CustomerId: `${cust.ARDivisionNo}-${cust.CustomerNo.trim()}`, Lines: [{ ItemCode: item.ItemCode.trim(), QuantityOrdered: 4 }] });
    const ext = new Decimal(item.StandardUnitPrice).mul(4).toDecimalPlaces(2);
    expect(preview.TaxableAmt).toBe(ext.toFixed(2));
    expect(preview.SalesTaxAmt).toBe(ext.mul('0.08').toDecimalPlaces(2).toFixed(2));
    expect((preview.Lines as Array<Record<string, string>>)[0].ExtensionAmt).toBe(ext.toFixed(2));
  });

  it('creates an order with lines under a generated number and reads it back through ODBC', async () => {
    const item = firstItem();
    const cust = taxedCustomer();
    const out = await conn.write('SO_SalesOrder', { verb: 'create', data: { CustomerId: `${cust.ARDivisionNo}-${cust.CustomerNo.trim()}`, CustomerPONo: 'PO-SYNC-1', Lines: [{ ItemCode: item.ItemCode.trim(), QuantityOrdered: 2 }, { ItemCode: item.ItemCode.trim(), QuantityOrdered: 1, UnitPrice: '10.00' }] } });
    expect(out.id).toMatch(/^\d{7}$/);
    const rec = await conn.get('SO_SalesOrder', out.id);
    expect(rec?.data).toMatchObject({ SalesOrderNo: out.id, OrderStatus: 'N', CustomerPONo: 'PO-SYNC-1' });
    const lines = rec?.data.Lines as Array<Record<string, unknown>>;
    expect(lines.map((l) => l.QuantityOrdered)).toEqual(['2.0000', '1.0000']);
    expect(lines[1].ExtensionAmt).toBe('10.00');
  });

  it('updates an order header without touching its lines, and replaces the lines when Lines is given', async () => {
    const item = firstItem();
    const cust = taxedCustomer();
    const created = await conn.write('SO_SalesOrder', { verb: 'create', data: { CustomerId: `${cust.ARDivisionNo}-${cust.CustomerNo.trim()}`, Lines: [{ ItemCode: item.ItemCode.trim(), QuantityOrdered: 2 }, { ItemCode: item.ItemCode.trim(), QuantityOrdered: 3 }] } });
    const header = await conn.write('SO_SalesOrder', { verb: 'update', id: created.id, data: { Comment: 'Call before delivery', OrderStatus: 'H' } });
    expect(header.data).toMatchObject({ Comment: 'Call before delivery', OrderStatus: 'H' });
    expect((header.data?.Lines as unknown[]).length).toBe(2);
    const relined = await conn.write('SO_SalesOrder', { verb: 'update', id: created.id, data: { Lines: [{ ItemCode: item.ItemCode.trim(), QuantityOrdered: 7 }] } });
    const rec = await conn.get('SO_SalesOrder', relined.id);
    expect((rec?.data.Lines as Array<Record<string, unknown>>).map((l) => l.QuantityOrdered)).toEqual(['7.0000']);
    expect(rec?.data).toMatchObject({ Comment: 'Call before delivery', OrderStatus: 'H' });
  });

  it('rejects an unknown item on an order as invalid data naming ItemCode, and creates nothing', async () => {
    const cust = taxedCustomer();
    const before = sqlite((db) => (db.prepare('SELECT COUNT(*) AS n FROM SO_SalesOrderHeader').get() as { n: number }).n);
    const err = await rejection(conn.write('SO_SalesOrder', { verb: 'create', data: { ARDivisionNo: cust.ARDivisionNo, CustomerNo: cust.CustomerNo.trim(), Lines: [{ ItemCode: 'NO-SUCH-ITEM', QuantityOrdered: 1 }] } }));
    expect(err).toMatchObject({ kind: 'invalid_data', details: { vendorCode: 'CI_NOF', field: 'ItemCode' } });
    expect(sqlite((db) => (db.prepare('SELECT COUNT(*) AS n FROM SO_SalesOrderHeader').get() as { n: number }).n)).toBe(before);
  });

  it("finds a customer's orders and invoices by CustomerId", async () => {
    const cust = sqlite((db) => db.prepare('SELECT ARDivisionNo AS d, CustomerNo AS c, COUNT(*) AS n FROM AR_InvoiceHistoryHeader GROUP BY ARDivisionNo, CustomerNo ORDER BY n DESC LIMIT 1').get() as { d: string; c: string; n: number });
    const id = `${cust.d}-${cust.c.trim()}`;
    const invoices = await conn.find('AR_InvoiceHistory', 'CustomerId', id);
    expect(invoices).toHaveLength(cust.n);
    expect(new Set(invoices.map((r) => r.data.CustomerId))).toEqual(new Set([id]));
  });

  it('reads invoice history, items and stock', async () => {
    const inv = await conn.readChanges('AR_InvoiceHistory', null, { limit: 5 });
    expect(inv.records).toHaveLength(5);
    expect(inv.hasMore).toBe(true);
    expect(inv.records[0].id).toMatch(/^\d{7}-\d{6}$/);
    expect((inv.records[0].data.Lines as unknown[]).length).toBeGreaterThan(0);
    const items = await conn.readChanges('CI_Item', null, { limit: 1000 });
    expect(items.records).toHaveLength(100);
    const stock = await conn.find('IM_ItemWarehouse', 'ItemCode', items.records.find((r) => r.data.ItemType === '1')!.id);
    expect(stock).toHaveLength(3);
    const s = stock[0].data;
    expect(s.QuantityAvailable).toBe(new Decimal(String(s.QuantityOnHand)).sub(String(s.QuantityOnSalesOrder)).toFixed(4));
  });
});

describe('OtherFields through eBWS', () => {
  it('reads one UDF (a single Field object) and several UDFs (a Field array) alike', async () => {
    const ebws = new EbwsClient({ endpointUrl: emu.endpointUrl, companyCode: 'ABC', username: 'syncline', password: 'sage100', gate: { acquire: async () => () => {} } });
    const one = await conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'One Udf Co', UDF_PARDOT_ID: 'p-1' } });
    const two = await conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Two Udf Co', UDF_PARDOT_ID: 'p-2', UDF_WEB_SOURCE: 'web' } });
    const [d1, n1] = one.id.split('-');
    const [d2, n2] = two.id.split('-');
    expect(await ebws.getCustomer(d1, n1)).toMatchObject({ CustomerName: 'One Udf Co', UDF_PARDOT_ID: 'p-1' });
    expect(await ebws.getCustomer(d2, n2)).toMatchObject({ CustomerName: 'Two Udf Co', UDF_PARDOT_ID: 'p-2', UDF_WEB_SOURCE: 'web' });
  });
});

describe('the connection gate', () => {
  it('is acquired for every eBWS request, the WSDL read included, and held only while it is in flight', async () => {
    const ops: string[] = [];
    let inFlight = 0;
    const gate = { acquire: async (op: string) => (ops.push(op), inFlight++, () => void inFlight--) };
    const ebws = new EbwsClient({ endpointUrl: emu.endpointUrl, companyCode: emu.companyCode, username: emu.users[0].username, password: emu.users[0].password, gate });
    const [first] = emu.db.list(AR_Customer);
    await ebws.getCustomer(String(first.ARDivisionNo), String(first.CustomerNo));
    await ebws.getCustomer(String(first.ARDivisionNo), String(first.CustomerNo));
    // The WSDL is one HTTP request to the vendor's server like any other: it spends a slot too, once.
    expect(ops).toEqual(['ebws:wsdl', 'ebws:GetCustomer', 'ebws:GetCustomer']);
    expect(inFlight).toBe(0);
  });
});

describe('a lost store connection while taking a slot', () => {
  it('goes up as itself, not as eBWS unreachable, so the engine does not count it against the record', async () => {
    const outage = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    let fail = true;
    const gate = { acquire: async () => { if (fail) { fail = false; throw outage; } return () => {}; } };
    const ebws = new EbwsClient({ endpointUrl: emu.endpointUrl, companyCode: emu.companyCode, username: emu.users[0].username, password: emu.users[0].password, gate });
    const [first] = emu.db.list(AR_Customer);
    const err = await ebws.getCustomer(String(first.ARDivisionNo), String(first.CustomerNo)).catch((e: unknown) => e);
    expect(isPostgresOutage(err)).toBe(true);
    // The failed open is not kept: the next call reads the WSDL and answers.
    expect(await ebws.getCustomer(String(first.ARDivisionNo), String(first.CustomerNo))).toMatchObject({ CustomerNo: first.CustomerNo });
  });
});

describe('hostile values reach Sage 100 exactly as written', () => {
  const ebws = () => new EbwsClient({ endpointUrl: emu.endpointUrl, companyCode: 'ABC', username: 'syncline', password: 'sage100', gate: { acquire: async () => () => {} } });

  it('escapes CDATA wrappers, markup, ampersands and quotes, and keeps CR/LF', async () => {
    const hostile = {
      CustomerName: '<![CDATA[Evil Corp]]>',
      AddressLine1: 'a]]>b<c>&amp;d',
      AddressLine2: `"quoted" 'single'`,
      AddressLine3: 'line one\r\nline two',
      City: '<![CDATA[',
      UDF_WEB_SOURCE: ']]><x/>&',
    };
    const out = await conn.write('AR_Customer', { verb: 'create', data: hostile });
    const [div, no] = out.id.split('-');
    expect(await ebws().getCustomer(div, no)).toMatchObject(hostile);
    // What the service stored, read from the company file itself.
    const row = sqlite((db) => db.prepare('SELECT CustomerName, AddressLine1, AddressLine2, AddressLine3, City, UDF_WEB_SOURCE FROM AR_Customer WHERE ARDivisionNo = ? AND CustomerNo = ?').get(div, no) as Record<string, string>);
    for (const [k, v] of Object.entries(hostile)) expect(row[k].trimEnd(), k).toBe(v);
  });

  it('refuses a value XML cannot carry (NUL, U+FFFE) as invalid data naming the field, before any call', async () => {
    const before = emu.calls.length;
    for (const [field, value] of [['CustomerName', 'Nul\u0000Co'], ['UDF_WEB_SOURCE', 'x\uFFFEy']] as const) {
      const err = await rejection(conn.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Fine Co', [field]: value } }));
      expect(err.kind).toBe('invalid_data');
      expect(err.details.field).toBe(field);
      expect(err.message).toMatch(/XML cannot carry/);
    }
    expect(emu.calls.slice(before).filter((c) => c.operation.startsWith('Create'))).toEqual([]);
  });
});

describe('transport failures', () => {
  it('classifies a stopped service (connection refused) as retryable, and works again once it is back', async () => {
    await emu.stopService();
    try {
      const err = await rejection(conn.write('AR_Customer', { verb: 'update', id: seededCustomerId(), data: { City: 'Madison' } }));
      expect(err.kind).toBe('retryable');
      // Refused for a new connection, reset for a kept-alive one: both are a stopped service.
      expect(err.message).toMatch(/could not reach eBWS .*\((ECONNREFUSED|ECONNRESET)\)/);
    } finally {
      await emu.startService();
    }
    expect((await conn.write('AR_Customer', { verb: 'update', id: seededCustomerId(), data: { City: 'Madison' } })).ok).toBe(true);
  });

  it('reports a user without write rights as fatal "No Access"', async () => {
    const ro = await startSage100Emulator({ seedSize: { customers: 5, items: 10, orders: 1, invoices: 1 }, users: [{ username: 'viewer', password: 'v', readOnly: true }] });
    const c = sage100Connector.create(testContext({ ...emulatorSettings(ro), username: 'viewer', password: 'v' }));
    const err = await rejection(c.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Denied' } }));
    expect(err.kind).toBe('fatal');
    expect(err.message).toMatch(/No Access/);
    await c.close();
    await ro.close();
  });

  it('classifies a 503 (stopped pool) and a refused connection as retryable', async () => {
    emu.faults.add({ path: 'GetCustomer', count: 1, fault: { status: 503, body: 'Service Unavailable' } });
    const e503 = await rejection(conn.write('AR_Customer', { verb: 'update', id: seededCustomerId(), data: { City: 'Madison' } }));
    expect(e503).toMatchObject({ kind: 'retryable', details: { status: 503 } });
    const dead = sage100Connector.create(testContext(emulatorSettings(emu, { endpointUrl: 'http://127.0.0.1:9/MasBasicService.svc' })));
    const refused = await rejection(dead.write('AR_Customer', { verb: 'create', data: { CustomerName: 'Nobody' } }));
    expect(refused.kind).toBe('retryable');
    expect(refused.message).toMatch(/could not reach eBWS/);
    await dead.close();
  });

  it('times out a slow service as retryable', async () => {
    const slow = sage100Connector.create(testContext(emulatorSettings(emu, { requestTimeoutMs: 1000 })));
    await slow.check();
    emu.faults.add({ path: 'GetCustomer', count: 1, fault: { latencyMs: 3000 } });
    const err = await rejection(slow.write('AR_Customer', { verb: 'update', id: seededCustomerId(), data: { City: 'Madison' } }));
    expect(err.kind).toBe('retryable');
    await slow.close();
  });
});

describe('without ODBC', () => {
  it('a driver that does not exist gives a fatal error saying what to install', async () => {
    const c = sage100Connector.create(testContext(emulatorSettings(emu, { odbcConnectionString: 'Driver=NoSuchSageDriver;Database=/nonexistent' })));
    const err = await rejection(c.readChanges('AR_Customer', null, { limit: 10 }));
    expect(err.kind).toBe('fatal');
    expect(err.message).toMatch(/ODBC driver could not be loaded/);
    expect(err.message).toMatch(/npm run setup/);
    await c.close();
  });

  it('a missing odbc package gives a fatal error, while eBWS writes still work', async () => {
    const { Sage100Connection } = await import('../../../src/connectors/sage100/index.js');
    const c = new Sage100Connection(testContext(emulatorSettings(emu)), {
      odbcLoader: async () => {
        throw new Error("Cannot find package 'odbc'");
      },
    });
    const err = await rejection(c.get('AR_Customer', seededCustomerId()));
    expect(err.kind).toBe('fatal');
    expect(err.message).toMatch(/unixODBC/);
    const w = await c.write('AR_Customer', { verb: 'update', id: seededCustomerId(), data: { City: 'Green Bay' } });
    expect(w.ok).toBe(true);
    await c.close();
  });
});
