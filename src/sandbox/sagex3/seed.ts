/**
 * A believable X3 folder: three sites (two US warehouses and the Porto site of Sage's samples),
 * customer categories with their defaults, customers with addresses and contacts, items with prices,
 * stock by site, lot and location, and sales orders in every status with their deliveries, invoices
 * and open items. Deterministic (a fixed pseudo-random sequence), stamped over the 60 days before now.
 */
import type { Business } from './business.js';

/** How big the seeded folder is. */
export interface X3SeedSize {
  customers: number;
  items: number;
  orders: number;
}

/** The default folder: enough to look real, small enough to start in milliseconds. */
export const DEFAULT_X3_SEED: X3SeedSize = { customers: 40, items: 14, orders: 30 };

const COMPANIES = ['Northwind Traders', 'Contoso Pharmaceuticals', 'Fabrikam Industries', 'Tailspin Toys', 'Wide World Importers', 'Alpine Ski House', 'Blue Yonder Airlines', 'Coho Winery', 'Lucerne Publishing', 'Margie Travel', 'Proseware Inc', 'Trey Research', 'Woodgrove Bank', 'Adatum Corporation', 'Litware Inc', 'Humongous Insurance', 'Graphic Design Institute', 'Southridge Video', 'Fourth Coffee', 'Relecloud'];
const FIRST = ['Ava', 'Liam', 'Mia', 'Noah', 'Zoe', 'Ethan', 'Ivy', 'Lucas', 'Nora', 'Owen', 'Ruth', 'Sam'];
const LAST = ['Carter', 'Nguyen', 'Patel', 'Kowalski', 'Okafor', 'Schmidt', 'Rossi', 'Tanaka', 'Moreau', 'Silva', 'Brennan', 'Haddad'];
const CITIES: Array<[string, string, string, string]> = [
  ['Chicago', 'IL', '60601', 'US'],
  ['Atlanta', 'GA', '30303', 'US'],
  ['Denver', 'CO', '80202', 'US'],
  ['Austin', 'TX', '78701', 'US'],
  ['Seattle', 'WA', '98101', 'US'],
  ['Toronto', 'ON', 'M5H 2N2', 'CA'],
  ['Boston', 'MA', '02108', 'US'],
  ['Manchester', '', 'M1 1AE', 'GB'],
];
const ITEMS: Array<[string, string, string, string]> = [
  ['BMS001', 'Mountain bike frame alloy', 'BMSOL', '389.00'],
  ['BMS002', 'Road bike frame carbon', 'BMSOL', '1249.00'],
  ['BMS003', 'Hydraulic disc brake set', 'BMSOL', '214.50'],
  ['BMS004', 'Tubeless wheel set 29in', 'BMSOL', '579.99'],
  ['BMS005', 'Suspension fork 120mm', 'BMSOL', '449.00'],
  ['BMS006', 'Drivetrain 12-speed kit', 'BMSOL', '612.75'],
  ['BMS007', 'Saddle comfort gel', 'BMSOL', '49.90'],
  ['BMS008', 'Pedals clipless pair', 'BMSOL', '89.00'],
  ['FIN001', 'City bike complete', 'FINPR', '799.00'],
  ['FIN002', 'Gravel bike complete', 'FINPR', '1890.00'],
  ['FIN003', 'E-bike commuter', 'FINPR', '2650.00'],
  ['FIN004', 'Kids bike 20in', 'FINPR', '329.00'],
  ['FIN005', 'Folding bike', 'FINPR', '1099.00'],
  ['FIN006', 'Cargo bike', 'FINPR', '3450.00'],
];

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills an empty folder. */
export function seedFolder(biz: Business, size: X3SeedSize = DEFAULT_X3_SEED): void {
  const { tables, clock } = { tables: biz.tables, clock: biz.tables.clock };
  const rand = rng(20261206);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const realNow = clock.now();
  // Seed history is stamped in the past, moving forward, so polling from scratch sees it in order.
  let t = realNow.getTime() - 60 * 86_400_000;
  // One step per stamped event (sites, categories, items and their stock, customers, orders and
  // their shipments, invoices and payments), so the history ends just before now, never after it.
  const events = 3 + 4 + Math.min(size.items, ITEMS.length) * 3 + size.customers + size.orders * 4 + 1;
  const step = (60 * 86_400_000) / Math.max(1, events);
  const end = realNow.getTime() - 1000;
  const at = (): Date => new Date(Math.min((t += step), end));
  clock.set(new Date(t));

  for (const [fcy, name, cry] of [
    ['NA011', 'Chicago distribution center', 'US'],
    ['NA021', 'Atlanta warehouse', 'US'],
    ['PT032', 'Porto plant', 'PT'],
  ]) tables.put('FACILITY', { FCY: fcy, FCYNAM: name, FCYSHO: fcy, CRY: cry, LEGCPY: cry === 'PT' ? 'PT10' : 'NA10', SALFLG: '2', WRHFLG: '2' }, 'ADMIN', at());
  for (const [code, des, cur, pte, vac, limit] of [
    ['US', 'North American customers', 'USD', 'NET30', 'TAX', '25000.00'],
    ['INT', 'International customers', 'USD', 'NET45', 'EXP', '15000.00'],
    ['PT', 'Portuguese customers', 'EUR', 'NET30', 'FRA', '10000.00'],
    ['WEB', 'Web customers', 'USD', 'NET15', 'TAX', '5000.00'],
  ]) tables.put('BPCCATEGORY', { BCGCOD: code, BCGDES: des, CUR: cur, PTE: pte, VACBPR: vac, OSTCTL: '1', OSTAUZ: limit, LAN: code === 'PT' ? 'POR' : 'ENG' }, 'ADMIN', at());

  for (const [ref, des, cat, price] of ITEMS.slice(0, Math.max(size.items, 0))) {
    clock.set(at());
    biz.createItem({ fields: { ITMREF: ref, ITMDES1: des, TCLCOD: cat, BASPRI: price, MINPRI: (Number(price) * 0.8).toFixed(2), EANCOD: `0761${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`, ITMWEI: (2 + rand() * 20).toFixed(3) }, children: {} }, 'ADMIN');
    for (const site of ['NA011', 'NA021']) {
      clock.set(at());
      biz.receiveStock(ref, site, String(20 + Math.floor(rand() * 200)), `LOT${ref.slice(-3)}${site.slice(-2)}A`, pick(['A01', 'A02', 'B01', 'C03']));
    }
  }

  const customers: string[] = [];
  // The customer of Sage's SOAP samples, so their requests run as recorded.
  if (size.customers > 0) {
    clock.set(at());
    customers.push(biz.createCustomer({ fields: { BPCNUM: 'PT001', BPCNAM: 'Bicicletas do Porto Lda', BCGCOD: 'PT', CRY: 'PT', REP: 'REP01' }, children: { BPADDRESS: [{ fields: { BPAADD: 'MAIN', BPADES: 'Sede', ADDLIG1: 'Rua de Santa Catarina 120', CTY: 'Porto', POSCOD: '4000-442', TEL1: '+351 22 000 1234', WEB1: 'compras@bicicletasporto.example', BPAADDFLG: '2' } }], CONTACT: [{ fields: { CNTFNA: 'Rui', CNTLNA: 'Costa', CNTEMA: 'rui.costa@bicicletasporto.example', CNTFNC: 'Purchasing' } }] } }, 'ADMIN').row.BPCNUM as string);
  }
  for (let i = 1; i < size.customers; i++) {
    const company = i <= COMPANIES.length ? COMPANIES[i - 1] : `${pick(COMPANIES).split(' ')[0]} ${pick(['Cycles', 'Outdoor', 'Sports', 'Supply', 'Retail', 'Bikes'])} ${i}`;
    const [cty, sat, pos, cry] = pick(CITIES);
    const first = pick(FIRST);
    const last = pick(LAST);
    const domain = `${company.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example`;
    clock.set(at());
    const r = biz.createCustomer(
      {
        fields: { BPCNAM: company, BCGCOD: cry === 'US' ? (i % 7 === 0 ? 'WEB' : 'US') : 'INT', CRY: cry, REP: pick(['REP01', 'REP02', 'REP03']), OSTAUZ: pick(['5000.00', '15000.00', '25000.00', '60000.00', '120000.00']) },
        children: {
          BPADDRESS: [{ fields: { BPAADD: 'MAIN', BPADES: 'Head office', ADDLIG1: `${100 + Math.floor(rand() * 900)} ${pick(['Main St', 'Oak Ave', 'Lake Shore Dr', 'Market St', 'King St'])}`, CTY: cty, SAT: sat, POSCOD: pos, TEL1: `+1 312 555 ${String(1000 + i).slice(-4)}`, WEB1: `ap@${domain}`, BPAADDFLG: '2' } }],
          CONTACT: [{ fields: { CNTTTL: '1', CNTFNA: first, CNTLNA: last, CNTEMA: `${first}.${last}@${domain}`.toLowerCase(), CNTFNC: pick(['Purchasing', 'Accounts payable', 'Owner']), CNTTEL: `+1 312 555 ${String(2000 + i).slice(-4)}` } }],
        },
      },
      'ADMIN',
    );
    customers.push(r.row.BPCNUM as string);
  }

  const items = ITEMS.slice(0, size.items).map((x) => x[0]);
  for (let i = 0; i < size.orders && customers.length && items.length; i++) {
    clock.set(at());
    const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ fields: { ITMREF: pick(items), QTY: String(1 + Math.floor(rand() * 6)) } }));
    const bpc = pick(customers.slice(1)) ?? customers[0];
    let sohnum: string;
    try {
      sohnum = biz.createOrder({ fields: { BPCORD: bpc, SALFCY: pick(['NA011', 'NA021']), CUSORDREF: `PO-${40000 + i}` }, children: { SORDERQ: lines } }, 'ADMIN').row.SOHNUM as string;
    } catch {
      continue;
    }
    const stage = rand();
    try {
      if (stage > 0.35) {
        clock.set(at());
        biz.shipOrder(sohnum);
      }
      if (stage > 0.6) {
        clock.set(at());
        const inv = biz.postInvoice(sohnum);
        if (stage > 0.8) {
          clock.set(at());
          biz.payInvoice(inv.NUM as string);
        }
      }
    } catch {
      // An order on credit hold or short of stock stays where it is, as in a real folder.
    }
  }
  clock.set(realNow);
  clock.resetToReal();
}
