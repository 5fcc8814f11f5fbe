/**
 * The SOAP 1.1 RPC/encoded wire format of CAdxWebServiceXmlCC: reads a request envelope into the
 * operation and its parts (callContext, publicName, objectXml or inputXml, objectKeys, listSize), and
 * renders CAdxResultXml (messages, resultXml, status, technicalInfos) the way Axis encodes it.
 */
import { XMLParser } from 'fast-xml-parser';
import type { X3Message } from './model.js';
import { esc } from './param-xml.js';
import { TECHNICAL_INFO_FIELDS, WSS_NS } from './wsdl.js';

/** The call context X3 reads. */
export interface CallContext {
  codeLang: string;
  codeUser: string;
  password: string;
  poolAlias: string;
  poolId: string;
  requestConfig: string;
}

/** A parsed request. */
export interface SoapRequest {
  operation: string;
  callContext: CallContext;
  publicName: string;
  /** objectXml, inputXml or lineXml: the object document as text. */
  document: string;
  objectKeys: Array<{ key: string; value: string }>;
  listSize: number;
  actionCode: string;
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: false });

const str = (v: unknown): string => (v === undefined || v === null || typeof v === 'object' ? '' : String(v));

/** Key/value items of a soapenc array, whatever the item elements are called. */
function keyValues(v: unknown): Array<{ key: string; value: string }> {
  if (!v || typeof v !== 'object') return [];
  const out: Array<{ key: string; value: string }> = [];
  for (const items of Object.values(v as Record<string, unknown>)) {
    for (const item of Array.isArray(items) ? items : [items]) {
      if (item && typeof item === 'object') out.push({ key: str((item as Record<string, unknown>).key).trim(), value: str((item as Record<string, unknown>).value) });
    }
  }
  return out;
}

/** Parses a request envelope; throws when it is not one. */
export function parseSoapRequest(xml: string): SoapRequest {
  const doc = parser.parse(xml) as { Envelope?: { Body?: Record<string, unknown> } };
  const body = doc.Envelope?.Body;
  if (!body || typeof body !== 'object') throw new Error('not a SOAP envelope');
  const operation = Object.keys(body).find((k) => k !== '#text');
  if (!operation) throw new Error('empty SOAP body');
  const a = (body[operation] ?? {}) as Record<string, unknown>;
  const cc = (a.callContext ?? {}) as Record<string, unknown>;
  return {
    operation,
    callContext: {
      codeLang: str(cc.codeLang).trim(),
      codeUser: str(cc.codeUser),
      password: str(cc.password),
      poolAlias: str(cc.poolAlias).trim(),
      poolId: str(cc.poolId),
      requestConfig: str(cc.requestConfig),
    },
    publicName: str(a.publicName).trim(),
    document: str(a.objectXml ?? a.inputXml ?? a.lineXml),
    objectKeys: keyValues(a.objectKeys),
    listSize: Number(str(a.listSize) || 0),
    actionCode: str(a.actionCode).trim(),
  };
}

/** What one call answers. */
export interface CAdxResult {
  status: 0 | 1;
  messages: X3Message[];
  resultXml: string | null;
  busy?: boolean;
  /** Time spent, for technicalInfos (ms). */
  durationMs?: number;
}

/** The SOAP response envelope of `operation` carrying a CAdxResultXml. */
export function renderSoapResult(operation: string, r: CAdxResult): string {
  const msgs = r.messages
    .map((m) => `<messages xsi:type="wss:CAdxMessage"><message xsi:type="xsd:string">${esc(m.message)}</message><type xsi:type="xsd:string">${m.type}</type></messages>`)
    .join('');
  const d = r.durationMs ?? 0;
  const values: Record<string, string> = { busy: String(r.busy === true), totalDuration: String(d), poolExecDuration: String(d), poolRequestDuration: String(d), nbDistributionCycle: '1' };
  const tech = TECHNICAL_INFO_FIELDS.map(([n, t]) => {
    const v = values[n] ?? (t === 'boolean' ? 'false' : t === 'string' ? '' : t === 'int' ? (n === 'poolEntryIdx' ? '1' : '0') : '0');
    return t === 'string' && v === '' ? `<${n} xsi:type="xsd:string" xsi:nil="true"/>` : `<${n} xsi:type="xsd:${t}">${v}</${n}>`;
  }).join('');
  const result =
    `<${operation}Return xsi:type="wss:CAdxResultXml">` +
    `<messages xsi:type="soapenc:Array" soapenc:arrayType="wss:CAdxMessage[${r.messages.length}]">${msgs}</messages>` +
    (r.resultXml === null ? '<resultXml xsi:type="xsd:string" xsi:nil="true"/>' : `<resultXml xsi:type="xsd:string">${esc(r.resultXml)}</resultXml>`) +
    `<status xsi:type="xsd:int">${r.status}</status>` +
    `<technicalInfos xsi:type="wss:CAdxTechnicalInfos">${tech}</technicalInfos>` +
    `</${operation}Return>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:wss="${WSS_NS}">` +
    `<soapenv:Body><wss:${operation}Response soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">${result}</wss:${operation}Response></soapenv:Body></soapenv:Envelope>`
  );
}

/** A SOAP fault (transport-level refusals such as an unknown operation). */
export function renderSoapFault(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>${esc(code)}</faultcode><faultstring>${esc(message)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
}
