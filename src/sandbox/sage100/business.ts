/**
 * The rules the eBWS business objects (AR_Customer_bus, SO_SalesOrder_bus) apply before a write:
 * key checks, fixed widths (CI_CharLength), foreign keys (CI_NOF), required fields, defaults from
 * the customer, totals and tax. Each operation is atomic; a failure throws a MasFault and leaves
 * nothing behind.
 */
import { Decimal } from 'decimal.js';
import type { CompanyDb, Row } from './db.js';
import {
  AR_Customer,
  AR_CustomerContact,
  AR_CustomerType,
  AR_Division,
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
  columnOf,
  type Table,
} from './schema.js';

/**
 * A Sage fault as eBWS reports it (faultcode `a:<code>`, detail MasFault). CI_NoKey, CI_NOF,
 * CI_CharLength and WS_AlreadyExists are codes integrators of real servers document; every other code
 * here is INVENTED by the emulator (no source shows the real one) and listed as such in
 * docs/connectors/sage100.md: SY_InvalidLogon, SY_NoAccess, SY_InvalidCompany, CI_Required, CI_Invalid,
 * CI_CannotDelete, SO_CreditHold, WS_UnknownOperation. Their messages follow the documented wording.
 */
export class MasFault extends Error {
  constructor(
    /** Sage error code (`CI_NoKey`, `CI_NOF`, `WS_AlreadyExists`, `CI_CharLength`, ...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MasFault';
  }
}

/** A sales order as eBWS carries it: header columns plus its lines. */
export interface SalesOrderDoc {
  header: Row;
  lines: Row[];
}

/** Customer and sales-order operations of one company. */
export class Company {
  constructor(private readonly db: CompanyDb) {}

  /** GetCustomer. */
  getCustomer(divisionNo: string, customerNo: string): Row {
    const row = this.db.get(AR_Customer, { ARDivisionNo: divisionNo, CustomerNo: customerNo.toUpperCase() });
    if (!row) throw new MasFault('CI_NoKey', `Customer ${divisionNo}-${customerNo} does not exist.`);
    return row;
  }

  /** GetNextCustomerNo: consumes the A/R counter. */
  nextCustomerNo(): string {
    return String(this.db.takeNext(AR_Options, 'A/R', 'NextCustomerNo')).padStart(7, '0');
  }

  /** CreateCustomer. */
  createCustomer(input: Row): void {
    const c = normaliseCustomer(input);
    requireKey(c, ['ARDivisionNo', 'CustomerNo'], 'AR_Customer_bus');
    checkLengths(AR_Customer, c, 'AR_Customer_bus');
    if (this.db.get(AR_Customer, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo })) {
      throw new MasFault('WS_AlreadyExists', `Customer ${c.ARDivisionNo}-${c.CustomerNo} already exists.`);
    }
    if (!c.SalespersonNo) throw new MasFault('CI_Required', 'The SalespersonNo is required when adding a customer.');
    c.SalespersonDivisionNo ||= c.ARDivisionNo;
    c.CustomerStatus ||= 'A';
    c.CreditHold ||= 'N';
    c.DateEstablished ||= this.db.today();
    this.checkCustomerForeignKeys(c);
    this.db.insert(AR_Customer, c);
  }

  /** UpdateCustomer: the whole (merged) object is sent; the given columns are written. */
  updateCustomer(input: Row): void {
    const c = normaliseCustomer(input);
    requireKey(c, ['ARDivisionNo', 'CustomerNo'], 'AR_Customer_bus');
    this.getCustomer(c.ARDivisionNo, c.CustomerNo);
    checkLengths(AR_Customer, c, 'AR_Customer_bus');
    this.checkCustomerForeignKeys(c);
    this.db.update(AR_Customer, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo }, c);
  }

  /** DeleteCustomer. */
  deleteCustomer(divisionNo: string, customerNo: string): void {
    this.getCustomer(divisionNo, customerNo);
    const open = this.db.list(SO_SalesOrderHeader).some((o) => o.ARDivisionNo === divisionNo && o.CustomerNo === customerNo.toUpperCase());
    if (open) throw new MasFault('CI_CannotDelete', `Customer ${divisionNo}-${customerNo} has open sales orders and cannot be deleted.`);
    this.db.delete(AR_Customer, { ARDivisionNo: divisionNo, CustomerNo: customerNo.toUpperCase() });
  }

