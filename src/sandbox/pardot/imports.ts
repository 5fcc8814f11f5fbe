/**
 * The v5 Import API for bulk prospect upserts: create (multipart `input` JSON + optional `file`
 * CSV), add batches while Open, PATCH status Ready, asynchronous processing
 * (Waiting → Processing → Complete), counts, and a CSV of failed rows at `errorRef`.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { jsonBody, pathId, type Reply, type RequestContext } from './context.js';
import { PardotApiError } from './errors.js';
import { queryReply, readReply } from './handlers.js';
import { importSpec, prospectSpec } from './objects.js';
import { createProspect, updateProspect, validateProspectInput } from './prospect-writes.js';
import { selectFields, type Row } from './query.js';
import type { ImportJob, PardotState } from './state.js';
import { toSecond } from './time.js';

/** Batches per import (documented for v4, assumed the same in v5). */
const MAX_BATCHES = 10;
/** Bytes per batch. */
const MAX_BATCH_BYTES = 10 * 1024 * 1024;

/** Column options from the input's `fields` list. */
interface ColumnOption {
  field: string;
  overwrite?: boolean;
  nullOverwrite?: boolean;
}

/** Runs imports in the background with a configurable pause between state changes. */
export class ImportRunner {
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly state: () => PardotState,
    private readonly stepMs: number,
    private readonly now: () => number,
  ) {}

  /** Moves a Waiting import to Processing, then processes it and marks it Complete. */
  schedule(job: ImportJob, origin: string): void {
    this.later(() => {
      job.row.status = 'Processing';
      job.row.updatedAt = toSecond(this.now());
      this.later(() => {
        processImport(this.state(), job, this.now(), origin);
      });
    });
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.stepMs);
    this.timers.add(t);
  }

  /** Stops pending work (on close or reset). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

async function formData(ctx: RequestContext): Promise<FormData> {
  const ct = String(ctx.headers['content-type'] ?? '');
  if (!ct.toLowerCase().startsWith('multipart/form-data')) throw new PardotApiError(151, `Unsupported Content-Type: ${ct || '(none)'}; use multipart/form-data`);
  try {
    return await new Request('http://import.local/', { method: 'POST', headers: { 'content-type': ct }, body: ctx.rawBody }).formData();
  } catch {
    throw new PardotApiError(159, 'Invalid multipart body');
  }
}

async function partText(v: ReturnType<FormData["get"]>): Promise<string | null> {
  if (v === null) return null;
  return typeof v === 'string' ? v : await v.text();
}

function addBatch(ctx: RequestContext, job: ImportJob, csv: string): void {
  if (Buffer.byteLength(csv) > MAX_BATCH_BYTES) throw new PardotApiError(159, 'Invalid CSV: a batch must be under 10 MB');
  if (job.batches.length >= MAX_BATCHES) throw new PardotApiError(160, `Batch limit per import reached (${MAX_BATCHES})`);
  let records: string[][];
  try {
    records = parse(csv, { relax_column_count: false, skip_empty_lines: true, bom: true }) as string[][];
  } catch (err) {
    throw new PardotApiError(159, `Invalid CSV: ${(err as Error).message}`);
  }
  if (records.length < 2) throw new PardotApiError(156, 'Import has no data: the file needs a header row and at least one record');
  const [header, ...rows] = records;
  const known = prospectSpec(() => ctx.state.customFields.values()).fields();
  const unknown = header.filter((h) => !known.has(h));
  if (unknown.length) throw new PardotApiError(130, `Invalid fields in the header row: ${unknown.join(', ')}`);
  if (!header.includes('email') && !header.includes('id')) throw new PardotApiError(130, 'The header row needs a match column: email or id');
  if (job.header && job.header.join(',') !== header.join(',')) throw new PardotApiError(159, 'Invalid CSV: every batch must use the same header row');
  job.header = header;
  job.batches.push({ header, rows });
  job.row.updatedAt = toSecond(ctx.now);
}

/** `POST /api/v5/imports`. */
export async function createImport(ctx: RequestContext, runner: ImportRunner): Promise<Reply> {
  const form = await formData(ctx);
  const inputText = await partText(form.get('input'));
  if (inputText === null) throw new PardotApiError(153, 'A required property is missing: input');
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(inputText) as Record<string, unknown>;
  } catch {
    throw new PardotApiError(150, 'Invalid JSON in the input part');
  }
  if (input.operation !== 'Upsert') throw new PardotApiError(154, 'Invalid property value: operation (only "Upsert" is supported)');
  if (input.object !== undefined && input.object !== 'Prospect') throw new PardotApiError(154, 'Invalid property value: object (only "Prospect" is supported)');
  if (input.status !== undefined && input.status !== 'Ready' && input.status !== 'Open') throw new PardotApiError(154, 'Invalid property value: status');
  const id = ctx.state.nextId('import');
  const at = toSecond(ctx.now);
  const job: ImportJob = {
    row: {
      id,
      status: 'Open',
      operation: 'Upsert',
      object: 'Prospect',
      isExpired: false,
      batchesRef: `${ctx.origin}/api/v5/imports/${id}/batches`,
      createdCount: 0,
      updatedCount: 0,
      errorCount: 0,
      errorRef: null,
      createOnNoMatch: input.createOnNoMatch !== false,
      restoreDeleted: input.restoreDeleted === true,
      createdById: 1001,
      createdAt: at,
      updatedAt: at,
      columnOptions: Array.isArray(input.fields) ? (input.fields as unknown[]).map((f) => (typeof f === 'string' ? { field: f } : (f as ColumnOption))) : [],
    },
    batches: [],
    errors: [],
  };
  const file = await partText(form.get('file'));
  if (file !== null) addBatch(ctx, job, file);
  if (input.status === 'Ready') submit(ctx, job, runner);
  ctx.state.imports.set(id, job);
  return { status: 201, body: publicImport(ctx, job), headers: { Location: `${ctx.origin}/api/v5/imports/${id}` } };
}

