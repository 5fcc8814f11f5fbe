/**
 * The Sage X3 emulator over real HTTP: WSDL, every request of the SOAP samples' shapes (XML and JSON,
 * objects and subprograms) accepted, answers parsed by the same code as the recorded result shapes,
 * REST api1 paging, where, details, create, diagnoses, and the control API (pool, events, faults).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../../../src/connectors/sagex3/x3-document.js';
import { startSageX3Emulator, type RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });
const AUTH = `Basic ${Buffer.from('SYNCLINE:x3-sandbox').toString('base64')}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

let emu: RunningSageX3Emulator;

interface Result {
  http: number;
  status: number;
  messages: Array<{ type: string; message: string }>;
  resultXml: string;
  busy: string;
  text: string;
}

async function soap(operation: string, parts: string, options: { json?: boolean; auth?: string; pool?: string } = {}): Promise<Result> {
  const cc = `<callContext><codeLang>ENG</codeLang><codeUser></codeUser><password></password><poolAlias>${options.pool ?? 'SEED'}</poolAlias><poolId></poolId><requestConfig>adxwss.optreturn=${options.json ? 'JSON' : 'XML'}</requestConfig></callContext>`;
  const body = `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wss="http://www.adonix.com/WSS"><soapenv:Body><wss:${operation}>${cc}${parts}</wss:${operation}></soapenv:Body></soapenv:Envelope>`;
  const res = await fetch(emu.soapUrl, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', authorization: options.auth ?? AUTH }, body });
  const text = await res.text();
  if (!text.startsWith('<?xml') || res.status !== 200) return { http: res.status, status: -1, messages: [], resultXml: '', busy: '', text };
  const ret = (parser.parse(text) as { Envelope: { Body: Record<string, Record<string, Record<string, unknown>>> } }).Envelope.Body[`${operation}Response`][`${operation}Return`];
  const m = (ret.messages as { messages?: unknown } | string | undefined) ?? {};
  const list = typeof m === 'object' && m.messages ? (Array.isArray(m.messages) ? m.messages : [m.messages]) : [];
  return { http: res.status, status: Number(ret.status), messages: list as Result['messages'], resultXml: String(ret.resultXml ?? ''), busy: String((ret.technicalInfos as Record<string, unknown>).busy), text };
}

const keys = (k: string, v: string) => `<objectKeys><item><key>${k}</key><value>${esc(v)}</value></item></objectKeys>`;

async function rest(pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${emu.restUrl}${pathAndQuery}`, { ...init, headers: { authorization: AUTH, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

beforeAll(async () => {
  emu = await startSageX3Emulator();
});
afterAll(async () => emu?.close());

describe('SOAP CAdxWebServiceXmlCC', () => {
  it('serves the RPC/encoded WSDL with every operation at ?wsdl, addressed to itself', async () => {
    const wsdl = await (await fetch(emu.wsdlUrl)).text();
    for (const op of ['run', 'save', 'delete', 'read', 'query', 'modify', 'actionObject', 'actionObjectKeys', 'insertLines', 'deleteLines', 'getDescription', 'getDataXmlSchema']) expect(wsdl).toContain(`<wsdl:operation name="${op}"`);
    expect(wsdl).toContain('style="rpc"');
    expect(wsdl).toContain('use="encoded"');
    expect(wsdl).toContain(`location="${emu.soapUrl}"`);
  });

  it('accepts every request file of the samples\' shapes and answers documents the recorded-shape parser reads', async () => {
    const files = readdirSync(FIXTURES).filter((f) => /_(SAVE|MODIFY|INSERTLINES|RUN)\.(XML|JSON)$/.test(f)).sort((a, b) => rank(a) - rank(b));
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const [, name, op, ext] = /^(.+)_(SAVE|MODIFY|INSERTLINES|RUN)\.(XML|JSON)$/.exec(file)!;
      const json = ext === 'JSON';
      const doc = `<objectXml>${esc(fixture(file))}</objectXml>`;
      const key = name === 'WSBPC' ? keys('BPCNUM', json ? 'HARB02' : 'HARB01') : name === 'WSITM' ? keys('ITMREF', 'BMS101') : keys('SOHNUM', 'WSSOH0001');
      const r =
        op === 'SAVE' ? await soap('save', `<publicName>${name}</publicName>${doc}`, { json })
        : op === 'MODIFY' ? await soap('modify', `<publicName>${name}</publicName>${key}${doc}`, { json })
        : op === 'INSERTLINES' ? await soap('insertLines', `<publicName>${name}</publicName>${key}<blocKey>SOH4_1</blocKey><lineKey>3</lineKey><lineXml>${esc(fixture(file))}</lineXml>`, { json })
        : await soap('run', `<publicName>${name}</publicName><inputXml>${esc(fixture(file))}</inputXml>`, { json });
      expect({ file, status: r.status, errors: r.messages.filter((m) => m.type === '3') }).toEqual({ file, status: 1, errors: [] });
      const parsed = parseDocument(r.resultXml);
      expect(Object.keys(parsed.groups).length + Object.keys(parsed.tables).length, file).toBeGreaterThan(0);
      expect(r.resultXml.trim().startsWith(json ? '{' : '<?xml')).toBe(true);
    }
    // The recorded subprogram result shape, read by the same parser: one group and a table of lines.
    for (const recorded of ['WSGETBPC_RESULT.XML', 'WSGETBPC_RESULT.JSON']) {
      const d = parseDocument(fixture(recorded));
      expect(d.groups.GRP1.NBBPC).toBe('3');
      expect(d.tables.GRP2[1]).toEqual({ BPCNUM: 'C00101', BPCNAM: 'Lakeside Bikes', OSTAUZ: '12500.0' });
    }
    const run = await soap('run', `<publicName>WSGETBPC</publicName><inputXml>${esc(fixture('WSGETBPC_RUN.XML'))}</inputXml>`);
    const d = parseDocument(run.resultXml);
    expect(d.groups.GRP1.NBBPC).toBe('2');
    expect(d.tables.GRP2).toHaveLength(2);
    expect(Object.keys(d.tables.GRP2[0])).toEqual(['BPCNUM', 'BPCNAM', 'OSTAUZ']);
    // What the samples wrote is in the folder.
    expect(emu.tables.get('BPCUSTOMER', 'HARB01')).toMatchObject({ BPCNAM: 'Harbor Cycles & Sons', BPRNAM2: 'Harbor Cycles Inc.', CRN: '94-1234567' });
    expect((emu.tables.get('BPCUSTOMER', 'HARB02')!.BPADDRESS as Array<Record<string, string>>)[0]).toMatchObject({ BPAADD: 'MAIN', ADDLIG2: 'Floor 3' });
    const order = emu.tables.get('SORDER', 'WSSOH0001')!;
    expect((order.SORDERQ as Array<Record<string, string>>).map((l) => [l.ITMREF, l.QTY])).toEqual([['FIN003', '4'], ['FIN002', '1'], ['FIN005', '1'], ['FIN006', '1']]);
    expect(order.CUSORDREF).toBe('PO 7781 rev B');
    expect(emu.tables.get('ITMMASTER', 'BMS101')).toMatchObject({ ITMDES1: 'Chain guard alloy v2', ITMDES2: 'Chain guard, second edition', VACITM: 'NT' });
  });

  it('reads a record with local-menu labels and the ADXTEC stamp; XML and JSON carry the same values', async () => {
    const xml = await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`);
    expect(xml.resultXml).toContain('<FLD MENULAB="Yes" MENULOCAL="1" NAME="BPCSTA" TYPE="Integer">2</FLD>');
    const x = parseDocument(xml.resultXml);
    const j = parseDocument((await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`, { json: true })).resultXml);
    expect(x.groups.ADXTEC.WW_MODSTAMP).toMatch(/^\d{17}$/);
    expect(j.groups.BPC0_1.BPCNAM).toBe(x.groups.BPC0_1.BPCNAM);
    expect(j.groups.BPC0_1.BPCSTA_LBL).toBe('Yes');
    expect(x.tables.BPAC_1[0].CODADR).toBe('MAIN');
  });

  it('answers X3\'s failures: status 0 with type-3 messages, warnings with status 1, 401, a stopped pool, a busy pool', async () => {
    const dup = await soap('save', `<publicName>WSBPC</publicName><objectXml>${esc('<PARAM><GRP ID="BPC0_1"><FLD NAME="BPCNUM">PT001</FLD><FLD NAME="BPCNAM">X</FLD><FLD NAME="BCGCOD">PT</FLD></GRP><GRP ID="BPRC_1"><FLD NAME="CRY">PT</FLD></GRP><TAB ID="BPAC_1"><LIN NUM="1"><FLD NAME="CODADR">MAIN</FLD></LIN></TAB></PARAM>')}</objectXml>`);
    expect(dup).toMatchObject({ http: 200, status: 0, messages: [{ type: '3', message: 'BPCNUM : Record already exists' }] });
    const noCat = await soap('save', `<publicName>WSBPC</publicName><objectXml>${esc('<PARAM><GRP ID="BPC0_1"><FLD NAME="BPCNAM">X</FLD><FLD NAME="BCGCOD">ZZ</FLD></GRP></PARAM>')}</objectXml>`);
    expect(noCat.messages[0].message).toMatch(/^BCGCOD : /);
    const missing = await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'NOPE')}`);
    expect(missing.messages[0].message).toBe('BPCNUM NOPE : Record does not exist');
    const unpublished = await soap('read', `<publicName>WSXYZ</publicName>${keys('BPCNUM', 'PT001')}`);
    expect(unpublished.messages[0].message).toMatch(/not published/);
    emu.business.setCredit('PT001', '100.00');
    const held = await soap('save', `<publicName>WSSOH</publicName><objectXml>${esc('<PARAM><GRP ID="SOH0_1"><FLD NAME="SALFCY">PT032</FLD><FLD NAME="BPCORD">PT001</FLD></GRP><TAB ID="SOH4_1"><LIN NUM="1"><FLD NAME="NUMLIG">0</FLD><FLD NAME="ITMREF">FIN006</FLD><FLD NAME="QTY">1</FLD></LIN></TAB></PARAM>')}</objectXml>`);
    expect(held.status).toBe(1);
    expect(held.messages).toEqual([expect.objectContaining({ type: '2', message: expect.stringMatching(/Credit limit exceeded/) })]);
    expect(parseDocument(held.resultXml).groups.SOH3_1.HLDSTA).toBe('2');
    expect((await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`, { auth: `Basic ${Buffer.from('SYNCLINE:wrong').toString('base64')}` })).http).toBe(401);
    emu.setPool('stopped');
    const stopped = await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`);
    expect(stopped.http).toBe(500);
    expect(stopped.text).toBe('No Web services accepted');
    emu.setPool('busy');
    expect(await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`)).toMatchObject({ status: 0, busy: 'true' });
    emu.setPool('started');
    expect((await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`, { pool: 'OTHER' })).messages[0].message).toMatch(/Pool alias does not exist/);
  });

  it('refuses a modify carrying a stale WW_MODSTAMP, and a locked record', async () => {
    const stamp = parseDocument((await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`)).resultXml).groups.ADXTEC.WW_MODSTAMP as string;
    emu.business.editCustomer('PT001', { CRN: 'changed elsewhere' });
    const stale = await soap('modify', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}<objectXml>${esc(`<PARAM><GRP ID="BPC0_1"><FLD NAME="BPCNAM">New</FLD></GRP><GRP ID="ADXTEC"><FLD NAME="WW_MODSTAMP">${stamp}</FLD></GRP></PARAM>`)}</objectXml>`);
    expect(stale.messages[0].message).toMatch(/modified by another user/);
    emu.setLock('BPCUSTOMER', 'PT001', true);
    const locked = await soap('modify', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}<objectXml>${esc('<PARAM><GRP ID="BPC0_1"><FLD NAME="BPCNAM">New</FLD></GRP></PARAM>')}</objectXml>`);
    expect(locked.messages[0].message).toMatch(/locked/);
    emu.setLock('BPCUSTOMER', 'PT001', false);
  });
});

describe('REST api1', () => {
  it('pages $query through $links.$next (default count 20), filters and orders by UPDDATTIM', async () => {
    const first = await rest('/BPCUSTOMER?representation=BPCUSTOMER.$query');
    expect(first.status).toBe(200);
    expect((first.body.$resources as unknown[]).length).toBe(20);
    let next = (first.body.$links as { $next?: { $url: string } }).$next?.$url;
    let total = 20;
    while (next) {
      const page = (await (await fetch(next, { headers: { authorization: AUTH } })).json()) as { $resources: unknown[]; $links: { $next?: { $url: string } } };
      total += page.$resources.length;
      next = page.$links.$next?.$url;
    }
    expect(total).toBe(emu.tables.count('BPCUSTOMER'));
    const since = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const recent = await rest(`/BPCUSTOMER?representation=BPCUSTOMER.$query&count=100&orderBy=UPDDATTIM asc&where=${encodeURIComponent(`UPDDATTIM gt @${since}@`)}`);
    const stamps = (recent.body.$resources as Array<{ UPDDATTIM: string }>).map((r) => r.UPDDATTIM);
    expect(stamps.length).toBeGreaterThan(0);
    expect([...stamps].sort()).toEqual(stamps);
    expect(stamps.every((s) => s > since)).toBe(true);
  });

  it('answers 500 with $diagnoses for an unknown property in where, 404 for an unknown key', async () => {
    const bad = await rest(`/BPCUSTOMER?representation=BPCUSTOMER.$query&where=${encodeURIComponent("NOSUCH eq 'x'")}`);
    expect(bad.status).toBe(500);
    expect(bad.body.$diagnoses).toEqual([{ $severity: 'error', $message: "Property 'NOSUCH' not found" }]);
    expect((await rest("/BPCUSTOMER('NOPE')?representation=BPCUSTOMER.$details")).status).toBe(404);
  });

  it('reads $details with composite keys joined by ~, exact decimals and the empty-date sentinel', async () => {
    const one = await rest("/ITMMVT('BMS001~NA011')?representation=ITMMVT.$details");
    expect(one.status).toBe(200);
    expect(one.body.$key).toBe('BMS001~NA011');
    const raw = await (await fetch(`${emu.restUrl}/ITMMASTER('BMS003')?representation=ITMMASTER.$details`, { headers: { authorization: AUTH } })).text();
    expect(raw).toContain('"BASPRI":214.50');
    const open = emu.tables.list('SORDER').find((o) => o.SHIDAT === '')!;
    const order = await rest(`/SORDER('${String(open.SOHNUM)}')?representation=SORDER.$details`);
    expect(order.body.SHIDAT).toBe('1753-01-01');
  });

  it('answers an equality or in-list from its index exactly as a full scan would, and sees a change made after the first answer', async () => {
    const customers = emu.tables.list('BPCUSTOMER').slice(0, 3).map((c) => String(c.BPCNUM));
    const inList = await rest(`/SORDER?representation=SORDER.$query&count=1000&where=${encodeURIComponent(`BPCORD in (${customers.map((c) => `'${c}'`).join(',')}) and ORDSTA ge 1`)}`);
    const scan = emu.tables.list('SORDER').filter((o) => customers.includes(String(o.BPCORD)));
    expect((inList.body.$resources as Array<{ SOHNUM: string }>).map((o) => o.SOHNUM).sort()).toEqual(scan.map((o) => String(o.SOHNUM)).sort());
    const byName = (name: string) => rest(`/BPCUSTOMER?representation=BPCUSTOMER.$query&where=${encodeURIComponent(`BPCNAM eq '${name}'`)}`);
    expect((await byName('Renamed Cycles')).body.$resources).toEqual([]);
    emu.business.editCustomer(customers[0], { BPCNAM: 'Renamed Cycles' });
    expect((await byName('Renamed Cycles')).body.$resources).toMatchObject([{ BPCNUM: customers[0] }]);
  });

  it('creates with $create (201 + Location) and edits with a partial $edit', async () => {
    const created = await rest('/BPCUSTOMER?representation=BPCUSTOMER.$create', { method: 'POST', body: JSON.stringify({ BPCNAM: 'Rest Bikes', BCGCOD: 'US', CRY: 'US', BPADDRESS: [{ BPAADD: 'MAIN', CTY: 'Reno' }] }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(created.body.$url);
    const key = String(created.body.$key);
    const edited = await rest(`/BPCUSTOMER('${key}')?representation=BPCUSTOMER.$edit`, { method: 'PUT', body: JSON.stringify({ OSTAUZ: '1234.50' }) });
    expect(edited.status).toBe(200);
    expect(emu.tables.get('BPCUSTOMER', key)).toMatchObject({ BPCNAM: 'Rest Bikes', OSTAUZ: '1234.50' });
  });
});

describe('control API', () => {
  it('stages shipping, invoicing, payment and stock receipts, stamping what changed', async () => {
    const ctl = (p: string, body: unknown) => fetch(`${emu.url}/__sandbox/${p}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { record?: Record<string, string> } }));
    const open = emu.tables.list('SORDER').find((o) => o.DLVSTA === '1' && o.HLDSTA === '1')!;
    const before = String(open.UPDDATTIM);
    const ship = await ctl('events/ship-order', { SOHNUM: open.SOHNUM, TRKNUM: '1ZTEST' });
    expect(ship.status).toBe(200);
    expect(ship.body.record).toMatchObject({ SOHNUM: open.SOHNUM, TRKNUM: '1ZTEST' });
    const shipped = emu.tables.get('SORDER', String(open.SOHNUM))!;
    expect(shipped.DLVSTA).toBe('3');
    expect(String(shipped.UPDDATTIM) > before).toBe(true);
    const inv = await ctl('events/post-invoice', { SOHNUM: open.SOHNUM });
    expect(inv.body.record!.STA).toBe('3');
    expect(emu.tables.get('SORDER', String(open.SOHNUM))!.ORDSTA).toBe('2');
    const paid = await ctl('events/pay-invoice', { NUM: inv.body.record!.NUM });
    expect(paid.body.record!.PAYCUR).toBe(paid.body.record!.AMTCUR);
    const mvt = () => String(emu.tables.get('ITMMVT', 'BMS007~NA021')!.PHYSTO);
    const was = Number(mvt());
    await ctl('events/receive-stock', { ITMREF: 'BMS007', STOFCY: 'NA021', QTY: '25', LOT: 'LOTX' });
    expect(Number(mvt())).toBe(was + 25);
    expect((await ctl('events/ship-order', { SOHNUM: 'NOPE' })).status).toBe(404);
  });

  it('stages an item edit (a data import), a credit release and a new site, which tests used to write into the folder', async () => {
    const ctl = (p: string, body: unknown) => fetch(`${emu.url}/__sandbox/${p}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { record?: Record<string, string> } }));
    const item = emu.tables.list('ITMMASTER')[0];
    const edited = await ctl('events/edit-item', { ITMREF: item.ITMREF, ITMDES1: '' });
    expect(edited.status).toBe(200);
    expect(emu.tables.get('ITMMASTER', String(item.ITMREF))).toMatchObject({ ITMDES1: '', UPDUSR: 'JSMITH' });
    expect(String(emu.tables.get('ITMMASTER', String(item.ITMREF))!.UPDDATTIM) >= String(item.UPDDATTIM)).toBe(true);
    expect((await ctl('events/edit-item', { ITMREF: 'NOPE' })).status).toBe(404);

    const customer = emu.tables.list('BPCUSTOMER')[0];
    emu.business.setCredit(String(customer.BPCNUM), '1.00');
    const held = String(emu.business.createOrder({ fields: { BPCORD: String(customer.BPCNUM), SALFCY: 'NA011' }, children: { SORDERQ: [{ fields: { ITMREF: 'BMS001', QTY: '1' } }] } }, 'JSMITH').row.SOHNUM);
    expect(emu.tables.get('SORDER', held)).toMatchObject({ HLDSTA: '2' });
    expect((await ctl('events/release-order', { SOHNUM: held })).body.record).toMatchObject({ HLDSTA: '1', CDTSTA: '1' });

    const site = await ctl('events/add-site', { FCY: 'NA031', FCYNAM: 'Boston store', CRY: 'US', LEGCPY: 'NA10' });
    expect(site.status).toBe(200);
    expect(emu.tables.get('FACILITY', 'NA031')).toMatchObject({ FCYNAM: 'Boston store', FCYSHO: 'NA031', SALFLG: '2' });
    expect((await ctl('events/add-site', { FCY: 'NA031' })).status).toBe(409);
  });

  it('applies the shared fault rules', async () => {
    emu.faults.add({ path: 'BPCUSTOMER', count: 1, fault: { status: 503, body: { error: 'injected' } } });
    expect((await rest('/BPCUSTOMER?representation=BPCUSTOMER.$query')).status).toBe(503);
    expect((await rest('/BPCUSTOMER?representation=BPCUSTOMER.$query')).status).toBe(200);
    emu.faults.add({ path: 'CAdxWebServiceXmlCC', count: 1, fault: { vendorError: 'NO_WEB_SERVICES' } });
    expect((await soap('read', `<publicName>WSBPC</publicName>${keys('BPCNUM', 'PT001')}`)).http).toBe(500);
  });
});

/** SAVE before MODIFY before INSERTLINES, subprograms last. */
function rank(file: string): number {
  return ['_SAVE.', '_MODIFY.', '_INSERTLINES.', '_RUN.'].findIndex((s) => file.includes(s)) * 100 + (file.startsWith('WSBPC') ? 0 : file.startsWith('WSITM') ? 1 : 2);
}
