/**
 * The Sage X3 connector against the emulator: SOAP writes (flattened customer, order lines, XML and
 * JSON results), the error taxonomy, WW_MODSTAMP concurrency, hostile strings arriving escaped, and
 * reads and change polling through api1 (totals, sentinel dates, exact decimals, find by email).
 */
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SageX3Connection, sageX3Connector } from '../../../src/connectors/sagex3/index.js';
import { startSageX3Emulator, type RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';
import { emulatorSettings, testContext } from './context.js';

let emu: RunningSageX3Emulator;
const envelopeParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: false });
beforeAll(async () => {
  emu = await startSageX3Emulator({ seedSize: { customers: 12, items: 8, orders: 10 } });
});
afterAll(async () => emu?.close());
beforeEach(() => {
  emu.setPool('started');
  emu.faults.clear();
  // The seed and earlier tests' writes are stamped in the emulator's current second, and a poll reads a
  // second (UPDDATTIM has whole seconds) once it has ended.
  emu.clock.advance(1000);
});

function connect(extra: Record<string, unknown> = {}) {
  const ctx = testContext(emulatorSettings(emu, extra));
  // The connector's "now" is X3's: tests move the emulator's clock.
  return { ctx, x3: new SageX3Connection(ctx, { now: () => emu.clock.now().getTime() }) };
}

async function failure(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SyncError) return err;
    throw err;
  }
  throw new Error('expected a SyncError');
}

const ann = { BPCNAM: 'Contoso Bikes', CRY: 'US', ADDLIG1: '1 Market St', CTY: 'San Francisco', SAT: 'CA', POSCOD: '94105', WEB1: 'ap@contoso.example', CNTFNA: 'Ann', CNTLNA: 'Lee', CNTEMA: 'ann.lee@contoso.example' };

describe('declaration', () => {
  it('documents every setting in docs/connectors/sagex3.md and keeps the password secret', () => {
    const guide = readFileSync(fileURLToPath(new URL('../../../docs/connectors/sagex3.md', import.meta.url)), 'utf8');
    for (const field of sageX3Connector.settings!.fields) expect(guide, field.name).toContain(`\`${field.name.split('.')[0]}`);
    expect(sageX3Connector.settings!.fields.filter((x) => x.secret).map((x) => x.name).sort()).toEqual(['graphqlSecret', 'password']);
    expect(sageX3Connector.entities.map((e) => e.name)).toEqual(['BPCUSTOMER', 'SORDER', 'ITMMASTER', 'ITMMVT', 'STOCK', 'SDELIVERY', 'SINVOICE']);
  });
});

describe('connection', () => {
  it('checks REST and SOAP, and reports a refused password as unauthorized', async () => {
    expect(await connect().x3.check()).toMatchObject({ ok: true, info: { rest: 'ok', soap: 'ok' } });
    const bad = connect({ password: 'wrong' }).x3;
    expect((await bad.check()).ok).toBe(false);
    expect((await failure(bad.get('BPCUSTOMER', 'PT001'))).kind).toBe('unauthorized');
    expect((await failure(bad.write('BPCUSTOMER', { verb: 'create', data: ann }))).kind).toBe('unauthorized');
  });
});