  /** GetCustomerContact. */
  getCustomerContact(divisionNo: string, customerNo: string, contactCode: string): Row {
    const row = this.db.get(AR_CustomerContact, { ARDivisionNo: divisionNo, CustomerNo: customerNo.toUpperCase(), ContactCode: contactCode.toUpperCase() });
    if (!row) throw new MasFault('CI_NoKey', `Contact ${contactCode} of customer ${divisionNo}-${customerNo} does not exist.`);
    return row;
  }

  /** CreateCustomerContact: the customer must exist; the contact code must be new. */
  createCustomerContact(input: Row): void {
    const c = normaliseContact(input);
    requireKey(c, ['ARDivisionNo', 'CustomerNo', 'ContactCode'], 'AR_CustomerContact_bus');
    checkLengths(AR_CustomerContact, c, 'AR_CustomerContact_bus');
    if (!this.db.get(AR_Customer, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo })) throw new MasFault('CI_NOF', `Could not set AR_CustomerContact_bus column CustomerNo: customer ${c.ARDivisionNo}-${c.CustomerNo} not found.`);
    if (this.db.get(AR_CustomerContact, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, ContactCode: c.ContactCode })) {
      throw new MasFault('WS_AlreadyExists', `Contact ${c.ContactCode} of customer ${c.ARDivisionNo}-${c.CustomerNo} already exists.`);
    }
    this.db.insert(AR_CustomerContact, c);
  }

  /** UpdateCustomerContact: the whole (merged) contact is sent. */
  updateCustomerContact(input: Row): void {
    const c = normaliseContact(input);
    requireKey(c, ['ARDivisionNo', 'CustomerNo', 'ContactCode'], 'AR_CustomerContact_bus');
    this.getCustomerContact(c.ARDivisionNo, c.CustomerNo, c.ContactCode);
    checkLengths(AR_CustomerContact, c, 'AR_CustomerContact_bus');
    this.db.update(AR_CustomerContact, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, ContactCode: c.ContactCode }, c);
  }

  /** DeleteCustomerContact. */
  deleteCustomerContact(divisionNo: string, customerNo: string, contactCode: string): void {
    const row = this.getCustomerContact(divisionNo, customerNo, contactCode);
    this.db.delete(AR_CustomerContact, { ARDivisionNo: row.ARDivisionNo, CustomerNo: row.CustomerNo, ContactCode: row.ContactCode });
  }

  /** GetSalesOrderTemplate: an empty order with the customer's defaults filled in (nothing saved, no number used). */
  salesOrderTemplate(divisionNo: string, customerNo: string): SalesOrderDoc {
    this.getCustomer(divisionNo, customerNo);
    return this.complete({ header: { ARDivisionNo: divisionNo, CustomerNo: customerNo.toUpperCase() }, lines: [] }, null, true);
  }

  /** GetSalesOrder. */
  getSalesOrder(salesOrderNo: string): SalesOrderDoc {
    const header = this.db.get(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo });
    if (!header) throw new MasFault('CI_NoKey', `Sales order ${salesOrderNo} does not exist.`);
    return { header, lines: this.db.list(SO_SalesOrderDetail, { SalesOrderNo: salesOrderNo }) };
  }

  /** GetNextSalesOrderNo: consumes the S/O counter; 7 characters, zero-padded. */
  nextSalesOrderNo(): string {
    return String(this.db.takeNext(SO_Options, 'S/O', 'NextSalesOrderNo')).padStart(7, '0');
  }

  /** PreviewSalesOrder: the order as it would be saved (defaults, prices, totals, tax), without saving. */
  previewSalesOrder(doc: SalesOrderDoc): SalesOrderDoc {
    return this.complete(doc, null);
  }

  /** CreateSalesOrder: header and lines in one atomic write. */
  createSalesOrder(doc: SalesOrderDoc): void {
    requireKey(doc.header, ['SalesOrderNo'], 'SO_SalesOrder_bus');
    if (this.db.get(SO_SalesOrderHeader, { SalesOrderNo: doc.header.SalesOrderNo })) {
      throw new MasFault('WS_AlreadyExists', `Sales order ${doc.header.SalesOrderNo} already exists.`);
    }
    const full = this.complete(doc, null);
    this.db.tx(() => {
      this.db.insert(SO_SalesOrderHeader, full.header);
      full.lines.forEach((l) => this.db.insert(SO_SalesOrderDetail, l));
      this.bookOnSalesOrder(full.lines, 1);
    });
  }

  /** UpdateSalesOrder: merged header; when lines are sent they replace the order's lines. */
  updateSalesOrder(doc: SalesOrderDoc, linesSent: boolean): void {
    requireKey(doc.header, ['SalesOrderNo'], 'SO_SalesOrder_bus');
    const current = this.getSalesOrder(doc.header.SalesOrderNo);
    const merged: SalesOrderDoc = { header: { ...current.header, ...nonEmpty(doc.header) }, lines: linesSent ? doc.lines : current.lines };
    const full = this.complete(merged, current);
    this.db.tx(() => {
      this.db.update(SO_SalesOrderHeader, { SalesOrderNo: full.header.SalesOrderNo }, full.header);
      if (linesSent) {
        this.bookOnSalesOrder(current.lines, -1);
        this.db.delete(SO_SalesOrderDetail, { SalesOrderNo: full.header.SalesOrderNo });
        full.lines.forEach((l) => this.db.insert(SO_SalesOrderDetail, l));
        this.bookOnSalesOrder(full.lines, 1);
      }
    });
  }

  /** DeleteSalesOrder. */
  deleteSalesOrder(salesOrderNo: string): void {
    const current = this.getSalesOrder(salesOrderNo);
    this.db.tx(() => {
      this.bookOnSalesOrder(current.lines, -1);
      this.db.delete(SO_SalesOrderDetail, { SalesOrderNo: salesOrderNo });
      this.db.delete(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo });
    });
  }

  /** Fills defaults from the customer and items, checks keys and widths, prices lines and totals the order. */
  private complete(doc: SalesOrderDoc, current: SalesOrderDoc | null, template = false): SalesOrderDoc {
    const h: Row = { ...doc.header };
    h.ARDivisionNo ||= '';
    h.CustomerNo = (h.CustomerNo ?? '').toUpperCase();
    checkLengths(SO_SalesOrderHeader, h, 'SO_SalesOrder_bus');
    if (!h.CustomerNo) throw new MasFault('CI_Required', 'The CustomerNo is required.');
    const cust = this.db.get(AR_Customer, { ARDivisionNo: h.ARDivisionNo, CustomerNo: h.CustomerNo });
    if (!cust) throw nof('SO_SalesOrder_bus', 'CustomerNo', `${h.ARDivisionNo}-${h.CustomerNo}`, 'AR_Customer');
    if (cust.CreditHold === 'Y' && !current) throw new MasFault('SO_CreditHold', `Customer ${h.ARDivisionNo}-${h.CustomerNo} is on credit hold.`);
    h.OrderType ||= 'S';
    h.OrderStatus ||= 'N';
    h.OrderDate ||= this.db.today();
    h.BillToName ||= cust.CustomerName;
    h.BillToAddress1 ||= cust.AddressLine1;
    h.BillToCity ||= cust.City;
    h.BillToState ||= cust.State;
    h.BillToZipCode ||= cust.ZipCode;
    h.BillToCountryCode ||= cust.CountryCode;
    h.ShipToName ||= h.BillToName;
    h.ShipToAddress1 ||= h.BillToAddress1;
    h.ShipToCity ||= h.BillToCity;
    h.ShipToState ||= h.BillToState;
    h.ShipToZipCode ||= h.BillToZipCode;
    h.ShipToCountryCode ||= h.BillToCountryCode;
    h.TermsCode ||= cust.TermsCode;
    h.TaxSchedule ||= cust.TaxSchedule;
    h.SalespersonDivisionNo ||= cust.SalespersonDivisionNo;
    h.SalespersonNo ||= cust.SalespersonNo;
    h.EmailAddress ||= cust.EmailAddress;
    h.WarehouseCode ||= '000';
    if (!['S', 'B', 'M', 'R', 'Q', 'P'].includes(h.OrderType)) throw new MasFault('CI_Invalid', `The OrderType ${h.OrderType} is not valid.`);
    if (!['N', 'O', 'C', 'H'].includes(h.OrderStatus)) throw new MasFault('CI_Invalid', `The OrderStatus ${h.OrderStatus} is not valid.`);
    if (!this.db.get(IM_Warehouse, { WarehouseCode: h.WarehouseCode })) throw nof('SO_SalesOrder_bus', 'WarehouseCode', h.WarehouseCode, 'IM_Warehouse');
    if (h.TermsCode && !this.db.get(AR_TermsCode, { TermsCode: h.TermsCode })) throw nof('SO_SalesOrder_bus', 'TermsCode', h.TermsCode, 'AR_TermsCode');
    if (h.SalespersonNo && !this.db.get(AR_Salesperson, { SalespersonDivisionNo: h.SalespersonDivisionNo, SalespersonNo: h.SalespersonNo })) {
      throw nof('SO_SalesOrder_bus', 'SalespersonNo', `${h.SalespersonDivisionNo}-${h.SalespersonNo}`, 'AR_Salesperson');
    }
    if (doc.lines.length === 0 && !template) throw new MasFault('CI_Required', 'A sales order needs at least one line.');

    let taxable = new Decimal(0);
    let nonTaxable = new Decimal(0);
    const lines = doc.lines.map((input, i) => {
      const l: Row = { ...input, SalesOrderNo: h.SalesOrderNo ?? '' };
      l.ItemCode = (l.ItemCode ?? '').toUpperCase();
      checkLengths(SO_SalesOrderDetail, l, 'SO_SalesOrderDetail_bus');
      const item = l.ItemCode ? this.db.get(CI_Item, { ItemCode: l.ItemCode }) : null;
      if (!item) throw nof('SO_SalesOrderDetail_bus', 'ItemCode', l.ItemCode, 'CI_Item');
      if (item.InactiveItem === 'Y') throw new MasFault('CI_Invalid', `Item ${l.ItemCode} is inactive.`);
      const qty = new Decimal(l.QuantityOrdered || 0);
      if (qty.lte(0)) throw new MasFault('CI_Invalid', `The QuantityOrdered of line ${i + 1} must be greater than zero.`);
      l.LineKey = String(i + 1).padStart(6, '0');
      l.LineSeqNo = String(i + 1).padStart(6, '0');
      l.ItemType = item.ItemType;
      l.ItemCodeDesc ||= item.ItemCodeDesc;
      l.WarehouseCode ||= h.WarehouseCode;
      l.UnitOfMeasure ||= item.SalesUnitOfMeasure;
      l.UnitPrice = l.UnitPrice && l.UnitPrice !== '' ? l.UnitPrice : item.StandardUnitPrice;
      l.QuantityShipped ||= '0';
      l.QuantityBackordered ||= '0';
      const ext = qty.mul(l.UnitPrice).toDecimalPlaces(2);
      l.ExtensionAmt = ext.toFixed(2);
      if (item.ItemType === '1') taxable = taxable.add(ext);
      else nonTaxable = nonTaxable.add(ext);
      return l;
    });
    const sched = h.TaxSchedule ? this.db.get(SO_TaxSchedule, { TaxSchedule: h.TaxSchedule }) : null;
    const rate = new Decimal(sched?.TaxRate ?? 0);
    h.TaxableAmt = taxable.toFixed(2);
    h.NonTaxableAmt = nonTaxable.toFixed(2);
    h.SalesTaxAmt = taxable.mul(rate).div(100).toDecimalPlaces(2).toFixed(2);
    h.FreightAmt = new Decimal(h.FreightAmt || 0).toFixed(2);
    h.DiscountAmt = new Decimal(h.DiscountAmt || 0).toFixed(2);
    return { header: h, lines };
  }

  /** Keeps IM_ItemWarehouse.QuantityOnSalesOrder in step and stamps the items it touched. */
  private bookOnSalesOrder(lines: Row[], sign: 1 | -1): void {
    for (const l of lines) {
      const key = { ItemCode: l.ItemCode, WarehouseCode: l.WarehouseCode };
      const stock = this.db.get(IM_ItemWarehouse, key);
      const qty = new Decimal(l.QuantityOrdered || 0).mul(sign);
      if (stock) this.db.update(IM_ItemWarehouse, key, { QuantityOnSalesOrder: qty.add(stock.QuantityOnSalesOrder).toString() });
      else this.db.insert(IM_ItemWarehouse, { ...key, QuantityOnSalesOrder: qty.toString() });
      this.db.update(CI_Item, { ItemCode: l.ItemCode }, {});
    }
  }

  private checkCustomerForeignKeys(c: Row): void {
    if (!this.db.get(AR_Division, { ARDivisionNo: c.ARDivisionNo })) throw nof('AR_Customer_bus', 'ARDivisionNo', c.ARDivisionNo, 'AR_Division');
    if (c.SalespersonNo && !this.db.get(AR_Salesperson, { SalespersonDivisionNo: c.SalespersonDivisionNo || c.ARDivisionNo, SalespersonNo: c.SalespersonNo })) {
      throw nof('AR_Customer_bus', 'SalespersonNo', `${c.SalespersonDivisionNo || c.ARDivisionNo}-${c.SalespersonNo}`, 'AR_Salesperson');
    }
    if (c.TermsCode && !this.db.get(AR_TermsCode, { TermsCode: c.TermsCode })) throw nof('AR_Customer_bus', 'TermsCode', c.TermsCode, 'AR_TermsCode');
    if (c.CustomerType && !this.db.get(AR_CustomerType, { CustomerType: c.CustomerType })) throw nof('AR_Customer_bus', 'CustomerType', c.CustomerType, 'AR_CustomerType');
    if (c.CountryCode && !this.db.get(SY_Country, { CountryCode: c.CountryCode })) throw nof('AR_Customer_bus', 'CountryCode', c.CountryCode, 'SY_Country');
    if (c.TaxSchedule && !this.db.get(SO_TaxSchedule, { TaxSchedule: c.TaxSchedule })) throw nof('AR_Customer_bus', 'TaxSchedule', c.TaxSchedule, 'SO_TaxSchedule');
    if (c.CreditHold && !['Y', 'N'].includes(c.CreditHold)) throw new MasFault('CI_Invalid', `The CreditHold ${c.CreditHold} is not valid.`);
  }
}

