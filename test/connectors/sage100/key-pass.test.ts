/**
 * A read of AR_Customer from the beginning (a first poll, a bulk initial load) goes by primary key:
 * each customer row is read from the driver once, whatever the page size, every customer comes exactly
 * once across the pages (divisions and customer numbers that sort unlike numbers), the pass ends at
 * the newest stamp read, and a change made behind the pass while it runs is left to the poll after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePage, SourceRecord, Watermark } from '../../../src/core/connector.js';
import { Sage100Connection } from '../../../src/connectors/sage100/connection.js';
import { FETCH_ROWS, loadOdbcPackage, type OdbcConnection, type OdbcCursor, type OdbcLoader } from '../../../src/connectors/sage100/odbc-client.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { emulatorSettings, testContext } from './context.js';

let emu: RunningSage100Emulator;
let conn: Sage100Connection;
/** Rows the driver handed over for reads of whole AR_Customer rows. */
let customerRowsFetched = 0;
/** The cursors opened on whole AR_Customer rows: their SQL and parameters. */
const customerCursors: Array<{ sql: string; params: Array<string | number> }> = [];
/** The rows per fetch of every cursor opened. */
const fetchSizes: number[] = [];

/** The real `odbc` package, with the customer rows it hands over counted. */
const countingLoader: OdbcLoader = async () => {
  const odbc = await loadOdbcPackage();
  const counted = (sql: string, n: number) => {
    if (/^SELECT \* FROM AR_Customer\b/i.test(sql)) customerRowsFetched += n;
  };
  return {
    async connect(options) {
      const real = await odbc.connect(options);
      const wrapped: OdbcConnection = {
        query: (async (sql: string, params?: Array<string | number>, opts?: { cursor: true; fetchSize: number }) => {
          if (!opts) {
            const rows = await real.query(sql, params);
            counted(sql, rows.length);
            return rows;
          }
          if (/^SELECT \* FROM AR_Customer\b/i.test(sql)) customerCursors.push({ sql, params: params ?? [] });
          fetchSizes.push(opts.fetchSize);
          const cursor = await real.query(sql, params ?? [], opts);
          const counting: OdbcCursor = {
            get noData() {
              return cursor.noData;
            },
            fetch: async () => {
              const rows = await cursor.fetch();
              counted(sql, rows.length);
              return rows;
            },
            close: () => cursor.close(),
          };
          return counting;
        }) as OdbcConnection['query'],
        close: () => real.close(),
      };
      return wrapped;
    },
  };
};

/** Keys that sort unlike numbers and across divisions, with invoices for some of them. */
const ODD = [
  { ARDivisionNo: '00', CustomerNo: 'A' },
  { ARDivisionNo: '00', CustomerNo: 'B1' },
  { ARDivisionNo: '00', CustomerNo: 'B10' },
  { ARDivisionNo: '00', CustomerNo: 'B2' },
  { ARDivisionNo: '01', CustomerNo: '0000123' },
  { ARDivisionNo: '01', CustomerNo: 'ZZZZZZZZZZZZZZZZZZZZ' },
  { ARDivisionNo: '02', CustomerNo: 'A-B.C' },
  // A quote goes into the SQL doubled; braces go as a parameter.
  { ARDivisionNo: '02', CustomerNo: "O'NEIL" },
  { ARDivisionNo: '02', CustomerNo: 'X{1}' },
  { ARDivisionNo: '10', CustomerNo: '9' },
];

async function drain(since: Watermark | null, limit: number, between?: (page: ChangePage, n: number) => void): Promise<{ records: SourceRecord[]; pages: ChangePage[]; next: Watermark | null }> {
  const pages: ChangePage[] = [];
  let mark = since;
  for (;;) {
    const page = await conn.readChanges('AR_Customer', mark, { limit });
    pages.push(page);
    mark = page.next;
    if (!page.hasMore) break;
    between?.(page, pages.length);
  }
  return { records: pages.flatMap((p) => p.records), pages, next: mark };
}

/** Every customer id in the company file, straight from the table. */
function customerIdsInFile(): string[] {
  const rows = emu.db.sql.prepare('SELECT ARDivisionNo, CustomerNo FROM AR_Customer_DATA').all() as Array<{ ARDivisionNo: string; CustomerNo: string }>;
  return rows.map((r) => `${r.ARDivisionNo.trim()}-${r.CustomerNo.trim()}`).sort();
}

const newestOf = (records: SourceRecord[]) => records.reduce((a, r) => (r.updatedAt! > a ? r.updatedAt! : a), '');

beforeAll(async () => {
  emu = await startSage100Emulator({ seedSize: { customers: 120, items: 20, orders: 60, invoices: 400 } });
  for (const k of ODD) emu.addCustomer({ ...k, CustomerName: `Odd ${k.ARDivisionNo}-${k.CustomerNo}`, SalespersonNo: '0100', TermsCode: '01' });
  conn = new Sage100Connection(testContext(emulatorSettings(emu)), { odbcLoader: countingLoader });
});
afterAll(async () => {
  await conn?.close();
  await emu?.close();
});

