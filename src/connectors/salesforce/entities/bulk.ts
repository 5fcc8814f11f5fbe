/**
 * Bulk API 2.0 for large volumes: ingest jobs (CSV built with csv-stringify, job polled until it is
 * done, result CSVs parsed with csv-parse and matched back to the input order) and query jobs
 * (CSV result pages followed through `Sforce-Locator`).
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { WriteOutcome } from '../../../core/connector.js';
import type { Fields } from '../../../core/json.js';
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';
import { fromBulkError } from '../errors.js';
import { soqlIdent } from '../soql.js';

/** Bulk ingest operations. */
export type BulkOperation = 'insert' | 'update' | 'upsert' | 'delete';

/** Progress of a bulk load. */
export interface BulkProgress {
  /** Records processed so far across all jobs of the load. */
  processed: number;
  failed: number;
  total: number;
  /** The job being waited on. */
  jobId: string;
  state: string;
}

/** Options of a bulk load. */
export interface BulkIngestOptions {
  operation: BulkOperation;
  /** For upsert. */
  externalIdField?: string;
  pollIntervalMs: number;
  timeoutMs: number;
  onProgress?: (p: BulkProgress) => void;
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new SyncError('retryable', 'bulk wait aborted', { system: 'salesforce' }));
    }, { once: true });
  });
}

/** Polls a job until it reaches a terminal state or the timeout passes. */
export async function waitForJob(client: SalesforceClient, kind: 'ingest' | 'query', jobId: string, options: { pollIntervalMs: number; timeoutMs: number; signal?: AbortSignal; onInfo?: (i: BulkJobInfo) => void }): Promise<BulkJobInfo> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const info = await client.json<BulkJobInfo>({ method: 'GET', path: `jobs/${kind}/${jobId}`, what: `bulk ${kind} job status`, family: 'bulk', signal: options.signal });
    options.onInfo?.(info);
    if (TERMINAL.has(info.state)) return info;
    if (Date.now() > deadline) {
      throw new SyncError('retryable', `Salesforce Bulk ${kind} job ${jobId} still ${info.state} after ${options.timeoutMs} ms; it keeps running in Salesforce (see Setup → Bulk Data Load Jobs)`, { system: 'salesforce' });
    }
    await sleep(options.pollIntervalMs, options.signal);
  }
}

/** Loads records through Bulk API 2.0; one outcome per input record, in input order. */
export async function bulkIngest(client: SalesforceClient, entity: string, records: Fields[], options: BulkIngestOptions): Promise<WriteOutcome[]> {
  if (options.operation === 'upsert' && !options.externalIdField) throw new SyncError('fatal', `bulk upsert ${entity}: no external id field given`, { system: 'salesforce' });
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)).filter((k) => k !== 'attributes'))];
  if (options.operation === 'update' || options.operation === 'delete') {
    if (!columns.includes('Id')) throw new SyncError('fatal', `bulk ${options.operation} ${entity}: every record needs Id`, { system: 'salesforce' });
  }
  const rows = records.map((r) => columns.map((c) => cell(r[c])));
  const maxBytes = options.maxJobBytes ?? 100 * 1024 * 1024;
  const header = stringify([columns]);
  // Split into jobs by size; each slice remembers where its rows sit in the input.
  const slices: { start: number; csvRows: string[] }[] = [];
  let current: { start: number; csvRows: string[] } = { start: 0, csvRows: [] };
  let bytes = header.length;
  rows.forEach((row, i) => {
    const line = stringify([row]);
    if (current.csvRows.length > 0 && bytes + line.length > maxBytes) {
      slices.push(current);
      current = { start: i, csvRows: [] };
      bytes = header.length;
    }
    current.csvRows.push(line);
    bytes += line.length;
  });
  if (current.csvRows.length > 0) slices.push(current);

  const outcomes: WriteOutcome[] = new Array(records.length);
  let processedBefore = 0;
  let failedBefore = 0;
  for (const slice of slices) {
    const job = await client.json<BulkJobInfo>({
      method: 'POST', path: 'jobs/ingest', what: `bulk ${options.operation} ${entity}`, family: 'bulk', signal: options.signal,
      json: { object: soqlIdent(entity), operation: options.operation, ...(options.externalIdField ? { externalIdFieldName: soqlIdent(options.externalIdField) } : {}), contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' },
    });
    await client.request({ method: 'PUT', path: `jobs/ingest/${job.id}/batches`, body: header + slice.csvRows.join(''), headers: { 'content-type': 'text/csv' }, what: `bulk upload ${entity}`, family: 'bulk', signal: options.signal, timeoutMs: UPLOAD_TIMEOUT_MS });
    await client.request({ method: 'PATCH', path: `jobs/ingest/${job.id}`, json: { state: 'UploadComplete' }, what: `bulk close ${entity}`, family: 'bulk', signal: options.signal });
    const info = await waitForJob(client, 'ingest', job.id, {
      ...options,
      onInfo: (i) => options.onProgress?.({ processed: processedBefore + (i.numberRecordsProcessed ?? 0), failed: failedBefore + (i.numberRecordsFailed ?? 0), total: records.length, jobId: job.id, state: i.state }),
    });
    const indices = slice.csvRows.map((_, k) => slice.start + k);
    if (info.state !== 'JobComplete') {
      const msg = info.errorMessage ?? `job ${info.state}`;
      const kind = /InvalidBatch|Field name not found|InvalidJob/i.test(msg) ? 'fatal' : 'retryable';
      for (const i of indices) outcomes[i] = { ok: false, error: new SyncError(kind, `Salesforce Bulk job ${job.id} ${info.state}: ${msg}`, { system: 'salesforce', vendorCode: 'BULK_JOB_FAILED' }) };
    } else {
      const keyCol = columns.indexOf(options.externalIdField ?? 'Id');
      await collectResults(client, job.id, rows, indices, outcomes, options, (i) => (keyCol >= 0 ? rows[i][keyCol] : undefined));
    }
    processedBefore += info.numberRecordsProcessed ?? 0;
    failedBefore += info.numberRecordsFailed ?? 0;
  }
  return outcomes;
}

