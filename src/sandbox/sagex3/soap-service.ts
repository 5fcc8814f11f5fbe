/**
 * The operations of CAdxWebServiceXmlCC over the folder: save, modify, read, query, delete, run,
 * insertLines, getDescription. Every failure is what X3 answers: HTTP 200, status 0 and type-3
 * messages; warnings (type 2) ride along with status 1.
 */
import type { Business, ObjectInput, WriteResult } from './business.js';
import { X3Error, type Row, type X3Message } from './model.js';
import { parseParam, renderList, renderResult, toObjectInput, esc } from './param-xml.js';
import type { Publication } from './publications.js';
import type { CAdxResult, SoapRequest } from './soap-envelope.js';
import { wwModStamp } from './tables.js';

/** The left-list fields `query` returns, per object. */
const LIST_FIELDS: Record<string, string[]> = { BPC: ['BPCNUM', 'BPCNAM', 'BCGCOD', 'BPCSTA', 'CRY'], SOH: ['SOHNUM', 'BPCORD', 'ORDDAT', 'ORDSTA', 'ORDATI'], ITM: ['ITMREF', 'ITMDES1', 'ITMSTA', 'BASPRI'] };

/** Whether `adxwss.optreturn=JSON` is in the request config. */
export function wantsJson(requestConfig: string): boolean {
  return requestConfig.split('&').some((p) => /^adxwss\.optreturn=json$/i.test(p.trim()));
}

/** Runs one request as `user`. */
export function runSoap(req: SoapRequest, biz: Business, pubs: Map<string, Publication>, user: string): CAdxResult {
  const json = wantsJson(req.callContext.requestConfig);
  try {
    const pub = pubs.get(req.publicName);
    if (!pub) throw X3Error.of(`${req.publicName || '(empty)'} : Web service not published`);
    return dispatch(req, pub, biz, json, user);
  } catch (err) {
    if (err instanceof X3Error) return { status: 0, messages: err.messages, resultXml: null };
    throw err;
  }
}

const get = (biz: Business) => (cls: string, key: string) => biz.tables.get(cls, key) as Record<string, unknown> | undefined;

function objectKey(pub: Publication, req: SoapRequest): string {
  const k = req.objectKeys.find((x) => x.key === pub.key) ?? (req.objectKeys.length === 1 ? req.objectKeys[0] : undefined);
  if (!k || !k.value.trim()) throw X3Error.of(`${pub.key} : Key missing`);
  if (k.key !== pub.key) throw X3Error.of(`${k.key} : Unknown key for ${pub.publicName} (expected ${pub.key})`);
  return k.value.trim();
}

function rendered(pub: Publication, row: Row, biz: Business, json: boolean): string {
  return renderResult(pub, row, get(biz), json, { modStamp: wwModStamp(row), user: String(row.UPDUSR ?? '') });
}

function write(pub: Publication, biz: Business, verb: 'create' | 'modify', input: ObjectInput, user: string, key?: string): WriteResult {
  switch (pub.object) {
    case 'BPC':
      return verb === 'create' ? biz.createCustomer(input, user) : biz.modifyCustomer(key!, input, user);
    case 'SOH':
      return verb === 'create' ? biz.createOrder(input, user) : biz.modifyOrder(key!, input, user);
    case 'ITM':
      return verb === 'create' ? biz.createItem(input, user) : biz.modifyItem(key!, input, user);
    default:
      throw X3Error.of(`${pub.publicName} : Operation not available for this web service`);
  }
}

