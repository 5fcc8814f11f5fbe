/**
 * The WSDL of X3's generic SOAP service CAdxWebServiceXmlCC (SOAP 1.1, RPC/encoded, namespace
 * http://www.adonix.com/WSS), generated from one table of operations so the document and the
 * emulator's dispatcher cannot disagree. Served at `<endpoint>?wsdl`.
 */

/** The service namespace. */
export const WSS_NS = 'http://www.adonix.com/WSS';
/** Where Syracuse (V7+) serves the service. */
export const SOAP_PATH = '/soap-generic/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC';
/** Where Syracuse serves the WSDL (`?wsdl` on it; the endpoint answers `?wsdl` too). */
export const WSDL_PATH = '/soap-wsdl/syracuse/collaboration/syracuse/CAdxWebServiceXmlCC';

/** Parameters of each operation after `callContext`, in order, with their types. */
export const SOAP_OPERATIONS: Record<string, Array<[string, string]>> = {
  run: [['publicName', 'xsd:string'], ['inputXml', 'xsd:string']],
  save: [['publicName', 'xsd:string'], ['objectXml', 'xsd:string']],
  delete: [['publicName', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue']],
  read: [['publicName', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue']],
  query: [['publicName', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue'], ['listSize', 'xsd:int']],
  getDescription: [['publicName', 'xsd:string']],
  modify: [['publicName', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue'], ['objectXml', 'xsd:string']],
  actionObject: [['publicName', 'xsd:string'], ['actionCode', 'xsd:string'], ['objectXml', 'xsd:string']],
  actionObjectKeys: [['publicName', 'xsd:string'], ['actionCode', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue']],
  getDataXmlSchema: [['publicName', 'xsd:string']],
  insertLines: [['publicName', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue'], ['blocKey', 'xsd:string'], ['lineKey', 'xsd:string'], ['lineXml', 'xsd:string']],
  deleteLines: [['publicName', 'xsd:string'], ['objectKeys', 'impl:ArrayOfCAdxParamKeyValue'], ['blocKey', 'xsd:string'], ['lineKeys', 'impl:ArrayOf_xsd_string']],
};

const TECHNICAL_INFOS: Array<[string, string]> = [
  ['busy', 'boolean'], ['changeLanguage', 'boolean'], ['changeUserId', 'boolean'], ['flushAdx', 'boolean'], ['loadWebsDuration', 'double'], ['nbDistributionCycle', 'int'],
  ['poolDistribDuration', 'double'], ['poolEntryIdx', 'int'], ['poolExecDuration', 'double'], ['poolRequestDuration', 'double'], ['poolWaitDuration', 'double'],
  ['processReport', 'string'], ['processReportSize', 'int'], ['reloadWebs', 'boolean'], ['resumitAfterDBOpen', 'boolean'], ['rowInDistribStack', 'int'],
  ['totalDuration', 'double'], ['traceRequest', 'string'], ['traceRequestSize', 'int'],
];

/** The fields of CAdxTechnicalInfos in schema order, with their XSD type. */
export const TECHNICAL_INFO_FIELDS: ReadonlyArray<[string, string]> = TECHNICAL_INFOS;

const el = (name: string, type: string, nillable = true) => `<xsd:element name="${name}"${nillable ? ' nillable="true"' : ''} type="${type}" />`;
const array = (name: string, item: string) =>
  `<xsd:complexType name="${name}"><xsd:complexContent mixed="false"><xsd:restriction base="soapenc:Array"><xsd:attribute wsdl:arrayType="${item}[]" ref="soapenc:arrayType" /></xsd:restriction></xsd:complexContent></xsd:complexType>`;

/** The WSDL document with the service address set to `address`. */
export function buildWsdl(address: string): string {
  const ops = Object.entries(SOAP_OPERATIONS);
  const types = [
    `<xsd:complexType name="CAdxCallContext"><xsd:sequence>${['codeLang', 'codeUser', 'password', 'poolAlias', 'poolId', 'requestConfig'].map((n) => el(n, 'xsd:string')).join('')}</xsd:sequence></xsd:complexType>`,
    `<xsd:complexType name="CAdxMessage"><xsd:sequence>${el('message', 'xsd:string')}${el('type', 'xsd:string')}</xsd:sequence></xsd:complexType>`,
    array('ArrayOfCAdxMessage', 'impl:CAdxMessage'),
    `<xsd:complexType name="CAdxTechnicalInfos"><xsd:sequence>${TECHNICAL_INFOS.map(([n, t]) => el(n, `xsd:${t}`, t === 'string')).join('')}</xsd:sequence></xsd:complexType>`,
    `<xsd:complexType name="CAdxResultXml"><xsd:sequence>${el('messages', 'impl:ArrayOfCAdxMessage')}${el('resultXml', 'xsd:string')}${el('status', 'xsd:int', false)}${el('technicalInfos', 'impl:CAdxTechnicalInfos')}</xsd:sequence></xsd:complexType>`,
    `<xsd:complexType name="CAdxParamKeyValue"><xsd:sequence>${el('key', 'xsd:string')}${el('value', 'xsd:string')}</xsd:sequence></xsd:complexType>`,
    array('ArrayOfCAdxParamKeyValue', 'impl:CAdxParamKeyValue'),
    array('ArrayOf_xsd_string', 'xsd:string'),
  ].join('\n');
  const messages = ops
    .map(
      ([name, params]) =>
        `<wsdl:message name="${name}Request"><wsdl:part name="callContext" type="impl:CAdxCallContext" />${params.map(([p, t]) => `<wsdl:part name="${p}" type="${t}" />`).join('')}</wsdl:message>` +
        `<wsdl:message name="${name}Response"><wsdl:part name="${name}Return" type="impl:CAdxResultXml" /></wsdl:message>`,
    )
    .join('\n');
  const portOps = ops
    .map(([name, params]) => `<wsdl:operation name="${name}" parameterOrder="callContext ${params.map(([p]) => p).join(' ')}"><wsdl:input name="${name}Request" message="impl:${name}Request" /><wsdl:output name="${name}Response" message="impl:${name}Response" /></wsdl:operation>`)
    .join('\n');
  const body = `<wsdlsoap:body use="encoded" namespace="${WSS_NS}" encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" />`;
  const bindingOps = ops.map(([name]) => `<wsdl:operation name="${name}"><wsdlsoap:operation soapAction="" /><wsdl:input name="${name}Request">${body}</wsdl:input><wsdl:output name="${name}Response">${body}</wsdl:output></wsdl:operation>`).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:intf="${WSS_NS}" xmlns:apachesoap="http://xml.apache.org/xml-soap" xmlns:wsdlsoap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:impl="${WSS_NS}" targetNamespace="${WSS_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">
<wsdl:types><xsd:schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="${WSS_NS}"><xsd:import namespace="http://schemas.xmlsoap.org/soap/encoding/" />
${types}
</xsd:schema></wsdl:types>
${messages}
<wsdl:portType name="CAdxWebServiceXmlCC">
${portOps}
</wsdl:portType>
<wsdl:binding name="CAdxWebServiceXmlCCSoapBinding" type="impl:CAdxWebServiceXmlCC"><wsdlsoap:binding transport="http://schemas.xmlsoap.org/soap/http" style="rpc" />
${bindingOps}
</wsdl:binding>
<wsdl:service name="CAdxWebServiceXmlCCService"><wsdl:port name="CAdxWebServiceXmlCC" binding="impl:CAdxWebServiceXmlCCSoapBinding"><wsdlsoap:address location="${address}" /></wsdl:port></wsdl:service>
</wsdl:definitions>
`;
}