/** Reads a job's three result files and fills the outcomes of the rows it carried. */
async function collectResults(client: SalesforceClient, jobId: string, rows: string[][], indices: number[], outcomes: WriteOutcome[], options: BulkIngestOptions, keyOf: (i: number) => string | undefined): Promise<void> {
  // Result rows echo the uploaded cells after the sf__ columns; identical rows are interchangeable.
  const waiting = new Map<string, number[]>();
  for (const i of indices) {
    const key = JSON.stringify(rows[i]);
    const list = waiting.get(key);
    if (list) list.push(i);
    else waiting.set(key, [i]);
  }
  const take = (cells: string[]): number | undefined => waiting.get(JSON.stringify(cells))?.shift();
  const fetchCsv = async (name: string): Promise<string[][]> => {
    const res = await client.request({ method: 'GET', path: `jobs/ingest/${jobId}/${name}/`, headers: { accept: 'text/csv' }, what: `bulk ${name}`, family: 'bulk', signal: options.signal });
    const parsed = parse(res.text, { relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
    return parsed.slice(1);
  };
  for (const row of await fetchCsv('successfulResults')) {
    const i = take(row.slice(2));
    if (i !== undefined) outcomes[i] = { ok: true, id: row[0], created: row[1] === 'true' };
  }
  for (const row of await fetchCsv('failedResults')) {
    const i = take(row.slice(2));
    if (i !== undefined) outcomes[i] = { ok: false, error: fromBulkError(row[1], keyOf(i) || row[0] || undefined) };
  }
  for (const row of await fetchCsv('unprocessedrecords')) {
    const i = take(row);
    if (i !== undefined) outcomes[i] = { ok: false, error: new SyncError('retryable', `Salesforce Bulk job ${jobId} did not process this record`, { system: 'salesforce' }) };
  }
  for (const i of indices) {
    outcomes[i] ??= { ok: false, error: new SyncError('retryable', `Salesforce Bulk job ${jobId} returned no result for this record`, { system: 'salesforce' }) };
  }
}

/** Runs a Bulk 2.0 query and yields its rows page by page (CSV columns as field paths, empty cells as null). */
export async function* bulkQuery(client: SalesforceClient, soql: string, options: { pollIntervalMs: number; timeoutMs: number; all?: boolean; pageSize?: number; signal?: AbortSignal }): AsyncGenerator<Fields[]> {
  const job = await client.json<BulkJobInfo>({ method: 'POST', path: 'jobs/query', json: { operation: options.all ? 'queryAll' : 'query', query: soql, contentType: 'CSV', columnDelimiter: 'COMMA', lineEnding: 'LF' }, what: 'bulk query', family: 'bulk', signal: options.signal });
  const info = await waitForJob(client, 'query', job.id, options);
  if (info.state !== 'JobComplete') throw new SyncError('fatal', `Salesforce Bulk query job ${job.id} ${info.state}: ${info.errorMessage ?? ''}`, { system: 'salesforce', vendorCode: 'BULK_JOB_FAILED' });
  let locator: string | null = null;
  for (;;) {
    const qs = new URLSearchParams();
    if (options.pageSize) qs.set('maxRecords', String(options.pageSize));
    if (locator) qs.set('locator', locator);
    const res = await client.request({ method: 'GET', path: `jobs/query/${job.id}/results${qs.size ? `?${qs.toString()}` : ''}`, headers: { accept: 'text/csv' }, what: 'bulk query results', family: 'bulk', signal: options.signal });
    const rows = parse(res.text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
    yield rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])));
    const next = res.headers.get('sforce-locator');
    if (!next || next === 'null') return;
    locator = next;
  }
}
