/**
 * Sage-side business activity that happens without eBWS (a person in Sales Order Entry, the invoice
 * posting update, a credit manager): tests and the demo traffic generator use these to make changes
 * that polling must find. Each one stamps DateUpdated/TimeUpdated like Sage does.
 */
import { Decimal } from 'decimal.js';
import { MasFault } from './business.js';
import type { CompanyDb } from './db.js';
import {
  AR_CashReceiptsHistory,
  AR_Customer,
  AR_InvoiceHistoryDetail,
  AR_OpenInvoice,
  AR_TermsCode,
  AR_InvoiceHistoryHeader,
  CI_Item,
  IM_ItemWarehouse,
  IM_Warehouse,
  SO_SalesOrderDetail,
  SO_SalesOrderHeader,
} from './schema.js';

/** The next status of an order's life: New → Open → Closed; a held order is released to Open. */
const NEXT_STATUS: Record<string, string> = { N: 'O', O: 'C', H: 'O', C: 'C' };

/** Sets an open order's status (N New, O Open, H Hold, C Closed); without `status`, advances it one step. Returns the new status. */
export function setOrderStatus(db: CompanyDb, salesOrderNo: string, status?: string): string {
  const current = db.get(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo });
  if (!current) throw new MasFault('CI_NoKey', `Sales order ${salesOrderNo} does not exist.`);
  const next = status ?? NEXT_STATUS[current.OrderStatus] ?? 'O';
  if (!['N', 'O', 'H', 'C'].includes(next)) throw new MasFault('CI_Invalid', `The OrderStatus ${next} is not valid.`);
  db.update(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo }, { OrderStatus: next });
  return next;
}

/**
 * Posts an order's invoice: the order leaves SO_SalesOrderHeader/Detail and appears in
 * AR_InvoiceHistoryHeader/Detail, and the shipped stock leaves the warehouse. Returns the invoice number.
 */
export function postInvoice(db: CompanyDb, salesOrderNo: string): string {
  return db.tx(() => {
    const header = db.get(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo });
    if (!header) throw new MasFault('CI_NoKey', `Sales order ${salesOrderNo} does not exist.`);
    const lines = db.list(SO_SalesOrderDetail, { SalesOrderNo: salesOrderNo });
    const invoiceNo = nextInvoiceNo(db);
    lines.forEach((l, i) => {
      db.insert(AR_InvoiceHistoryDetail, {
        InvoiceNo: invoiceNo, HeaderSeqNo: '000000', DetailSeqNo: String(i + 1).padStart(6, '0'), ItemCode: l.ItemCode, ItemCodeDesc: l.ItemCodeDesc,
        WarehouseCode: l.WarehouseCode, QuantityShipped: l.QuantityOrdered, UnitPrice: l.UnitPrice, ExtensionAmt: l.ExtensionAmt,
      });
      const key = { ItemCode: l.ItemCode, WarehouseCode: l.WarehouseCode };
      const stock = db.get(IM_ItemWarehouse, key);
      if (stock) {
        db.update(IM_ItemWarehouse, key, {
          QuantityOnHand: new Decimal(stock.QuantityOnHand).sub(l.QuantityOrdered).toString(),
          QuantityOnSalesOrder: Decimal.max(0, new Decimal(stock.QuantityOnSalesOrder).sub(l.QuantityOrdered)).toString(),
        });
        const item = db.get(CI_Item, { ItemCode: l.ItemCode });
        if (item) db.update(CI_Item, { ItemCode: l.ItemCode }, { TotalQuantityOnHand: new Decimal(item.TotalQuantityOnHand).sub(l.QuantityOrdered).toString() });
      }
    });
    const total = ['TaxableAmt', 'NonTaxableAmt', 'SalesTaxAmt', 'FreightAmt'].reduce((acc, k) => acc.add(header[k] || '0'), new Decimal(0));
    db.insert(AR_OpenInvoice, {
      ARDivisionNo: header.ARDivisionNo, CustomerNo: header.CustomerNo, InvoiceNo: invoiceNo, InvoiceType: 'IN', InvoiceDate: db.today(),
      InvoiceDueDate: dueDate(db, header.TermsCode), TermsCode: header.TermsCode, CustomerPONo: header.CustomerPONo, InvoiceAmt: total.toFixed(2), Balance: total.toFixed(2),
    });
    db.insert(AR_InvoiceHistoryHeader, {
      OrderDate: header.OrderDate ? header.OrderDate.replace(/-/g, '') : '', EmailAddress: header.EmailAddress,
      InvoiceNo: invoiceNo, HeaderSeqNo: '000000', ModuleCode: 'S/O', InvoiceType: 'IN', InvoiceDate: db.today(), SalesOrderNo: salesOrderNo,
      ARDivisionNo: header.ARDivisionNo, CustomerNo: header.CustomerNo, CustomerPONo: header.CustomerPONo, BillToName: header.BillToName,
      ShipToName: header.ShipToName, ShipToCity: header.ShipToCity, ShipToState: header.ShipToState, ShipToZipCode: header.ShipToZipCode,
      SalespersonDivisionNo: header.SalespersonDivisionNo, SalespersonNo: header.SalespersonNo, TermsCode: header.TermsCode,
      TaxableSalesAmt: header.TaxableAmt, NonTaxableSalesAmt: header.NonTaxableAmt, SalesTaxAmt: header.SalesTaxAmt, FreightAmt: header.FreightAmt,
    });
    db.delete(SO_SalesOrderDetail, { SalesOrderNo: salesOrderNo });
    db.delete(SO_SalesOrderHeader, { SalesOrderNo: salesOrderNo });
    return invoiceNo;
  });
}

