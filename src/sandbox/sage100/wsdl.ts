/**
 * The eBWS WSDL the emulator serves at `MasBasicService.svc?wsdl` (basicHttp, SOAP 1.1,
 * document/literal wrapped). The Customer and SalesOrder types are generated from the table layouts,
 * so the WSDL, the database and the width checks cannot disagree. The target namespace is the
 * emulator's own choice (the vendor's exact namespace was not verified); clients read it from here.
 */
import { AR_Customer, AR_CustomerContact, SO_SalesOrderDetail, SO_SalesOrderHeader, type Column, type Table } from './schema.js';

/** Target namespace of the emulated service. */
export const EBWS_NS = 'http://sage.com/sage100/ebusiness/webservices';
/** Namespace of the fault codes (`a:CI_NOF`). */
export const FAULT_NS = 'http://sage.com/sage100/ebusiness/faults';
/** The service path, as installed under IIS. */
export const SERVICE_PATH = '/MasBasicService.svc';

/** The operations and their parameters (after logon and companyCode); `result` names the result type, if any. */
export const OPERATIONS: Record<string, { params: Array<[string, string]>; result?: string }> = {
  GetContractInformation: { params: [], result: 'tns:ContractInformation' },
  GetDiagnosticInformation: { params: [], result: 'tns:DiagnosticInformation' },
  GetCustomer: { params: [['arDivisionNo', 'xsd:string'], ['customerNo', 'xsd:string']], result: 'tns:Customer' },
  GetNextCustomerNo: { params: [], result: 'xsd:string' },
  CreateCustomer: { params: [['customer', 'tns:Customer']] },
  UpdateCustomer: { params: [['customer', 'tns:Customer']] },
  DeleteCustomer: { params: [['arDivisionNo', 'xsd:string'], ['customerNo', 'xsd:string']] },
  GetCustomerContact: { params: [['arDivisionNo', 'xsd:string'], ['customerNo', 'xsd:string'], ['contactCode', 'xsd:string']], result: 'tns:CustomerContact' },
  CreateCustomerContact: { params: [['customerContact', 'tns:CustomerContact']] },
  UpdateCustomerContact: { params: [['customerContact', 'tns:CustomerContact']] },
  DeleteCustomerContact: { params: [['arDivisionNo', 'xsd:string'], ['customerNo', 'xsd:string'], ['contactCode', 'xsd:string']] },
  GetSalesOrder: { params: [['salesOrderNo', 'xsd:string']], result: 'tns:SalesOrder' },
  GetSalesOrderTemplate: { params: [['arDivisionNo', 'xsd:string'], ['customerNo', 'xsd:string']], result: 'tns:SalesOrder' },
  GetNextSalesOrderNo: { params: [], result: 'xsd:string' },
  PreviewSalesOrder: { params: [['salesOrder', 'tns:SalesOrder']], result: 'tns:SalesOrder' },
  CreateSalesOrder: { params: [['salesOrder', 'tns:SalesOrder']] },
  UpdateSalesOrder: { params: [['salesOrder', 'tns:SalesOrder']] },
  DeleteSalesOrder: { params: [['salesOrderNo', 'xsd:string']] },
};

/** Operations that need no logon. */
export const ANONYMOUS_OPERATIONS = new Set(['GetDiagnosticInformation', 'GetContractInformation']);

function xsdType(col: Column): string {
  return col.kind === 'decimal' ? 'xsd:decimal' : 'xsd:string';
}

function columnElements(table: Table, skip: string[] = []): string {
  return table.columns
    .filter((c) => !c.name.startsWith('UDF_') && !skip.includes(c.name))
    .map((c) => `<xsd:element name="${c.name}" type="${xsdType(c)}" minOccurs="0"/>`)
    .join('');
}