/** Sage codes are uppercase; only the columns present are kept. */
function normaliseContact(input: Row): Row {
  const c: Row = { ...input };
  for (const k of ['CustomerNo', 'ContactCode', 'State', 'CountryCode']) if (c[k] !== undefined) c[k] = c[k].toUpperCase();
  return c;
}

function normaliseCustomer(input: Row): Row {
  const c: Row = { ...input };
  if (c.CustomerNo !== undefined) c.CustomerNo = c.CustomerNo.toUpperCase();
  for (const k of ['ARDivisionNo', 'SalespersonDivisionNo', 'SalespersonNo', 'TermsCode', 'CustomerType', 'CountryCode', 'State', 'CreditHold']) {
    if (c[k] !== undefined) c[k] = c[k].toUpperCase();
  }
  if (c.ARDivisionNo && /^\d$/.test(c.ARDivisionNo)) c.ARDivisionNo = c.ARDivisionNo.padStart(2, '0');
  return c;
}

function requireKey(row: Row, key: string[], busObject: string): void {
  for (const k of key) {
    if (!row[k]) throw new MasFault('CI_NoKey', `${busObject}: the key column ${k} is required.`);
  }
}

/** CI_CharLength: a value longer than its column's fixed width. */
function checkLengths(table: Table, row: Row, _busObject: string): void {
  for (const [k, v] of Object.entries(row)) {
    const col = columnOf(table, k);
    if (col?.kind === 'char' && col.width !== undefined && v.length > col.width) {
      throw new MasFault('CI_CharLength', `The ${col.name} is greater than ${col.width} character(s).`);
    }
  }
}

/** CI_NOF: a foreign key the business object could not find. */
function nof(busObject: string, column: string, value: string, table: string): MasFault {
  return new MasFault('CI_NOF', `Could not set ${busObject} column ${column} to "${value}": record not found in ${table}.`);
}

function nonEmpty(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
}