/** The due date of an invoice posted today under a terms code (`YYYYMMDD`). */
function dueDate(db: CompanyDb, termsCode: string): string {
  const days = Number(db.get(AR_TermsCode, { TermsCode: termsCode })?.DaysBeforeDue ?? 30);
  const t = db.today();
  const d = new Date(Date.UTC(Number(t.slice(0, 4)), Number(t.slice(4, 6)) - 1, Number(t.slice(6, 8)) + days));
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function customerKey(db: CompanyDb, customerId: string): { ARDivisionNo: string; CustomerNo: string; row: Record<string, string> } {
  const [division, ...rest] = customerId.split('-');
  const key = { ARDivisionNo: division, CustomerNo: rest.join('-').toUpperCase() };
  const row = db.get(AR_Customer, key);
  if (!row) throw new MasFault('CI_NoKey', `Customer ${customerId} does not exist.`);
  return { ...key, row };
}

function nextInvoiceNo(db: CompanyDb): string {
  const last = db.sql.prepare('SELECT MAX(InvoiceNo) AS n FROM AR_InvoiceHistoryHeader').get() as { n: string | null };
  return String(Number(last.n ?? '0') + 1).padStart(7, '0');
}

/**
 * Posts an A/R credit memo for a customer (a return or an allowance, as A/R Invoice Data Entry with
 * type CM would): a CM row in invoice history (positive amounts; the type makes it a credit) and an
 * open credit on AR_OpenInvoice (negative balance). Returns the credit memo number.
 */
export function postCreditMemo(db: CompanyDb, customerId: string, amount: string, comment = ''): string {
  const amt = new Decimal(amount);
  if (!amt.isFinite() || amt.lte(0)) throw new MasFault('CI_Invalid', `The credit memo amount ${amount} is not valid.`);
  return db.tx(() => {
    const c = customerKey(db, customerId);
    const no = nextInvoiceNo(db);
    db.insert(AR_InvoiceHistoryHeader, {
      InvoiceNo: no, HeaderSeqNo: '000000', ModuleCode: 'A/R', InvoiceType: 'CM', InvoiceDate: db.today(), ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo,
      BillToName: c.row.CustomerName, ShipToName: c.row.CustomerName, SalespersonDivisionNo: c.row.SalespersonDivisionNo, SalespersonNo: c.row.SalespersonNo,
      TermsCode: c.row.TermsCode, NonTaxableSalesAmt: amt.toFixed(2), CustomerPONo: comment.slice(0, 15),
    });
    db.insert(AR_OpenInvoice, {
      ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, InvoiceNo: no, InvoiceType: 'CM', InvoiceDate: db.today(), InvoiceDueDate: db.today(),
      TermsCode: c.row.TermsCode, InvoiceAmt: amt.neg().toFixed(2), Balance: amt.neg().toFixed(2),
    });
    return no;
  });
}

/**
 * Posts a cash receipt (Cash Receipts Entry, then its update): the amount is applied to the customer's
 * open invoices, the named one first, then the oldest; each application is one AR_CashReceiptsHistory
 * row and lowers that invoice's balance. Returns the deposit number and the rows written.
 */
export function receivePayment(
  db: CompanyDb,
  customerId: string,
  amount: string,
  options: { checkNo?: string; invoiceNo?: string; paymentType?: string } = {},
): { depositNo: string; applied: Array<{ invoiceNo: string; amount: string }> } {
  let left = new Decimal(amount);
  if (!left.isFinite() || left.lte(0)) throw new MasFault('CI_Invalid', `The payment amount ${amount} is not valid.`);
  return db.tx(() => {
    const c = customerKey(db, customerId);
    const last = db.sql.prepare('SELECT MAX(DepositNo) AS n FROM AR_CashReceiptsHistory').get() as { n: string | null };
    const depositNo = String(Number(last.n ?? '0') + 1).padStart(5, '0');
    const checkNo = (options.checkNo ?? `${Number(depositNo) + 1000}`).slice(0, 10);
    const open = db
      .list(AR_OpenInvoice, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo })
      .filter((i) => i.InvoiceType !== 'CM' && new Decimal(i.Balance).gt(0))
      .sort((a, b) => (a.InvoiceNo === options.invoiceNo ? -1 : b.InvoiceNo === options.invoiceNo ? 1 : a.InvoiceDate.localeCompare(b.InvoiceDate) || a.InvoiceNo.localeCompare(b.InvoiceNo)));
    if (options.invoiceNo && !open.some((i) => i.InvoiceNo === options.invoiceNo)) throw new MasFault('CI_NoKey', `Invoice ${options.invoiceNo} is not open for customer ${customerId}.`);
    const applied: Array<{ invoiceNo: string; amount: string }> = [];
    for (const inv of open) {
      if (left.lte(0)) break;
      const pay = Decimal.min(left, inv.Balance);
      db.update(AR_OpenInvoice, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, InvoiceNo: inv.InvoiceNo, InvoiceType: inv.InvoiceType }, { Balance: new Decimal(inv.Balance).sub(pay).toFixed(2) });
      db.insert(AR_CashReceiptsHistory, {
        DepositNo: depositNo, ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, CheckNo: checkNo, InvoiceNo: inv.InvoiceNo, InvoiceType: inv.InvoiceType,
        TransactionDate: db.today(), PaymentType: (options.paymentType ?? 'CHECK').slice(0, 5), PostingAmt: pay.toFixed(2),
      });
      applied.push({ invoiceNo: inv.InvoiceNo, amount: pay.toFixed(2) });
      left = left.sub(pay);
    }
    if (left.gt(0)) {
      // What is not applied stays on account: an unapplied cash row (InvoiceNo empty) as a negative open item.
      db.insert(AR_OpenInvoice, { ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, InvoiceNo: `PP${depositNo}`, InvoiceType: 'PP', InvoiceDate: db.today(), InvoiceAmt: left.neg().toFixed(2), Balance: left.neg().toFixed(2) });
      db.insert(AR_CashReceiptsHistory, {
        DepositNo: depositNo, ARDivisionNo: c.ARDivisionNo, CustomerNo: c.CustomerNo, CheckNo: checkNo, InvoiceNo: `PP${depositNo}`, InvoiceType: 'PP',
        TransactionDate: db.today(), PaymentType: (options.paymentType ?? 'CHECK').slice(0, 5), PostingAmt: left.toFixed(2),
      });
      applied.push({ invoiceNo: `PP${depositNo}`, amount: left.toFixed(2) });
    }
    return { depositNo, applied };
  });
}

