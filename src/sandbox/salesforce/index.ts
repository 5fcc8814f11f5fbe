/**
 * The Salesforce emulator: an HTTP server, serving from the root of its origin, that answers the
 * OAuth endpoints, the REST data API (CRUD, upsert, Collections, Composite, query, describe,
 * getUpdated/getDeleted, limits) and Bulk API 2.0 the way a real org does, with its own in-memory
 * state, an API budget with `Sforce-Limit-Info`, fault injection and a small control API.
 * It shares no code with the Salesforce connector.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, applyTransportFault, handleFaultControl } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import { BulkEngine } from './bulk.js';
import { collectionCreate, collectionDelete, collectionRetrieve, collectionUpdate, collectionUpsert, composite } from './composite.js';
import { ApiError, notFound } from './errors.js';
import { errorReply, parseJson, readBody, writeReply, type Reply } from './http.js';
import { DEFAULT_APP, DEFAULT_USER, OAuthServer } from './oauth.js';
import { Org } from './org.js';
import {
  QueryCursors, createRecord, deleteRecord, getBasicInfo, getByExternal, getDeleted, getDescribe, getDescribeGlobal, getLimits, getRecord, getUpdated,
  updateRecord, upsertRecord, type ConditionalHeaders, type RestContext,
} from './rest.js';
import { search } from './sosl.js';
import { compositeTree } from './tree.js';
import { normalizeId } from './ids.js';
import { seedOrg } from './seed.js';
import { offsetAt } from './date-literals.js';
import { StreamingBus, eventUuid, type BayeuxMessage } from './streaming.js';
import { changeEventName, changeEventPayloads, gapEventPayload, type ChangeEventHeader } from './change-events.js';
import { OutboundMessenger, type OutboundDefinitionInput } from './outbound.js';

export { DEFAULT_APP, DEFAULT_USER } from './oauth.js';

/** Start options of the Salesforce emulator. */
export interface SalesforceEmulatorOptions extends EmulatorOptions {
  /** Newest API version served (default `64.0`); versions 20.0 up to it are accepted. */
  apiVersion?: string;
  /** Daily API request allocation (default 15,000, a Developer Edition org). */
  dailyApiLimit?: number;
  /** Access-token lifetime (default 2 hours). */
  tokenTtlMs?: number;
  /** Records per query page (default 2,000, as Salesforce). */
  pageSize?: number;
  /** Delay before a closed Bulk job is processed (default 20 ms). */
  bulkProcessingDelayMs?: number;
  /** The emulator's clock (default Date.now); tests can pin it. */
  clock?: () => number;
  /** The org's default time zone, an IANA id (default `America/Los_Angeles`); SOQL date literals use it. */
  timeZone?: string;
  /** How long streaming events are kept for replay (default 72 h). */
  streamingRetentionMs?: number;
  /** How long a CometD /meta/connect is held open without events (default 110 s). */
  streamingConnectTimeoutMs?: number;
  /** Multiplies outbound-message retry intervals (default 1; tests compress Salesforce's 24-hour schedule with e.g. 0.001). */
  outboundTimeScale?: number;
}

/** API families counted separately for benchmarks (`GET /__sandbox/calls`). */
export type CallFamily = 'rest' | 'composite' | 'bulk' | 'query' | 'auth' | 'streaming';

