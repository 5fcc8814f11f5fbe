/**
 * The Sage 100 emulator's ODBC side as the ProvideX driver behind SOTAMAS90 presents it: opened with
 * the DSN connection string of a Sage host (`DSN=…;UID=…;PWD=…;Company=…`), read-only, decimal
 * columns with their fixed scale, strings padded to their width, and the ODBC scalar functions in
 * `{fn …}` escapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AR_Customer } from '../../../src/sandbox/sage100/schema.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { sage100Connector } from '../../../src/connectors/sage100/index.js';
import { emulatorSettings, testContext } from '../../connectors/sage100/context.js';

interface OdbcConn {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

let emu: RunningSage100Emulator;
let conn: OdbcConn;

beforeAll(async () => {
  emu = await startSage100Emulator({ seedSize: { customers: 5, items: 3, orders: 1, invoices: 2 } });
  const name = 'odbc';
  const odbc = (await import(name)) as { default: { connect(cs: string): Promise<OdbcConn> } };
  conn = await odbc.default.connect(`DSN=${emu.odbcDsn};UID=syncline;PWD=sage100;Company=${emu.companyCode}`);
});
afterAll(async () => {
  await conn?.close();
  await emu?.close();
});

describe('Sage 100 emulator over ODBC', () => {
  it('opens with the connection string of a SOTAMAS90 DSN and a company code', async () => {
    const rows = await conn.query('SELECT ARDivisionNo, CustomerNo, CustomerName FROM AR_Customer');
    expect(rows).toHaveLength(5);
    // Fixed-width strings come back padded, as ProvideX's do.
    expect(String(rows[0].CustomerNo)).toHaveLength(20);
  });

  it('refuses writes: the ProvideX ODBC driver is read-only', async () => {
    for (const sql of ["UPDATE AR_Customer SET CustomerName = 'X'", "DELETE FROM AR_Customer", "INSERT INTO AR_Division (ARDivisionNo, DivisionDesc) VALUES ('99', 'x')"]) {
      await expect(conn.query(sql)).rejects.toMatchObject({ odbcErrors: [expect.objectContaining({ message: expect.stringMatching(/readonly|read-only|view/i) })] });
    }
    expect(emu.db.list(AR_Customer).every((c) => c.CustomerName !== 'X')).toBe(true);
  });

  it('returns decimal columns with their fixed scale', async () => {
    const [c] = await conn.query('SELECT CreditLimit FROM AR_Customer');
    expect(String(c.CreditLimit)).toMatch(/^-?\d+\.\d{2}$/);
    const [i] = await conn.query('SELECT StandardUnitPrice, TotalQuantityOnHand FROM CI_Item');
    expect(String(i.StandardUnitPrice)).toMatch(/^\d+\.\d{2,4}$/);
    expect(String(i.TotalQuantityOnHand)).toMatch(/\.\d+$/);
  });

  it('understands the ODBC scalar function escapes', async () => {
    const [row] = await conn.query("SELECT CustomerNo, {fn UCASE(CustomerName)} AS U, {fn LCASE(CustomerName)} AS L, {fn LENGTH(CustomerNo)} AS N, {fn CONCAT(ARDivisionNo, '-')} AS D, {fn SUBSTRING(CustomerName, 1, 3)} AS S FROM AR_Customer");
    const name = emu.db.list(AR_Customer).find((c) => c.CustomerNo === String(row.CustomerNo).trim())!.CustomerName;
    expect(String(row.U).trimEnd()).toBe(name.toUpperCase());
    expect(String(row.L).trimEnd()).toBe(name.toLowerCase());
    expect(Number(row.N)).toBe(String(row.CustomerNo).trim().length);
    expect(row.D).toBe('01-');
    expect(row.S).toBe(name.slice(0, 3));
    const [d] = await conn.query("SELECT {fn YEAR('2024-03-05')} AS Y, {fn MONTH('2024-03-05')} AS M, {fn DAYOFMONTH('2024-03-05')} AS D, {fn LOCATE('B', 'ABC')} AS P FROM AR_Division");
    expect([d.Y, d.M, d.D, d.P].map(Number)).toEqual([2024, 3, 5, 2]);
  });

  it('the connector reads through the DSN route it builds itself', async () => {
    const settings = emulatorSettings(emu, { odbcDsn: emu.odbcDsn });
    delete settings.odbcConnectionString;
    const c = sage100Connector.create(testContext(settings));
    const page = await c.readChanges('AR_Customer', null, { limit: 100 });
    expect(page.records).toHaveLength(5);
    await c.close();
  });
});
