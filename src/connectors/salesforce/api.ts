/**
 * The lower-level typed Salesforce API, for journeys that need more than the Connector protocol
 * (dependent Composite writes, Bulk loads with progress, raw SOQL, lead conversion results).
 * It is what the connector itself is built on.
 */
import type { BatchBuilder, BatchResult, ConnectorContext, FieldType, UsageReport, WriteOp, WriteOutcome } from '../../core/connector.js';
import type { Fields, JsonObject } from '../../core/json.js';
import { SalesforceClient } from './client.js';
import { createTokenSource } from './auth.js';
import type { SalesforceSettings } from './settings.js';
import { bulkQueryResults, jobInfo, startBulkQuery, type BulkJobInfo, type BulkOperation } from './entities/bulk.js';
import { collectionCreate, collectionDelete, collectionUpdate, collectionUpsert } from './entities/collections.js';
import { composite, type CompositeResult, type CompositeSubrequest } from './entities/composite.js';
import { describeGlobal, describeObject, type DescribeResult } from './entities/describe.js';
import { count, findRecords, getDeleted, getRecord, getUpdated, query, queryPages, type QueryOptions, type QueryResult } from './entities/read.js';
import type { SalesforceRecord } from './entities/records.js';
import { openWriteBatch, resumeWriteBatch, writeBatch } from './entities/write-batch.js';
import { createRecord, deleteRecord, updateRecord, upsertRecord, writeOne } from './entities/write.js';
import type { SourceRecord } from '../../core/connector.js';

/** Typed access to one Salesforce org. */
export class SalesforceApi {
  /** The HTTP client (the only thing that speaks HTTP). */
  readonly client: SalesforceClient;

  constructor(
    /** Validated settings. */
    readonly settings: SalesforceSettings,
    ctx: Pick<ConnectorContext, 'state' | 'gate' | 'reportUsage'>,
  ) {
    const tokens = createTokenSource(settings, ctx);
    this.client = new SalesforceClient({ tokens, ctx, apiVersion: settings.apiVersion, instanceUrl: settings.instanceUrl });
  }

  /** SOQL query, all pages (or up to maxRecords). */
  query(soql: string, options?: QueryOptions): Promise<SalesforceRecord[]> {
    return query(this.client, soql, options);
  }

  /** SOQL query page by page. */
  queryPages(soql: string, options?: QueryOptions): AsyncGenerator<QueryResult> {
    return queryPages(this.client, soql, options);
  }

  /** SELECT COUNT() FROM entity [WHERE …]; build `where` with soqlLiteral for values. */
  count(entity: string, where?: string): Promise<number> {
    return count(this.client, entity, where);
  }

  /** One record by id, or null. */
  get(entity: string, id: string, fields?: string[]): Promise<SourceRecord | null> {
    return getRecord(this.client, entity, id, fields);
  }

  /** Records whose field equals the value (bound safely). */
  find(entity: string, fields: string[], field: string, value: unknown, type?: FieldType): Promise<SourceRecord[]> {
    return findRecords(this.client, entity, fields, field, value, type);
  }

  /** Creates one record; returns its id. */
  create(entity: string, data: Fields): Promise<string> {
    return createRecord(this.client, entity, data);
  }

  /** Updates one record. */
  update(entity: string, id: string, data: Fields): Promise<void> {
    return updateRecord(this.client, entity, id, data);
  }

  /** Upserts one record on an external id. */
  upsert(entity: string, externalIdField: string, value: unknown, data: Fields): Promise<{ id: string; created: boolean }> {
    return upsertRecord(this.client, entity, externalIdField, value, data);
  }

  /** Deletes one record (already deleted counts as done). */
  delete(entity: string, id: string): Promise<void> {
    return deleteRecord(this.client, entity, id);
  }

  /** Runs one WriteOp. */
  write(entity: string, op: WriteOp): Promise<WriteOutcome & { ok: true }> {
    return writeOne(this.client, entity, op);
  }

  /** Many WriteOps through Collections or Bulk; one outcome per op, in order, or pending while Bulk API jobs run. */
  writeBatch(entity: string, ops: WriteOp[]): Promise<BatchResult> {
    return writeBatch(this.client, entity, ops, { bulkThreshold: this.settings.bulkThreshold, bulk: { pollIntervalMs: this.settings.bulkPollIntervalMs, timeoutMs: this.settings.bulkTimeoutMs } });
  }

  /** writeBatch filled op by op: groups past the bulk threshold are held as their Bulk API CSV. */
  openBatch(entity: string): BatchBuilder {
    return openWriteBatch(this.client, entity, { bulkThreshold: this.settings.bulkThreshold, bulk: { pollIntervalMs: this.settings.bulkPollIntervalMs, timeoutMs: this.settings.bulkTimeoutMs } });
  }

  /** Checks the Bulk API jobs of a pending writeBatch or bulk load. */
  resumeBatch(handle: JsonObject, signal?: AbortSignal): Promise<BatchResult> {
    return resumeWriteBatch(this.client, handle, signal);
  }

