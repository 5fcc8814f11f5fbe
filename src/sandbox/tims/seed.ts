/**
 * One believable industrial-gas distributor: High Plains Welding & Gas Supply, three Montana
 * branches, ranches, fabrication shops, a brewery, a hospital and a mine holding rented cylinders,
 * gases flagged hazmat with their DOT class and UN number, two months of orders (route deliveries and
 * will-call pick-ups), invoices, payments, the nightly aging and last month's statements. Built
 * through the same business functions the API and the events use, with the clock walked through the
 * two months, so every stamp and figure is one TIMS would have.
 */
import { Decimal } from 'decimal.js';
import { ageInvoices, createCustomer, createOrder, moveCylinders, moveStock, pickUp, postInvoice, postRentalInvoice, receivePayment, ship, stageWillCall } from './business.js';
import type { TimsBooks } from './state.js';
import type { Address, ItemRow } from './types.js';
import { addDays, money } from './views.js';

const DAY = 86_400_000;

const WAREHOUSES = [
  { warehouseId: 'BIL', name: 'Billings branch', willCall: true },
  { warehouseId: 'BZN', name: 'Bozeman branch', willCall: true },
  { warehouseId: 'GTF', name: 'Great Falls fill plant', willCall: false },
];

type ItemSeed = [code: string, description: string, category: ItemRow['category'], unit: ItemRow['unit'], hazmatClass: string | null, un: string | null, list: string];
const ITEMS: ItemSeed[] = [
  ['AR-300', 'Argon, industrial grade, 300 cu ft cylinder fill', 'gas', 'CYL', '2.2', 'UN1006', '68.00'],
  ['ARCO2-300', 'Argon/CO2 75/25 shielding gas, 300 cu ft fill', 'gas', 'CYL', '2.2', 'UN1956', '61.50'],
  ['OX-125', 'Oxygen, industrial, 125 cu ft cylinder fill', 'gas', 'CYL', '2.2', 'UN1072', '24.75'],
  ['OX-300', 'Oxygen, industrial, 300 cu ft cylinder fill', 'gas', 'CYL', '2.2', 'UN1072', '39.90'],
  ['AC-B', 'Acetylene, B tank (40 cu ft) fill', 'gas', 'CYL', '2.1', 'UN1001', '42.00'],
  ['CO2-50', 'Carbon dioxide, beverage grade, 50 lb cylinder', 'gas', 'CYL', '2.2', 'UN1013', '36.00'],
  ['N2-300', 'Nitrogen, high purity, 300 cu ft fill', 'gas', 'CYL', '2.2', 'UN1066', '44.25'],
  ['HE-300', 'Helium, balloon grade, 300 cu ft fill', 'gas', 'CYL', '2.2', 'UN1046', '189.00'],
  ['OX-MED-E', 'Oxygen USP, medical E cylinder fill', 'gas', 'CYL', '2.2', 'UN1072', '18.50'],
  ['ER70S6-33', 'MIG wire ER70S-6 .035 in, 33 lb spool', 'welding', 'EA', null, null, '74.95'],
  ['E7018-50', 'Stick electrode E7018 1/8 in, 50 lb can', 'welding', 'EA', null, null, '189.00'],
  ['HELM-AD', 'Auto-darkening welding helmet', 'safety', 'EA', null, null, '129.00'],
  ['GLV-MIG-L', 'MIG welding gloves, large, pair', 'safety', 'EA', null, null, '14.50'],
  ['REG-AR', 'Argon flowmeter regulator CGA-580', 'hardgoods', 'EA', null, null, '96.00'],
  ['RENT-CYL', 'Cylinder rental, per cylinder per month', 'rental', 'MO', null, null, '7.50'],
];

type CustomerSeed = {
  name: string;
  terms: string;
  creditLimit: string;
  salesperson: string;
  email: string | null;
  phone: string;
  address: Address;
  branch: string;
  priorSales: string;
  cylinders: Array<[gasType: string, size: string, count: number]>;
};

const addr = (line1: string, city: string, postalCode: string): Address => ({ line1, city, state: 'MT', postalCode, country: 'US' });

