/**
 * The only file that speaks SOAP: CAdxWebServiceXmlCC through the `soap` package, built from the
 * server's WSDL. Every call acquires the connection's gate for exactly its own duration, carries the
 * CAdxCallContext (codeLang, poolAlias, requestConfig with adxwss.optreturn) and HTTP Basic auth, and
 * returns the parsed CAdxResultXml; status 0 becomes a classified SyncError (errors.ts).
 *
 * Escaping is ours, not the library's: top-level string parts (publicName, objectXml) go as CDATA
 * sections we build (the library passes a ready CDATA section through untouched, and would otherwise
 * skip escaping any value that happens to look like one), nested values (callContext, objectKeys) are
 * entity-escaped by us with the library's own escaping turned off.
 */
// Loaded with the first call, as for Sage 100: the package and its dependencies cost a process that
// never speaks SOAP about 0.4 s of start-up.
import type { Client } from 'soap';
import type { CallGate } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { basicAuthorization } from './auth.js';
import { httpFailure, soapFailure, type X3Message } from './errors.js';
import { checkValue, parseDocument, xmlEscape, type X3Document } from './x3-document.js';

/** What the client needs to know. */
export interface SoapClientOptions {
  /** The CAdxWebServiceXmlCC endpoint URL. */
  endpointUrl: string;
  /** Where the WSDL is read (default endpoint + `?wsdl`). */
  wsdlUrl?: string;
  user: string;
  password: string;
  language: string;
  poolAlias: string;
  /** `JSON` or `XML`: adxwss.optreturn. */
  format: 'XML' | 'JSON';
  timeoutMs: number;
  gate: CallGate;
}

/** A successful call: the result document, its raw text, and the warnings and information X3 gave. */
export interface SoapResult {
  document: X3Document;
  raw: string;
  /** Type 1 and 2 messages of a status-1 answer. */
  messages: X3Message[];
}

/** A key of `objectKeys`. */
export interface X3Key {
  key: string;
  value: string;
}

type Json = Record<string, unknown>;
const val = (x: unknown): unknown => (x && typeof x === 'object' && '$value' in (x as Json) ? (x as Json).$value : x);
const str = (x: unknown): string => {
  const v = val(x);
  return v === undefined || v === null || typeof v === 'object' ? '' : String(v);
};

/** A top-level string part as a CDATA section of our own (`]]>` split across two sections). */
export function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** CAdxWebServiceXmlCC client; reads the WSDL on first use. */
export class X3SoapClient {
  private client: Promise<Client> | null = null;

  constructor(private readonly o: SoapClientOptions) {}

  private open(): Promise<Client> {
    if (!this.client) {
      const wsdl = this.o.wsdlUrl ?? `${this.o.endpointUrl}?wsdl`;
      this.client = (async () => {
        const { BasicAuthSecurity, createClientAsync } = await import('soap');
        const release = await this.o.gate.acquire('soap:wsdl');
        try {
          const c = await createClientAsync(wsdl, { endpoint: this.o.endpointUrl, escapeXML: false, wsdl_headers: { authorization: basicAuthorization(this.o.user, this.o.password) }, wsdl_options: { timeout: this.o.timeoutMs } } as never);
          c.setSecurity(new BasicAuthSecurity(this.o.user, this.o.password));
          return c;
        } finally {
          release();
        }
      })().catch((err: unknown) => {
        this.client = null;
        throw transportError(err, 'reading the WSDL', wsdl);
      });
    }
    return this.client;
  }

  private callContext(): Json {
    const requestConfig = `adxwss.optreturn=${this.o.format}&adxwss.beautify=false&adxwss.trace.on=off`;
    return { codeLang: xmlEscape(this.o.language), codeUser: '', password: '', poolAlias: xmlEscape(this.o.poolAlias), poolId: '', requestConfig: xmlEscape(requestConfig) };
  }

  private keys(keys: X3Key[], recordKey?: string): Json[] {
    return keys.map((k) => {
      checkValue(k.key, k.value, recordKey);
      return { key: xmlEscape(k.key), value: xmlEscape(k.value) };
    });
  }

  /** Creates an object (`save`). */
  save(publicName: string, document: string, recordKey?: string, values?: Json): Promise<SoapResult> {
    return this.call('save', publicName, { objectXml: cdata(document) }, recordKey, values);
  }

