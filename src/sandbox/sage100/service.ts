/**
 * The eBWS operations: checks the logon and company code carried in every request, then runs the
 * business object behind each operation and renders its answer or its fault.
 */
import { Company, MasFault } from './business.js';
import { esc, readLines, readRecord, renderContact, renderCustomer, renderResponse, renderSalesOrder, text, type SoapCall } from './soap.js';
import { ANONYMOUS_OPERATIONS, OPERATIONS } from './wsdl.js';

/** A Sage 100 user allowed to log on to eBWS. */
export interface Sage100User {
  username: string;
  password: string;
  /** Role without write rights: writes answer "No Access". */
  readOnly?: boolean;
}

const WRITES = new Set(['CreateCustomer', 'UpdateCustomer', 'DeleteCustomer', 'CreateCustomerContact', 'UpdateCustomerContact', 'DeleteCustomerContact', 'CreateSalesOrder', 'UpdateSalesOrder', 'DeleteSalesOrder', 'GetNextCustomerNo', 'GetNextSalesOrderNo']);

/** Runs one SOAP call; returns the response XML or throws MasFault. */
export function runOperation(call: SoapCall, company: Company, companyCode: string, users: Sage100User[]): string {
  const op = OPERATIONS[call.operation];
  if (!op) throw new MasFault('WS_UnknownOperation', `The operation ${call.operation} is not supported by this service.`);
  if (call.operation === 'GetDiagnosticInformation') {
    return renderResponse(call.operation, `<ServiceName>Sage 100 eBusiness Web Services (Syncline emulator)</ServiceName><ServerTime>${esc(new Date().toISOString())}</ServerTime>`);
  }
  if (call.operation === 'GetContractInformation') {
    return renderResponse(call.operation, `<ContractVersion>emulator-1</ContractVersion><Operations>${esc(Object.keys(OPERATIONS).join(' '))}</Operations>`);
  }
  if (!ANONYMOUS_OPERATIONS.has(call.operation)) {
    const logon = (call.args.logon ?? {}) as Record<string, unknown>;
    const user = users.find((u) => u.username.toLowerCase() === text(logon.Username).toLowerCase() && u.password === text(logon.Password));
    if (!user) throw new MasFault('SY_InvalidLogon', 'Invalid username or password.');
    if (text(call.args.companyCode).toUpperCase() !== companyCode.toUpperCase()) {
      throw new MasFault('SY_InvalidCompany', `Company code ${text(call.args.companyCode)} is not valid or does not allow external access.`);
    }
    if (user.readOnly && WRITES.has(call.operation)) throw new MasFault('SY_NoAccess', 'No Access - you are not authorized to perform this action.');
  }
  const a = call.args;
  switch (call.operation) {
    case 'GetCustomer':
      return renderResponse(call.operation, renderCustomer(company.getCustomer(text(a.arDivisionNo), text(a.customerNo))));
    case 'GetNextCustomerNo':
      return renderResponse(call.operation, company.nextCustomerNo());
    case 'CreateCustomer':
      company.createCustomer(readRecord(a.customer));
      return renderResponse(call.operation);
    case 'UpdateCustomer':
      company.updateCustomer(readRecord(a.customer));
      return renderResponse(call.operation);
    case 'DeleteCustomer':
      company.deleteCustomer(text(a.arDivisionNo), text(a.customerNo));
      return renderResponse(call.operation);
    case 'GetCustomerContact':
      return renderResponse(call.operation, renderContact(company.getCustomerContact(text(a.arDivisionNo), text(a.customerNo), text(a.contactCode))));
    case 'CreateCustomerContact':
      company.createCustomerContact(readRecord(a.customerContact));
      return renderResponse(call.operation);
    case 'UpdateCustomerContact':
      company.updateCustomerContact(readRecord(a.customerContact));
      return renderResponse(call.operation);
    case 'DeleteCustomerContact':
      company.deleteCustomerContact(text(a.arDivisionNo), text(a.customerNo), text(a.contactCode));
      return renderResponse(call.operation);
    case 'GetSalesOrderTemplate': {
      const o = company.salesOrderTemplate(text(a.arDivisionNo), text(a.customerNo));
      return renderResponse(call.operation, renderSalesOrder(o.header, o.lines));
    }
    case 'GetSalesOrder': {
      const o = company.getSalesOrder(text(a.salesOrderNo));
      return renderResponse(call.operation, renderSalesOrder(o.header, o.lines));
    }
    case 'GetNextSalesOrderNo':
      return renderResponse(call.operation, company.nextSalesOrderNo());
    case 'PreviewSalesOrder': {
      const o = company.previewSalesOrder({ header: readRecord(a.salesOrder), lines: readLines(a.salesOrder).lines });
      return renderResponse(call.operation, renderSalesOrder(o.header, o.lines));
    }
    case 'CreateSalesOrder':
      company.createSalesOrder({ header: readRecord(a.salesOrder), lines: readLines(a.salesOrder).lines });
      return renderResponse(call.operation);
    case 'UpdateSalesOrder': {
      const { lines, sent } = readLines(a.salesOrder);
      company.updateSalesOrder({ header: readRecord(a.salesOrder), lines }, sent);
      return renderResponse(call.operation);
    }
    case 'DeleteSalesOrder':
      company.deleteSalesOrder(text(a.salesOrderNo));
      return renderResponse(call.operation);
    default:
      throw new MasFault('WS_UnknownOperation', `The operation ${call.operation} is not supported by this service.`);
  }
}