describe('writes through SOAP', () => {
  it('creates a customer with its main address and contact, category defaults applied by X3, and returns the number', async () => {
    const { x3, ctx } = connect();
    const out = await x3.write('BPCUSTOMER', { verb: 'create', data: ann });
    expect(out.created).toBe(true);
    const row = emu.tables.get('BPCUSTOMER', out.id)!;
    expect(row).toMatchObject({ BPCNAM: 'Contoso Bikes', BCGCOD: 'WEB', PTE: 'NET15', CUR: 'USD', CRY: 'US' });
    expect(row.BPADDRESS).toEqual([expect.objectContaining({ BPAADD: 'MAIN', ADDLIG1: '1 Market St', CTY: 'San Francisco', WEB1: 'ap@contoso.example', BPAADDFLG: '2' })]);
    expect(row.CONTACT).toEqual([expect.objectContaining({ CNTFNA: 'Ann', CNTLNA: 'Lee', CNTEMA: 'ann.lee@contoso.example' })]);
    expect(out.data).toMatchObject({ BPCNUM: out.id, BCGCOD: 'WEB' });
    expect(ctx.calls.filter((c) => c.startsWith('soap:save'))).toEqual(['soap:save WSBPC']);
  });

  it('keeps X3 warnings (type 2 with status 1) in the outcome', async () => {
    const { x3 } = connect();
    const out = await x3.write('BPCUSTOMER', { verb: 'create', data: { BPCNAM: 'No Mail Ltd', CRY: 'US', CTY: 'Reno' } });
    expect(out.data?.warnings).toEqual([expect.stringMatching(/No contact with an email address/)]);
  });

  it('creates a sales order with lines priced by X3; a credit warning is kept', async () => {
    const { x3 } = connect();
    const out = await x3.write('SORDER', { verb: 'create', data: { BPCORD: 'PT001', SALFCY: 'PT032', CUSORDREF: 'OPP-1', ORDDAT: '2026-12-01', SORDERQ: [{ ITMREF: 'BMS003', QTY: 2 }, { ITMREF: 'BMS007', QTY: '3', GROPRI: '45.10' }] } });
    const row = emu.tables.get('SORDER', out.id)!;
    expect(row.ORDDAT).toBe('2026-12-01');
    expect((row.SORDERQ as Array<Record<string, string>>).map((l) => [l.ITMREF, l.QTY, l.NETPRI])).toEqual([['BMS003', '2', '214.50'], ['BMS007', '3', '45.10']]);
    expect(out.data).toMatchObject({ SOHNUM: out.id, ORDNOT: '564.30' });
    emu.business.setCredit('PT001', '10.00');
    const held = await x3.write('SORDER', { verb: 'create', data: { BPCORD: 'PT001', SALFCY: 'PT032', SORDERQ: [{ ITMREF: 'BMS001', QTY: 1 }] } });
    expect(held.data).toMatchObject({ HLDSTA: '2', warnings: [expect.stringMatching(/Credit limit exceeded/)] });
    emu.business.setCredit('PT001', '100000.00');
  });

  it('works the same with JSON results (adxwss.optreturn=JSON)', async () => {
    const { x3 } = connect({ resultFormat: 'JSON' });
    const out = await x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNAM: 'Json Cycles', CNTEMA: 'json@cycles.example' } });
    expect(emu.tables.get('BPCUSTOMER', out.id)!.BPCNAM).toBe('Json Cycles');
    await x3.write('BPCUSTOMER', { verb: 'update', id: out.id, data: { CTY: 'Oakland' } });
    expect((emu.tables.get('BPCUSTOMER', out.id)!.BPADDRESS as Array<Record<string, string>>)[0].CTY).toBe('Oakland');
  });

  it('updates the main address and contact in place, never adding lines', async () => {
    const { x3 } = connect();
    const { id } = await x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNAM: 'Inplace Co' } });
    await x3.write('BPCUSTOMER', { verb: 'update', id, data: { CTY: 'Oakland', CNTFNA: 'Anne' } });
    const row = emu.tables.get('BPCUSTOMER', id)!;
    expect(row.BPADDRESS).toHaveLength(1);
    expect(row.CONTACT).toHaveLength(1);
    expect((row.CONTACT as Array<Record<string, string>>)[0]).toMatchObject({ CNTFNA: 'Anne', CNTLNA: 'Lee' });
  });
});

