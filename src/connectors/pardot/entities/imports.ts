/**
 * Bulk prospect upserts through the v5 Import API: create an import with the first CSV batch, add
 * batches (at most 10 per import, each under 10 MB), submit it (status Ready), and once it is
 * Complete read the failed rows from `errorRef`. Rows are matched on email, so emails must already be
 * normalised. Columns are sent with `nullOverwrite: false`, so a record that lacks a value never
 * blanks what Pardot holds.
 *
 * The API offers no callback and an import can take minutes, so nothing here waits: `startImport`
 * submits every import and returns a handle, and `checkImport` reads their status once and says
 * whether they are done. The engine schedules the checks (connector contract: PendingBatch).
 */
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SyncError } from '../../../core/errors.js';
import type { Fields } from '../../../core/json.js';
import type { PardotClient } from '../client.js';
import { CsvRows } from '../../shared/csv-rows.js';

/** Batches per import (documented limit). */
const MAX_BATCHES = 10;
/** Bytes per batch: the limit is 10 MB; keep a margin for the multipart envelope. */
const MAX_BATCH_BYTES = 9 * 1024 * 1024;
/** Give up on an import that has not completed this long after it was submitted. */
const MAX_WAIT_MS = 60 * 60_000;
/** First pause before a status check; doubles up to MAX_CHECK_MS. */
const FIRST_CHECK_MS = 200;
const MAX_CHECK_MS = 5_000;

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

/** Where submitted imports stand; JSON, so the engine can store it with its job. */
export interface ImportHandle {
  [key: string]: string | number | string[] | number[];
  importIds: number[];
  /** Server-side creation of the first import (epoch ms). */
  startedAt: number;
  /** Each input row's (normalised) email, in input order: failures and ids are matched back by it. */
  emails: string[];
  /** The pause before the next check. */
  nextCheckMs: number;
}

/** A check's answer: still running (with a line for progress), or the result. */
export type ImportCheck = { done: false; status: string; handle: ImportHandle } | { done: true; result: ImportResult };

/** An import's CSV built row by row (shared/csv-rows.ts): `email` first, then the records' fields; with each row's email. */
export class ImportCsv {
  private readonly rows = new CsvRows(cell, { first: ['email'], ignore: ['id'] });
  private readonly emails: string[] = [];

  /** Rows added so far. */
  get size(): number {
    return this.rows.size;
  }

  /** Adds one record (its email normalised) as a row. */
  add(record: Fields): void {
    this.rows.add(record);
    this.emails.push(cell(record.email));
  }

  /** The header, the rows (each ending in LF) and their emails; the builder is spent afterwards. */
  finish(): { columns: string[]; lines: string[]; emails: string[] } {
    return { ...this.rows.finish(), emails: this.emails.splice(0) };
  }
}

/** Submits the records (matched on `email`) as one or more imports; returns the handle to check them with. */
export function startImport(client: PardotClient, records: Fields[]): Promise<ImportHandle> {
  const csv = new ImportCsv();
  for (const r of records) csv.add(r);
  return startImportCsv(client, csv);
}

/** Submits the rows built in `csv` as one or more imports; returns the handle to check them with. */
export async function startImportCsv(client: PardotClient, csv: ImportCsv): Promise<ImportHandle> {
  const { columns: header, lines, emails } = csv.finish();
  const head = stringify([header]);
  const batches = splitBatches(head, lines);
  const handle: ImportHandle = { importIds: [], startedAt: Date.now(), emails, nextCheckMs: FIRST_CHECK_MS };
  for (let i = 0; i < batches.length; i += MAX_BATCHES) {
    const { id, createdAt } = await submitImport(client, header, head, batches.slice(i, i + MAX_BATCHES));
    if (i === 0 && createdAt !== undefined) handle.startedAt = createdAt;
    handle.importIds.push(id);
  }
  return handle;
}

