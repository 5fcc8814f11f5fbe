/**
 * Sage 100 table layouts as the emulator keeps them: the official table and column names (without
 * the ProvideX `$` suffix, as ODBC and eBWS spell them), fixed string widths, and the column kinds
 * that decide how a value is stored (space-padded CHAR, DECIMAL, DATE, decimal-hour time string).
 * The same declarations generate the SQLite DDL, the eBWS WSDL types and the CI_CharLength checks,
 * so a width is written down once.
 */

/** How a column stores its value. */
export type ColumnKind =
  /** Fixed-width string, stored right-padded with spaces to `width` (as ProvideX returns it). */
  | 'char'
  /** Decimal number with `scale` digits after the point. */
  | 'decimal'
  /** Date, stored `YYYY-MM-DD` (an ODBC DATE); eBWS shows it as `YYYYMMDD`. */
  | 'date'
  /** Time of day as a decimal-hours string (`"15.5"` = 15:30), padded to 8 like the file layout. */
  | 'time';

/** One column of a Sage 100 table. */
export interface Column {
  /** Column name exactly as the file layout spells it, without `$`. */
  name: string;
  kind: ColumnKind;
  /** For char and time: the fixed width. */
  width?: number;
  /** For decimal: digits after the point. */
  scale?: number;
}

/** One Sage 100 table. */
export interface Table {
  name: string;
  columns: Column[];
  /** Columns of KPRIMARY, in order. */
  key: string[];
}

const c = (name: string, width: number): Column => ({ name, kind: 'char', width });
const n = (name: string, scale = 2): Column => ({ name, kind: 'decimal', scale });
const d = (name: string): Column => ({ name, kind: 'date' });
const t = (name: string): Column => ({ name, kind: 'time', width: 8 });
const audit = (): Column[] => [d('DateCreated'), t('TimeCreated'), c('UserCreatedKey', 10), d('DateUpdated'), t('TimeUpdated'), c('UserUpdatedKey', 10)];

/** AR_Customer: the customer master. UDF_ columns are this company's user-defined fields. */
export const AR_Customer: Table = {
  name: 'AR_Customer',
  key: ['ARDivisionNo', 'CustomerNo'],
  columns: [
    c('ARDivisionNo', 2), c('CustomerNo', 20), c('CustomerName', 30),
    c('AddressLine1', 30), c('AddressLine2', 30), c('AddressLine3', 30),
    c('City', 20), c('State', 2), c('ZipCode', 10), c('CountryCode', 3),
    c('TelephoneNo', 17), c('TelephoneExt', 5), c('FaxNo', 17), c('EmailAddress', 250), c('URLAddress', 50),
    c('ContactCode', 10), c('SalespersonDivisionNo', 2), c('SalespersonNo', 4), c('TermsCode', 2),
    c('TaxSchedule', 9), c('ShipMethod', 15), c('PriceLevel', 1), c('CustomerType', 4),
    n('CreditLimit'), c('CreditHold', 1), c('CustomerStatus', 1), d('DateEstablished'),
    ...audit(),
    c('UDF_SF_ACCOUNT_ID', 18), c('UDF_PARDOT_ID', 20), c('UDF_WEB_SOURCE', 20),
  ],
};

/** AR_CustomerContact: a customer's contacts (eBWS CustomerContact), keyed by division, customer and contact code. */
export const AR_CustomerContact: Table = {
  name: 'AR_CustomerContact',
  key: ['ARDivisionNo', 'CustomerNo', 'ContactCode'],
  columns: [
    c('ARDivisionNo', 2), c('CustomerNo', 20), c('ContactCode', 10), c('ContactName', 30), c('Salutation', 30), c('ContactTitle', 30),
    c('AddressLine1', 30), c('AddressLine2', 30), c('AddressLine3', 30), c('City', 20), c('State', 2), c('ZipCode', 10), c('CountryCode', 3),
    c('TelephoneNo1', 17), c('TelephoneExt1', 5), c('TelephoneNo2', 17), c('TelephoneExt2', 5), c('FaxNo', 17), c('EmailAddress', 250), c('ContactNotes', 250),
    ...audit(),
  ],
};

