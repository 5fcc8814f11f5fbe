/**
 * Bulk API 2.0 for large volumes: ingest jobs (CSV built with csv-stringify, result CSVs parsed with
 * csv-parse and matched back to the input order) and query jobs (CSV result pages followed through
 * `Sforce-Locator`). A job runs in Salesforce for seconds to hours, so nothing here waits for one:
 * `startIngest` uploads and closes the jobs and returns a handle, `checkIngest` reads their state once
 * and, when every job is done, their results. The engine schedules the checks (PendingBatch).
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { WriteOutcome } from '../../../core/connector.js';
import type { Fields } from '../../../core/json.js';
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { fromBulkError } from '../errors.js';
import { CsvRows } from '../../shared/csv-rows.js';
import { soqlIdent } from '../soql.js';

/** Bulk ingest operations. */
export type BulkOperation = 'insert' | 'update' | 'upsert' | 'delete';

/** Options of a bulk load. */
export interface BulkIngestOptions {
  operation: BulkOperation;
  /** For upsert. */
  externalIdField?: string;
  /** Pause between status checks. */
  pollIntervalMs: number;
  /** Give up (retryably) when the jobs are not done this long after they were started. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Split loads whose CSV exceeds this many bytes into several jobs (Salesforce takes up to 150 MB; 100 MB is the advised ceiling). */
  maxJobBytes?: number;
}

/** Job info as Bulk 2.0 reports it. */
export interface BulkJobInfo {
  id: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
  object?: string;
  operation?: string;
}

/** Started ingest jobs; JSON, so the engine can store it with its job. */
export interface IngestHandle {
  [key: string]: string | number | string[] | Array<{ id: string; start: number; count: number }>;
  /** One job per slice of the input, in input order. */
  jobs: Array<{ id: string; start: number; count: number }>;
  /** A short hash of each input row's cells: result rows echo the cells, so they are matched back by it. */
  rowKeys: string[];
  /** Column of the Id or external id in the uploaded CSV (-1: none), to name a failed record. */
  keyColumn: number;
  startedAt: number;
  pollIntervalMs: number;
  timeoutMs: number;
}

/** A check's answer: still running (with a line for progress), or one outcome per input record. */
export type IngestCheck = { done: false; status: string } | { done: true; outcomes: WriteOutcome[] };

const TERMINAL = new Set(['JobComplete', 'Failed', 'Aborted']);
/** A job's CSV can be up to ~100 MB: give its upload longer than the default 30 s. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

function cell(v: unknown): string {
  if (v === null) return '#N/A';
  if (v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A row's match key: 96 bits of its cells' hash (identical rows are interchangeable anyway). */
function rowKey(cells: string[]): string {
  return createHash('sha256').update(JSON.stringify(cells)).digest('base64url').slice(0, 16);
}

/** Reads a job's state once. */
export function jobInfo(client: SalesforceClient, kind: 'ingest' | 'query', jobId: string, signal?: AbortSignal): Promise<BulkJobInfo> {
  return client.json<BulkJobInfo>({ method: 'GET', path: `jobs/${kind}/${jobId}`, what: `bulk ${kind} job status`, family: 'bulk', signal });
}

/** An ingest job's CSV built row by row (shared/csv-rows.ts), with one short match key per row. */
export class IngestCsv {
  private readonly rows = new CsvRows(cell, { ignore: ['attributes'] });
  private readonly rowKeys: string[] = [];

  /** Rows added so far. */
  get size(): number {
    return this.rows.size;
  }

  /** Adds one record as a row. */
  add(record: Fields): void {
    this.rowKeys.push(rowKey(this.rows.add(record)));
  }

  /** The header, the rows (each ending in LF) and their match keys; the builder is spent afterwards. */
  finish(): { columns: string[]; lines: string[]; rowKeys: string[] } {
    const csv = this.rows.finish((i, cells) => {
      this.rowKeys[i] = rowKey(cells);
    });
    return { ...csv, rowKeys: this.rowKeys.splice(0) };
  }
}

/** Creates, uploads and closes the Bulk API 2.0 jobs for the records; returns the handle to check them with. */
export function startIngest(client: SalesforceClient, entity: string, records: Fields[], options: BulkIngestOptions): Promise<IngestHandle> {
  const csv = new IngestCsv();
  for (const r of records) csv.add(r);
  return startIngestCsv(client, entity, csv, options);
}