const CUSTOMERS: CustomerSeed[] = [
  { name: 'Yellowstone Steel Fabricators', terms: 'NET30', creditLimit: '60000.00', salesperson: 'JRK', email: 'ap@yellowstonesteel.example', phone: '+14062450110', address: addr('2210 Minnesota Ave', 'Billings', '59101'), branch: 'BIL', priorSales: '184220.40', cylinders: [['Argon/CO2 75/25', '300', 12], ['Oxygen', '300', 6], ['Acetylene', 'B', 4]] },
  { name: 'Big Sky Brewing Co', terms: 'NET15', creditLimit: '15000.00', salesperson: 'LMH', email: 'orders@bigskybrew.example', phone: '+14065490777', address: addr('5417 Trumpeter Way', 'Missoula', '59808'), branch: 'BZN', priorSales: '22150.00', cylinders: [['CO2', '50LB', 18], ['Nitrogen', '300', 3]] },
  { name: 'Gallatin Ranch Supply', terms: '2-10N30', creditLimit: '12000.00', salesperson: 'LMH', email: 'office@gallatinranch.example', phone: '+14065871234', address: addr('88 Frontage Rd', 'Belgrade', '59714'), branch: 'BZN', priorSales: '9630.75', cylinders: [['Oxygen', '125', 2], ['Acetylene', 'B', 2]] },
  { name: 'Billings Clinic Facilities', terms: 'NET45', creditLimit: '40000.00', salesperson: 'JRK', email: 'facilities.purchasing@billingsclinic.example', phone: '+14062374000', address: addr('2800 10th Ave N', 'Billings', '59101'), branch: 'BIL', priorSales: '51200.00', cylinders: [['Oxygen USP', 'E', 40], ['Nitrogen', '300', 2]] },
  { name: 'Stillwater Mine Maintenance', terms: 'NET30', creditLimit: '90000.00', salesperson: 'JRK', email: 'mro@stillwatermine.example', phone: '+14063228700', address: addr('536 Mine Rd', 'Nye', '59061'), branch: 'BIL', priorSales: '402118.90', cylinders: [['Argon', '300', 20], ['Oxygen', '300', 14], ['Acetylene', 'B', 10]] },
  { name: 'Great Falls Ag Welding', terms: 'COD', creditLimit: '2500.00', salesperson: 'DPW', email: 'shop@gfagweld.example', phone: '+14064537711', address: addr('1401 Vaughn Rd', 'Great Falls', '59404'), branch: 'GTF', priorSales: '6120.10', cylinders: [['Argon/CO2 75/25', '125', 2], ['Oxygen', '125', 1]] },
  { name: 'Paradise Valley Party Rentals', terms: 'NET30', creditLimit: '5000.00', salesperson: 'LMH', email: 'bookings@pvpartyrentals.example', phone: '+14062223030', address: addr('12 Park St', 'Livingston', '59047'), branch: 'BZN', priorSales: '3380.00', cylinders: [['Helium', '300', 3]] },
  { name: 'Absarokee Custom Trailers', terms: 'NET30', creditLimit: '8000.00', salesperson: 'DPW', email: null, phone: '+14063285560', address: addr('3 Woodard Ave', 'Absarokee', '59001'), branch: 'BIL', priorSales: '14775.25', cylinders: [['Argon/CO2 75/25', '300', 3]] },
];