/** SO_SalesOrderHeader: open sales orders (an invoiced order leaves this table). */
export const SO_SalesOrderHeader: Table = {
  name: 'SO_SalesOrderHeader',
  key: ['SalesOrderNo'],
  columns: [
    c('SalesOrderNo', 7), d('OrderDate'), c('OrderType', 1), c('OrderStatus', 1), d('ShipExpireDate'),
    c('ARDivisionNo', 2), c('CustomerNo', 20),
    c('BillToName', 30), c('BillToAddress1', 30), c('BillToAddress2', 30), c('BillToAddress3', 30),
    c('BillToCity', 20), c('BillToState', 2), c('BillToZipCode', 10), c('BillToCountryCode', 3),
    c('ShipToCode', 4), c('ShipToName', 30), c('ShipToAddress1', 30), c('ShipToAddress2', 30), c('ShipToAddress3', 30),
    c('ShipToCity', 20), c('ShipToState', 2), c('ShipToZipCode', 10), c('ShipToCountryCode', 3),
    c('ShipVia', 15), c('CustomerPONo', 15), c('WarehouseCode', 3), c('Comment', 30), c('TermsCode', 2),
    c('TaxSchedule', 9), c('SalespersonDivisionNo', 2), c('SalespersonNo', 4), c('EmailAddress', 250),
    n('TaxableAmt'), n('NonTaxableAmt'), n('SalesTaxAmt'), n('FreightAmt'), n('DiscountAmt'),
    ...audit(),
    c('UDF_SF_OPPORTUNITY_ID', 18),
  ],
};

/** SO_SalesOrderDetail: the lines of an open order. */
export const SO_SalesOrderDetail: Table = {
  name: 'SO_SalesOrderDetail',
  key: ['SalesOrderNo', 'LineKey'],
  columns: [
    c('SalesOrderNo', 7), c('LineKey', 6), c('LineSeqNo', 14), c('ItemCode', 30), c('ItemType', 1),
    c('ItemCodeDesc', 30), c('WarehouseCode', 3), c('UnitOfMeasure', 4),
    n('QuantityOrdered', 4), n('QuantityShipped', 4), n('QuantityBackordered', 4),
    n('UnitPrice', 4), n('ExtensionAmt'), d('PromiseDate'),
  ],
};

/** AR_InvoiceHistoryHeader: posted invoices and credit memos. */
export const AR_InvoiceHistoryHeader: Table = {
  name: 'AR_InvoiceHistoryHeader',
  key: ['InvoiceNo', 'HeaderSeqNo'],
  columns: [
    c('InvoiceNo', 7), c('HeaderSeqNo', 6), c('ModuleCode', 3), c('InvoiceType', 2), d('InvoiceDate'),
    c('SalesOrderNo', 7), c('ARDivisionNo', 2), c('CustomerNo', 20), c('CustomerPONo', 15),
    c('BillToName', 30), c('ShipToName', 30), c('ShipToCity', 20), c('ShipToState', 2), c('ShipToZipCode', 10),
    c('SalespersonDivisionNo', 2), c('SalespersonNo', 4), c('TermsCode', 2),
    n('TaxableSalesAmt'), n('NonTaxableSalesAmt'), n('SalesTaxAmt'), n('FreightAmt'),
    ...audit(),
    // Copied from the order at posting (S/O invoices); empty on A/R invoices and most credit memos.
    d('OrderDate'), c('EmailAddress', 250),
  ],
};

/** AR_OpenInvoice: what a customer still owes, one row per invoice or credit memo; Balance falls as cash is applied. */
export const AR_OpenInvoice: Table = {
  name: 'AR_OpenInvoice',
  key: ['ARDivisionNo', 'CustomerNo', 'InvoiceNo', 'InvoiceType'],
  columns: [
    c('ARDivisionNo', 2), c('CustomerNo', 20), c('InvoiceNo', 7), c('InvoiceType', 2), d('InvoiceDate'), d('InvoiceDueDate'),
    c('TermsCode', 2), c('CustomerPONo', 15), n('InvoiceAmt'), n('Balance'),
    ...audit(),
  ],
};