/** Changes a customer's credit limit (and optionally the credit hold flag). `customerId` is `01-ABF`. */
export function setCreditLimit(db: CompanyDb, customerId: string, creditLimit: string, creditHold?: 'Y' | 'N'): void {
  const [division, ...rest] = customerId.split('-');
  const key = { ARDivisionNo: division, CustomerNo: rest.join('-') };
  const values: Record<string, string> = { CreditLimit: new Decimal(creditLimit).toFixed(2) };
  if (creditHold) values.CreditHold = creditHold;
  if (!db.update(AR_Customer, key, values)) throw new MasFault('CI_NoKey', `Customer ${customerId} does not exist.`);
}

/** Edits any columns of a customer directly (as a user would in Customer Maintenance). */
export function editCustomer(db: CompanyDb, customerId: string, values: Record<string, string>): void {
  const [division, ...rest] = customerId.split('-');
  if (!db.update(AR_Customer, { ARDivisionNo: division, CustomerNo: rest.join('-') }, values)) {
    throw new MasFault('CI_NoKey', `Customer ${customerId} does not exist.`);
  }
}

/** Creates an item as Item Maintenance would (with a zero-stock row in its default warehouse); `values` are CI_Item columns. */
export function createItem(db: CompanyDb, values: Record<string, string>): void {
  const itemCode = (values.ItemCode ?? '').toUpperCase();
  if (!itemCode) throw new MasFault('CI_Required', 'The ItemCode is required.');
  if (db.get(CI_Item, { ItemCode: itemCode })) throw new MasFault('WS_AlreadyExists', `Item ${itemCode} already exists.`);
  const warehouse = values.DefaultWarehouseCode || '000';
  db.tx(() => {
    db.insert(CI_Item, { ItemType: '1', InactiveItem: 'N', SalesUnitOfMeasure: 'EACH', ...values, ItemCode: itemCode, DefaultWarehouseCode: warehouse, TotalQuantityOnHand: '0' });
    db.insert(IM_ItemWarehouse, { ItemCode: itemCode, WarehouseCode: warehouse, QuantityOnHand: '0' });
  });
}