function dispatch(req: SoapRequest, pub: Publication, biz: Business, json: boolean, user: string): CAdxResult {
  const ok = (resultXml: string | null, messages: X3Message[] = []): CAdxResult => ({ status: 1, messages, resultXml });
  if (pub.kind === 'subprogram') {
    if (req.operation !== 'run' && req.operation !== 'getDescription') throw X3Error.of(`${pub.publicName} : Subprogram web services only accept run`);
    if (req.operation === 'getDescription') return ok(describe(pub));
    return ok(runSubprogram(pub, biz, req.document, json));
  }
  if (req.operation === 'run') throw X3Error.of(`${pub.publicName} : Object web services do not accept run`);
  const cls = pub.cls!;
  switch (req.operation) {
    case 'save': {
      const r = write(pub, biz, 'create', toObjectInput(pub, parseParam(req.document, json)), user);
      return ok(rendered(pub, r.row, biz, json), r.messages);
    }
    case 'modify': {
      const key = objectKey(pub, req);
      const r = write(pub, biz, 'modify', toObjectInput(pub, parseParam(req.document, json)), user, key);
      return ok(rendered(pub, r.row, biz, json), r.messages);
    }
    case 'insertLines': {
      const key = objectKey(pub, req);
      const input = toObjectInput(pub, parseParam(req.document, json));
      for (const lines of Object.values(input.children)) for (const l of lines) l.fields.SOPLIN = '0';
      const r = write(pub, biz, 'modify', input, user, key);
      return ok(rendered(pub, r.row, biz, json), r.messages);
    }
    case 'read': {
      const key = objectKey(pub, req);
      const row = biz.tables.get(cls, key);
      if (!row) throw X3Error.of(`${pub.key} ${key} : Record does not exist`);
      return ok(rendered(pub, row, biz, json));
    }
    case 'query': {
      const pattern = req.objectKeys.find((k) => k.key === pub.key)?.value ?? '*';
      const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const size = req.listSize > 0 ? req.listSize : 20;
      const rows = biz.tables.list(cls).filter((r) => re.test(String(r[pub.key!]))).slice(0, size);
      return ok(renderList(pub, rows, LIST_FIELDS[pub.object!] ?? [pub.key!], json));
    }
    case 'delete': {
      const key = objectKey(pub, req);
      if (pub.object === 'BPC') biz.deleteCustomer(key);
      else if (pub.object === 'SOH') biz.deleteOrder(key);
      else {
        if (!biz.tables.get(cls, key)) throw X3Error.of(`${pub.key} ${key} : Record does not exist`);
        biz.tables.remove(cls, key);
      }
      return ok(null);
    }
    case 'getDescription':
      return ok(describe(pub));
    default:
      throw X3Error.of(`${req.operation} : Operation not available for ${pub.publicName}`);
  }
}

/** getDescription: the publication's blocks and fields. */
function describe(pub: Publication): string {
  const blocks = pub.blocks
    .map((b) => {
      const flds = b.fields.map((f) => `<FLD NAME="${f.name}" TYPE="${f.type}"${f.list ? ` DIM="${f.list.length}"` : ''}/>`).join('');
      return b.table ? `<TAB ID="${b.id}" DIM="${b.table.dim}">${flds}</TAB>` : `<GRP ID="${b.id}">${flds}</GRP>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ADXDESC><ADXPARAM NAME="${esc(pub.publicName)}" TYPE="${pub.kind === 'object' ? 'OBJ' : 'SUB'}"/>${blocks}</ADXDESC>`;
}

/** The subprograms: WSGETBPC (customers in a range), WSGETITM (an item's base price). */
function runSubprogram(pub: Publication, biz: Business, document: string, json: boolean): string {
  const doc = parseParam(document || '<PARAM/>', json);
  const g = doc.groups.get('GRP1') ?? {};
  const v = (k: string) => (typeof g[k] === 'string' ? (g[k] as string).trim() : '');
  if (pub.publicName.startsWith('WSGETBPC')) {
    const from = v('BPCSTR');
    const to = v('BPCEND');
    const max = Number(v('NBBPC') || 0);
    let rows = biz.tables.list('BPCUSTOMER').filter((r) => (!from || String(r.BPCNUM) >= from) && (!to || String(r.BPCNUM) <= to));
    if (max > 0) rows = rows.slice(0, max);
    const row: Row = { BPCSTR: from, BPCEND: to, NBBPC: String(rows.length), LINES: rows.map((r) => ({ BPCNUM: String(r.BPCNUM), BPCNAM: String(r.BPCNAM), OSTAUZ: String(r.OSTAUZ ?? '0') })) };
    return renderResult(pub, row, get(biz), json);
  }
  const item = biz.tables.get('ITMMASTER', v('ITM'));
  if (!item) throw X3Error.of(`ITM : Product ${v('ITM')} does not exist`);
  return renderResult(pub, { ITM: v('ITM'), PRI: String(item.BASPRI) }, get(biz), json);
}