  /** Modifies an object (`modify`): only the fields in the document change. */
  modify(publicName: string, keys: X3Key[], document: string, recordKey?: string, values?: Json): Promise<SoapResult> {
    return this.call('modify', publicName, { objectKeys: this.keys(keys, recordKey), objectXml: cdata(document) }, recordKey, values);
  }

  /** Reads an object (`read`). */
  read(publicName: string, keys: X3Key[], recordKey?: string): Promise<SoapResult> {
    return this.call('read', publicName, { objectKeys: this.keys(keys, recordKey) }, recordKey);
  }

  /** Lists objects (`query`, the object's left list). */
  query(publicName: string, keys: X3Key[], listSize: number): Promise<SoapResult> {
    return this.call('query', publicName, { objectKeys: this.keys(keys), listSize }, undefined);
  }

  /** Deletes an object (`delete`). */
  delete(publicName: string, keys: X3Key[], recordKey?: string): Promise<SoapResult> {
    return this.call('delete', publicName, { objectKeys: this.keys(keys, recordKey) }, recordKey);
  }

  /** Runs a published subprogram (`run`). */
  run(publicName: string, document: string): Promise<SoapResult> {
    return this.call('run', publicName, { inputXml: cdata(document) }, undefined);
  }

  private async call(operation: string, publicName: string, parts: Json, recordKey?: string, values?: Json): Promise<SoapResult> {
    checkValue('publicName', publicName);
    const client = await this.open();
    const method = (client as unknown as Record<string, unknown>)[`${operation}Async`] as ((args: unknown, options: unknown) => Promise<[Json | null]>) | undefined;
    if (typeof method !== 'function') throw new SyncError('fatal', `Sage X3: the WSDL at ${this.o.endpointUrl} has no ${operation} operation`, { system: 'sagex3' });
    const release = await this.o.gate.acquire(`soap:${operation} ${publicName}`);
    let response: Json | null;
    try {
      [response] = await method.call(client, { callContext: this.callContext(), publicName: cdata(publicName), ...parts }, { timeout: this.o.timeoutMs });
    } catch (err) {
      throw transportError(err, `${publicName} ${operation}`, this.o.endpointUrl, recordKey);
    } finally {
      release();
    }
    const ret = (response?.[`${operation}Return`] ?? {}) as Json;
    const status = Number(str(ret.status));
    const messages = readMessages(ret.messages);
    const busy = str((ret.technicalInfos as Json | undefined)?.busy) === 'true';
    if (status !== 1) throw soapFailure(operation, publicName, messages, busy, recordKey, values);
    const raw = str(ret.resultXml);
    return { document: parseDocument(raw), raw, messages };
  }
}

function readMessages(v: unknown): X3Message[] {
  if (!v || typeof v !== 'object') return [];
  const out: X3Message[] = [];
  for (const [k, items] of Object.entries(v as Json)) {
    if (k === 'attributes') continue;
    for (const m of Array.isArray(items) ? items : [items]) {
      if (m && typeof m === 'object') out.push({ type: Number(str((m as Json).type)) || 3, message: str((m as Json).message) });
    }
  }
  return out;
}

/** An HTTP status without a CAdxResultXml, or a network failure. */
function transportError(err: unknown, what: string, url: string, recordKey?: string): SyncError {
  if (err instanceof SyncError) return err;
  const e = err as { response?: { status?: number; headers?: Record<string, string>; data?: unknown }; body?: unknown; code?: string; message?: string };
  const status = e.response?.status;
  if (status && status >= 300) {
    const body = typeof e.body === 'string' ? e.body : typeof e.response?.data === 'string' ? e.response.data : String(e.message ?? '');
    const headers = new Headers();
    for (const [k, v] of Object.entries(e.response?.headers ?? {})) if (typeof v === 'string') headers.set(k, v);
    return httpFailure(status, headers, body, what, [], recordKey);
  }
  const reason = e.code === 'ECONNABORTED' || /timeout/i.test(e.message ?? '') ? 'timed out' : (e.code ?? e.message ?? String(err));
  return new SyncError('retryable', `Sage X3 ${what} at ${url} failed: ${reason}`, { system: 'sagex3', recordKey }, { cause: err });
}