describe('errors', () => {
  it('a type-3 message naming a field is invalid data on that field', async () => {
    const e = await failure(connect().x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BCGCOD: 'ZZ' } }));
    expect(e.kind).toBe('invalid_data');
    expect(e.details).toMatchObject({ field: 'BCGCOD', value: 'ZZ', system: 'sagex3' });
    const line = await failure(connect().x3.write('SORDER', { verb: 'create', data: { BPCORD: 'PT001', SORDERQ: [{ ITMREF: 'NOPE', QTY: 1 }] } }));
    expect(line.details.field).toBe('ITMREF');
  });

  it('"already exists" is resolved by reading the record and updating it', async () => {
    const { x3 } = connect();
    const out = await x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNUM: 'PT001', BPCNAM: 'Bicicletas do Porto SA' } });
    expect(out).toMatchObject({ id: 'PT001', created: false });
    expect(emu.tables.get('BPCUSTOMER', 'PT001')!.BPCNAM).toBe('Bicicletas do Porto SA');
  });

  it('a locked record, a busy pool and a stopped pool are retryable; an unknown public name is fatal', async () => {
    const { x3 } = connect();
    emu.setLock('BPCUSTOMER', 'PT001', true);
    expect((await failure(x3.write('BPCUSTOMER', { verb: 'update', id: 'PT001', data: { BPCNAM: 'X' } }))).kind).toBe('retryable');
    emu.setLock('BPCUSTOMER', 'PT001', false);
    emu.setPool('busy');
    expect((await failure(x3.write('BPCUSTOMER', { verb: 'update', id: 'PT001', data: { BPCNAM: 'X' } }))).details.vendorCode).toBe('POOL_BUSY');
    emu.setPool('stopped');
    const stopped = await failure(x3.write('BPCUSTOMER', { verb: 'update', id: 'PT001', data: { BPCNAM: 'X' } }));
    expect(stopped).toMatchObject({ kind: 'retryable', details: { status: 500, vendorCode: 'NO_WEB_SERVICES' } });
    emu.setPool('started');
    const unpublished = await failure(connect({ publicNames: { customer: 'ZZBPC' } }).x3.write('BPCUSTOMER', { verb: 'create', data: ann }));
    expect(unpublished.kind).toBe('fatal');
  });

  it('a missing record is not_found; querying a field the class does not have is refused before X3 answers 500', async () => {
    const { x3, ctx } = connect();
    expect((await failure(x3.write('BPCUSTOMER', { verb: 'update', id: 'NOPE', data: { BPCNAM: 'X' } }))).kind).toBe('not_found');
    expect(await x3.get('BPCUSTOMER', 'NOPE')).toBeNull();
    const before = ctx.calls.length;
    expect((await failure(x3.find('BPCUSTOMER', 'NOSUCH', 'x'))).kind).toBe('fatal');
    expect(ctx.calls.length).toBe(before);
  });
});

describe('WW_MODSTAMP optimistic concurrency', () => {
  it('a concurrent change to another field: re-read, retried, both changes kept', async () => {
    const { x3, ctx } = connect();
    ctx.beforeCall(/^soap:modify/, () => emu.business.editCustomer('PT001', { CRN: 'PT-500100200' }));
    await x3.write('BPCUSTOMER', { verb: 'update', id: 'PT001', data: { BPCNAM: 'Porto Bikes' } });
    expect(emu.tables.get('BPCUSTOMER', 'PT001')).toMatchObject({ BPCNAM: 'Porto Bikes', CRN: 'PT-500100200' });
    expect(ctx.calls.filter((c) => c.startsWith('soap:modify'))).toHaveLength(2);
  });

  it('a concurrent change to the same field: a conflict, never overwritten', async () => {
    const { x3, ctx } = connect();
    ctx.beforeCall(/^soap:modify/, () => emu.business.editCustomer('PT001', { BPCNAM: 'Changed in X3' }));
    const e = await failure(x3.write('BPCUSTOMER', { verb: 'update', id: 'PT001', data: { BPCNAM: 'From the CRM' } }));
    expect(e).toMatchObject({ kind: 'conflict', details: { field: 'BPCNAM', vendorCode: 'MODSTAMP' } });
    expect(emu.tables.get('BPCUSTOMER', 'PT001')!.BPCNAM).toBe('Changed in X3');
  });
});