/** Changes an item's columns (price, description, inactive flag) as Item Maintenance would. */
export function updateItem(db: CompanyDb, itemCode: string, values: Record<string, string>): void {
  const { ItemCode: _ignored, ...rest } = values;
  void _ignored;
  if (!db.update(CI_Item, { ItemCode: itemCode }, rest)) throw new MasFault('CI_NoKey', `Item ${itemCode} does not exist.`);
}

/** Receives stock into a warehouse (a receipt of goods): on hand grows there and in the item's total. Returns the new quantity on hand in that warehouse. */
export function receiveStock(db: CompanyDb, itemCode: string, quantity: string, warehouseCode?: string): string {
  return db.tx(() => {
    const item = db.get(CI_Item, { ItemCode: itemCode });
    if (!item) throw new MasFault('CI_NoKey', `Item ${itemCode} does not exist.`);
    const qty = new Decimal(quantity);
    const warehouse = warehouseCode || item.DefaultWarehouseCode || '000';
    const key = { ItemCode: item.ItemCode, WarehouseCode: warehouse };
    const stock = db.get(IM_ItemWarehouse, key);
    const onHand = new Decimal(stock?.QuantityOnHand ?? '0').add(qty);
    // Goods received against a purchase order leave "on order".
    const onOrder = Decimal.max(0, new Decimal(stock?.QuantityOnPurchaseOrder ?? '0').sub(qty));
    if (stock) db.update(IM_ItemWarehouse, key, { QuantityOnHand: onHand.toString(), QuantityOnPurchaseOrder: onOrder.toString() });
    else db.insert(IM_ItemWarehouse, { ...key, QuantityOnHand: onHand.toString() });
    db.update(CI_Item, { ItemCode: item.ItemCode }, { TotalQuantityOnHand: new Decimal(item.TotalQuantityOnHand).add(qty).toString() });
    return onHand.toString();
  });
}