/** Fills the books: warehouses, items and stock, customers with cylinders, two months of activity. */
export function seedBooks(books: TimsBooks): void {
  const clock = books.clock;
  const end = clock.now();
  clock.set(new Date(end.getTime() - 62 * DAY));
  books.warehouses = WAREHOUSES.map((w) => ({ ...w }));
  for (const [itemCode, description, category, unit, hazmatClass, unNumber, list] of ITEMS) {
    const price = new Decimal(list);
    books.items.set(itemCode, {
      itemCode,
      description,
      category,
      unit,
      hazmat: hazmatClass !== null,
      hazmatClass,
      unNumber,
      active: true,
      priceLevels: [
        { level: 'list', price: money(price) },
        { level: 'level1', price: money(price.mul(0.95)) },
        { level: 'level2', price: money(price.mul(0.9)) },
        { level: 'level3', price: money(price.mul(0.85)) },
      ],
      modifiedAt: clock.stamp(),
    });
    itemStock(itemCode).forEach((onHand, i) => {
      if (itemCode === 'RENT-CYL') return;
      moveStock(books, itemCode, WAREHOUSES[i].warehouseId, { onHand, onOrder: onHand < 20 ? 24 : 0 });
    });
  }
  const codes: string[] = [];
  for (const c of CUSTOMERS) {
    const row = createCustomer(books, { name: c.name, terms: c.terms, creditLimit: c.creditLimit, salesperson: c.salesperson, email: c.email, phone: c.phone, billingAddress: c.address, locations: [{ name: `${c.name.split(' ')[0]} main yard`, address: c.address, warehouseId: c.branch }] });
    row.priorSales = c.priorSales;
    codes.push(row.customerCode);
    for (const [gasType, size, count] of c.cylinders) moveCylinders(books, { customerCode: row.customerCode, gasType, size, count });
    clock.advance(2 * 3600_000);
  }
  // A second ship-to for the mine (the concentrator) and its contacts.
  const mine = codes[4];
  books.locations.set(`${mine}-02`, { locationId: `${mine}-02`, customerCode: mine, name: 'Stillwater East Boulder concentrator', address: addr('1 East Boulder Rd', 'McLeod', '59052'), isDefault: false, warehouseId: 'BIL', modifiedAt: clock.stamp() });
  moveCylinders(books, { customerCode: mine, locationId: `${mine}-02`, gasType: 'Nitrogen', size: '300', count: 6 });
  const contacts: Array<[number, string, string, string, string]> = [
    [0, 'Dale', 'Running Crane', 'Shop Foreman', 'dale@yellowstonesteel.example'],
    [1, 'Megan', 'Holt', 'Brewery Operations', 'megan@bigskybrew.example'],
    [3, 'Priya', 'Nair', 'Facilities Buyer', 'pnair@billingsclinic.example'],
    [4, 'Cody', 'Brandt', 'Maintenance Planner', 'cbrandt@stillwatermine.example'],
  ];
  for (const [i, firstName, lastName, title, email] of contacts) {
    const contactId = `${codes[i]}-K1`;
    books.contacts.set(contactId, { contactId, customerCode: codes[i], firstName, lastName, email, phone: CUSTOMERS[i].phone, title, modifiedAt: clock.stamp() });
  }

  // Two months of business, a few days apart.
  const step = (days: number) => clock.advance(days * DAY);
  step(3);
  const o1 = createOrder(books, { type: 'ship', customerCode: codes[0], poNumber: 'YSF-BLANKET-2026', blanketPo: true, lines: [{ itemCode: 'ARCO2-300', quantity: 8 }, { itemCode: 'ER70S6-33', quantity: 6 }] });
  const o2 = createOrder(books, { type: 'ship', customerCode: codes[4], poNumber: 'PO-88123', lines: [{ itemCode: 'AR-300', quantity: 10 }, { itemCode: 'OX-300', quantity: 8 }, { itemCode: 'AC-B', quantity: 4 }] });
  const o3 = createOrder(books, { type: 'will-call', customerCode: codes[2], warehouseId: 'BZN', lines: [{ itemCode: 'OX-125', quantity: 2 }, { itemCode: 'GLV-MIG-L', quantity: 4 }] });
  step(1);
  ship(books, o1.orderNo);
  ship(books, o2.orderNo);
  pickUp(books, o3.orderNo);
  postInvoice(books, o1.orderNo);
  const inv2 = postInvoice(books, o2.orderNo);
  postInvoice(books, o3.orderNo);
  step(4);
  const o4 = createOrder(books, { type: 'ship', customerCode: codes[1], lines: [{ itemCode: 'CO2-50', quantity: 12 }, { itemCode: 'N2-300', quantity: 2 }] });
  const o5 = createOrder(books, { type: 'ship', customerCode: codes[3], poNumber: 'BC-44120', lines: [{ itemCode: 'OX-MED-E', quantity: 30 }] });
  step(1);
  ship(books, o4.orderNo);
  ship(books, o5.orderNo);
  const inv4 = postInvoice(books, o4.orderNo);
  postInvoice(books, o5.orderNo);
  step(6);
  for (const code of codes) {
    if ([...books.cylinders.values()].some((c) => c.customerCode === code && c.count > 0)) postRentalInvoice(books, code);
  }
  step(9);
  receivePayment(books, { customerCode: codes[4], amount: inv2.total, method: 'ach', reference: 'ACH 558120' });
  receivePayment(books, { customerCode: codes[1], amount: inv4.total, method: 'check', reference: '10442' });
  receivePayment(books, { customerCode: codes[2], amount: books.invoices.get(o3.invoiceNo ?? '')?.total ?? '0.01', method: 'card', reference: 'AUTH 93T11' });
  step(5);
  const o6 = createOrder(books, { type: 'ship', customerCode: codes[5], lines: [{ itemCode: 'ARCO2-300', quantity: 1 }, { itemCode: 'E7018-50', quantity: 1 }] });
  ship(books, o6.orderNo);
  postInvoice(books, o6.orderNo);
  moveCylinders(books, { customerCode: codes[0], gasType: 'Argon/CO2 75/25', size: '300', count: 4 });
  moveCylinders(books, { customerCode: codes[0], gasType: 'Oxygen', size: '300', count: -2 });
  step(10);
  // Statements for the month just closed.
  for (const code of codes) addStatement(books, code);
  step(8);
  createOrder(books, { type: 'quote', customerCode: codes[4], poNumber: null, lines: [{ itemCode: 'HELM-AD', quantity: 12 }, { itemCode: 'REG-AR', quantity: 6 }] });
  const o7 = createOrder(books, { type: 'will-call', customerCode: codes[0], warehouseId: 'BIL', poNumber: 'YSF-BLANKET-2026', blanketPo: true, lines: [{ itemCode: 'AR-300', quantity: 2 }] });
  stageWillCall(books, o7.orderNo);
  createOrder(books, { type: 'will-call', customerCode: codes[6], warehouseId: 'BZN', lines: [{ itemCode: 'HE-300', quantity: 2 }] });
  createOrder(books, { type: 'ship', customerCode: codes[3], poNumber: 'BC-44177', lines: [{ itemCode: 'OX-MED-E', quantity: 24 }] });
  step(5);
  receivePayment(books, { customerCode: codes[0], amount: '1500.00', method: 'check', reference: '20817' });
  ageInvoices(books);
  clock.set(end);
}

