/**
 * Bulk API 2.0: ingest jobs (create, PUT CSV, PATCH UploadComplete, asynchronous processing,
 * successful/failed/unprocessed result CSVs) and query jobs (CSV results paged by Sforce-Locator).
 */
import { parse } from 'csv-parse/sync';
import { ApiError, notFound } from './errors.js';
import type { Reply } from './http.js';
import type { Org, Rec } from './org.js';
import { findField, findRelationship, type SfObject } from './schema.js';
import { prepareQuery } from './soql.js';

type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface IngestJob {
  id: string;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  object: string;
  externalIdFieldName?: string;
  state: JobState;
  createdDate: string;
  systemModstamp: string;
  apiVersion: string;
  lineEnding: string;
  columnDelimiter: string;
  csv: string[];
  processed: number;
  failed: number;
  errorMessage?: string;
  successful: string[];
  failedRows: string[];
  unprocessed: string[];
  header: string;
  startedAt?: number;
  finishedAt?: number;
}

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  query: string;
  state: JobState;
  createdDate: string;
  systemModstamp: string;
  apiVersion: string;
  lineEnding: string;
  columnDelimiter: string;
  header: string[];
  rows: string[][];
  errorMessage?: string;
}

type Column = { kind: 'field'; name: string } | { kind: 'rel'; field: string; target: SfObject; ext: string };

/** Rows processed per event-loop turn. */
const ROWS_PER_TICK = 500;

const DELIMS: Record<string, string> = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' };

/** Quotes a CSV cell the way Salesforce's result files do (every value in double quotes). */
function q(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}

/** Options of the bulk engine. */
export interface BulkOptions {
  /** Delay before a closed job starts processing (lets clients observe UploadComplete/InProgress). */
  processingDelayMs: number;
  /** Records per result page of a query job when the client sends no maxRecords. */
  queryPageSize: number;
}

/** Holds Bulk 2.0 jobs of one org. */
export class BulkEngine {
  private readonly ingest = new Map<string, IngestJob>();
  private readonly queries = new Map<string, QueryJob>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private disposed = false;

  constructor(
    private readonly org: Org,
    private readonly opts: BulkOptions,
  ) {}

