/**
 * Small clients the traffic generator uses to act as the people and web forms of a business day:
 * they speak each emulator's own vendor API (Salesforce REST, Pardot API v5, Sage 100 eBWS SOAP)
 * or its documented control endpoints (`/__sandbox/...`), never Syncline. Deliberately not the
 * connectors: the demo must show the connectors reading what somebody else wrote.
 */
import { XMLParser } from 'fast-xml-parser';

/** The emulators' built-in connected app (same literals as connections.ts; the emulators accept them by default). */
const APP = { clientId: 'syncline-emulator-client', clientSecret: 'syncline-emulator-secret' };
const SF_API = '/services/data/v64.0';

/** A vendor call that failed: the status and the vendor's own error text. */
export class SandboxCallError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

async function ok(res: Response, what: string): Promise<string> {
  const body = await res.text();
  if (!res.ok) throw new SandboxCallError(`${what}: HTTP ${res.status} ${body.slice(0, 300)}`, res.status);
  return body;
}

async function clientCredentialsToken(origin: string): Promise<string> {
  const res = await fetch(`${origin}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APP.clientId, client_secret: APP.clientSecret }),
  });
  return (JSON.parse(await ok(res, 'token')) as { access_token: string }).access_token;
}

/** Salesforce REST as a sales rep's browser would use it. */
export class SalesforceSandboxClient {
  private token: string | null = null;
  constructor(private readonly origin: string) {}

  private async call(method: string, path: string, body?: unknown, retried = false): Promise<unknown> {
    this.token ??= await clientCredentialsToken(this.origin);
    const res = await fetch(`${this.origin}${SF_API}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && !retried) {
      this.token = null;
      return this.call(method, path, body, true);
    }
    const text = await ok(res, `Salesforce ${method} ${path}`);
    return text ? JSON.parse(text) : null;
  }

  /** Creates a record; returns its id. */
  async create(sobject: string, values: Record<string, unknown>): Promise<string> {
    return ((await this.call('POST', `/sobjects/${sobject}`, values)) as { id: string }).id;
  }

  /** Updates fields of a record. */
  async update(sobject: string, id: string, values: Record<string, unknown>): Promise<void> {
    await this.call('PATCH', `/sobjects/${sobject}/${id}`, values);
  }

  /** Runs a SOQL query (first page is enough for the demo's small org). */
  async query<T>(soql: string): Promise<T[]> {
    return ((await this.call('GET', `/query?q=${encodeURIComponent(soql)}`)) as { records: T[] }).records;
  }

  /** Converts a lead as the Convert button does (the emulator's control endpoint; the REST API has no convert). */
  async convertLead(leadId: string, createOpportunity: boolean): Promise<{ accountId: string; contactId: string; opportunityId: string | null }> {
    const res = await fetch(`${this.origin}/__sandbox/leads/${leadId}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ createOpportunity }),
    });
    return JSON.parse(await ok(res, 'convert lead')) as { accountId: string; contactId: string; opportunityId: string | null };
  }
}

/** Pardot API v5 as a form handler would write prospects. */
export class PardotSandboxClient {
  private token: string | null = null;
  constructor(
    private readonly origin: string,
    private readonly businessUnitId: string,
  ) {}

  private async call(method: string, path: string, body?: unknown, retried = false): Promise<unknown> {
    this.token ??= await clientCredentialsToken(this.origin);
    const res = await fetch(`${this.origin}/api/v5/objects${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'pardot-business-unit-id': this.businessUnitId, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && !retried) {
      this.token = null;
      return this.call(method, path, body, true);
    }
    const text = await ok(res, `Pardot ${method} ${path}`);
    return text ? JSON.parse(text) : null;
  }

  /** Creates or updates the prospect with this email (as a Pardot form handler does); returns its id. */
  async upsertProspect(values: Record<string, unknown> & { email: string }): Promise<number> {
    const out = (await this.call('POST', '/prospects/do/upsertLatestByEmail?fields=id,email', { matchEmail: values.email, prospect: values })) as { id: number };
    return out.id;
  }

  /** Puts a prospect on the list named `name` (made when missing), as a form's completion action does. */
  async addToList(name: string, prospectId: number): Promise<number> {
    const found = (await this.call('GET', `/lists?fields=id,name&name=${encodeURIComponent(name)}`)) as { values?: Array<{ id: number }> };
    const listId = found?.values?.[0]?.id ?? ((await this.call('POST', '/lists?fields=id', { name, title: name, isDynamic: false, isPublic: false })) as { id: number }).id;
    await this.call('POST', '/list-memberships?fields=id', { listId, prospectId });
    return listId;
  }
}