/** Reads the imports' status once: done (with counts and the failed rows) or still running. */
export async function checkImport(client: PardotClient, handle: ImportHandle): Promise<ImportCheck> {
  const fields = ['id', 'status', 'isExpired', 'createdCount', 'updatedCount', 'errorCount', 'errorRef'];
  const result: ImportResult = { importIds: handle.importIds, createdCount: 0, updatedCount: 0, errorCount: 0, failures: [], startedAt: handle.startedAt };
  const errorRefs: string[] = [];
  for (const id of handle.importIds) {
    const status = (await client.read<Record<string, unknown>>(`/api/v5/imports/${id}`, fields)) ?? {};
    if (status.status === 'Failed' || status.status === 'Canceled' || status.isExpired === true) {
      throw new SyncError('retryable', `Pardot import ${id} ended ${String(status.status)}${status.isExpired ? ' (expired)' : ''}`, { system: 'pardot', vendorCode: String(status.status) });
    }
    if (status.status !== 'Complete') {
      if (Date.now() - handle.startedAt > MAX_WAIT_MS) {
        throw new SyncError('retryable', `Pardot import ${id} did not complete within ${MAX_WAIT_MS / 60_000} minutes (status ${String(status.status)})`, { system: 'pardot' });
      }
      return { done: false, status: `import ${id} ${String(status.status)}`, handle: { ...handle, nextCheckMs: Math.min(handle.nextCheckMs * 2, MAX_CHECK_MS) } };
    }
    result.createdCount += num(status.createdCount) ?? 0;
    result.updatedCount += num(status.updatedCount) ?? 0;
    result.errorCount += num(status.errorCount) ?? 0;
    if ((num(status.errorCount) ?? 0) > 0 && typeof status.errorRef === 'string') errorRefs.push(status.errorRef);
  }
  for (const errorRef of errorRefs) {
    const ref = new URL(errorRef, 'http://relative.invalid');
    const res = await client.call({ method: 'GET', path: `${ref.pathname}${ref.search}` });
    result.failures.push(...matchFailures(res.text, handle.emails));
  }
  return { done: true, result };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Cuts CSV rows into batches under the byte limit (each is sent with the header row). */
function splitBatches(head: string, rows: string[]): string[][] {
  const out: string[][] = [];
  let lines: string[] = [];
  let bytes = Buffer.byteLength(head);
  for (const line of rows) {
    const size = Buffer.byteLength(line);
    if (lines.length && bytes + size > MAX_BATCH_BYTES) {
      out.push(lines);
      lines = [];
      bytes = Buffer.byteLength(head);
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length) out.push(lines);
  return out;
}

/** One part of a multipart/form-data body: its text as parts, sent as they are (see RequestBody). */
interface FormPart {
  name: string;
  filename: string;
  type: string;
  text: readonly string[];
}

/**
 * A multipart/form-data body as text parts: a batch's CSV lines go into the body as they are, not
 * copied into one string, a Blob and a buffer in turn (three copies of up to 9 MB each, issue 20).
 */
function multipart(parts: FormPart[]): { data: string[]; contentType: string } {
  const boundary = `----syncline-${randomBytes(12).toString('hex')}`;
  const data: string[] = [];
  for (const p of parts) {
    data.push(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type}\r\n\r\n`);
    for (const t of p.text) data.push(t);
    data.push('\r\n');
  }
  data.push(`--${boundary}--\r\n`);
  return { data, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The file part of one CSV batch; the batch's own array of lines, with the header put in front, becomes the part. */
function csvPart(head: string, lines: string[], n: number): FormPart {
  lines.unshift(head);
  return { name: 'file', filename: `batch-${n}.csv`, type: 'text/csv', text: lines };
}

async function submitImport(client: PardotClient, header: string[], head: string, batches: string[][]): Promise<{ id: number; createdAt?: number }> {
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
    body: multipart([{ name: 'input', filename: 'input', type: 'application/json', text: [JSON.stringify(input)] }, csvPart(head, batches[0], 1)]),
  });
  const job = created.json as { id: number; createdAt?: string };
  for (let b = 1; b < batches.length; b++) {
    await client.call({ method: 'POST', path: `/api/v5/imports/${job.id}/batches`, body: multipart([csvPart(head, batches[b], b + 1)]) });
  }
  await client.call({ method: 'PATCH', path: `/api/v5/imports/${job.id}`, json: { status: 'Ready' } });
  const createdAt = job.createdAt ? Date.parse(job.createdAt) : NaN;
  return { id: job.id, createdAt: Number.isFinite(createdAt) ? createdAt : undefined };
}

/** Maps the failed-rows CSV (original cells + an error column) back to input indexes by the row's email. */
function matchFailures(csv: string, emails: string[]): ImportFailure[] {
  const records = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  if (records.length < 2) return [];
  const [head, ...rows] = records;
  const errorCol = head.findIndex((h) => /^errors?$/i.test(h));
  const emailCol = head.indexOf('email');
  // Rows with one email are interchangeable (they upsert one prospect): take the indexes in order.
  const byEmail = new Map<string, number[]>();
  emails.forEach((e, i) => byEmail.set(e, [...(byEmail.get(e) ?? []), i]));
  const out: ImportFailure[] = [];
  for (const r of rows) {
    const email = emailCol >= 0 ? (r[emailCol] ?? '') : '';
    const index = byEmail.get(email)?.shift();
    if (index === undefined) continue;
    const error = errorCol >= 0 ? (r[errorCol] ?? 'rejected') : 'rejected';
    out.push({ index, email, error, field: /(?:value|missing):\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(error)?.[1] });
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
