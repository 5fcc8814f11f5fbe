/**
 * Matching a Bulk API 2.0 ingest job's result files back to the uploaded rows (entities/bulk.ts): result
 * rows come in any order and echo the uploaded cells, so each is matched by its cells' key; identical
 * rows are taken in input order, each once; a row in no file fails retryably. The files are read row
 * by row as they are parsed, and the rows waiting for a result are kept one index per distinct row
 * (RowsByKey), not one list per row: what a worker holds while it settles a 50,000-row job (issue 20).
 */
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { checkIngest, IngestCsv, RowsByKey, startIngestCsv } from '../../../src/connectors/salesforce/entities/bulk.js';
import type { SalesforceClient } from '../../../src/connectors/salesforce/client.js';

describe('RowsByKey', () => {
  it('takes each row once, identical rows in input order, and nothing for a key it does not hold', () => {
    const rows = new RowsByKey();
    ['a', 'b', 'a', 'c', 'a'].forEach((k, i) => rows.add(k, i));
    expect([rows.take('a'), rows.take('b'), rows.take('a'), rows.take('a'), rows.take('a')]).toEqual([0, 1, 2, 4, undefined]);
    expect([rows.take('b'), rows.take('zz'), rows.take('c'), rows.take('c')]).toEqual([undefined, undefined, 3, undefined]);
  });
});

describe('a finished ingest job\'s result files', () => {
  it('give each uploaded row its own outcome, whatever order the files list them in', async () => {
    const records = [
      { Name: 'Alpha', Ext__c: 'X1' },
      { Name: 'Same, "quoted"\nline', Ext__c: 'X2' },
      { Name: 'Same, "quoted"\nline', Ext__c: 'X2' },
      { Name: 'Refused', Ext__c: 'X3' },
      { Name: 'Skipped', Ext__c: 'X4' },
      { Name: 'Lost', Ext__c: 'X5' },
    ];
    const cells = (r: { Name: string; Ext__c: string }) => [r.Name, r.Ext__c];
    const files: Record<string, string> = {
      // Salesforce lists results in its own order: the duplicates' ids go to the duplicates in input order.
      successfulResults: stringify([['sf__Id', 'sf__Created', 'Name', 'Ext__c'], ['001B', 'true', ...cells(records[1])], ['001A', 'false', ...cells(records[0])], ['001C', 'true', ...cells(records[2])]]),
      failedResults: stringify([['sf__Id', 'sf__Error', 'Name', 'Ext__c'], ['', 'FIELD_CUSTOM_VALIDATION_EXCEPTION:Name is refused:Name --', ...cells(records[3])]]),
      unprocessedrecords: stringify([['Name', 'Ext__c'], cells(records[4])]),
    };
    const client = {
      json: async (req: { method: string; path: string }) => (req.method === 'POST' ? { id: '750JOB' } : { id: '750JOB', state: 'JobComplete' }),
      request: async (req: { method: string; path: string }) => ({ status: 200, text: req.method === 'GET' ? files[req.path.split('/')[3]] : '' }),
    } as unknown as SalesforceClient;
    const csv = new IngestCsv();
    for (const r of records) csv.add(r);
    const handle = await startIngestCsv(client, 'Account', csv, { operation: 'upsert', externalIdField: 'Ext__c', pollIntervalMs: 1000, timeoutMs: 60_000 });
    const check = await checkIngest(client, handle);
    if (!check.done) throw new Error('expected the job done');
    const o = check.outcomes;
    expect(o.slice(0, 3)).toEqual([{ ok: true, id: '001A', created: false }, { ok: true, id: '001B', created: true }, { ok: true, id: '001C', created: true }]);
    expect(o[3]).toMatchObject({ ok: false, error: { kind: 'invalid_data', details: { vendorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', recordKey: 'X3' } } });
    expect(o[4]).toMatchObject({ ok: false, error: { kind: 'retryable', message: expect.stringContaining('did not process') } });
    expect(o[5]).toMatchObject({ ok: false, error: { kind: 'retryable', message: expect.stringContaining('returned no result') } });
  });
});