  /** Stops pending processing timers (on close/reset). */
  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ingest.clear();
    this.queries.clear();
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.opts.processingDelayMs);
    this.timers.add(t);
  }

  private ingestInfo(j: IngestJob, full: boolean): Rec {
    const base: Rec = {
      id: j.id, operation: j.operation, object: j.object, createdById: this.org.userId, createdDate: j.createdDate, systemModstamp: j.systemModstamp,
      state: j.state, ...(j.externalIdFieldName ? { externalIdFieldName: j.externalIdFieldName } : {}), concurrencyMode: 'Parallel', contentType: 'CSV',
      apiVersion: Number(j.apiVersion), contentUrl: `services/data/v${j.apiVersion}/jobs/ingest/${j.id}/batches`, lineEnding: j.lineEnding, columnDelimiter: j.columnDelimiter,
    };
    if (!full) return base;
    const { contentUrl: _c, ...rest } = base;
    return {
      ...(j.state === 'Open' ? base : rest), jobType: 'V2Ingest', numberRecordsProcessed: j.processed, numberRecordsFailed: j.failed, retries: 0,
      totalProcessingTime: j.finishedAt && j.startedAt ? j.finishedAt - j.startedAt : 0, apiActiveProcessingTime: 0, apexProcessingTime: 0,
      ...(j.errorMessage ? { errorMessage: j.errorMessage } : {}),
    };
  }

  private getIngest(id: string): IngestJob {
    const j = this.ingest.get(id);
    if (!j) throw notFound();
    return j;
  }

  /** POST /jobs/ingest. */
  createIngest(version: string, body: unknown): Reply {
    const b = (body ?? {}) as Rec;
    const ops = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];
    if (typeof b.object !== 'string') throw new ApiError(400, 'INVALIDJOB', 'object is required');
    if (!ops.includes(String(b.operation))) throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(b.operation)}`);
    const obj = this.org.object(b.object);
    if (b.operation === 'upsert') {
      if (typeof b.externalIdFieldName !== 'string') throw new ApiError(400, 'INVALIDJOB', 'InvalidJob : External ID was blank for Upsert');
      this.org.externalField(obj, b.externalIdFieldName);
    }
    const lineEnding = String(b.lineEnding ?? 'LF');
    const columnDelimiter = String(b.columnDelimiter ?? 'COMMA');
    if (!DELIMS[columnDelimiter]) throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid column delimiter ${columnDelimiter}`);
    const now = this.org.stamp();
    const job: IngestJob = {
      id: this.org.newId('750'), operation: b.operation as IngestJob['operation'], object: obj.name, externalIdFieldName: b.externalIdFieldName as string | undefined,
      state: 'Open', createdDate: now, systemModstamp: now, apiVersion: version, lineEnding, columnDelimiter, csv: [], processed: 0, failed: 0,
      successful: [], failedRows: [], unprocessed: [], header: '',
    };
    this.ingest.set(job.id, job);
    return { status: 200, body: this.ingestInfo(job, false) };
  }

  /** PUT /jobs/ingest/{id}/batches: 201, no body. */
  upload(id: string, csv: string, contentType: string | undefined): Reply {
    const j = this.getIngest(id);
    if (j.state !== 'Open') throw new ApiError(409, 'INVALIDJOBSTATE', `Job's state is ${j.state}, uploading data is only allowed for Open jobs`);
    if (!contentType || !contentType.startsWith('text/csv')) throw new ApiError(415, 'INVALIDCONTENT', 'Unsupported Content-Type: expected text/csv');
    if (j.csv.length > 0) throw new ApiError(409, 'INVALIDJOBSTATE', 'Found multiple uploads for the job; only one upload is allowed per job');
    j.csv.push(csv);
    return { status: 201 };
  }

  /** PATCH /jobs/ingest/{id} `{state}`. */
  patchIngest(id: string, body: unknown): Reply {
    const j = this.getIngest(id);
    const state = (body as { state?: string } | undefined)?.state;
    if (state === 'UploadComplete') {
      if (j.state !== 'Open') throw new ApiError(409, 'INVALIDJOBSTATE', `Job's state is ${j.state}`);
      j.state = 'UploadComplete';
      j.systemModstamp = this.org.stamp();
      this.later(() => this.process(j));
    } else if (state === 'Aborted') {
      if (['JobComplete', 'Failed', 'Aborted'].includes(j.state)) throw new ApiError(409, 'INVALIDJOBSTATE', `Job's state is ${j.state}`);
      if (j.state === 'Open' || j.state === 'UploadComplete') {
        const text = j.csv.join('');
        const lines = text.split(/\r?\n/).filter((l) => l !== '');
        j.header = (lines[0] ?? '').replace(/^\uFEFF/, '');
        j.unprocessed = lines.slice(1);
      }
      j.state = 'Aborted';
    } else throw new ApiError(400, 'INVALIDJOBSTATE', `Invalid state: ${String(state)}`);
    return { status: 200, body: this.ingestInfo(j, false) };
  }

  /** GET /jobs/ingest/{id}. */
  getIngestInfo(id: string): Reply {
    return { status: 200, body: this.ingestInfo(this.getIngest(id), true) };
  }

  /** GET /jobs/ingest. */
  listIngest(): Reply {
    return { status: 200, body: { done: true, records: [...this.ingest.values()].map((j) => this.ingestInfo(j, false)), nextRecordsUrl: null } };
  }

  /** DELETE /jobs/ingest/{id}: only terminal jobs. */
  deleteIngest(id: string): Reply {
    const j = this.getIngest(id);
    if (!['JobComplete', 'Failed', 'Aborted'].includes(j.state)) throw new ApiError(400, 'INVALIDJOBSTATE', `Job's state is ${j.state}; only jobs in a terminal state can be deleted`);
    this.ingest.delete(id);
    return { status: 204 };
  }

  /** GET …/successfulResults | failedResults | unprocessedrecords. */
  results(id: string, kind: string): Reply {
    const j = this.getIngest(id);
    const nl = j.lineEnding === 'CRLF' ? '\r\n' : '\n';
    let lines: string[];
    if (kind === 'successfulresults') lines = [`"sf__Id","sf__Created"${j.header ? DELIMS[j.columnDelimiter] + j.header : ''}`, ...j.successful];
    else if (kind === 'failedresults') lines = [`"sf__Id","sf__Error"${j.header ? DELIMS[j.columnDelimiter] + j.header : ''}`, ...j.failedRows];
    else lines = [j.header, ...j.unprocessed];
    return { status: 200, body: lines.join(nl) + nl, contentType: 'text/csv' };
  }

  private process(j: IngestJob): void {
    if (j.state !== 'UploadComplete') return;
    j.state = 'InProgress';
    j.startedAt = this.org.now();
    const d = DELIMS[j.columnDelimiter];
    const text = j.csv.join('');
    let rows: string[][];
    try {
      rows = parse(text, { delimiter: d, relax_column_count: false, skip_empty_lines: true, bom: true }) as string[][];
    } catch (err) {
      return this.fail(j, `InvalidBatch : Failed to parse CSV: ${(err as Error).message}`);
    }
    if (rows.length === 0) return this.fail(j, 'InvalidBatch : Empty CSV');
    const [header, ...data] = rows;
    const rawLines = text.split(/\r?\n/);
    j.header = rawLines[0].replace(/^\uFEFF/, '');
    const obj = this.org.object(j.object);
    const columns: Column[] = [];
    for (const col of header) {
      if (col.includes('.')) {
        const [rel, ext] = col.split('.');
        const ref = findRelationship(obj, rel.replace(/__r$/, '__c'));
        const target = ref ? this.org.schema.get(ref.referenceTo[0]) : undefined;
        const extField = target ? findField(target, ext) : undefined;
        if (!ref || !target || !extField || !(extField.externalId || extField.name === 'Id')) return this.fail(j, `InvalidBatch : Field name not found : ${col}`);
        columns.push({ kind: 'rel', field: ref.name, target, ext: extField.name });
      } else {
        const f = findField(obj, col);
        if (!f) return this.fail(j, `InvalidBatch : Field name not found : ${col}`);
        columns.push({ kind: 'field', name: f.name });
      }
    }
    const rowText = (cells: string[]): string => cells.map(q).join(d);
    // Work through the rows in slices so the server keeps answering (status polls) during a large job.
    const step = (from: number): void => {
      if (this.disposed) return;
      if (j.state === 'Aborted') {
        // Rows not reached when the job was aborted are reported as unprocessed.
        j.unprocessed = data.slice(from).map(rowText);
        return;
      }
      const end = Math.min(from + ROWS_PER_TICK, data.length);
      for (let r = from; r < end; r++) this.processRow(j, obj, columns, data[r], d, rowText);
      if (end < data.length) {
        setImmediate(() => step(end));
        return;
      }
      j.state = 'JobComplete';
      j.finishedAt = this.org.now();
      j.systemModstamp = this.org.stamp();
    };
    step(0);
  }

  private processRow(j: IngestJob, obj: SfObject, columns: Column[], cells: string[], d: string, rowText: (cells: string[]) => string): void {
    const rec: Rec = {};
    let id = '';
    try {
      columns.forEach((c, i) => {
        const v = cells[i] ?? '';
        if (c.kind === 'field') {
          if (c.name === 'Id') id = v;
          // Empty cells leave a field unchanged; #N/A sets it to null (as documented for Bulk 2.0).
          else if (v === '#N/A') rec[c.name] = null;
          else if (v !== '') rec[c.name] = v;
        } else if (v !== '') {
          const extF = findField(c.target, c.ext)!;
          const matches = this.org.matchExternal(c.target, extF, v);
          if (matches.length !== 1) throw new ApiError(400, 'INVALID_FIELD', `Foreign key external ID: ${v} not found for field ${c.ext} in entity ${c.target.name}`);
          rec[c.field] = matches[0].Id;
        }
      });
      let r: { id: string; created: boolean };
      switch (j.operation) {
        case 'insert':
          r = this.org.insert(obj.name, rec);
          break;
        case 'update':
          if (!id) throw new ApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call');
          r = this.org.update(obj.name, id, rec);
          break;
        case 'upsert': {
          const extName = findField(obj, j.externalIdFieldName!)!.name;
          const value = extName === 'Id' ? id : (rec[extName] as string | undefined) ?? '';
          const res = this.org.upsert(obj.name, extName, value === '' ? null : String(value), rec);
          if ('multiple' in res) throw new ApiError(300, 'DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${String(value)}`);
          r = res;
          break;
        }
        default:
          if (!id) throw new ApiError(400, 'MISSING_ARGUMENT', 'Id not specified in a delete call');
          r = this.org.remove(obj.name, id);
      }
      j.successful.push(`${q(r.id)}${d}${q(String(r.created))}${d}${rowText(cells)}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      j.failed++;
      j.failedRows.push(`${q(id)}${d}${q(`${err.errorCode}:${err.message}${err.fields && err.fields.length ? `:${err.fields.join(',')}` : ''} --`)}${d}${rowText(cells)}`);
    }
    j.processed++;
  }

  private fail(j: IngestJob, message: string): void {
    j.state = 'Failed';
    j.errorMessage = message;
    j.systemModstamp = this.org.stamp();
    j.finishedAt = this.org.now();
  }

  private queryInfo(j: QueryJob, full: boolean): Rec {
    const base: Rec = {
      id: j.id, operation: j.operation, object: j.object, createdById: this.org.userId, createdDate: j.createdDate, systemModstamp: j.systemModstamp,
      state: j.state, concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: Number(j.apiVersion), lineEnding: j.lineEnding, columnDelimiter: j.columnDelimiter,
    };
    if (!full) return base;
    return { ...base, jobType: 'V2Query', numberRecordsProcessed: j.state === 'JobComplete' ? j.rows.length : 0, retries: 0, totalProcessingTime: 0, ...(j.errorMessage ? { errorMessage: j.errorMessage } : {}) };
  }

  /** POST /jobs/query. */
  createQuery(version: string, body: unknown): Reply {
    const b = (body ?? {}) as Rec;
    if (b.operation !== 'query' && b.operation !== 'queryAll') throw new ApiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(b.operation)}`);
    if (typeof b.query !== 'string') throw new ApiError(400, 'INVALIDJOB', 'query is required');
    const prepared = prepareQuery(this.org, b.query, version);
    if (prepared.query.count || prepared.aggregate) throw new ApiError(400, 'API_ERROR', 'Aggregate queries are not supported by Bulk API 2.0');
    if (prepared.hasSubqueries) throw new ApiError(400, 'API_ERROR', 'Nested queries are not supported by Bulk API 2.0');
    if (prepared.query.items.some((i) => i.kind === 'fields')) throw new ApiError(400, 'API_ERROR', 'FIELDS() is not supported by Bulk API 2.0');
    const now = this.org.stamp();
    const job: QueryJob = {
      id: this.org.newId('750'), operation: b.operation, object: prepared.object.name, query: b.query, state: 'UploadComplete', createdDate: now, systemModstamp: now,
      apiVersion: version, lineEnding: String(b.lineEnding ?? 'LF'), columnDelimiter: String(b.columnDelimiter ?? 'COMMA'), header: prepared.query.fields.map((f) => f.join('.')), rows: [],
    };
    this.queries.set(job.id, job);
    this.later(() => {
      if (job.state !== 'UploadComplete') return;
      const { rows } = prepared.run(job.operation === 'queryAll');
      const cell = (row: Rec, path: string[]): string => {
        let cur: unknown = row;
        for (const p of path) {
          if (cur === null || cur === undefined) return '';
          const key = Object.keys(cur as Rec).find((k) => k.toLowerCase() === p.toLowerCase());
          cur = key ? (cur as Rec)[key] : undefined;
        }
        return cur === null || cur === undefined ? '' : String(cur);
      };
      job.rows = rows.map((r) => prepared.query.fields.map((f) => cell(r, f)));
      job.state = 'JobComplete';
      job.systemModstamp = this.org.stamp();
    });
    return { status: 200, body: this.queryInfo(job, false) };
  }

  private getQuery(id: string): QueryJob {
    const j = this.queries.get(id);
    if (!j) throw notFound();
    return j;
  }

  /** GET /jobs/query/{id}. */
  getQueryInfo(id: string): Reply {
    return { status: 200, body: this.queryInfo(this.getQuery(id), true) };
  }

  /** PATCH /jobs/query/{id} `{state:"Aborted"}`. */
  patchQuery(id: string, body: unknown): Reply {
    const j = this.getQuery(id);
    if ((body as { state?: string } | undefined)?.state !== 'Aborted') throw new ApiError(400, 'INVALIDJOBSTATE', 'Only Aborted can be set on a query job');
    if (['JobComplete', 'Failed', 'Aborted'].includes(j.state)) throw new ApiError(409, 'INVALIDJOBSTATE', `Job's state is ${j.state}`);
    j.state = 'Aborted';
    return { status: 200, body: this.queryInfo(j, false) };
  }

  /** DELETE /jobs/query/{id}. */
  deleteQuery(id: string): Reply {
    this.getQuery(id);
    this.queries.delete(id);
    return { status: 204 };
  }

  /** GET /jobs/query/{id}/results?maxRecords=&locator=. */
  queryResults(id: string, params: URLSearchParams): Reply {
    const j = this.getQuery(id);
    if (j.state !== 'JobComplete') throw new ApiError(400, 'INVALIDJOBSTATE', `Job's state is ${j.state}; results are available once it is JobComplete`);
    const max = Number(params.get('maxRecords') ?? this.opts.queryPageSize) || this.opts.queryPageSize;
    const locator = params.get('locator');
    let offset = 0;
    if (locator) {
      offset = Number(Buffer.from(locator, 'base64url').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
    }
    const page = j.rows.slice(offset, offset + max);
    const next = offset + max < j.rows.length ? Buffer.from(String(offset + max)).toString('base64url') : 'null';
    const d = DELIMS[j.columnDelimiter] ?? ',';
    const nl = j.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const lines = [j.header.map(q).join(d), ...page.map((r) => r.map(q).join(d))];
    return { status: 200, body: lines.join(nl) + nl, contentType: 'text/csv', headers: { 'sforce-locator': next, 'sforce-numberofrecords': String(page.length) } };
  }
}
