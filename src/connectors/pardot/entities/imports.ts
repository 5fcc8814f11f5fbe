/**
 * Bulk prospect upserts through the v5 Import API: create an import with the first CSV batch, add
 * batches (at most 10 per import, each under 10 MB), submit it (status Ready), wait for Complete,
 * and read the failed rows from `errorRef`. Rows are matched on email, so emails must already be
 * normalised. Columns are sent with `nullOverwrite: false`, so a record that lacks a value never
 * blanks what Pardot holds.
 *
 * Waiting for the import polls its status with growing pauses: the API offers no callback, and the
 * engine treats the whole batch as one operation.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SyncError } from '../../../core/errors.js';
import type { Fields } from '../../../core/json.js';
import type { PardotClient } from '../client.js';

/** Batches per import (documented limit). */
const MAX_BATCHES = 10;
/** Bytes per batch: the limit is 10 MB; keep a margin for the multipart envelope. */
const MAX_BATCH_BYTES = 9 * 1024 * 1024;
/** Give up waiting for one import after this long. */
const MAX_WAIT_MS = 60 * 60_000;

/** Progress of a bulk load, reported after every status poll. */
export interface ImportProgress {
  importId: number;
  status: string;
  /** Rows sent in this import. */
  rows: number;
  createdCount?: number;
  updatedCount?: number;
  errorCount?: number;
}

/** One row Pardot refused. */
export interface ImportFailure {
  /** Index of the record in the input array. */
  index: number;
  email?: string;
  /** Pardot's error text for the row. */
  error: string;
  field?: string;
}

/** The outcome of a bulk load. */
export interface ImportResult {
  importIds: number[];
  createdCount: number;
  updatedCount: number;
  errorCount: number;
  failures: ImportFailure[];
  /** Server-side start of the first import (epoch ms), to find the touched prospects. */
  startedAt: number;
}

/** Options of importProspects. */
export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** Pause before the first status poll (default 200 ms); doubles up to 5 s. */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Upserts prospects (matched on `email`) through the Import API. */
export async function importProspects(client: PardotClient, records: Fields[], options: ImportOptions = {}): Promise<ImportResult> {
  const header = columns(records);
  const rows = records.map((r) => header.map((h) => cell(r[h])));
  const result: ImportResult = { importIds: [], createdCount: 0, updatedCount: 0, errorCount: 0, failures: [], startedAt: Date.now() };
  const batches = splitBatches(header, rows);
  for (let i = 0; i < batches.length; i += MAX_BATCHES) {
    const group = batches.slice(i, i + MAX_BATCHES);
    await runImport(client, header, group, result, options, i === 0);
  }
  return result;
}

function columns(records: Fields[]): string[] {
  const set = new Set<string>(['email']);
  for (const r of records) for (const k of Object.keys(r)) if (k !== 'id') set.add(k);
  return [...set];
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

interface Batch {
  /** Index of each row in the input. */
  indexes: number[];
  csv: string;
}

/** Cuts rows into CSV batches under the byte limit, each with the header row. */
function splitBatches(header: string[], rows: string[][]): Batch[] {
  const head = stringify([header]);
  const out: Batch[] = [];
  let lines: string[] = [];
  let indexes: number[] = [];
  let bytes = Buffer.byteLength(head);
  rows.forEach((row, i) => {
    const line = stringify([row]);
    const size = Buffer.byteLength(line);
    if (lines.length && bytes + size > MAX_BATCH_BYTES) {
      out.push({ indexes, csv: head + lines.join('') });
      lines = [];
      indexes = [];
      bytes = Buffer.byteLength(head);
    }
    lines.push(line);
    indexes.push(i);
    bytes += size;
  });
  if (lines.length) out.push({ indexes, csv: head + lines.join('') });
  return out;
}

async function multipart(parts: Record<string, { text: string; type: string; filename?: string }>): Promise<{ data: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, p] of Object.entries(parts)) form.append(name, new Blob([p.text], { type: p.type }), p.filename ?? name);
  const res = new Response(form);
  return { data: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type')! };
}