/** The emulator's state, exposed to tests and the demo. */
export interface SalesforceEmulatorState {
  /** The org's records and write operations. */
  readonly org: Org;
  /** OAuth server: connected apps, users, tokens. */
  readonly oauth: OAuthServer;
  /** Calls per API family since start or the last reset. */
  readonly calls: Record<CallFamily, number>;
  /** API requests counted against the daily limit. */
  apiUsage: number;
  /** The daily limit. */
  dailyApiLimit: number;
  /** Registers a connected app (a PEM public key or certificate enables JWT bearer). */
  registerApp(app: { clientId: string; clientSecret?: string; publicKeyPem?: string }): void;
  /** Issues an access token directly (as if the password flow had run) for the default app. */
  issueToken(): Promise<string>;
  /** Makes every issued access token expire now. */
  expireTokens(): void;
  /** Merges duplicates into a master as the SOAP merge() call and the UI's Merge button do. */
  merge(object: string, masterId: string, duplicateIds: string[]): { id: string; mergedRecordIds: string[] };
  /** Converts a lead as the UI's Convert button does. */
  convertLead(leadId: string, options?: { accountId?: string; createOpportunity?: boolean }): { accountId: string; contactId: string; opportunityId: string | null };
  /** Drops all data (reseeding when seeding is on), counters and usage; apps and tokens stay. */
  reset(): void;
  /** The Streaming API's retained events and CometD sessions. */
  readonly streaming: StreamingBus;
  /** Platform events defined in the org (`Order_Event__e` → its fields). */
  readonly platformEvents: Map<string, string[]>;
  /** Publishes a gap event (GAP_CREATE…GAP_OVERFLOW), as Salesforce does when it cannot send the change itself. */
  publishGap(entity: string, changeType: ChangeEventHeader['changeType'], recordIds: string[]): number;
  /** Outbound message definitions and their delivery queue. */
  readonly outbound: OutboundMessenger;
}

/** A running Salesforce emulator. */
export type SalesforceEmulator = RunningEmulator & { state: SalesforceEmulatorState };

function versionLabel(v: number): string {
  const i = v - 20;
  return `${['Winter', 'Spring', 'Summer'][i % 3]} '${String(11 + Math.floor(i / 3)).padStart(2, '0')}`;
}