describe('reading AR_Customer from the beginning', () => {
  it('reads each customer row from the driver once, whatever the page size (not a table read per page)', async () => {
    const total = customerIdsInFile().length;
    customerRowsFetched = 0;
    const { records, pages } = await drain(null, 7);
    expect(records).toHaveLength(total);
    expect(pages.length).toBeGreaterThan(total / 7);
    // Each page's cursor stops once the page is full; a page that crosses a division reads a few more.
    // (Before: each page read every row stamped on or after its watermark's day, 1,260 rows here.)
    expect(customerRowsFetched).toBeLessThan(total + 7 * 4);
  });

  it('fetches a few rows at a time whatever the page size, so the driver buffers of a fetch stay small', async () => {
    fetchSizes.length = 0;
    await drain(null, 5_000);
    // The stamp read and the page's cursor, each in fetches of FETCH_ROWS (they were 1,000 rows: the
    // package binds a buffer of that many rows per column, 1 MB for a 250-wide one).
    expect(fetchSizes.length).toBeGreaterThanOrEqual(2);
    expect(fetchSizes.every((n) => n === FETCH_ROWS && n <= 100)).toBe(true);
  });

  it('puts the keys into the SQL as literals, so the driver can stream each page (braces go as a parameter)', async () => {
    customerCursors.length = 0;
    await drain(null, 1);
    const withParams = customerCursors.filter((c) => c.params.length > 0);
    expect(withParams.map((c) => c.params)).toEqual([['X{1}']]);
    expect(customerCursors.some((c) => c.sql.includes("CustomerNo > 'O''NEIL'"))).toBe(true);
  });

  it('returns every customer exactly once across pages, odd keys included, and ends at the newest stamp read', async () => {
    for (const limit of [1, 3, 50, 10_000]) {
      const { records, next } = await drain(null, limit);
      const ids = records.map((r) => r.id);
      expect(ids.slice().sort()).toEqual(customerIdsInFile());
      expect(new Set(ids).size).toBe(ids.length);
      expect(next!.at).toBe(newestOf(records));
      // Nothing changed since: the poll after the pass returns nothing.
      expect((await conn.readChanges('AR_Customer', next, { limit: 500 })).records).toEqual([]);
    }
  });

  it("gives each customer the same figures as a read of that customer alone", async () => {
    const { records } = await drain(null, 25);
    const withInvoices = records.filter((r) => Number(r.data.LifetimeInvoiceCount) > 0);
    expect(withInvoices.length).toBeGreaterThan(10);
    for (const r of records) {
      const alone = await conn.get('AR_Customer', r.id);
      for (const f of ['LifetimeSalesAmt', 'LifetimeInvoiceCount', 'FirstInvoiceDate', 'LastInvoiceDate', 'CreditMemoCount', 'OpenBalance', 'LastOrderDate', 'LastPaymentDate']) {
        expect([r.id, f, r.data[f]]).toEqual([r.id, f, alone!.data[f]]);
      }
    }
  });

  it('reads a change ahead of the pass in the pass, and leaves a change behind it to the poll after, each once', async () => {
    const before = customerIdsInFile();
    const behind = { edited: '', added: '' };
    const ahead = { edited: '', added: '' };
    const { records, next } = await drain(null, 40, (page, n) => {
      if (n !== 1) return;
      // Page 1 ends in division 01; the edit behind comes first, so its stamp is older than the one ahead.
      const read = page.records.map((r) => r.id).sort();
      behind.edited = read[2];
      emu.advanceClock(2000);
      emu.editCustomer(behind.edited, { City: 'Behind' });
      emu.advanceClock(2000);
      behind.added = emu.addCustomer({ ARDivisionNo: '00', CustomerNo: '0NEW', CustomerName: 'Added Behind', SalespersonNo: '0100', TermsCode: '01' });
      ahead.edited = before.filter((id) => id.startsWith('03-'))[0];
      emu.advanceClock(2000);
      emu.editCustomer(ahead.edited, { City: 'Ahead' });
      emu.advanceClock(2000);
      ahead.added = emu.addCustomer({ ARDivisionNo: '03', CustomerNo: 'ZNEW', CustomerName: 'Added Ahead', SalespersonNo: '0100', TermsCode: '01' });
    });
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice().sort()).toEqual([...before, ahead.added].sort());
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(byId.get(ahead.edited)!.data.City).toBe('Ahead');
    expect(byId.get(behind.edited)!.data.City).not.toBe('Behind');
    expect(next!.at).toBe(newestOf(records));
    expect(next!.at).toBe(byId.get(ahead.added)!.updatedAt);

    // The first poll after the pass: the changes behind it, in stamp order, and nothing the pass produced.
    const after = await conn.readChanges('AR_Customer', next, { limit: 500 });
    expect(after.records.map((r) => r.id)).toEqual([behind.edited, behind.added]);
    expect(after.records[0].data.City).toBe('Behind');
    expect(after.next!.at).toBe(next!.at);
    expect(after.next!.extra?.backTo).toBeUndefined();
    expect((await conn.readChanges('AR_Customer', after.next, { limit: 500 })).records).toEqual([]);
  });
});

describe('polling from a stored watermark', () => {
  it('still reads by stamp: a change after the mark, not the table by key', async () => {
    const { records, next } = await drain(null, 500);
    const id = records[5].id;
    emu.advanceClock(5000);
    emu.editCustomer(id, { City: 'Polled' });
    const page = await conn.readChanges('AR_Customer', next, { limit: 500 });
    expect(page.records.map((r) => r.id)).toEqual([id]);
    expect(page.next!.extra?.keyPass).toBeUndefined();
  });
});