/** `POST /api/v5/imports/{id}/batches`: one more CSV while the import is Open. */
export async function addImportBatch(ctx: RequestContext, rawId: string): Promise<Reply> {
  const job = findJob(ctx, rawId);
  if (job.row.status !== 'Open') throw new PardotApiError(155);
  const form = await formData(ctx);
  const file = await partText(form.get('file'));
  if (file === null) throw new PardotApiError(156, 'Import has no data: the file part is missing');
  addBatch(ctx, job, file);
  return { status: 204 };
}

/** `PATCH /api/v5/imports/{id}` with `{"status":"Ready"}` submits the import. */
export function updateImport(ctx: RequestContext, rawId: string, runner: ImportRunner): Reply {
  const job = findJob(ctx, rawId);
  const body = jsonBody(ctx);
  if (body.status !== 'Ready') throw new PardotApiError(154, 'Invalid property value: status (only "Ready" submits an import)');
  submit(ctx, job, runner);
  return { status: 200, body: publicImport(ctx, job) };
}

export function readImport(ctx: RequestContext, rawId: string): Reply {
  return readReply(ctx, importSpec, findJob(ctx, rawId).row);
}

export function queryImports(ctx: RequestContext): Reply {
  return queryReply(ctx, importSpec, [...ctx.state.imports.values()].map((j) => j.row));
}

/** The CSV of failed rows: the original columns plus `error`. */
export function downloadImportErrors(ctx: RequestContext, rawId: string): Reply {
  const job = findJob(ctx, rawId);
  if (job.row.status !== 'Complete') throw new PardotApiError(161, 'The import state does not allow this operation: results are available once it is Complete');
  const text = stringify([[...(job.header ?? []), 'error'], ...job.errors.map((e) => [...e.cells, e.error])]);
  return { status: 200, text, headers: { 'content-type': 'text/csv; charset=utf-8' } };
}

function findJob(ctx: RequestContext, rawId: string): ImportJob {
  const job = ctx.state.imports.get(pathId(rawId));
  if (!job) throw new PardotApiError(109);
  return job;
}

function submit(ctx: RequestContext, job: ImportJob, runner: ImportRunner): void {
  if (job.row.status !== 'Open') throw new PardotApiError(161, `The import state does not allow this operation (status ${String(job.row.status)})`);
  if (job.batches.length === 0) throw new PardotApiError(156);
  job.row.status = 'Waiting';
  job.row.updatedAt = toSecond(ctx.now);
  runner.schedule(job, ctx.origin);
}

function publicImport(ctx: RequestContext, job: ImportJob): Record<string, unknown> {
  return selectFields(importSpec, job.row, ['id', 'status', 'isExpired', 'batchesRef', 'createdAt', 'updatedAt'], ctx.offset);
}

/** Applies every row of every batch: match on id or email (case-sensitive), create when none matches. */
function processImport(state: PardotState, job: ImportJob, now: number, origin: string): void {
  const byEmail = new Map<string, Row[]>();
  for (const p of state.prospects.values()) {
    const list = byEmail.get(p.email as string) ?? [];
    list.push(p);
    byEmail.set(p.email as string, list);
  }
  const options = new Map((job.row.columnOptions as ColumnOption[]).map((o) => [o.field, o]));
  let created = 0;
  let updated = 0;
  for (const batch of job.batches) {
    for (const cells of batch.rows) {
      try {
        const record: Record<string, string> = {};
        batch.header.forEach((h, i) => (record[h] = cells[i] ?? ''));
        const idCell = record.id?.trim() ?? '';
        const emailCell = record.email?.trim() ?? '';
        if (idCell && emailCell && batch.header.includes('id') && batch.header.includes('email')) throw new Error('only one match column (id or email) may be filled per row');
        let target: Row | undefined;
        if (idCell) {
          target = state.prospects.get(Number(idCell));
          if (!target) throw new Error(`no prospect with id ${idCell}`);
        } else if (emailCell) {
          const matches = (byEmail.get(emailCell) ?? []).filter((p) => !p.isDeleted || job.row.restoreDeleted);
          matches.sort((a, b) => Number(a.isDeleted) - Number(b.isDeleted) || (b.updatedAt as number) - (a.updatedAt as number));
          target = matches[0];
        } else {
          throw new Error('the row has no email or id');
        }
        const values: Record<string, unknown> = {};
        for (const [field, raw] of Object.entries(record)) {
          if (field === 'id') continue;
          const opt = options.get(field);
          if (raw === '' && opt?.nullOverwrite === false) continue;
          if (target && opt?.overwrite === false && target[field] !== undefined && target[field] !== null && target[field] !== '') continue;
          values[field] = raw === '' ? null : raw;
        }
        if (target) {
          const valid = validateProspectInput(state, values, false);
          target.isDeleted = false;
          updateProspect(target, valid, now);
          updated += 1;
        } else {
          if (!job.row.createOnNoMatch) throw new Error('no matching prospect and createOnNoMatch is false');
          const valid = validateProspectInput(state, values, true);
          const row = createProspect(state, valid, now);
          byEmail.set(row.email as string, [row]);
          created += 1;
        }
      } catch (err) {
        job.errors.push({ cells, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  job.row.createdCount = created;
  job.row.updatedCount = updated;
  job.row.errorCount = job.errors.length;
  job.row.errorRef = job.errors.length ? `${origin}/api/v5/imports/${job.row.id}/errors` : null;
  job.row.status = 'Complete';
  job.row.updatedAt = toSecond(now);
}