/** Creates, uploads and closes the Bulk API 2.0 jobs for the rows built in `csv`; returns the handle to check them with. */
export async function startIngestCsv(client: SalesforceClient, entity: string, csv: IngestCsv, options: BulkIngestOptions): Promise<IngestHandle> {
  if (options.operation === 'upsert' && !options.externalIdField) throw new SyncError('fatal', `bulk upsert ${entity}: no external id field given`, { system: 'salesforce' });
  const { columns, lines, rowKeys } = csv.finish();
  if (options.operation === 'update' || options.operation === 'delete') {
    if (!columns.includes('Id')) throw new SyncError('fatal', `bulk ${options.operation} ${entity}: every record needs Id`, { system: 'salesforce' });
  }
  const maxBytes = options.maxJobBytes ?? 100 * 1024 * 1024;
  const header = stringify([columns]);
  // Split into jobs by size; each slice remembers where its rows sit in the input.
  const slices: { start: number; count: number }[] = [];
  let current = { start: 0, count: 0 };
  let bytes = header.length;
  lines.forEach((line, i) => {
    if (current.count > 0 && bytes + line.length > maxBytes) {
      slices.push(current);
      current = { start: i, count: 0 };
      bytes = header.length;
    }
    current.count += 1;
    bytes += line.length;
  });
  if (current.count > 0) slices.push(current);

  const handle: IngestHandle = {
    jobs: [],
    rowKeys,
    keyColumn: columns.indexOf(options.externalIdField ?? 'Id'),
    startedAt: Date.now(),
    pollIntervalMs: options.pollIntervalMs,
    timeoutMs: options.timeoutMs,
  };
  for (const slice of slices) {
    const job = await client.json<BulkJobInfo>({
      method: 'POST', path: 'jobs/ingest', what: `bulk ${options.operation} ${entity}`, family: 'bulk', signal: options.signal,
      json: { object: soqlIdent(entity), operation: options.operation, ...(options.externalIdField ? { externalIdFieldName: soqlIdent(options.externalIdField) } : {}), contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' },
    });
    const body = lines.slice(slice.start, slice.start + slice.count);
    body.unshift(header);
    await client.request({ method: 'PUT', path: `jobs/ingest/${job.id}/batches`, body, headers: { 'content-type': 'text/csv' }, what: `bulk upload ${entity}`, family: 'bulk', signal: options.signal, timeoutMs: UPLOAD_TIMEOUT_MS });
    await client.request({ method: 'PATCH', path: `jobs/ingest/${job.id}`, json: { state: 'UploadComplete' }, what: `bulk close ${entity}`, family: 'bulk', signal: options.signal });
    handle.jobs.push({ id: job.id, start: slice.start, count: slice.count });
  }
  return handle;
}

/** Reads the jobs' state once; when every job is done, reads their results into one outcome per input record. */
export async function checkIngest(client: SalesforceClient, handle: IngestHandle, signal?: AbortSignal): Promise<IngestCheck> {
  const infos: BulkJobInfo[] = [];
  for (const job of handle.jobs) {
    const info = await jobInfo(client, 'ingest', job.id, signal);
    if (!TERMINAL.has(info.state)) {
      if (Date.now() - handle.startedAt > handle.timeoutMs) {
        throw new SyncError('retryable', `Salesforce Bulk ingest job ${job.id} still ${info.state} after ${handle.timeoutMs} ms; it keeps running in Salesforce (see Setup → Bulk Data Load Jobs)`, { system: 'salesforce' });
      }
      return { done: false, status: `job ${job.id} ${info.state} (${info.numberRecordsProcessed ?? 0} processed)` };
    }
    infos.push(info);
  }
  const total = handle.rowKeys.length;
  const outcomes: WriteOutcome[] = new Array(total);
  for (const [k, job] of handle.jobs.entries()) {
    const info = infos[k];
    const indices = Array.from({ length: job.count }, (_, j) => job.start + j);
    if (info.state !== 'JobComplete') {
      const msg = info.errorMessage ?? `job ${info.state}`;
      const kind = /InvalidBatch|Field name not found|InvalidJob/i.test(msg) ? 'fatal' : 'retryable';
      for (const i of indices) outcomes[i] = { ok: false, error: new SyncError(kind, `Salesforce Bulk job ${job.id} ${info.state}: ${msg}`, { system: 'salesforce', vendorCode: 'BULK_JOB_FAILED' }) };
    } else {
      await collectResults(client, job.id, handle, indices, outcomes, signal);
    }
  }
  return { done: true, outcomes };
}

/** Reads a job's three result files and fills the outcomes of the rows it carried. */
async function collectResults(client: SalesforceClient, jobId: string, handle: IngestHandle, indices: number[], outcomes: WriteOutcome[], signal?: AbortSignal): Promise<void> {
  // Result rows echo the uploaded cells after the sf__ columns; identical rows are interchangeable.
  const waiting = new RowsByKey();
  for (const i of indices) waiting.add(handle.rowKeys[i], i);
  const take = (cells: string[]): number | undefined => waiting.take(rowKey(cells));
  // A result file of 50,000 rows is read row by row: each row is handed over as the parser reads it
  // and kept by nobody (on_record returns nothing). Iterating the parser as a stream instead held
  // every row of the file at once (it parses its whole input in one go and buffers what it read):
  // 50,000 arrays of cells, promoted to the settling worker's old generation (issue 20).
  const eachRow = async (name: string, fn: (row: string[]) => void): Promise<void> => {
    const res = await client.request({ method: 'GET', path: `jobs/ingest/${jobId}/${name}/`, headers: { accept: 'text/csv' }, what: `bulk ${name}`, family: 'bulk', signal });
    parse(res.text, {
      relax_column_count: true, skip_empty_lines: true, bom: true, from_line: 2,
      on_record: (row: string[]) => {
        fn(row);
        return null;
      },
    });
  };
  await eachRow('successfulResults', (row) => {
    const i = take(row.slice(2));
    if (i !== undefined) outcomes[i] = { ok: true, id: row[0], created: row[1] === 'true' };
  });
  await eachRow('failedResults', (row) => {
    const cells = row.slice(2);
    const i = take(cells);
    if (i !== undefined) outcomes[i] = { ok: false, error: fromBulkError(row[1], (handle.keyColumn >= 0 ? cells[handle.keyColumn] : undefined) || row[0] || undefined) };
  });
  await eachRow('unprocessedrecords', (row) => {
    const i = take(row);
    if (i !== undefined) outcomes[i] = { ok: false, error: new SyncError('retryable', `Salesforce Bulk job ${jobId} did not process this record`, { system: 'salesforce' }) };
  });
  for (const i of indices) {
    outcomes[i] ??= { ok: false, error: new SyncError('retryable', `Salesforce Bulk job ${jobId} returned no result for this record`, { system: 'salesforce' }) };
  }
}

/**
 * Input rows by match key, each taken once, identical rows (one key) in input order. A key maps to
 * its first row's index; only keys shared by several rows keep a list: 50,000 distinct rows cost one
 * number each, not one array each.
 */
export class RowsByKey {
  private readonly first = new Map<string, number>();
  private readonly more = new Map<string, number[]>();

  /** Adds row `i` under `key` (call in input order). */
  add(key: string, i: number): void {
    if (!this.first.has(key)) this.first.set(key, i);
    else {
      const list = this.more.get(key);
      if (list) list.push(i);
      else this.more.set(key, [i]);
    }
  }

  /** The earliest row not taken yet under `key`, or undefined. */
  take(key: string): number | undefined {
    const i = this.first.get(key);
    if (i === undefined) return undefined;
    const next = this.more.get(key)?.shift();
    if (next === undefined) {
      this.first.delete(key);
      this.more.delete(key);
    } else this.first.set(key, next);
    return i;
  }
}

/** Starts a Bulk 2.0 query job; check it with jobInfo(…, 'query', id) and read it with bulkQueryResults once JobComplete. */
export async function startBulkQuery(client: SalesforceClient, soql: string, options: { all?: boolean; signal?: AbortSignal } = {}): Promise<string> {
  const job = await client.json<BulkJobInfo>({ method: 'POST', path: 'jobs/query', json: { operation: options.all ? 'queryAll' : 'query', query: soql, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' }, what: 'bulk query', family: 'bulk', signal: options.signal });
  return job.id;
}

/** Yields a completed Bulk 2.0 query job's rows page by page (CSV columns as field paths, empty cells as null). */
export async function* bulkQueryResults(client: SalesforceClient, jobId: string, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<Fields[]> {
  let locator: string | null = null;
  for (;;) {
    const qs = new URLSearchParams();
    if (options.pageSize) qs.set('maxRecords', String(options.pageSize));
    if (locator) qs.set('locator', locator);
    const res = await client.request({ method: 'GET', path: `jobs/query/${jobId}/results${qs.size ? `?${qs.toString()}` : ''}`, headers: { accept: 'text/csv' }, what: 'bulk query results', family: 'bulk', signal: options.signal });
    const rows = parse(res.text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
    yield rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])));
    const next = res.headers.get('sforce-locator');
    if (!next || next === 'null') return;
    locator = next;
  }
}
