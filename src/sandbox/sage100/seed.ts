/**
 * A realistic, deterministic demo company: three divisions, salespeople, terms, a few hundred
 * customers, a hundred items stocked in three warehouses, open orders in every status and type, and
 * 18 months of invoice history (invoices and credit memos). The same seed always gives the same data;
 * stamps are placed relative to the emulator clock so "recent" changes stay recent.
 */
import { Decimal } from 'decimal.js';
import type { CompanyDb, Row } from './db.js';
import {
  AR_Customer,
  AR_CustomerType,
  AR_Division,
  AR_InvoiceHistoryDetail,
  AR_InvoiceHistoryHeader,
  AR_OpenInvoice,
  AR_Options,
  AR_Salesperson,
  AR_TermsCode,
  CI_Item,
  IM_ItemWarehouse,
  IM_Warehouse,
  SO_Options,
  SO_SalesOrderDetail,
  SO_SalesOrderHeader,
  SO_TaxSchedule,
  SY_Country,
} from './schema.js';

/** How big the seeded company is. */
export interface SeedSize {
  customers: number;
  items: number;
  orders: number;
  invoices: number;
}

/** The default size: a few hundred customers, a hundred items, orders in every status, 18 months of invoices. */
export const DEFAULT_SEED: SeedSize = { customers: 300, items: 100, orders: 120, invoices: 1500 };

