/**
 * The upload CSVs built row by row (Salesforce Bulk API 2.0 IngestCsv, Pardot ImportCsv) are byte for
 * byte the CSVs the whole batch gave when it was serialised at once: same header (fields in order of
 * first appearance), same quoting of quotes, commas, newlines and unicode, null as `#N/A` for
 * Salesforce and empty for Pardot, and rows written before a later column appeared padded with empty
 * cells. The Salesforce rows' match keys are those of the padded rows (result rows echo every cell).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { Fields } from '../../src/core/json.js';
import { IngestCsv, startIngestCsv } from '../../src/connectors/salesforce/entities/bulk.js';
import type { SalesforceClient } from '../../src/connectors/salesforce/client.js';
import { ImportCsv, startImportCsv } from '../../src/connectors/pardot/entities/imports.js';
import type { PardotClient } from '../../src/connectors/pardot/client.js';

const tricky: Fields[] = [
  { Name: 'Plain', City: 'Leeds' },
  { Name: 'He said "hi", then left', City: null, Phone: undefined },
  { Name: 'Line one\nline two\r\nline three', City: 'Zürich – 東京 – 🚀' },
  {},
  { Name: ' leading and trailing ', Notes: 'comma, inside', attributes: { type: 'Account' } as unknown as string },
  { Phone: '+44 20 7946 0000', Name: '', Revenue: 12.5, Active: true, When: new Date('2026-12-06T10:00:00Z') as unknown as string },
  { Name: '"', Extra: { nested: ['a', 1] } as unknown as string },
  { email: 'A@B.example', id: 7, company: 'x,"y"\nz' },
];

/** The CSV as writeBatch built it before issue 20: every record at once, one row per record over the union of the columns. */
function wholeBatchCsv(records: Fields[], columnsOf: (rs: Fields[]) => string[], cell: (v: unknown) => string): { csv: string; cells: string[][] } {
  const columns = columnsOf(records);
  const cells = records.map((r) => columns.map((c) => cell(r[c])));
  return { csv: stringify([columns]) + cells.map((row) => stringify([row])).join(''), cells };
}

function sfCell(v: unknown): string {
  if (v === null) return '#N/A';
  if (v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function pardotCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  return sfCell(v);
}

/** A Salesforce client that answers every job creation and keeps the bodies of the CSV uploads (PUT). */
function recordingClient(): { client: SalesforceClient; uploads: string[] } {
  const uploads: string[] = [];
  const client = {
    json: async () => ({ id: `750${uploads.length}` }),
    request: async (req: { method: string; body?: string | readonly string[] }) => {
      if (req.method === 'PUT') uploads.push(typeof req.body === 'string' ? req.body : req.body!.join(''));
      return { text: '', headers: new Headers() };
    },
  } as unknown as SalesforceClient;
  return { client, uploads };
}

describe('upload CSVs built row by row', () => {
  it('Salesforce Bulk API: the same CSV and row keys as the whole batch at once', async () => {
    const csv = new IngestCsv();
    for (const r of tricky) csv.add(r);
    const { client, uploads } = recordingClient();
    const handle = await startIngestCsv(client, 'Account', csv, { operation: 'insert', pollIntervalMs: 1, timeoutMs: 1 });
    const expected = wholeBatchCsv(tricky, (rs) => [...new Set(rs.flatMap((r) => Object.keys(r)).filter((k) => k !== 'attributes'))], sfCell);
    expect(uploads).toEqual([expected.csv]);
    expect(handle.rowKeys).toEqual(expected.cells.map((cells) => createHash('sha256').update(JSON.stringify(cells)).digest('base64url').slice(0, 16)));
    expect(handle.jobs).toEqual([{ id: '7500', start: 0, count: tricky.length }]);
  });

  it('Salesforce Bulk API: split into jobs by size at the same rows as before', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ Name: `Account ${i}`, ...(i > 20 ? { City: 'Late, column' } : {}) }));
    const csv = new IngestCsv();
    for (const r of records) csv.add(r);
    const { client, uploads } = recordingClient();
    const handle = await startIngestCsv(client, 'Account', csv, { operation: 'insert', pollIntervalMs: 1, timeoutMs: 1, maxJobBytes: 400 });
    const whole = wholeBatchCsv(records, () => ['Name', 'City'], sfCell).csv.split('\n').slice(1, -1);
    expect(uploads.length).toBeGreaterThan(2);
    expect(uploads.flatMap((u) => u.split('\n').slice(1, -1))).toEqual(whole);
    for (const u of uploads) expect(u.startsWith('Name,City\n')).toBe(true);
    expect(handle.jobs.map((j) => j.count).reduce((a, b) => a + b)).toBe(50);
  });

  it('Pardot Import API: the same file and emails as the whole batch at once', async () => {
    const records = tricky.map((r, i) => ({ ...r, email: `p${i}@example.com` }));
    const csv = new ImportCsv();
    for (const r of records) csv.add(r);
    const files: string[] = [];
    const client = {
      call: async (req: { method: string; body?: { data: readonly string[]; contentType: string } }) => {
        if (req.body) {
          const form = await new Response(req.body.data.join(''), { headers: { 'content-type': req.body.contentType } }).formData();
          files.push(await (form.get('file') as Blob).text());
        }
        return { json: { id: 5001 }, text: '' };
      },
    } as unknown as PardotClient;
    const handle = await startImportCsv(client, csv);
    const columns = (rs: Fields[]) => [...new Set(['email', ...rs.flatMap((r) => Object.keys(r)).filter((k) => k !== 'id')])];
    expect(files).toEqual([wholeBatchCsv(records, columns, pardotCell).csv]);
    expect(handle.emails).toEqual(records.map((r) => r.email));
  });
});