/** AR_CashReceiptsHistory: posted cash receipts, one row per check (or ACH, card) applied to one invoice. */
export const AR_CashReceiptsHistory: Table = {
  name: 'AR_CashReceiptsHistory',
  key: ['DepositNo', 'ARDivisionNo', 'CustomerNo', 'CheckNo', 'InvoiceNo'],
  columns: [
    c('DepositNo', 5), c('ARDivisionNo', 2), c('CustomerNo', 20), c('CheckNo', 10), c('InvoiceNo', 7), c('InvoiceType', 2),
    d('TransactionDate'), c('PaymentType', 5), n('PostingAmt'),
    ...audit(),
  ],
};

/** AR_InvoiceHistoryDetail: invoice lines. */
export const AR_InvoiceHistoryDetail: Table = {
  name: 'AR_InvoiceHistoryDetail',
  key: ['InvoiceNo', 'HeaderSeqNo', 'DetailSeqNo'],
  columns: [
    c('InvoiceNo', 7), c('HeaderSeqNo', 6), c('DetailSeqNo', 6), c('ItemCode', 30), c('ItemCodeDesc', 30),
    c('WarehouseCode', 3), n('QuantityShipped', 4), n('UnitPrice', 4), n('ExtensionAmt'),
  ],
};

/** CI_Item: the item master. */
export const CI_Item: Table = {
  name: 'CI_Item',
  key: ['ItemCode'],
  columns: [
    c('ItemCode', 30), c('ItemType', 1), c('ItemCodeDesc', 30), c('ProductLine', 4), c('PriceCode', 4),
    c('InactiveItem', 1), c('SalesUnitOfMeasure', 4), n('StandardUnitPrice', 4), n('StandardUnitCost', 4),
    n('TotalQuantityOnHand', 4), c('DefaultWarehouseCode', 3),
    c('Category1', 10), c('Category2', 10), c('Category3', 10), c('Category4', 10),
    ...audit(),
  ],
};

/** IM_ItemWarehouse: stock per item and warehouse. */
export const IM_ItemWarehouse: Table = {
  name: 'IM_ItemWarehouse',
  key: ['ItemCode', 'WarehouseCode'],
  columns: [
    c('ItemCode', 30), c('WarehouseCode', 3), n('QuantityOnHand', 4), n('QuantityOnSalesOrder', 4),
    n('QuantityOnBackOrder', 4), n('QuantityOnPurchaseOrder', 4),
  ],
};

/** Reference tables the eBWS business objects check foreign keys against. */
export const AR_Division: Table = { name: 'AR_Division', key: ['ARDivisionNo'], columns: [c('ARDivisionNo', 2), c('DivisionDesc', 30)] };
export const AR_Salesperson: Table = {
  name: 'AR_Salesperson',
  key: ['SalespersonDivisionNo', 'SalespersonNo'],
  columns: [c('SalespersonDivisionNo', 2), c('SalespersonNo', 4), c('SalespersonName', 30), c('EmailAddress', 250)],
};
export const AR_TermsCode: Table = { name: 'AR_TermsCode', key: ['TermsCode'], columns: [c('TermsCode', 2), c('TermsCodeDesc', 30), n('DaysBeforeDue', 0)] };
export const AR_CustomerType: Table = { name: 'AR_CustomerType', key: ['CustomerType'], columns: [c('CustomerType', 4), c('CustomerTypeDesc', 30)] };
export const IM_Warehouse: Table = { name: 'IM_Warehouse', key: ['WarehouseCode'], columns: [c('WarehouseCode', 3), c('WarehouseDesc', 30)] };
export const SY_Country: Table = { name: 'SY_Country', key: ['CountryCode'], columns: [c('CountryCode', 3), c('CountryName', 35)] };
/** Sales tax rate per tax schedule (a simplification of Sage's schedule/class tables). */
export const SO_TaxSchedule: Table = { name: 'SO_TaxSchedule', key: ['TaxSchedule'], columns: [c('TaxSchedule', 9), c('TaxScheduleDesc', 30), n('TaxRate', 4)] };
/** Next-number counters of the A/R and S/O modules (Sage keeps them in the module options). */
export const AR_Options: Table = { name: 'AR_Options', key: ['ModuleCode'], columns: [c('ModuleCode', 3), n('NextCustomerNo', 0)] };
export const SO_Options: Table = { name: 'SO_Options', key: ['ModuleCode'], columns: [c('ModuleCode', 3), n('NextSalesOrderNo', 0)] };