/** Adds a customer as Customer Maintenance would (no eBWS rules such as the required salesperson); `values` are AR_Customer columns. */
export function addCustomer(db: CompanyDb, values: Record<string, string>): string {
  const division = values.ARDivisionNo || '01';
  const customerNo = (values.CustomerNo ?? '').toUpperCase();
  if (!customerNo) throw new MasFault('CI_Required', 'The CustomerNo is required.');
  if (db.get(AR_Customer, { ARDivisionNo: division, CustomerNo: customerNo })) throw new MasFault('WS_AlreadyExists', `Customer ${division}-${customerNo} already exists.`);
  db.insert(AR_Customer, { CustomerStatus: 'A', CreditHold: 'N', SalespersonDivisionNo: division, DateEstablished: db.today(), ...values, ARDivisionNo: division, CustomerNo: customerNo });
  return `${division}-${customerNo}`;
}

/**
 * Adjusts stock in a warehouse (Inventory Transaction Entry, an adjustment or a count difference):
 * on hand moves by `quantity` (negative takes stock out) there and in the item's total. Returns the new
 * quantity on hand in that warehouse.
 */
export function adjustStock(db: CompanyDb, itemCode: string, quantity: string, warehouseCode?: string): string {
  const qty = new Decimal(quantity);
  if (!qty.isFinite()) throw new MasFault('CI_Invalid', `The adjustment quantity ${quantity} is not valid.`);
  return db.tx(() => {
    const item = db.get(CI_Item, { ItemCode: itemCode.toUpperCase() });
    if (!item) throw new MasFault('CI_NoKey', `Item ${itemCode} does not exist.`);
    const key = { ItemCode: item.ItemCode, WarehouseCode: warehouseCode || item.DefaultWarehouseCode || '000' };
    const stock = db.get(IM_ItemWarehouse, key);
    const onHand = new Decimal(stock?.QuantityOnHand ?? '0').add(qty);
    if (stock) db.update(IM_ItemWarehouse, key, { QuantityOnHand: onHand.toString() });
    else db.insert(IM_ItemWarehouse, { ...key, QuantityOnHand: onHand.toString() });
    db.update(CI_Item, { ItemCode: item.ItemCode }, { TotalQuantityOnHand: new Decimal(item.TotalQuantityOnHand).add(qty).toString() });
    return onHand.toString();
  });
}

/**
 * Enters a purchase order line for an item (Purchase Order Entry): the warehouse's quantity on purchase
 * order grows by `quantity` until the goods are received (receiveStock). Returns the new quantity on order.
 */
export function orderStock(db: CompanyDb, itemCode: string, quantity: string, warehouseCode?: string): string {
  const qty = new Decimal(quantity);
  if (!qty.isFinite() || qty.lte(0)) throw new MasFault('CI_Invalid', `The quantity ordered ${quantity} is not valid.`);
  return db.tx(() => {
    const item = db.get(CI_Item, { ItemCode: itemCode.toUpperCase() });
    if (!item) throw new MasFault('CI_NoKey', `Item ${itemCode} does not exist.`);
    const key = { ItemCode: item.ItemCode, WarehouseCode: warehouseCode || item.DefaultWarehouseCode || '000' };
    const stock = db.get(IM_ItemWarehouse, key);
    const onOrder = new Decimal(stock?.QuantityOnPurchaseOrder ?? '0').add(qty);
    if (stock) db.update(IM_ItemWarehouse, key, { QuantityOnPurchaseOrder: onOrder.toString() });
    else db.insert(IM_ItemWarehouse, { ...key, QuantityOnPurchaseOrder: onOrder.toString() });
    // Purchase Order Entry rewrites the item, so the item is stamped as changed.
    db.update(CI_Item, { ItemCode: item.ItemCode }, {});
    return onOrder.toString();
  });
}

/** Adds a warehouse as Warehouse Code Maintenance would; `values` are IM_Warehouse columns. */
export function addWarehouse(db: CompanyDb, values: Record<string, string>): string {
  const code = (values.WarehouseCode ?? '').toUpperCase();
  if (!code) throw new MasFault('CI_Required', 'The WarehouseCode is required.');
  if (code.length > 3) throw new MasFault('CI_CharLength', `The WarehouseCode is greater than 3 character(s).`);
  if (db.get(IM_Warehouse, { WarehouseCode: code })) throw new MasFault('WS_AlreadyExists', `Warehouse ${code} already exists.`);
  db.insert(IM_Warehouse, { ...values, WarehouseCode: code });
  return code;
}