describe('hostile strings', () => {
  const hostile = ['<![CDATA[boom]]>', 'a]]>b', '<FLD NAME="BPCSTA">1</FLD>', 'Fish & Chips <Ltd>', `O'Brien "Quotes"`];

  it('arrive exactly as given, escaped in the SOAP body, in XML and JSON mode', async () => {
    for (const format of ['XML', 'JSON']) {
      const { x3 } = connect({ resultFormat: format });
      for (const name of hostile) {
        const out = await x3.write('BPCUSTOMER', { verb: 'create', data: { BPCNAM: name.slice(0, 35), CRY: 'US', CTY: name.slice(0, 40), CNTLNA: 'Doe', CNTEMA: 'x@y.example' } });
        const row = emu.tables.get('BPCUSTOMER', out.id)!;
        expect(row.BPCNAM).toBe(name.slice(0, 35));
        expect(row.BPCSTA).toBe('2');
        expect((row.BPADDRESS as Array<Record<string, string>>)[0].CTY).toBe(name.slice(0, 40));
        const body = emu.soapBodies.at(-1)!;
        // XML mode: values entity-escaped inside the CDATA section of the shared xmlPartText; JSON mode:
        // inside a section whose end marker cannot occur early. Either way the envelope parses back to exactly what was sent.
        if (format === 'XML') expect(body).not.toContain(name);
        const sent = (envelopeParser.parse(body) as { Envelope: { Body: { save: { objectXml: string } } } }).Envelope.Body.save.objectXml;
        if (format === 'JSON') expect((JSON.parse(sent) as { BPC0_1: { BPCNAM: string } }).BPC0_1.BPCNAM).toBe(name.slice(0, 35));
        else expect(sent).toContain(`<FLD NAME="BPCNAM">${name.slice(0, 35).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')}</FLD>`);
      }
    }
  });

  it('escape key values too, and refuse NUL naming the field, before any call', async () => {
    const { x3, ctx } = connect();
    expect((await failure(x3.write('BPCUSTOMER', { verb: 'update', id: 'A]]><x>', data: { BPCNAM: 'X' } }))).kind).toBe('not_found');
    expect(emu.soapBodies.at(-1)).toContain('A]]&gt;&lt;x&gt;');
    const calls = ctx.calls.length;
    const nul = await failure(x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNAM: 'Bad\u0000Name' } }));
    expect(nul).toMatchObject({ kind: 'invalid_data', details: { field: 'BPCNAM' } });
    expect(ctx.calls.length).toBe(calls);
  });
});