/** On-hand per warehouse (BIL, BZN, GTF) of an item. */
function itemStock(itemCode: string): number[] {
  const base = itemCode.length * 7;
  return [base + 40, Math.round(base / 2) + 12, itemCode.startsWith('OX') || itemCode.startsWith('AR') || itemCode.startsWith('N2') ? base + 160 : 0];
}

/** A month-end statement: opening balance, closing balance, rental billed and aging by due date. */
export function addStatement(books: TimsBooks, customerCode: string): void {
  const today = books.clock.today();
  const invoices = [...books.invoices.values()].filter((i) => i.customerCode === customerCode);
  const buckets = { current: new Decimal(0), days30: new Decimal(0), days60: new Decimal(0), days90: new Decimal(0) };
  for (const i of invoices) {
    if (new Decimal(i.balanceDue).isZero()) continue;
    const late = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${i.dueDate}T00:00:00Z`)) / DAY;
    const bucket = late <= 0 ? 'current' : late <= 30 ? 'days30' : late <= 60 ? 'days60' : 'days90';
    buckets[bucket] = buckets[bucket].add(i.balanceDue);
  }
  const closing = Object.values(buckets).reduce((s, d) => s.add(d), new Decimal(0));
  const monthStart = addDays(today, -30);
  const billed = invoices.filter((i) => i.invoiceDate >= monthStart).reduce((s, i) => s.add(i.total), new Decimal(0));
  const received = [...books.payments.values()].filter((p) => p.customerCode === customerCode && p.receivedDate >= monthStart).reduce((s, p) => s.add(p.amount), new Decimal(0));
  const rental = invoices.filter((i) => i.kind === 'rental' && i.invoiceDate >= monthStart).reduce((s, i) => s.add(i.total), new Decimal(0));
  const statementId = `ST-${customerCode}-${today.slice(0, 7)}`;
  books.statements.set(statementId, {
    statementId,
    customerCode,
    statementDate: today,
    openingBalance: money(closing.sub(billed).add(received)),
    closingBalance: money(closing),
    rentalCharges: money(rental),
    aging: { current: money(buckets.current), days30: money(buckets.days30), days60: money(buckets.days60), days90: money(buckets.days90) },
    modifiedAt: books.clock.stamp(),
  });
}

