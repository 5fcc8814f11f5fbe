import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SyncError } from '../../../src/core/errors.js';
import type { SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import type { SalesforceConnection } from '../../../src/connectors/salesforce/index.js';
import { ref, sobjectSubrequest } from '../../../src/connectors/salesforce/index.js';
import { connect, setup } from './harness.js';
import { outcomesOf } from '../../support/batches.js';

let emu: SalesforceEmulator;
let settings: Record<string, unknown>;
let conn: SalesforceConnection;

beforeAll(async () => {
  ({ emu, settings } = await setup({ pageSize: 7 }));
  ({ conn } = connect(settings));
});
afterAll(async () => emu.close());

async function rejected(p: Promise<unknown>): Promise<SyncError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(SyncError);
  return err as SyncError;
}

describe('Salesforce REST CRUD', () => {
  it('creates, reads, updates and deletes an Account', async () => {
    const created = await conn.write('Account', { verb: 'create', data: { Name: 'Orbit Fabrication', BillingCity: 'Tulsa' } });
    expect(created.created).toBe(true);
    expect(created.id).toMatch(/^001[A-Za-z0-9]{15}$/);
    const rec = await conn.get('Account', created.id);
    expect(rec?.data.Name).toBe('Orbit Fabrication');
    expect(rec?.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);

    await conn.write('Account', { verb: 'update', id: created.id, data: { BillingCity: 'Norman' } });
    expect((await conn.get('Account', created.id))?.data.BillingCity).toBe('Norman');

    await conn.write('Account', { verb: 'delete', id: created.id, data: {} });
    expect(await conn.get('Account', created.id)).toBeNull();
    // Deleting again is not an error: the effect is already there.
    await expect(conn.write('Account', { verb: 'delete', id: created.id, data: {} })).resolves.toMatchObject({ ok: true });
    const err = await rejected(conn.write('Account', { verb: 'update', id: created.id, data: { Name: 'x' } }));
    expect(err.kind).toBe('not_found');
    expect(err.details.vendorCode).toBe('ENTITY_IS_DELETED');
  });

  it('maps validation errors to invalid_data with the field at fault', async () => {
    const missing = await rejected(conn.write('Lead', { verb: 'create', data: { FirstName: 'No', Email: 'no@example.com' } }));
    expect(missing.kind).toBe('invalid_data');
    expect(missing.details.vendorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missing.details.field).toBe('LastName');

    const long = await rejected(conn.write('Account', { verb: 'create', data: { Name: 'A', Sage100_Customer_No__c: 'X'.repeat(21) } }));
    expect(long.kind).toBe('invalid_data');
    expect(long.details).toMatchObject({ vendorCode: 'STRING_TOO_LONG', field: 'Sage100_Customer_No__c' });

    const pick = await rejected(conn.write('Opportunity', { verb: 'create', data: { Name: 'Deal', StageName: 'Maybe', CloseDate: '2025-01-31' } }));
    expect(pick.details).toMatchObject({ vendorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', field: 'StageName' });

    const ro = await rejected(conn.write('Opportunity', { verb: 'create', data: { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2025-01-31', IsWon: true } }));
    expect(ro.details).toMatchObject({ vendorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', field: 'IsWon' });
    expect(ro.kind).toBe('invalid_data');
  });

  it('upsert by external id: 201 created, then 200 updated (v62), then a conflict on several matches', async () => {
    const first = await conn.write('Account', { verb: 'upsert', match: { field: 'Sage100_Customer_No__c', value: '01-UPS1' }, data: { Name: 'Upsert One' } });
    expect(first.created).toBe(true);
    const second = await conn.write('Account', { verb: 'upsert', match: { field: 'Sage100_Customer_No__c', value: '01-UPS1' }, data: { Name: 'Upsert One Ltd' } });
    expect(second).toMatchObject({ id: first.id, created: false });
    expect((await conn.get('Account', first.id))?.data.Name).toBe('Upsert One Ltd');

    // A non-unique external id field lets two records share a value: the upsert must answer 300.
    const field = emu.state.org.schema.get('Contact')!.fields.get('Email')!;
    field.externalId = true;
    await conn.write('Contact', { verb: 'create', data: { LastName: 'Twin', Email: 'twin@example.com' } });
    await conn.write('Contact', { verb: 'create', data: { LastName: 'Twin', Email: 'twin@example.com' } });
    const err = await rejected(conn.write('Contact', { verb: 'upsert', match: { field: 'Email', value: 'twin@example.com' }, data: { FirstName: 'T' } }));
    expect(err.kind).toBe('conflict');
    expect(err.details.status).toBe(300);
  });

  it('upsert on API 45.0 gets 204 on update and still returns the record id', async () => {
    const { conn: old } = connect({ ...settings, apiVersion: '45.0' });
    const a = await old.write('Product2', { verb: 'upsert', match: { field: 'Sage100_Item_Code__c', value: 'OLD-1' }, data: { Name: 'Old API widget' } });
    const b = await old.write('Product2', { verb: 'upsert', match: { field: 'Sage100_Item_Code__c', value: 'OLD-1' }, data: { Name: 'Old API widget v2' } });
    expect(b).toMatchObject({ id: a.id, created: false });
  });

  it('duplicate external id value on create is a conflict (DUPLICATE_VALUE)', async () => {
    await conn.write('Product2', { verb: 'create', data: { Name: 'Dup', Sage100_Item_Code__c: 'DUP-1' } });
    const err = await rejected(conn.write('Product2', { verb: 'create', data: { Name: 'Dup 2', Sage100_Item_Code__c: 'DUP-1' } }));
    expect(err.kind).toBe('conflict');
    expect(err.details.vendorCode).toBe('DUPLICATE_VALUE');
  });
});

describe('sObject Collections through writeBatch', () => {
  it('returns one outcome per op in order, with the failing records classified', async () => {
    const ops = Array.from({ length: 450 }, (_, i) => ({
      verb: 'create' as const,
      data: i % 100 === 42 ? { FirstName: 'Missing' } : { LastName: `Batch ${i}`, Company: `Co ${i}` },
    }));
    const before = emu.state.calls.composite;
    const out = outcomesOf(await conn.writeBatch('Lead', ops));
    expect(out).toHaveLength(450);
    expect(emu.state.calls.composite - before).toBe(3); // 200 + 200 + 50
    out.forEach((o, i) => {
      if (i % 100 === 42) {
        expect(o.ok).toBe(false);
        if (!o.ok) expect(o.error.details).toMatchObject({ vendorCode: 'REQUIRED_FIELD_MISSING', field: 'LastName' });
      } else expect(o.ok).toBe(true);
    });
    const firstOk = out[0];
    if (!firstOk.ok) throw new Error('expected success');
    expect((await conn.get('Lead', firstOk.id))?.data.LastName).toBe('Batch 0');
  });

  it('upserts a batch on an external id and updates in place on the second run', async () => {
    const ops = ['A', 'B', 'C'].map((k) => ({ verb: 'upsert' as const, match: { field: 'Sage100_Item_Code__c', value: `BATCH-${k}` }, data: { Name: `Item ${k}` } }));
    const first = outcomesOf(await conn.writeBatch('Product2', ops));
    expect(first.every((o) => o.ok && o.created)).toBe(true);
    const second = outcomesOf(await conn.writeBatch('Product2', ops.map((o) => ({ ...o, data: { Name: `${String(o.data.Name)} v2` } }))));
    expect(second.map((o) => o.ok && o.created)).toEqual([false, false, false]);
    expect(second.map((o) => (o.ok ? o.id : null))).toEqual(first.map((o) => (o.ok ? o.id : null)));
  });
});

describe('SOQL', () => {
  it('pages through nextRecordsUrl over several pages', async () => {
    const before = emu.state.calls.query;
    const rows = await conn.api.query('SELECT Id, Name, Account.Name FROM Contact ORDER BY Id');
    const total = emu.state.org.table('Contact').size;
    expect(rows.length).toBe(total);
    expect(new Set(rows.map((r) => r.Id)).size).toBe(total);
    expect(emu.state.calls.query - before).toBe(Math.ceil(total / 7));
    expect(rows.some((r) => (r.Account as { Name?: string } | null)?.Name)).toBe(true);
  });

  it('a value trying SOQL injection is bound as a literal: finds nothing and breaks nothing', async () => {
    const attack = "x' OR Name != 'y";
    expect(await conn.find('Account', 'Name', attack)).toEqual([]);
    const backslash = "x\\' OR Name != \\'y";
    expect(await conn.find('Account', 'Name', backslash)).toEqual([]);
    const count = emu.state.org.table('Account').size;
    expect(count).toBeGreaterThan(5);
    // A record whose name really contains the quote is found exactly.
    await conn.write('Account', { verb: 'create', data: { Name: "O'Brien \\ Sons" } });
    const hit = await conn.find('Account', 'Name', "O'Brien \\ Sons");
    expect(hit).toHaveLength(1);
  });

  it('any string value round-trips through SOQL binding: find returns exactly the record holding it', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.oneof(fc.constantFrom("'", '\\', '"', '%', '_', '\n', '\t', ' ', ')', 'OR'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 40 }), async (raw) => {
        n += 1;
        const name = `p${n}-${raw}`;
        const { id } = await conn.write('Account', { verb: 'create', data: { Name: name } });
        const hits = await conn.find('Account', 'Name', name);
        expect(hits.map((h) => h.id)).toEqual([id]);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses field names that are not identifiers', async () => {
    const err = await rejected(conn.find('Account', 'Name = null OR Id', 'x'));
    expect(err.kind).toBe('fatal');
  });
});

describe('Composite', () => {
  it('creates an Account and its Contact in one call with a reference', async () => {
    const before = emu.state.calls.composite;
    const res = await conn.api.composite([
      sobjectSubrequest('acct', 'Account', { verb: 'create', data: { Name: 'Composite Corp' } }),
      sobjectSubrequest('cont', 'Contact', { verb: 'create', data: { LastName: 'Linked', AccountId: ref('acct') } }),
    ]);
    expect(emu.state.calls.composite - before).toBe(1);
    expect(res.map((r) => r.status)).toEqual([201, 201]);
    const contact = await conn.get('Contact', res[1].id!);
    expect(contact?.data.AccountId).toBe(res[0].id);
  });

  it('finds a Lead keyed with capitals by the lower-cased email a flow matches on (SOQL compares text without case)', async () => {
    const { id } = await conn.write('Lead', { verb: 'create', data: { LastName: 'Capital', Company: 'Shouty Co', Email: 'Zed.Capital@Shouty.Example' } });
    expect((await conn.find('Lead', 'Email', 'zed.capital@shouty.example')).map((r) => r.id)).toEqual([id]);
  });

  it('allOrNone rolls back the siblings of a failed subrequest', async () => {
    const res = await conn.api.composite([
      sobjectSubrequest('good', 'Account', { verb: 'create', data: { Name: 'Rolled Back Inc' } }),
      sobjectSubrequest('bad', 'Contact', { verb: 'create', data: { FirstName: 'NoLastName', AccountId: ref('good') } }),
    ]);
    expect(res[0].error?.details.vendorCode).toBe('PROCESSING_HALTED');
    expect(res[1].error?.details.vendorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(await conn.find('Account', 'Name', 'Rolled Back Inc')).toEqual([]);
  });
});

describe('lead conversion', () => {
  it('reads where a converted lead went', async () => {
    const { id } = await conn.write('Lead', { verb: 'create', data: { LastName: 'Convert', Company: 'Conversion Works' } });
    expect(await conn.api.leadConversion(id)).toEqual({ isConverted: false, accountId: null, contactId: null, opportunityId: null });
    const done = emu.state.convertLead(id, { createOpportunity: true });
    expect(await conn.api.leadConversion(id)).toEqual({ isConverted: true, accountId: done.accountId, contactId: done.contactId, opportunityId: done.opportunityId });
    const acct = await conn.get('Account', done.accountId);
    expect(acct?.data.Name).toBe('Conversion Works');
  });
});

describe('discover', () => {
  it('describes the entities from the org, with custom external id fields', async () => {
    const specs = await conn.discover();
    const account = specs.find((s) => s.name === 'Account')!;
    const ext = account.fields.find((f) => f.name === 'Sage100_Customer_No__c')!;
    expect(ext).toMatchObject({ externalId: true, maxLength: 20, type: 'string' });
    expect(account.fields.find((f) => f.name === 'Name')?.required).toBe(true);
    expect(specs.find((s) => s.name === 'Opportunity')!.fields.find((f) => f.name === 'StageName')?.enum).toContain('Closed Won');
  });
});