/** Every table of the emulated company. */
export const TABLES: Table[] = [
  AR_Division, AR_Salesperson, AR_TermsCode, AR_CustomerType, IM_Warehouse, SY_Country, SO_TaxSchedule, AR_Options, SO_Options,
  AR_Customer, AR_CustomerContact, SO_SalesOrderHeader, SO_SalesOrderDetail, AR_InvoiceHistoryHeader, AR_InvoiceHistoryDetail, AR_OpenInvoice, AR_CashReceiptsHistory,
  CI_Item, IM_ItemWarehouse,
];

/** The SQL type a column is declared with (the SQLite ODBC driver reports DATE columns as SQL_TYPE_DATE). */
function sqlType(col: Column): string {
  // RTRIM collation gives SQL CHAR semantics: 'ABF' equals the stored 'ABF   ', as on a Sage host.
  if (col.kind === 'char' || col.kind === 'time') return `CHAR(${col.width}) COLLATE RTRIM`;
  if (col.kind === 'date') return 'DATE';
  return `DECIMAL(16,${col.scale ?? 2})`;
}

/**
 * The table that stores a Sage table's rows. ODBC clients read the view named like the Sage table
 * (see createViewSql); only the emulator's business layer writes the stored table.
 */
export function storedName(table: Table): string {
  return `${table.name}_DATA`;
}

/** CREATE TABLE statement for a table's stored rows, with its primary key. */
export function createTableSql(table: Table): string {
  // Empty dates are NULL (as the ProvideX driver reports them); strings and numbers are never NULL.
  const cols = table.columns.map((col) => `${col.name} ${sqlType(col)}${col.kind === 'date' ? '' : ' NOT NULL'}`);
  return `CREATE TABLE ${storedName(table)} (${cols.join(', ')}, PRIMARY KEY (${table.key.join(', ')}))`;
}

/**
 * The view ODBC clients read, named like the Sage table. Decimal columns come back with their fixed
 * scale (`5000.00`), as the ProvideX driver returns SQL_DECIMAL values; a view also cannot be written.
 */
export function createViewSql(table: Table): string {
  const cols = table.columns.map((col) => (col.kind === 'decimal' ? `printf('%.${col.scale ?? 2}f', ${col.name}) AS ${col.name}` : col.name));
  return `CREATE VIEW ${table.name} AS SELECT ${cols.join(', ')} FROM ${storedName(table)}`;
}

/** Pads (or keeps) a string to the fixed width of its column, as ProvideX stores it. */
export function pad(value: string, width: number): string {
  return value.length >= width ? value : value + ' '.repeat(width - value.length);
}

/** The empty value of a column (Sage uses empty strings and zero rather than NULL). */
export function emptyValue(col: Column): string | number | null {
  if (col.kind === 'decimal') return 0;
  if (col.kind === 'date') return null;
  return pad('', col.width ?? 0);
}

/** Finds a column by name, case-insensitively as ProvideX does. */
export function columnOf(table: Table, name: string): Column | undefined {
  const lower = name.toLowerCase();
  return table.columns.find((col) => col.name.toLowerCase() === lower);
}