async function runImport(client: PardotClient, header: string[], batches: Batch[], result: ImportResult, options: ImportOptions, first: boolean): Promise<void> {
  const input = {
    operation: 'Upsert',
    object: 'Prospect',
    createOnNoMatch: true,
    restoreDeleted: false,
    fields: header.map((field) => ({ field, nullOverwrite: false })),
  };
  const created = await client.call({
    method: 'POST',
    path: '/api/v5/imports',
    body: await multipart({ input: { text: JSON.stringify(input), type: 'application/json' }, file: { text: batches[0].csv, type: 'text/csv', filename: 'batch-1.csv' } }),
  });
  const job = created.json as { id: number; createdAt?: string };
  const id = job.id;
  if (first && job.createdAt && Number.isFinite(Date.parse(job.createdAt))) result.startedAt = Date.parse(job.createdAt);
  result.importIds.push(id);
  for (let b = 1; b < batches.length; b++) {
    await client.call({ method: 'POST', path: `/api/v5/imports/${id}/batches`, body: await multipart({ file: { text: batches[b].csv, type: 'text/csv', filename: `batch-${b + 1}.csv` } }) });
  }
  await client.call({ method: 'PATCH', path: `/api/v5/imports/${id}`, json: { status: 'Ready' } });

  const rows = batches.reduce((n, b) => n + b.indexes.length, 0);
  const fields = ['id', 'status', 'isExpired', 'createdCount', 'updatedCount', 'errorCount', 'errorRef'];
  let pause = options.pollMs ?? 200;
  const deadline = Date.now() + MAX_WAIT_MS;
  let status: Record<string, unknown>;
  for (;;) {
    await sleep(pause, options.signal);
    pause = Math.min(pause * 2, 5_000);
    status = (await client.read<Record<string, unknown>>(`/api/v5/imports/${id}`, fields)) ?? {};
    options.onProgress?.({
      importId: id,
      status: String(status.status),
      rows,
      createdCount: num(status.createdCount),
      updatedCount: num(status.updatedCount),
      errorCount: num(status.errorCount),
    });
    if (status.status === 'Complete') break;
    if (status.status === 'Failed' || status.status === 'Canceled' || status.isExpired === true) {
      throw new SyncError('retryable', `Pardot import ${id} ended ${String(status.status)}${status.isExpired ? ' (expired)' : ''}`, { system: 'pardot', vendorCode: String(status.status) });
    }
    if (Date.now() > deadline) throw new SyncError('retryable', `Pardot import ${id} did not complete within ${MAX_WAIT_MS / 60_000} minutes (status ${String(status.status)})`, { system: 'pardot' });
  }
  result.createdCount += num(status.createdCount) ?? 0;
  result.updatedCount += num(status.updatedCount) ?? 0;
  result.errorCount += num(status.errorCount) ?? 0;
  if ((num(status.errorCount) ?? 0) > 0 && typeof status.errorRef === 'string') {
    const ref = new URL(status.errorRef, 'http://relative.invalid');
    const res = await client.call({ method: 'GET', path: `${ref.pathname}${ref.search}` });
    result.failures.push(...matchFailures(res.text, header, batches));
  }
}

/** Maps the failed-rows CSV (original cells + an error column) back to input indexes by their cells. */
function matchFailures(csv: string, header: string[], batches: Batch[]): ImportFailure[] {
  const records = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  if (records.length < 2) return [];
  const [head, ...rows] = records;
  const errorCol = head.findIndex((h) => /^errors?$/i.test(h));
  const colOf = header.map((h) => head.indexOf(h));
  const byCells = new Map<string, number[]>();
  for (const b of batches) {
    const [, ...lines] = parse(b.csv, { skip_empty_lines: true }) as string[][];
    lines.forEach((cells, k) => {
      const key = cells.join('\u0000');
      byCells.set(key, [...(byCells.get(key) ?? []), b.indexes[k]]);
    });
  }
  const out: ImportFailure[] = [];
  for (const r of rows) {
    const key = colOf.map((c) => (c >= 0 ? (r[c] ?? '') : '')).join('\u0000');
    const candidates = byCells.get(key);
    const index = candidates?.shift();
    if (index === undefined) continue;
    const error = errorCol >= 0 ? (r[errorCol] ?? 'rejected') : 'rejected';
    const email = colOf[0] >= 0 ? r[colOf[0]] : undefined;
    out.push({ index, email, error, field: /(?:value|missing):\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(error)?.[1] });
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SyncError('retryable', 'import wait aborted', { system: 'pardot' }));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new SyncError('retryable', 'import wait aborted', { system: 'pardot' }));
    }, { once: true });
  });
}