  /** sObject Collections create (chunks of 200, allOrNone=false). */
  collectionCreate(entity: string, records: Fields[]): Promise<WriteOutcome[]> {
    return collectionCreate(this.client, entity, records);
  }

  /** sObject Collections update. */
  collectionUpdate(entity: string, records: { id: string; data: Fields }[]): Promise<WriteOutcome[]> {
    return collectionUpdate(this.client, entity, records);
  }

  /** sObject Collections upsert on an external id. */
  collectionUpsert(entity: string, externalIdField: string, records: Fields[]): Promise<WriteOutcome[]> {
    return collectionUpsert(this.client, entity, externalIdField, records);
  }

  /** sObject Collections delete. */
  collectionDelete(ids: string[]): Promise<WriteOutcome[]> {
    return collectionDelete(this.client, ids);
  }

  /** Composite: dependent writes in one call. */
  composite(requests: CompositeSubrequest[], options?: { allOrNone?: boolean }): Promise<CompositeResult[]> {
    return composite(this.client, requests, options);
  }

  /** Bulk API 2.0 upsert on an external id; pending while the job runs (finish it with resumeBatch). */
  bulkUpsert(entity: string, externalIdField: string, records: Fields[]): Promise<BatchResult> {
    return this.bulk(entity, 'upsert', records, { externalIdField });
  }

  /** Any Bulk API 2.0 ingest operation, always through Bulk (no threshold); pending while the job runs. */
  bulk(entity: string, operation: BulkOperation, records: Fields[], options: { externalIdField?: string } = {}): Promise<BatchResult> {
    const verb = operation === 'insert' ? 'create' : operation;
    const ops: WriteOp[] = records.map((r) =>
      verb === 'upsert' ? { verb, match: { field: options.externalIdField ?? '', value: r[options.externalIdField ?? ''] }, data: r } : verb === 'create' ? { verb, data: r } : { verb, id: String(r.Id ?? ''), data: r },
    );
    return writeBatch(this.client, entity, ops, { bulkThreshold: 0, bulk: { pollIntervalMs: this.settings.bulkPollIntervalMs, timeoutMs: this.settings.bulkTimeoutMs } });
  }

  /** Starts a Bulk API 2.0 query job; poll `bulkJob('query', id)` and read `bulkQueryResults(id)` once it is JobComplete. */
  startBulkQuery(soql: string, options: { all?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    return startBulkQuery(this.client, soql, options);
  }

  /** A Bulk API 2.0 job's state, read once. */
  bulkJob(kind: 'ingest' | 'query', jobId: string): Promise<BulkJobInfo> {
    return jobInfo(this.client, kind, jobId);
  }

  /** A completed Bulk API 2.0 query's rows, page by page. */
  bulkQueryResults(jobId: string, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<Fields[]> {
    return bulkQueryResults(this.client, jobId, options);
  }

  /** describeGlobal. */
  describeGlobal(): ReturnType<typeof describeGlobal> {
    return describeGlobal(this.client);
  }

  /** describe of one object. */
  describe(entity: string): Promise<DescribeResult> {
    return describeObject(this.client, entity);
  }

  /** getUpdated. */
  getUpdated(entity: string, start: Date, end: Date): ReturnType<typeof getUpdated> {
    return getUpdated(this.client, entity, start, end);
  }

  /** getDeleted. */
  getDeleted(entity: string, start: Date, end: Date): ReturnType<typeof getDeleted> {
    return getDeleted(this.client, entity, start, end);
  }

  /** GET /limits: the daily API usage. */
  async limits(): Promise<UsageReport & { raw: Record<string, { Max: number; Remaining: number }> }> {
    const raw = await this.client.json<Record<string, { Max: number; Remaining: number }>>({ method: 'GET', path: 'limits', what: 'limits', family: 'rest' });
    const d = raw.DailyApiRequests ?? { Max: 0, Remaining: 0 };
    return { used: d.Max - d.Remaining, limit: d.Max, raw };
  }

  /** Where a lead went when it was converted (null ids while it is not converted). */
  async leadConversion(leadId: string): Promise<{ isConverted: boolean; accountId: string | null; contactId: string | null; opportunityId: string | null } | null> {
    const rec = await this.get('Lead', leadId, ['IsConverted', 'ConvertedAccountId', 'ConvertedContactId', 'ConvertedOpportunityId']);
    if (!rec) return null;
    const d = rec.data;
    const id = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    return { isConverted: d.IsConverted === true, accountId: id(d.ConvertedAccountId), contactId: id(d.ConvertedContactId), opportunityId: id(d.ConvertedOpportunityId) };
  }

  /** GET /services/oauth2/userinfo: who and which org the connection runs as. */
  userInfo(): Promise<{ organization_id: string; user_id: string; preferred_username: string }> {
    return this.client.json({ method: 'GET', path: '/services/oauth2/userinfo', what: 'userinfo', family: 'rest' });
  }
}