/** Small deterministic PRNG (mulberry32) so every seeded company is identical. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIVISIONS = [
  ['01', 'East'],
  ['02', 'Central'],
  ['03', 'West'],
];
const SALESPEOPLE = [
  ['01', '0100', 'Jim Kentley'], ['01', '0200', 'Sue Anderson'], ['01', '0300', 'Ray Delgado'],
  ['02', '0100', 'Mark Bowers'], ['02', '0200', 'Anne Hollis'],
  ['03', '0100', 'Linda Chu'], ['03', '0200', 'Pete Marsh'],
];
const TERMS = [
  ['00', 'C.O.D.', '0'], ['01', 'Net 30 Days', '30'], ['02', '2% 10 Net 30', '30'], ['03', 'Net 15 Days', '15'], ['05', 'Net 60 Days', '60'],
];
const CUSTOMER_TYPES = [
  ['RETL', 'Retail'], ['WHSL', 'Wholesale'], ['DIST', 'Distributor'], ['GOVT', 'Government'],
];
const WAREHOUSES = [
  ['000', 'Central Warehouse'], ['EST', 'East Warehouse'], ['WST', 'West Warehouse'],
];
const COUNTRIES = [
  ['USA', 'United States'], ['CAN', 'Canada'], ['MEX', 'Mexico'], ['GBR', 'United Kingdom'],
];
const TAX = [
  ['WI', 'Wisconsin', '5.5'], ['IL', 'Illinois', '6.25'], ['NY', 'New York', '8'], ['CA', 'California', '7.25'],
  ['TX', 'Texas', '6.25'], ['NONTAX', 'Non-taxable', '0'],
];
const CITIES: Array<[string, string, string, string]> = [
  ['Milwaukee', 'WI', '53202', '01'], ['Madison', 'WI', '53703', '01'], ['Chicago', 'IL', '60601', '02'], ['Springfield', 'IL', '62701', '02'],
  ['New York', 'NY', '10001', '01'], ['Buffalo', 'NY', '14202', '01'], ['Los Angeles', 'CA', '90012', '03'], ['Irvine', 'CA', '92618', '03'],
  ['Austin', 'TX', '78701', '02'], ['Dallas', 'TX', '75201', '02'], ['Sacramento', 'CA', '95814', '03'], ['Green Bay', 'WI', '54301', '01'],
];
const NAME_A = ['American', 'Allied', 'Bayview', 'Cascade', 'Summit', 'Northern', 'Pioneer', 'Lakeside', 'Keystone', 'Harbor', 'Metro', 'Golden', 'Redwood', 'Granite', 'Prairie', 'Atlas', 'Beacon', 'Crestline', 'Evergreen', 'Frontier'];
const NAME_B = ['Business', 'Office', 'Industrial', 'Medical', 'Supply', 'Design', 'Freight', 'Garden', 'Electric', 'Welding', 'Paper', 'Furniture', 'Tool', 'Safety', 'Packaging'];
const NAME_C = ['Futures', 'Supply', 'Systems', 'Partners', 'Group', 'Inc.', 'Co.', 'Distributors', 'Works', 'Services', 'Depot', 'Solutions'];
const FIRST = ['Artie', 'Bea', 'Carl', 'Dana', 'Ellen', 'Frank', 'Gina', 'Hal', 'Iris', 'Joel', 'Kara', 'Luis', 'Mona', 'Ned', 'Olga', 'Pat'];
const BRANDS = ['HON', 'STL', 'GLB', 'KNL', 'HAW', 'SMD', 'FEL', 'ACM'];
const PRODUCTS = ['Desk Chair', 'Filing Cabinet', 'Bookcase', 'Work Table', 'Task Lamp', 'Monitor Arm', 'Storage Cart', 'Panel Divider', 'Lateral File', 'Credenza', 'Stool', 'Whiteboard'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const DAY = 86_400_000;

/** Loads the demo company into an empty database. `now` anchors all dates (the emulator clock). */
export function seedCompany(db: CompanyDb, now: Date, size: SeedSize = DEFAULT_SEED, seed = 100): void {
  const r = prng(seed);
  const ago = (maxDays: number, minDays = 0) => new Date(now.getTime() - (minDays + r() * (maxDays - minDays)) * DAY);
  const ymd = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
  db.tx(() => {
    DIVISIONS.forEach(([ARDivisionNo, DivisionDesc]) => db.insert(AR_Division, { ARDivisionNo, DivisionDesc }));
    SALESPEOPLE.forEach(([SalespersonDivisionNo, SalespersonNo, SalespersonName]) =>
      db.insert(AR_Salesperson, { SalespersonDivisionNo, SalespersonNo, SalespersonName, EmailAddress: `${SalespersonName.split(' ')[0].toLowerCase()}@abc-company.example` }),
    );
    TERMS.forEach(([TermsCode, TermsCodeDesc, DaysBeforeDue]) => db.insert(AR_TermsCode, { TermsCode, TermsCodeDesc, DaysBeforeDue }));
    CUSTOMER_TYPES.forEach(([CustomerType, CustomerTypeDesc]) => db.insert(AR_CustomerType, { CustomerType, CustomerTypeDesc }));
    WAREHOUSES.forEach(([WarehouseCode, WarehouseDesc]) => db.insert(IM_Warehouse, { WarehouseCode, WarehouseDesc }));
    COUNTRIES.forEach(([CountryCode, CountryName]) => db.insert(SY_Country, { CountryCode, CountryName }));
    TAX.forEach(([TaxSchedule, TaxScheduleDesc, TaxRate]) => db.insert(SO_TaxSchedule, { TaxSchedule, TaxScheduleDesc, TaxRate }));

    // Items: mostly regular (type 1) stocked items, a few miscellaneous charges (type 5, codes start with "/").
    const items: Row[] = [];
    const miscCount = Math.min(5, Math.floor(size.items / 10));
    for (let i = 0; i < size.items; i++) {
      const misc = i >= size.items - miscCount;
      const price = new Decimal(Math.floor(20 + r() * 980)).add(pick(r, ['0.00', '0.50', '0.95', '0.99']));
      const item: Row = misc
        ? { ItemCode: `/${['FREIGHT', 'SETUP', 'INSTALL', 'RUSH', 'RESTOCK'][i - (size.items - miscCount)]}`, ItemType: '5', ItemCodeDesc: 'Miscellaneous charge', StandardUnitPrice: String(25 + i), SalesUnitOfMeasure: 'EACH' }
        : {
            ItemCode: `${1001 + i}-${pick(r, BRANDS)}-${String.fromCharCode(65 + (i % 26))}${100 + Math.floor(r() * 900)}`,
            ItemType: '1',
            ItemCodeDesc: `${pick(r, PRODUCTS)} ${pick(r, ['Black', 'Gray', 'Oak', 'Walnut', 'Steel'])}`.slice(0, 30),
            ProductLine: pick(r, ['FURN', 'OFFC', 'LITE']),
            PriceCode: '',
            InactiveItem: r() < 0.03 ? 'Y' : 'N',
            SalesUnitOfMeasure: 'EACH',
            StandardUnitPrice: price.toFixed(2),
            StandardUnitCost: price.mul(0.6).toFixed(2),
            DefaultWarehouseCode: '000',
            Category1: pick(r, ['SEATING', 'STORAGE', 'TABLES', 'LIGHTING']),
          };
      let total = new Decimal(0);
      if (!misc) {
        for (const [WarehouseCode] of WAREHOUSES) {
          const onHand = Math.floor(r() * 400);
          total = total.add(onHand);
          db.insert(IM_ItemWarehouse, { ItemCode: item.ItemCode, WarehouseCode, QuantityOnHand: String(onHand), QuantityOnPurchaseOrder: String(r() < 0.3 ? Math.floor(r() * 100) : 0) });
        }
      }
      item.TotalQuantityOnHand = total.toString();
      db.insert(CI_Item, item, ago(540, 1));
      items.push(item);
    }
    const regularItems = items.filter((i) => i.ItemType === '1' && i.InactiveItem !== 'Y');

    // Customers: codes from initials (ABF, ABF1, ...), spread over divisions; some carry one UDF.
    const customers: Row[] = [];
    // Per division and initials, the suffix the next customer takes (initials are letters, so `ABF1` is
    // never someone's bare initials): the same codes as trying ABF, ABF1, … in turn, without the search
    // that made a million-customer seed quadratic.
    const suffixes = new Map<string, number>();
    for (let i = 0; i < size.customers; i++) {
      const [city, state, zip, division] = pick(r, CITIES);
      const name = `${pick(r, NAME_A)} ${pick(r, NAME_B)} ${pick(r, NAME_C)}`.slice(0, 30);
      const initials = name.split(' ').map((w) => w[0]).join('').toUpperCase();
      const k = suffixes.get(`${division}-${initials}`) ?? 0;
      suffixes.set(`${division}-${initials}`, k + 1);
      const no = k === 0 ? initials : `${initials}${k}`;
      const sp = pick(r, SALESPEOPLE.filter((s) => s[0] === division));
      const first = pick(r, FIRST);
      const created = ago(900, 30);
      const cust: Row = {
        ARDivisionNo: division,
        CustomerNo: no,
        CustomerName: name,
        AddressLine1: `${100 + Math.floor(r() * 9800)} ${pick(r, ['Main', 'Oak', 'Lake', 'Park', 'Mill', 'Elm'])} ${pick(r, ['St', 'Ave', 'Blvd', 'Rd'])}`,
        AddressLine2: r() < 0.2 ? `Suite ${100 + Math.floor(r() * 800)}` : '',
        City: city,
        State: state,
        ZipCode: zip,
        CountryCode: 'USA',
        TelephoneNo: `(${zip.slice(0, 3)}) 555-${String(1000 + i).slice(-4)}`,
        EmailAddress: `${first.toLowerCase()}.${no.toLowerCase()}@${name.split(' ')[0].toLowerCase()}-${no.toLowerCase()}.example`,
        SalespersonDivisionNo: sp[0],
        SalespersonNo: sp[1],
        TermsCode: pick(r, ['01', '01', '02', '03', '05', '00']),
        TaxSchedule: state,
        PriceLevel: '',
        CustomerType: pick(r, CUSTOMER_TYPES)[0],
        CreditLimit: String(pick(r, [0, 5000, 10000, 25000, 50000, 75000, 100000])),
        CreditHold: r() < 0.05 ? 'Y' : 'N',
        CustomerStatus: r() < 0.04 ? 'I' : 'A',
        DateEstablished: ymd(created),
        UDF_SF_ACCOUNT_ID: r() < 0.3 ? `001${Math.floor(r() * 1e12).toString(36).toUpperCase().padStart(12, '0')}`.slice(0, 18) : '',
      };
      db.insert(AR_Customer, cust, created);
      // A share of customers was edited since creation (address, credit), some recently.
      if (r() < 0.5) db.update(AR_Customer, { ARDivisionNo: division, CustomerNo: no }, { TelephoneExt: String(Math.floor(r() * 900) + 100) }, ago(Math.max(1, (now.getTime() - created.getTime()) / DAY)));
      customers.push(cust);
    }
    const active = customers.filter((c) => c.CreditHold !== 'Y' && c.CustomerStatus === 'A');

    // Open orders: every status (N/O/H/C) and every type (S/B/M/R/Q) appears.
    const statuses = ['N', 'O', 'H', 'C'];
    const types = ['S', 'S', 'S', 'B', 'Q', 'M', 'R'];
    for (let i = 0; i < size.orders; i++) {
      const cust = active[Math.floor(r() * active.length)];
      const at = ago(60, 0.5);
      const no = String(1001 + i).padStart(7, '0');
      const lines = 1 + Math.floor(r() * 4);
      let taxable = new Decimal(0);
      for (let l = 0; l < lines; l++) {
        const item = pick(r, regularItems);
        const qty = 1 + Math.floor(r() * 20);
        const ext = new Decimal(item.StandardUnitPrice).mul(qty).toDecimalPlaces(2);
        taxable = taxable.add(ext);
        db.insert(SO_SalesOrderDetail, {
          SalesOrderNo: no, LineKey: String(l + 1).padStart(6, '0'), LineSeqNo: String(l + 1).padStart(6, '0'), ItemCode: item.ItemCode, ItemType: '1',
          ItemCodeDesc: item.ItemCodeDesc, WarehouseCode: '000', UnitOfMeasure: 'EACH', QuantityOrdered: String(qty), UnitPrice: item.StandardUnitPrice, ExtensionAmt: ext.toFixed(2),
          PromiseDate: ymd(new Date(at.getTime() + 14 * DAY)),
        });
      }
      const rate = TAX.find((t) => t[0] === cust.TaxSchedule)?.[2] ?? '0';
      db.insert(
        SO_SalesOrderHeader,
        {
          SalesOrderNo: no, OrderDate: ymd(at), OrderType: i < statuses.length * 2 ? types[i % types.length] : pick(r, types), OrderStatus: statuses[i % statuses.length],
          ARDivisionNo: cust.ARDivisionNo, CustomerNo: cust.CustomerNo, BillToName: cust.CustomerName, BillToAddress1: cust.AddressLine1, BillToCity: cust.City,
          BillToState: cust.State, BillToZipCode: cust.ZipCode, BillToCountryCode: 'USA', ShipToName: cust.CustomerName, ShipToAddress1: cust.AddressLine1,
          ShipToCity: cust.City, ShipToState: cust.State, ShipToZipCode: cust.ZipCode, ShipToCountryCode: 'USA', ShipVia: pick(r, ['UPS GROUND', 'FEDEX', 'WILL CALL']),
          CustomerPONo: r() < 0.7 ? `PO${10000 + i}` : '', WarehouseCode: '000', TermsCode: cust.TermsCode, TaxSchedule: cust.TaxSchedule,
          SalespersonDivisionNo: cust.SalespersonDivisionNo, SalespersonNo: cust.SalespersonNo, EmailAddress: cust.EmailAddress,
          TaxableAmt: taxable.toFixed(2), SalesTaxAmt: taxable.mul(rate).div(100).toDecimalPlaces(2).toFixed(2),
        },
        at,
      );
    }
    db.insert(SO_Options, { ModuleCode: 'S/O', NextSalesOrderNo: String(1001 + size.orders) });
    db.insert(AR_Options, { ModuleCode: 'A/R', NextCustomerNo: '1' });

    // Invoice history over the last 18 months; about one in twelve is a credit memo (negative amounts).
    for (let i = 0; i < size.invoices; i++) {
      const cust = pick(r, customers);
      const at = ago(548, 1);
      const no = String(100001 + i).padStart(7, '0');
      const credit = r() < 0.08;
      const sign = credit ? -1 : 1;
      const lines = 1 + Math.floor(r() * 3);
      let taxable = new Decimal(0);
      for (let l = 0; l < lines; l++) {
        const item = pick(r, regularItems);
        const qty = (1 + Math.floor(r() * 10)) * sign;
        const ext = new Decimal(item.StandardUnitPrice).mul(qty).toDecimalPlaces(2);
        taxable = taxable.add(ext);
        db.insert(AR_InvoiceHistoryDetail, {
          InvoiceNo: no, HeaderSeqNo: '000000', DetailSeqNo: String(l + 1).padStart(6, '0'), ItemCode: item.ItemCode, ItemCodeDesc: item.ItemCodeDesc,
          WarehouseCode: '000', QuantityShipped: String(qty), UnitPrice: item.StandardUnitPrice, ExtensionAmt: ext.toFixed(2),
        });
      }
      const rate = TAX.find((t) => t[0] === cust.TaxSchedule)?.[2] ?? '0';
      db.insert(
        AR_InvoiceHistoryHeader,
        {
          InvoiceNo: no, HeaderSeqNo: '000000', ModuleCode: r() < 0.9 ? 'S/O' : 'A/R', InvoiceType: credit ? 'CM' : 'IN', InvoiceDate: ymd(at),
          SalesOrderNo: credit ? '' : String(1 + i).padStart(7, '0'), OrderDate: credit ? '' : ymd(new Date(at.getTime() - 3 * DAY)), ARDivisionNo: cust.ARDivisionNo, CustomerNo: cust.CustomerNo, CustomerPONo: '',
          BillToName: cust.CustomerName, ShipToName: cust.CustomerName, ShipToCity: cust.City, ShipToState: cust.State, ShipToZipCode: cust.ZipCode,
          SalespersonDivisionNo: cust.SalespersonDivisionNo, SalespersonNo: cust.SalespersonNo, TermsCode: cust.TermsCode,
          TaxableSalesAmt: taxable.toFixed(2), NonTaxableSalesAmt: '0', SalesTaxAmt: taxable.mul(rate).div(100).toDecimalPlaces(2).toFixed(2),
          FreightAmt: credit ? '0' : String(pick(r, [0, 0, 15, 25, 49.5])),
        },
        at,
      );
      // Invoices of the last 45 days are not paid yet: they are open, with their whole amount due.
      if (!credit && now.getTime() - at.getTime() < 45 * DAY) {
        const tax = taxable.mul(rate).div(100).toDecimalPlaces(2);
        const header = db.get(AR_InvoiceHistoryHeader, { InvoiceNo: no, HeaderSeqNo: '000000' })!;
        const due = new Decimal(taxable).add(tax).add(header.FreightAmt).toFixed(2);
        db.insert(AR_OpenInvoice, { ARDivisionNo: cust.ARDivisionNo, CustomerNo: cust.CustomerNo, InvoiceNo: no, InvoiceType: 'IN', InvoiceDate: ymd(at), InvoiceDueDate: ymd(new Date(at.getTime() + 30 * DAY)), TermsCode: cust.TermsCode, InvoiceAmt: due, Balance: due }, at);
      }
    }
  });
}