function vendorErrorReply(code: string): Reply {
  switch (code) {
    case 'REQUEST_LIMIT_EXCEEDED':
      return { status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
    case 'INVALID_SESSION_ID':
      return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    case 'SERVER_UNAVAILABLE':
      return { status: 503, body: [{ message: 'Server temporarily unavailable. Please try again later.', errorCode: 'SERVER_UNAVAILABLE' }] };
    case 'UNABLE_TO_LOCK_ROW':
      return { status: 400, body: [{ message: 'unable to obtain exclusive access to this record or 1 records: 001000000000000AAA', errorCode: 'UNABLE_TO_LOCK_ROW', fields: [] }] };
    default:
      return { status: 500, body: [{ message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)', errorCode: code }] };
  }
}

/** Starts the emulator on a free port (or `options.port`). */
export async function startSalesforceEmulator(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  const maxVersion = Number(options.apiVersion ?? '64.0');
  const pageSize = options.pageSize ?? 2000;
  const clock = options.clock ?? Date.now;
  const faults = new FaultInjector();
  let origin = '';
  // The org's default time zone: a start option, changeable through the control API (kept across resets).
  let timeZone = options.timeZone;
  const newOrg = (): Org => {
    const o = new Org(clock);
    if (timeZone) o.timeZone = timeZone;
    if (options.seed !== false) seedOrg(o);
    return o;
  };
  let commitNumber = 1_000_000_000_000;
  const nextCommit = (): number => ++commitNumber;
  const streaming = new StreamingBus({ clock, retentionMs: options.streamingRetentionMs, connectTimeoutMs: options.streamingConnectTimeoutMs });
  const platformEvents = new Map<string, string[]>();
  const outbound = new OutboundMessenger({ clock, timeScale: options.outboundTimeScale ?? 1, org: () => org, origin: () => origin, apiVersion: `${maxVersion.toFixed(1)}` });
  const watch = (o: Org): void => {
    o.changeListeners.push((changes) => {
      const payloads = changeEventPayloads(changes, o.userId, nextCommit);
      changes.forEach((c, i) => streaming.publish(`/data/${changeEventName(c.entity)}`, payloads[i]));
      outbound.onChanges(changes);
    });
  };
  let org = newOrg();
  watch(org);
  let cursors = new QueryCursors(org);
  let bulk = new BulkEngine(org, { processingDelayMs: options.bulkProcessingDelayMs ?? 20, queryPageSize: 50_000 });
  const oauth = new OAuthServer({ origin: () => origin, orgId: () => org.orgId, userId: () => org.userId, tokenTtlMs: options.tokenTtlMs ?? 2 * 3600_000, now: clock });
  const addUser = (): void => {
    oauth.users.set(DEFAULT_USER.username, { ...DEFAULT_USER, userId: org.userId });
  };
  addUser();

  const state: SalesforceEmulatorState = {
    get org() {
      return org;
    },
    oauth,
    calls: { rest: 0, composite: 0, bulk: 0, query: 0, auth: 0, streaming: 0 },
    apiUsage: 0,
    dailyApiLimit: options.dailyApiLimit ?? 15_000,
    registerApp: (app) => oauth.registerApp(app),
    async issueToken() {
      const reply = await oauth.token(new URLSearchParams({ grant_type: 'password', client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, ...DEFAULT_USER }), undefined);
      return (reply.body as { access_token: string }).access_token;
    },
    expireTokens: () => oauth.expireAll(),
    convertLead: (id, o) => org.convertLead(id, o),
    streaming,
    platformEvents,
    outbound,
    publishGap(entity, changeType, recordIds) {
      org.object(entity);
      return streaming.publish(`/data/${changeEventName(entity)}`, gapEventPayload(entity, changeType, recordIds, clock(), org.userId, nextCommit())).replayId;
    },
    merge: (object, masterId, duplicateIds) => org.merge(object, masterId, duplicateIds),
    reset() {
      bulk.dispose();
      org = newOrg();
      watch(org);
      cursors = new QueryCursors(org);
      bulk = new BulkEngine(org, { processingDelayMs: options.bulkProcessingDelayMs ?? 20, queryPageSize: 50_000 });
      addUser();
      for (const k of Object.keys(state.calls) as CallFamily[]) state.calls[k] = 0;
      state.apiUsage = 0;
    },
  };

  const limitHeader = (): Record<string, string> => ({ 'sforce-limit-info': `api-usage=${state.apiUsage}/${state.dailyApiLimit}` });

  /** Routes one data-API request (also used for Composite subrequests). */
  async function dispatch(method: string, url: URL, rawBody: string | undefined, jsonBody: unknown, contentType: string | undefined, allowComposite: boolean, queryOptions?: string, conditions: ConditionalHeaders = {}): Promise<Reply> {
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(url.pathname);
    if (!m) throw notFound();
    const version = m[1];
    const v = Number(version);
    if (v < 20 || v > maxVersion) throw notFound();
    const seg = (m[2] ?? '').split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    const ctx: RestContext = { org, version };
    const q = url.searchParams;
    const body = (): unknown => (jsonBody !== undefined ? jsonBody : parseJson(rawBody ?? ''));
    const [a, b, c, d, e] = seg;
    if (seg.length === 0 && method === 'GET') {
      const base = `/services/data/v${version}`;
      return {
        status: 200,
        body: { ...Object.fromEntries(['sobjects', 'query', 'queryAll', 'search', 'composite', 'limits', 'jobs'].map((k) => [k, `${base}/${k}`])), identity: `${origin}/id/${org.orgId}/${org.userId}` },
      };
    }
    if (a === 'sobjects') {
      if (!b) {
        if (method === 'GET') return getDescribeGlobal(ctx);
        throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD`);
      }
      if (seg.length === 2 && b.endsWith('__e')) return publishPlatformEvent(method, b, body());
      if (seg.length === 2) {
        if (method === 'GET') return getBasicInfo(ctx, b);
        if (method === 'POST') return createRecord(ctx, b, body());
        throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD,POST`);
      }
      if (seg.length === 3) {
        if (c === 'describe' && method === 'GET') return getDescribe(ctx, b);
        if (c === 'updated' && method === 'GET') return getUpdated(ctx, b, q);
        if (c === 'deleted' && method === 'GET') return getDeleted(ctx, b, q);
        if (c === 'Id' && method === 'POST') return upsertRecord(ctx, b, 'Id', null, body(), false);
        if (method === 'GET') return getRecord(ctx, b, c, q.get('fields'), conditions);
        if (method === 'PATCH') {
          if (!normalizeId(c)) throw notFound(`Provided external ID field does not exist or is not accessible: ${c}`);
          return updateRecord(ctx, b, c, body(), conditions);
        }
        if (method === 'DELETE') return deleteRecord(ctx, b, c);
        throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD,PATCH,DELETE`);
      }
      if (seg.length === 4) {
        if (method === 'GET') return getByExternal(ctx, b, c, d, q.get('fields'));
        if (method === 'PATCH' || method === 'POST') return upsertRecord(ctx, b, c, d, body(), q.get('updateOnly') === 'true');
        if (method === 'DELETE') {
          const obj = org.object(b);
          const matches = org.matchExternal(obj, org.externalField(obj, c), d);
          if (matches.length === 0) throw notFound();
          if (matches.length > 1) return { status: 300, body: matches.map((r) => `/services/data/v${version}/sobjects/${obj.name}/${String(r.Id)}`) };
          return deleteRecord(ctx, obj.name, String(matches[0].Id));
        }
      }
      throw notFound();
    }
    if (a === 'query' || a === 'queryAll') {
      if (method !== 'GET') throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD`);
      if (b) return cursors.next(ctx, b);
      const soql = q.get('q');
      if (!soql) throw new ApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      const hinted = /batchSize=(\d+)/.exec(queryOptions ?? '');
      const size = hinted ? Math.min(pageSize, Math.max(200, Math.min(2000, Number(hinted[1])))) : pageSize;
      return cursors.start(ctx, soql, a === 'queryAll', size);
    }
    if (a === 'search') {
      if (method !== 'GET') throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD`);
      return search(ctx, q.get('q'));
    }
    if (a === 'composite') {
      if (b === 'tree' && c && !d) {
        if (method !== 'POST') throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are POST`);
        return compositeTree(ctx, c, body());
      }
      if (!b && method === 'POST') {
        if (!allowComposite) throw new ApiError(400, 'INVALID_INPUT', 'Composite requests cannot be nested');
        return composite(ctx, body(), async (sm, surl, sbody) => {
          try {
            return await dispatch(sm, new URL(surl, origin), undefined, sbody, 'application/json', false);
          } catch (err) {
            if (err instanceof ApiError) return errorReply(err);
            throw err;
          }
        });
      }
      if (b === 'sobjects') {
        if (!c) {
          if (method === 'POST') return collectionCreate(ctx, body());
          if (method === 'PATCH') return collectionUpdate(ctx, body());
          if (method === 'DELETE') return collectionDelete(ctx, q);
        } else if (!d) {
          if (method === 'POST') return collectionRetrieve(ctx, c, body());
          if (method === 'GET') return collectionRetrieve(ctx, c, { ids: (q.get('ids') ?? '').split(','), fields: (q.get('fields') ?? 'Id').split(',') });
        } else if (method === 'PATCH') return collectionUpsert(ctx, c, d, body());
      }
      throw notFound();
    }
    if (a === 'limits' && method === 'GET') return getLimits(state.apiUsage, state.dailyApiLimit);
    if (a === 'jobs' && (b === 'ingest' || b === 'query')) {
      if (b === 'ingest') {
        if (!c) {
          if (method === 'POST') return bulk.createIngest(version, body());
          if (method === 'GET') return bulk.listIngest();
        } else if (!d) {
          if (method === 'GET') return bulk.getIngestInfo(c);
          if (method === 'PATCH') return bulk.patchIngest(c, body());
          if (method === 'DELETE') return bulk.deleteIngest(c);
        } else if (d === 'batches' && method === 'PUT') return bulk.upload(c, rawBody ?? '', contentType);
        else if (method === 'GET' && ['successfulresults', 'failedresults', 'unprocessedrecords'].includes(d.toLowerCase()) && !e) return bulk.results(c, d.toLowerCase());
      } else {
        if (!c && method === 'POST') return bulk.createQuery(version, body());
        if (c && !d) {
          if (method === 'GET') return bulk.getQueryInfo(c);
          if (method === 'PATCH') return bulk.patchQuery(c, body());
          if (method === 'DELETE') return bulk.deleteQuery(c);
        }
        if (c && d === 'results' && method === 'GET') return bulk.queryResults(c, q);
      }
      throw notFound();
    }
    throw notFound();
  }

  /** POST /sobjects/<Name>__e: publishes a platform event (201 {id, success, errors}), as the REST API does. */
  function publishPlatformEvent(method: string, name: string, body: unknown): Reply {
    const fields = [...platformEvents.entries()].find(([n]) => n.toLowerCase() === name.toLowerCase());
    if (!fields) throw notFound();
    if (method !== 'POST') throw new ApiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are POST`);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    const payload: Record<string, unknown> = { CreatedDate: new Date(clock()).toISOString(), CreatedById: org.userId };
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === 'attributes') continue;
      const f = fields[1].find((x) => x.toLowerCase() === k.toLowerCase());
      if (!f) throw new ApiError(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${fields[0]}`);
      payload[f] = v;
    }
    const uuid = eventUuid();
    streaming.publish(`/event/${fields[0]}`, payload, uuid);
    return { status: 201, body: { id: org.newId('e00'), success: true, errors: [] } };
  }

  /** True when a CometD subscription names a channel this org has. */
  function channelExists(channel: string): boolean {
    if (channel === '/data/ChangeEvents') return true;
    const data = /^\/data\/(\w+?)(__)?ChangeEvent$/.exec(channel);
    if (data) return [...org.schema.keys()].some((n) => changeEventName(n) === channel.slice(6));
    const ev = /^\/event\/(\w+__e)$/.exec(channel);
    return ev !== null && [...platformEvents.keys()].some((n) => n.toLowerCase() === ev[1].toLowerCase());
  }

  /** POST /cometd/<version>: one Bayeux batch. Streaming calls are not counted against the REST API budget. */
  async function cometd(req: IncomingMessage, url: URL, raw: string): Promise<Reply> {
    const m = /^\/cometd\/(\d+\.\d)\/?$/.exec(url.pathname);
    if (!m || Number(m[1]) > maxVersion || Number(m[1]) < 23) throw notFound();
    if ((req.method ?? '').toUpperCase() !== 'POST') return { status: 400, body: [{ error: '400::Only long-polling over POST is supported', successful: false }] };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { status: 400, body: [{ error: '400::Bad request: the body is not a JSON message batch', successful: false }] };
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]) as BayeuxMessage[];
    const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const authorized = bearer !== undefined && oauth.check(bearer) !== null;
    const replies = await streaming.handle(messages, authorized, channelExists);
    return { status: 200, body: replies };
  }

  function family(path: string): CallFamily {
    if (path.startsWith('/cometd/')) return 'streaming';
    if (path.startsWith('/services/oauth2') || path.startsWith('/id/')) return 'auth';
    if (/^\/services\/data\/v[\d.]+\/(query|queryAll)(\/|$)/.test(path)) return 'query';
    if (/^\/services\/data\/v[\d.]+\/composite(\/|$)/.test(path)) return 'composite';
    if (/^\/services\/data\/v[\d.]+\/jobs\//.test(path)) return 'bulk';
    return 'rest';
  }

  async function control(req: IncomingMessage, url: URL): Promise<Reply> {
    const path = url.pathname;
    const raw = await readBody(req);
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    if (path === '/__sandbox/calls' && req.method === 'GET') return { status: 200, body: { ...state.calls, total: Object.values(state.calls).reduce((s, n) => s + n, 0), apiUsage: state.apiUsage } };
    if (path === '/__sandbox/calls' && req.method === 'DELETE') {
      for (const k of Object.keys(state.calls) as CallFamily[]) state.calls[k] = 0;
      return { status: 204 };
    }
    if (path === '/__sandbox/reset' && req.method === 'POST') {
      state.reset();
      return { status: 204 };
    }
    if (path === '/__sandbox/tokens/expire' && req.method === 'POST') {
      state.expireTokens();
      return { status: 204 };
    }
    if (path === '/__sandbox/limits' && req.method === 'POST') {
      if (typeof body.dailyApiLimit === 'number') state.dailyApiLimit = body.dailyApiLimit;
      if (typeof body.used === 'number') state.apiUsage = body.used;
      return { status: 200, body: { used: state.apiUsage, limit: state.dailyApiLimit } };
    }
    if (path === '/__sandbox/org' && req.method === 'GET') return { status: 200, body: { orgId: org.orgId, timeZone: org.timeZone } };
    if (path === '/__sandbox/org' && req.method === 'POST') {
      if (body.timeZone !== undefined) {
        const zone = String(body.timeZone);
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: zone });
        } catch {
          return { status: 400, body: { error: `"${zone}" is not an IANA time zone` } };
        }
        timeZone = zone;
        org.timeZone = zone;
      }
      return { status: 200, body: { orgId: org.orgId, timeZone: org.timeZone } };
    }
    if (path === '/__sandbox/apps' && req.method === 'POST') {
      state.registerApp(body as { clientId: string; clientSecret?: string; publicKeyPem?: string });
      return { status: 204 };
    }
    if (path === '/__sandbox/streaming' && req.method === 'GET') {
      const ev = streaming.events;
      return { status: 200, body: { retained: ev.length, firstReplayId: ev[0]?.replayId ?? null, lastReplayId: ev.at(-1)?.replayId ?? null, sessions: streaming.sessionCount, retentionMs: streaming.retentionMs } };
    }
    if (path === '/__sandbox/streaming' && req.method === 'POST') {
      if (typeof body.retentionMs === 'number') streaming.retentionMs = body.retentionMs;
      if (typeof body.connectTimeoutMs === 'number') streaming.connectTimeoutMs = body.connectTimeoutMs;
      return { status: 200, body: { retentionMs: streaming.retentionMs, connectTimeoutMs: streaming.connectTimeoutMs } };
    }
    if (path === '/__sandbox/streaming/expire' && req.method === 'POST') {
      return { status: 200, body: { expired: streaming.expire(typeof body.throughReplayId === 'number' ? body.throughReplayId : Number.MAX_SAFE_INTEGER) } };
    }
    if (path === '/__sandbox/streaming/gap' && req.method === 'POST') {
      const type = String(body.changeType ?? 'GAP_UPDATE') as ChangeEventHeader['changeType'];
      if (!type.startsWith('GAP_')) return { status: 400, body: { error: 'changeType must be GAP_CREATE, GAP_UPDATE, GAP_DELETE, GAP_UNDELETE or GAP_OVERFLOW' } };
      const ids = Array.isArray(body.recordIds) ? body.recordIds.map(String) : [];
      return { status: 200, body: { replayId: state.publishGap(String(body.entity), type, type === 'GAP_OVERFLOW' ? [] : ids) } };
    }
    if (path === '/__sandbox/platform-events' && req.method === 'POST') {
      const name = String(body.name ?? '');
      if (!/^\w+__e$/.test(name)) return { status: 400, body: { error: 'name must end in __e' } };
      platformEvents.set(name, Array.isArray(body.fields) ? body.fields.map(String) : []);
      return { status: 204 };
    }
    const undel = /^\/__sandbox\/undelete\/([^/]+)\/([^/]+)$/.exec(path);
    if (undel && req.method === 'POST') return { status: 200, body: org.undelete(undel[1], undel[2]) };
    if (path === '/__sandbox/outbound-messages' && req.method === 'POST') return { status: 201, body: outbound.define(body as unknown as OutboundDefinitionInput) };
    if (path === '/__sandbox/outbound-messages' && req.method === 'GET') return { status: 200, body: outbound.report() };
    if (path === '/__sandbox/merge' && req.method === 'POST') {
      const b = body as { object?: string; masterId?: string; duplicateIds?: string[] };
      return { status: 200, body: state.merge(String(b.object ?? ''), String(b.masterId ?? ''), Array.isArray(b.duplicateIds) ? b.duplicateIds.map(String) : []) };
    }
    const conv = /^\/__sandbox\/leads\/([^/]+)\/convert$/.exec(path);
    if (conv && req.method === 'POST') return { status: 200, body: state.convertLead(conv[1], body as { accountId?: string; createOpportunity?: boolean }) };
    return { status: 404, body: { error: `unknown control endpoint ${req.method} ${path}` } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    if (await handleFaultControl(faults, req, res)) return;
    if (url.pathname.startsWith('/__sandbox/')) {
      try {
        writeReply(res, await control(req, url), {});
      } catch (err) {
        writeReply(res, err instanceof ApiError ? errorReply(err) : { status: 400, body: { error: (err as Error).message } }, {});
      }
      return;
    }
    const fam = family(url.pathname);
    const isData = /^\/services\/data\/v/.test(url.pathname);
    const fault = faults.pick(method, url.pathname + url.search);
    if (fault) {
      if (await applyTransportFault(fault, req, res)) return;
      if (fault.vendorError) {
        state.calls[fam] += 1;
        writeReply(res, vendorErrorReply(fault.vendorError), isData ? limitHeader() : {});
        return;
      }
    }
    state.calls[fam] += 1;
    const raw = await readBody(req);
    try {
      if (url.pathname === '/services/data' || url.pathname === '/services/data/') {
        const versions = [];
        for (let v = 20; v <= maxVersion; v++) versions.push({ label: versionLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
        writeReply(res, { status: 200, body: versions }, {});
        return;
      }
      if (fam === 'auth') {
        writeReply(res, await authRoute(req, url, method, raw), {});
        return;
      }
      if (fam === 'streaming') {
        writeReply(res, await cometd(req, url, raw), {});
        return;
      }
      if (!isData) throw notFound();
      const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !oauth.check(bearer)) {
        writeReply(res, vendorErrorReply('INVALID_SESSION_ID'), {});
        return;
      }
      if (state.apiUsage >= state.dailyApiLimit) {
        writeReply(res, vendorErrorReply('REQUEST_LIMIT_EXCEEDED'), limitHeader());
        return;
      }
      state.apiUsage += 1;
      const callOptions = /client=([^,;\s]+)/.exec(String(req.headers['sforce-call-options'] ?? ''))?.[1];
      org.origin = `com/salesforce/api/rest/${/v(\d+\.\d)/.exec(url.pathname)?.[1] ?? maxVersion.toFixed(1)}${callOptions ? `;client=${callOptions}` : ''}`;
      const queryOptions = req.headers['sforce-query-options'];
      const conditions: ConditionalHeaders = {};
      for (const h of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const) {
        const v = req.headers[h];
        if (typeof v === 'string') conditions[h] = v;
      }
      const reply = await dispatch(method, url, raw, undefined, req.headers['content-type'], true, Array.isArray(queryOptions) ? queryOptions[0] : queryOptions, conditions);
      org.origin = '';
      writeReply(res, reply, limitHeader());
    } catch (err) {
      org.origin = '';
      if (err instanceof ApiError) writeReply(res, errorReply(err), isData ? limitHeader() : {});
      else {
        writeReply(res, { status: 500, body: [{ message: `An unexpected error occurred: ${(err as Error).message}`, errorCode: 'UNKNOWN_EXCEPTION' }] }, {});
      }
    }
  }

  async function authRoute(req: IncomingMessage, url: URL, method: string, raw: string): Promise<Reply> {
    const p = url.pathname.replace(/\/+$/, '');
    if (p === '/services/oauth2/token' && method === 'POST') return oauth.token(new URLSearchParams(raw), req.headers.authorization);
    if (p === '/services/oauth2/authorize' && method === 'GET') return oauth.authorize(url.searchParams);
    if (p === '/services/oauth2/authorize' && method === 'POST') return oauth.approve(new URLSearchParams(raw));
    if (p === '/services/oauth2/revoke' && method === 'POST') return oauth.revoke(new URLSearchParams(raw || url.search.slice(1)));
    if (p === '/services/oauth2/userinfo' || p.startsWith('/id/')) {
      const bearer = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('oauth_token') ?? undefined;
      const tok = bearer ? oauth.check(bearer) : null;
      if (!tok) return { status: 403, body: 'Bad_OAuth_Token', contentType: 'text/plain' };
      const user = org.table('User').get(tok.userId);
      const username = String(user?.Username ?? DEFAULT_USER.username);
      const name = String(user?.Name ?? 'Integration User');
      const email = String(user?.Email ?? DEFAULT_USER.username);
      const utcOffset = offsetAt(clock(), org.timeZone);
      if (p === '/services/oauth2/userinfo') {
        return {
          status: 200,
          body: {
            sub: `${origin}/id/${org.orgId}/${tok.userId}`, user_id: tok.userId, organization_id: org.orgId, preferred_username: username,
            name, email, email_verified: true, active: true, user_type: 'STANDARD', language: 'en_US', locale: 'en_US', zoneinfo: org.timeZone,
            utcOffset, urls: { rest: `${origin}/services/data/v{version}/`, sobjects: `${origin}/services/data/v{version}/sobjects/`, query: `${origin}/services/data/v{version}/query/` },
          },
        };
      }
      // The identity URL answers for the token's own user only.
      if (p !== `/id/${org.orgId}/${tok.userId}`) return { status: 403, body: 'Bad_Id', contentType: 'text/plain' };
      const [first, ...rest] = name.split(' ');
      const data = `${origin}/services/data/v{version}/`;
      return {
        status: 200,
        body: {
          id: `${origin}/id/${org.orgId}/${tok.userId}`, asserted_user: true, user_id: tok.userId, organization_id: org.orgId, username,
          nick_name: username.split('@')[0], display_name: name, email, email_verified: true, first_name: rest.length > 0 ? first : null, last_name: rest.length > 0 ? rest.join(' ') : first,
          timezone: org.timeZone, photos: { picture: `${origin}/profilephoto/005/F`, thumbnail: `${origin}/profilephoto/005/T` },
          addr_street: null, addr_city: null, addr_state: null, addr_country: null, addr_zip: null, mobile_phone: null, mobile_phone_verified: false,
          is_lightning_login_user: false, status: { created_date: null, body: null },
          urls: {
            enterprise: `${origin}/services/Soap/c/{version}/${org.orgId}`, metadata: `${origin}/services/Soap/m/{version}/${org.orgId}`, partner: `${origin}/services/Soap/u/{version}/${org.orgId}`,
            rest: data, sobjects: `${data}sobjects/`, search: `${data}search/`, query: `${data}query/`, recent: `${data}recent/`,
            tooling_soap: `${origin}/services/Soap/T/{version}/${org.orgId}`, tooling_rest: `${data}tooling/`, profile: `${origin}/${tok.userId}`,
            feeds: `${data}chatter/feeds`, groups: `${data}chatter/groups`, users: `${data}chatter/users`, feed_items: `${data}chatter/feed-items`, feed_elements: `${data}chatter/feed-elements`,
            custom_domain: origin,
          },
          active: true, user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset, last_modified_date: String(user?.LastModifiedDate ?? org.stamp()).replace('+0000', 'Z').replace('.000Z', 'Z'), is_app_installed: true,
        },
      };
    }
    throw notFound();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ message: String(err), errorCode: 'UNKNOWN_EXCEPTION' }]));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  origin = `http://${options.host ?? '127.0.0.1'}:${addr.port}`;

  return {
    system: 'salesforce',
    url: origin,
    faults,
    state,
    connectInfo: () => [
      ['login URL (OAuth)', origin],
      ['instance URL (REST)', `${origin}/services/data/v${maxVersion.toFixed(1)}`],
      ['API versions', `20.0 to ${maxVersion.toFixed(1)}`],
      ['connected app', `client_id ${DEFAULT_APP.clientId}, client_secret ${DEFAULT_APP.clientSecret} (password, client_credentials, authorization_code, refresh_token; JWT bearer after POST /__sandbox/apps with a public key)`],
      ['user', `${DEFAULT_USER.username} / ${DEFAULT_USER.password}`],
      ['org id', state.org.orgId],
      ['time zone', state.org.timeZone],
      ['streaming (CometD)', `${origin}/cometd/${maxVersion.toFixed(1)} (/data/ChangeEvents, /data/<Object>ChangeEvent, /event/<Name>__e)`],
      ['control API', `${origin}/__sandbox/ (docs/sandbox.md)`],
    ],
    async close() {
      bulk.dispose();
      streaming.close();
      outbound.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