/** The WSDL document, with the service address set to `address`. */
export function buildWsdl(address: string): string {
  const ops = Object.entries(OPERATIONS);
  const elements = ops
    .map(([name, op]) => {
      const auth = ANONYMOUS_OPERATIONS.has(name) ? '' : '<xsd:element name="logon" type="tns:Logon" minOccurs="0"/><xsd:element name="companyCode" type="xsd:string" minOccurs="0"/>';
      const params = op.params.map(([p, type]) => `<xsd:element name="${p}" type="${type}" minOccurs="0"/>`).join('');
      const result = op.result ? `<xsd:element name="${name}Result" type="${op.result}" minOccurs="0"/>` : '';
      return (
        `<xsd:element name="${name}"><xsd:complexType><xsd:sequence>${auth}${params}</xsd:sequence></xsd:complexType></xsd:element>` +
        `<xsd:element name="${name}Response"><xsd:complexType><xsd:sequence>${result}</xsd:sequence></xsd:complexType></xsd:element>`
      );
    })
    .join('');
  const messages = ops.map(([name]) => `<wsdl:message name="${name}In"><wsdl:part name="parameters" element="tns:${name}"/></wsdl:message><wsdl:message name="${name}Out"><wsdl:part name="parameters" element="tns:${name}Response"/></wsdl:message>`).join('');
  const portOps = ops.map(([name]) => `<wsdl:operation name="${name}"><wsdl:input message="tns:${name}In"/><wsdl:output message="tns:${name}Out"/></wsdl:operation>`).join('');
  const bindingOps = ops
    .map(([name]) => `<wsdl:operation name="${name}"><soap:operation soapAction="${EBWS_NS}/IMasBasicService/${name}" style="document"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions name="MasBasicService" targetNamespace="${EBWS_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${EBWS_NS}">
<wsdl:types><xsd:schema targetNamespace="${EBWS_NS}" elementFormDefault="qualified">
<xsd:complexType name="Logon"><xsd:sequence><xsd:element name="Username" type="xsd:string" minOccurs="0"/><xsd:element name="Password" type="xsd:string" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="OtherField"><xsd:sequence><xsd:element name="MasFieldName" type="xsd:string" minOccurs="0"/><xsd:element name="Value" type="xsd:string" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="OtherFields"><xsd:sequence><xsd:element name="Field" type="tns:OtherField" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="Customer"><xsd:sequence>${columnElements(AR_Customer)}<xsd:element name="OtherFields" type="tns:OtherFields" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="CustomerContact"><xsd:sequence>${columnElements(AR_CustomerContact)}<xsd:element name="OtherFields" type="tns:OtherFields" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="ContractInformation"><xsd:sequence><xsd:element name="ContractVersion" type="xsd:string" minOccurs="0"/><xsd:element name="Operations" type="xsd:string" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="DiagnosticInformation"><xsd:sequence><xsd:element name="ServiceName" type="xsd:string" minOccurs="0"/><xsd:element name="ServerTime" type="xsd:string" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="SalesOrderLine"><xsd:sequence>${columnElements(SO_SalesOrderDetail, ['SalesOrderNo'])}<xsd:element name="OtherFields" type="tns:OtherFields" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="SalesOrderLines"><xsd:sequence><xsd:element name="SalesOrderLine" type="tns:SalesOrderLine" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="SalesOrder"><xsd:sequence>${columnElements(SO_SalesOrderHeader)}<xsd:element name="Lines" type="tns:SalesOrderLines" minOccurs="0"/><xsd:element name="OtherFields" type="tns:OtherFields" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:complexType name="MasFault"><xsd:sequence><xsd:element name="ErrorCode" type="xsd:string" minOccurs="0"/><xsd:element name="ErrorMessage" type="xsd:string" minOccurs="0"/></xsd:sequence></xsd:complexType>
<xsd:element name="MasFault" type="tns:MasFault"/>
${elements}
</xsd:schema></wsdl:types>
${messages}
<wsdl:portType name="IMasBasicService">${portOps}</wsdl:portType>
<wsdl:binding name="BasicHttpBinding_IMasBasicService" type="tns:IMasBasicService"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps}</wsdl:binding>
<wsdl:service name="MasBasicService"><wsdl:port name="BasicHttpBinding_IMasBasicService" binding="tns:BasicHttpBinding_IMasBasicService"><soap:address location="${address}"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;
}
