import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import type { SalesforceConnection } from '../../../src/connectors/salesforce/index.js';
import { connect, setup } from './harness.js';
import { settle } from '../../support/batches.js';
import type { PendingBatch } from '../../../src/core/connector.js';

let emu: SalesforceEmulator;
let conn: SalesforceConnection;

beforeAll(async () => {
  const s = await setup({ seed: false });
  emu = s.emu;
  ({ conn } = connect({ ...s.settings, bulkThreshold: 200 }));
});
afterAll(async () => emu.close());

describe('Bulk API 2.0', () => {
  it('writeBatch above the threshold goes through a Bulk job, and a failed row maps to its own op', async () => {
    const ops = Array.from({ length: 600 }, (_, i) => ({
      verb: 'upsert' as const,
      match: { field: 'Sage100_Item_Code__c', value: `BULK-${String(i).padStart(4, '0')}` },
      data: { Name: i === 377 ? 'N'.repeat(300) : `Bulk item ${i}`, Family: 'Hardware', IsActive: i % 2 === 0 },
    }));
    const before = { ...emu.state.calls };
    const checks: PendingBatch[] = [];
    const out = await settle(conn.writeBatch('Product2', ops), (h) => conn.resumeBatch('Product2', h), checks);
    // writeBatch submitted the job and returned at once; each check is one status read.
    expect(checks.length).toBeGreaterThanOrEqual(1);
    expect(checks[0].detail).toMatch(/submitted/);
    expect(emu.state.calls.composite).toBe(before.composite);
    expect(emu.state.calls.bulk - before.bulk).toBeGreaterThanOrEqual(6); // create, upload, close, poll, 3 result files
    expect(out).toHaveLength(600);
    const failed = out.flatMap((o, i) => (o.ok ? [] : [i]));
    expect(failed).toEqual([377]);
    const bad = out[377];
    if (bad.ok) throw new Error('expected failure');
    expect(bad.error.kind).toBe('invalid_data');
    expect(bad.error.details).toMatchObject({ vendorCode: 'STRING_TOO_LONG', field: 'Name', recordKey: 'BULK-0377' });
    // Each success carries the id of the record made from that very op.
    for (const i of [0, 1, 376, 378, 599]) {
      const o = out[i];
      if (!o.ok) throw new Error('expected success');
      expect(o.created).toBe(true);
      const rec = await conn.get('Product2', o.id);
      expect(rec?.data.Sage100_Item_Code__c).toBe(`BULK-${String(i).padStart(4, '0')}`);
      expect(rec?.data.IsActive).toBe(i % 2 === 0);
    }
  });

  it('openBatch keeps a group past the threshold as its CSV: a write is fixed when it is added, and all go in one Bulk job', async () => {
    const batch = conn.openBatch('Product2');
    if (!batch) throw new Error('expected a batch builder');
    const data = Array.from({ length: 250 }, (_, i) => ({ Name: `Streamed ${i}`, Family: 'Streamed' }));
    data.forEach((d, i) => batch.add({ verb: 'upsert', match: { field: 'Sage100_Item_Code__c', value: `STREAM-${i}` }, data: d }));
    // What the load does once a write is added: its objects are no longer the batch's.
    for (const d of data) d.Name = 'changed after add';
    const before = emu.state.calls.bulk;
    const out = await settle(batch.submit(), (h) => conn.resumeBatch('Product2', h));
    expect(out.every((o) => o.ok)).toBe(true);
    expect(emu.state.calls.bulk - before).toBeLessThan(12);
    for (const i of [0, 201, 249]) {
      const o = out[i];
      if (!o.ok) throw new Error('expected success');
      expect((await conn.get('Product2', o.id))?.data).toMatchObject({ Name: `Streamed ${i}`, Sage100_Item_Code__c: `STREAM-${i}` });
    }
  });

  it('bulkUpsert is pending until the job is done, and updates on the second load', async () => {
    const records = Array.from({ length: 250 }, (_, i) => ({ Sage100_Item_Code__c: `BULK-${String(i).padStart(4, '0')}`, Name: `Renamed ${i}` }));
    const first = await conn.api.bulkUpsert('Product2', 'Sage100_Item_Code__c', records);
    expect(Array.isArray(first)).toBe(false);
    const out = await settle(first, (h) => conn.api.resumeBatch(h));
    expect(out).toHaveLength(250);
    expect(out.every((o) => o.ok && !o.created)).toBe(true);
  });

  it('a job that fails as a whole (unknown column) fails every record as fatal', async () => {
    const out = await settle(conn.api.bulk('Product2', 'insert', [{ Name: 'x', NoSuchField__c: 'y' }, { Name: 'z', NoSuchField__c: 'w' }]), (h) => conn.api.resumeBatch(h));
    expect(out.map((o) => (o.ok ? 'ok' : o.error.kind))).toEqual(['fatal', 'fatal']);
    if (!out[0].ok) expect(out[0].error.message).toContain('Field name not found : NoSuchField__c');
  });

  it('bulk query pages through Sforce-Locator', async () => {
    const pages: number[] = [];
    let total = 0;
    const jobId = await conn.api.startBulkQuery("SELECT Id, Name, Sage100_Item_Code__c FROM Product2 WHERE Name LIKE 'Renamed%'");
    for (let i = 0; i < 200 && (await conn.api.bulkJob('query', jobId)).state !== 'JobComplete'; i++) await new Promise((r) => setTimeout(r, 20));
    for await (const rows of conn.api.bulkQueryResults(jobId, { pageSize: 100 })) {
      pages.push(rows.length);
      total += rows.length;
      expect(rows[0]).toHaveProperty('Sage100_Item_Code__c');
    }
    expect(total).toBe(250);
    expect(pages).toEqual([100, 100, 50]);
  });
});