describe('reads and change polling through api1', () => {
  it('polls customers by UPDDATTIM with totals, then only what changed, including customers whose invoices changed', async () => {
    const { x3, ctx } = connect();
    let since = null;
    const all = [];
    for (;;) {
      const page = await x3.readChanges('BPCUSTOMER', since, { limit: 5, overlapMs: 1000 });
      all.push(...page.records);
      since = page.next;
      if (!page.hasMore) break;
    }
    // Every customer once at least; during a first catch-up one whose invoices are newer than itself comes again at their stamp.
    expect(new Set(all.map((r) => r.id)).size).toBe(emu.tables.count('BPCUSTOMER'));
    expect(ctx.calls.some((c) => c === 'GET BPCUSTOMER $query')).toBe(true);
    const pt = all.find((r) => r.id === 'PT001')!;
    expect(pt.data).toMatchObject({ BPCNUM: 'PT001', CTY: expect.any(String), CNTEMA: expect.any(String), totals: { lifetimeValue: expect.stringMatching(/^\d+\.\d{2}$/) } });
    expect(await x3.readChanges('BPCUSTOMER', since, { limit: 50, overlapMs: 1000 })).toMatchObject({ records: [] });

    // An order shipped and invoiced changes no customer row, yet its customer comes back with new totals.
    emu.clock.advance(2000);
    const order = emu.tables.list('SORDER').find((o) => o.DLVSTA === '1' && o.HLDSTA === '1' && o.BPCORD !== 'PT001')!;
    const cust = String(order.BPCORD);
    const before = all.find((r) => r.id === cust)!.data.totals as { lifetimeValue: string };
    emu.business.shipOrder(String(order.SOHNUM));
    emu.business.postInvoice(String(order.SOHNUM));
    emu.clock.advance(2000);
    const again = await x3.readChanges('BPCUSTOMER', since, { limit: 50, overlapMs: 1000 });
    expect(again.records.map((r) => r.id)).toEqual([cust]);
    const after = again.records[0].data.totals as { lifetimeValue: string; openBalance: string };
    expect(Number(after.lifetimeValue)).toBeCloseTo(Number(before.lifetimeValue) + Number(order.ORDATI), 2);
    expect(after.openBalance).toMatch(/^\d+\.\d{2}$/);
  });

  it('with auditedDeletions, a customer deleted in X3 is polled as deleted through the deletionAudit names; a name that is not an X3 column is refused', async () => {
    const { x3, ctx } = connect({ auditedDeletions: true });
    let since = null;
    for (;;) {
      const page = await x3.readChanges('BPCUSTOMER', since, { limit: 50, overlapMs: 1000 });
      since = page.next;
      if (!page.hasMore) break;
    }
    const ordered = new Set(emu.tables.list('SORDER').map((o) => String(o.BPCORD)));
    const gone = String(emu.tables.list('BPCUSTOMER').find((c) => !ordered.has(String(c.BPCNUM)))!.BPCNUM);
    emu.clock.advance(2000);
    emu.business.deleteCustomer(gone);
    emu.clock.advance(2000);
    const page = await x3.readChanges('BPCUSTOMER', since, { limit: 50, overlapMs: 1000 });
    // (Earlier tests' changes may come in the same window; the deleted customer comes once, as deleted.)
    expect(page.records.filter((r) => r.id === gone)).toEqual([expect.objectContaining({ id: gone, deleted: true, data: { BPCNUM: gone, deleted: true } })]);
    expect(ctx.calls).toContain('GET AUDITH $query');
    // Without auditing (the default) the deletion is not seen.
    expect((await connect().x3.readChanges('BPCUSTOMER', since, { limit: 50, overlapMs: 1000 })).records.some((r) => r.id === gone)).toBe(false);
    expect(() => connect({ auditedDeletions: true, deletionAudit: { keyColumn: 'clefic; drop' } })).toThrow(/deletionAudit/);
  });

  it('reads orders with the customer, exact decimals and the empty-date sentinel as null', async () => {
    const { x3 } = connect();
    const open = emu.tables.list('SORDER').find((o) => o.SHIDAT === '')!;
    const rec = (await x3.get('SORDER', String(open.SOHNUM)))!;
    expect(rec.data.SHIDAT).toBeNull();
    expect(rec.data.ORDATI).toBe(open.ORDATI);
    expect(rec.data.customer).toMatchObject({ BPCNUM: open.BPCORD });
    const item = (await x3.get('ITMMASTER', 'BMS003'))!;
    expect(item.data.BASPRI).toBe('214.50');
    const mvt = (await x3.get('ITMMVT', 'BMS001~NA011'))!;
    expect(mvt.id).toBe('BMS001~NA011');
  });

  it('finds customers by contact email or address email', async () => {
    const { x3 } = connect();
    const { id } = await x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNAM: 'Findme Ltd', WEB1: 'ap@findme.example', CNTEMA: 'buyer@findme.example' } });
    expect((await x3.find('BPCUSTOMER', 'CNTEMA', 'buyer@findme.example')).map((r) => r.id)).toEqual([id]);
    expect((await x3.find('BPCUSTOMER', 'WEB1', 'ap@findme.example')).map((r) => r.id)).toEqual([id]);
    expect(await x3.find('BPCUSTOMER', 'CNTEMA', 'nobody@nowhere.example')).toEqual([]);
  });

  it('finds a customer whose emails were keyed with capitals and padding by the lower-cased email a flow matches on', async () => {
    const { x3 } = connect();
    const { id } = await x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNAM: 'Shouty Ltd', WEB1: 'AP@Shouty.Example ', CNTEMA: ' Buyer@Shouty.Example' } });
    await x3.write('BPCUSTOMER', { verb: 'create', data: { ...ann, BPCNAM: 'Shouty Two Ltd', WEB1: 'ap2@shouty.example', CNTEMA: 'xbuyer@shouty.example' } });
    expect((await x3.find('BPCUSTOMER', 'CNTEMA', 'buyer@shouty.example')).map((r) => r.id)).toEqual([id]);
    expect((await x3.find('BPCUSTOMER', 'WEB1', 'ap@shouty.example')).map((r) => r.id)).toEqual([id]);
  });
});