const xml = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });
const EBWS_NS = 'http://sage.com/sage100/ebusiness/webservices';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One line of a sales order entered in Sage. */
export interface SageOrderLine {
  itemCode: string;
  quantity: number;
}

/** Sage 100: eBWS for order entry (as a web shop would), control endpoints for office activity. */
export class Sage100SandboxClient {
  constructor(
    private readonly origin: string,
    private readonly endpointUrl: string,
    private readonly companyCode: string,
    private readonly logon = { username: 'syncline', password: 'sage100' },
  ) {}

  private async soap(operation: string, inner: string): Promise<Record<string, unknown>> {
    const body =
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><${operation} xmlns="${EBWS_NS}">` +
      `<logon><Username>${esc(this.logon.username)}</Username><Password>${esc(this.logon.password)}</Password></logon>` +
      `<companyCode>${esc(this.companyCode)}</companyCode>${inner}</${operation}></s:Body></s:Envelope>`;
    const res = await fetch(this.endpointUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${EBWS_NS}/IMasBasicService/${operation}"` },
      body,
    });
    const text = await res.text();
    const doc = xml.parse(text) as { Envelope?: { Body?: Record<string, unknown> } };
    const answer = doc.Envelope?.Body ?? {};
    const fault = answer.Fault as { faultstring?: unknown } | undefined;
    if (!res.ok || fault) throw new SandboxCallError(`Sage 100 ${operation}: ${String(fault?.faultstring ?? text.slice(0, 200))}`, res.status);
    return (answer[`${operation}Response`] ?? {}) as Record<string, unknown>;
  }

  /** Enters a sales order for a customer (`01-ABF`) through eBWS; returns the order number. */
  async createSalesOrder(customerId: string, lines: SageOrderLine[], poNumber: string): Promise<string> {
    const next = await this.soap('GetNextSalesOrderNo', '');
    const no = String(next.GetNextSalesOrderNoResult ?? '');
    const [division, ...rest] = customerId.split('-');
    const ls = lines.map((l) => `<SalesOrderLine><ItemCode>${esc(l.itemCode)}</ItemCode><QuantityOrdered>${l.quantity}</QuantityOrdered></SalesOrderLine>`).join('');
    await this.soap(
      'CreateSalesOrder',
      `<salesOrder><SalesOrderNo>${no}</SalesOrderNo><ARDivisionNo>${esc(division)}</ARDivisionNo><CustomerNo>${esc(rest.join('-'))}</CustomerNo>` +
        `<CustomerPONo>${esc(poNumber)}</CustomerPONo><Lines>${ls}</Lines></salesOrder>`,
    );
    return no;
  }

  private async activity(kind: string, body: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.origin}/__sandbox/activity/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return JSON.parse(await ok(res, `Sage 100 ${kind}`)) as Record<string, unknown>;
  }

  /** Moves an order to a status (N, O, H, C) or one step along without `status`; returns the new status. */
  async setOrderStatus(salesOrderNo: string, status?: string): Promise<string> {
    return String((await this.activity('order-status', { salesOrderNo, status: status ?? '' })).status);
  }

  /** Runs the invoice posting for an order; returns the invoice number. */
  async postInvoice(salesOrderNo: string): Promise<string> {
    return String((await this.activity('post-invoice', { salesOrderNo })).invoiceNo);
  }

  /** Posts a cash receipt for a customer, applied to the named open invoice first; returns the deposit number and what it paid. */
  async receivePayment(customerId: string, amount: string, invoiceNo?: string, checkNo?: string): Promise<{ depositNo: string; applied: Array<{ invoiceNo: string; amount: string }> }> {
    const out = await this.activity('payment', { customerId, amount, ...(invoiceNo ? { invoiceNo } : {}), ...(checkNo ? { checkNo } : {}) });
    return { depositNo: String(out.depositNo), applied: out.applied as Array<{ invoiceNo: string; amount: string }> };
  }

  /** Posts an A/R credit memo for a customer; returns its number. */
  async postCreditMemo(customerId: string, amount: string, comment?: string): Promise<string> {
    return String((await this.activity('credit-memo', { customerId, amount, ...(comment ? { comment } : {}) })).invoiceNo);
  }

  /** Books a goods receipt into a warehouse; returns the new quantity on hand there. */
  async receiveStock(itemCode: string, quantity: number, warehouseCode?: string): Promise<string> {
    return String((await this.activity('receive-stock', { itemCode, quantity: String(quantity), ...(warehouseCode ? { warehouseCode } : {}) })).quantityOnHand);
  }

  /** Orders goods from a supplier into a warehouse; returns the new quantity on purchase order there. */
  async orderFromSupplier(itemCode: string, quantity: number, warehouseCode?: string): Promise<string> {
    return String((await this.activity('purchase-order', { itemCode, quantity: String(quantity), ...(warehouseCode ? { warehouseCode } : {}) })).quantityOnPurchaseOrder);
  }

  /** Keys a customer in Customer Maintenance (AR_Customer columns, `CustomerNo` required); returns `01-ABF`. */
  async addCustomer(values: Record<string, string>): Promise<string> {
    return String((await this.activity('new-customer', values)).customerId);
  }

  /** Adds a contact to a customer (`01-ABF`) through eBWS. */
  async createCustomerContact(customerId: string, contactCode: string, values: Record<string, string>): Promise<void> {
    const [division, ...rest] = customerId.split('-');
    const cols = Object.entries(values).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('');
    await this.soap(
      'CreateCustomerContact',
      `<customerContact><ARDivisionNo>${esc(division)}</ARDivisionNo><CustomerNo>${esc(rest.join('-'))}</CustomerNo><ContactCode>${esc(contactCode)}</ContactCode>${cols}</customerContact>`,
    );
  }

  /** Deletes a customer (`01-ABF`) through eBWS; Sage refuses while it has open sales orders. Its posted history stays. */
  async deleteCustomer(customerId: string): Promise<void> {
    const [division, ...rest] = customerId.split('-');
    await this.soap('DeleteCustomer', `<arDivisionNo>${esc(division)}</arDivisionNo><customerNo>${esc(rest.join('-'))}</customerNo>`);
  }

  /** Creates an item in Item Maintenance (CI_Item columns, `ItemCode` required), with an empty stock row in its default warehouse. */
  async createItem(values: Record<string, string>): Promise<void> {
    await this.activity('item', values);
  }

  /** Moves the Sage server clock on by `ms` (every stamp uses it). */
  async advanceClock(ms: number): Promise<void> {
    const res = await fetch(`${this.origin}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: ms }) });
    await ok(res, 'Sage 100 clock');
  }

  /** Changes a customer's credit limit (and hold flag). */
  async setCreditLimit(customerId: string, creditLimit: string, creditHold?: 'Y' | 'N'): Promise<void> {
    await this.activity('credit-limit', { customerId, creditLimit, ...(creditHold ? { creditHold } : {}) });
  }
}
