/**
 * Pardot (Account Engagement) API v5 emulator: one business unit served from the root of its origin,
 * with the documented headers, error envelope, paging, limits (daily budget → 122, more than
 * `maxConcurrent` requests in flight → 66), expiring tokens (→ 184), a Salesforce-style token
 * endpoint, fault injection and a control API under `/__sandbox/`. Never imports connector code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyTransportFault, FaultInjector, handleFaultControl } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import type { Reply, RequestContext } from './context.js';
import { PardotApiError } from './errors.js';
import { ImportRunner } from './imports.js';
import { handleTokenRequest, TokenRegistry, type OAuthOptions } from './oauth.js';
import { buildRoutes, dispatch, familyOf } from './router.js';
import { seedState } from './seed.js';
import { PardotState } from './state.js';
import { formatDateTime, nextMidnight } from './time.js';

/** Start options of the Pardot emulator. */
export interface PardotEmulatorOptions extends EmulatorOptions {
  /** The business unit id the API accepts in `Pardot-Business-Unit-Id` (18 chars, 0Uv…). */
  businessUnitId?: string;
  /** API calls per day before code 122 (default 100,000, the Advanced/Premium edition limit). */
  dailyLimit?: number;
  /** Requests in flight at once before code 66 (default 5). */
  maxConcurrent?: number;
  /** Access token lifetime in ms (default 2 h). */
  tokenTtlMs?: number;
  /** The account's UTC offset for date-times and the daily reset (default `-07:00`). */
  utcOffset?: string;
  /** Pause between import state changes in ms (default 20). */
  importStepMs?: number;
  /** When set, the only client id the token endpoint accepts. */
  clientId?: string;
  /** When set, the only client secret the token endpoint accepts. */
  clientSecret?: string;
  /** When set, the only refresh token the token endpoint accepts. */
  refreshToken?: string;
  /** PEM public key that verifies JWT bearer assertions; without it any well-formed RS256 assertion passes. */
  jwtPublicKey?: string;
}

/** API calls counted per path family since start or the last reset. */
export interface CallCounts {
  total: number;
  byFamily: Record<string, number>;
}

/** A started Pardot emulator. */
export interface RunningPardotEmulator extends RunningEmulator {
  /** The accepted business unit id. */
  businessUnitId: string;
  /** Live state, for in-process assertions. */
  readonly state: PardotState;
  /** Issued tokens. */
  tokens: TokenRegistry;
  /** Makes every issued access token expire now (the next call answers 184). */
  expireTokens(): void;
  /** Call counts per path family. */
  calls(): CallCounts;
  /** The most API requests seen in flight at once, and how many were refused with code 66, since start or the last reset. */
  concurrency(): { peak: number; refused: number };
  /** API calls used today against the daily limit. */
  dailyUsage(): { used: number; limit: number; resetAt: number };
  /** Sets today's usage (to reach code 122 without thousands of calls). */
  setDailyUsage(used: number): void;
  /** Restores the seed data and clears counts, usage and faults (tokens stay valid). */
  reset(): void;
}

/** Salesforce API-name (DeveloperName) rules: a letter first, then letters, digits and single underscores, no trailing underscore. */
export function isApiName(name: string): boolean {
  return /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/.test(name) && !name.endsWith('_') && name.length <= 40;
}

/** The default business unit id. */
export const DEFAULT_BUSINESS_UNIT_ID = '0Uv5e000000XyZaCAK';

/** Starts the emulator on a free port (or `options.port`). */
export async function startPardotEmulator(options: PardotEmulatorOptions = {}): Promise<RunningPardotEmulator> {
  const businessUnitId = options.businessUnitId ?? DEFAULT_BUSINESS_UNIT_ID;
  const dailyLimit = options.dailyLimit ?? 100_000;
  const maxConcurrent = options.maxConcurrent ?? 5;
  const offset = options.utcOffset ?? '-07:00';
  const oauth: OAuthOptions = {
    tokenTtlMs: options.tokenTtlMs ?? 2 * 3600_000,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    refreshToken: options.refreshToken,
    jwtPublicKey: options.jwtPublicKey,
  };
  const now = () => Date.now();
  const faults = new FaultInjector();
  const tokens = new TokenRegistry(now);
  let state = freshState(options.seed !== false);
  const imports = new ImportRunner(() => state, options.importStepMs ?? 20, now);
  const routes = buildRoutes(imports);
  let counts: CallCounts = { total: 0, byFamily: {} };
  let used = 0;
  let resetAt = nextMidnight(now(), offset);
  let inFlight = 0;
  let peakInFlight = 0;
  let refused66 = 0;
  let origin = '';

  function usage(): { used: number; limit: number; resetAt: number } {
    if (now() >= resetAt) {
      used = 0;
      resetAt = nextMidnight(now(), offset);
    }
    return { used, limit: dailyLimit, resetAt };
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { Server: 'PardotServer', 'X-Pardot-Route': 'emulator', ...reply.headers };
    if (reply.text !== undefined) {
      res.writeHead(reply.status, headers);
      res.end(reply.text);
    } else if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
    } else {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(reply.body));
    }
  }

  function sendError(res: ServerResponse, err: PardotApiError): void {
    send(res, { status: err.status, body: err.toBody() });
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> {
    if (await handleFaultControl(faults, req, res)) return;
    const json = (status: number, value: unknown) => send(res, { status, body: value });
    if (path === '/__sandbox/calls' && req.method === 'GET') return json(200, counts);
    if (path === '/__sandbox/concurrency' && req.method === 'GET') return json(200, api.concurrency());
    if (path === '/__sandbox/calls' && req.method === 'DELETE') {
      counts = { total: 0, byFamily: {} };
      return send(res, { status: 204 });
    }
    if (path === '/__sandbox/reset' && req.method === 'POST') {
      api.reset();
      return send(res, { status: 204 });
    }
    if (path === '/__sandbox/prospects' && req.method === 'GET') {
      const values = [...state.prospects.values()].map((p) => {
        const out: Record<string, unknown> = { ...p };
        for (const k of ['createdAt', 'updatedAt', 'lastActivityAt']) if (typeof out[k] === 'number') out[k] = formatDateTime(out[k] as number, offset);
        return out;
      });
      return json(200, { values });
    }
    if (path === '/__sandbox/expire-tokens' && req.method === 'POST') {
      tokens.expireAll();
      return send(res, { status: 204 });
    }
    if (path === '/__sandbox/settings' && req.method === 'GET') return json(200, { allowMultipleProspectsWithSameEmail: state.allowMultipleProspectsWithSameEmail, externalActivityTypes: state.externalActivityTypes });
    if (path === '/__sandbox/settings' && req.method === 'PUT') {
      const v = JSON.parse(body.toString('utf8') || '{}') as { allowMultipleProspectsWithSameEmail?: unknown };
      if (typeof v.allowMultipleProspectsWithSameEmail === 'boolean') state.allowMultipleProspectsWithSameEmail = v.allowMultipleProspectsWithSameEmail;
      return json(200, { allowMultipleProspectsWithSameEmail: state.allowMultipleProspectsWithSameEmail });
    }
    if (path === '/__sandbox/external-activity-types' && req.method === 'POST') {
      const v = JSON.parse(body.toString('utf8') || '{}') as { extension?: unknown; type?: unknown; isActive?: unknown };
      for (const k of ['extension', 'type'] as const) {
        const name = v[k];
        if (typeof name !== 'string' || !isApiName(name)) {
          // As the Tooling API refuses a DeveloperName that breaks the API-name rules.
          return json(400, [{ message: `${k}: the name can only contain underscores and alphanumeric characters. It must begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.`, errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['DeveloperName'] }]);
        }
      }
      const type = { extension: String(v.extension), type: String(v.type), isActive: v.isActive !== false };
      state.externalActivityTypes = [...state.externalActivityTypes.filter((t) => !(t.extension === type.extension && t.type === type.type)), type];
      return json(201, type);
    }
    if (path === '/__sandbox/usage' && req.method === 'GET') return json(200, usage());
    if (path === '/__sandbox/usage' && req.method === 'PUT') {
      const v = JSON.parse(body.toString('utf8') || '{}') as { used?: number };
      api.setDailyUsage(Number(v.used ?? 0));
      return json(200, usage());
    }
    json(404, { error: `unknown control path ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    if (path.startsWith('/__sandbox/')) {
      const chunks: Buffer[] = [];
      if (path !== '/__sandbox/faults') for await (const c of req) chunks.push(c as Buffer);
      return handleControl(req, res, path, Buffer.concat(chunks));
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const family = familyOf(path);
    counts.total += 1;
    counts.byFamily[family] = (counts.byFamily[family] ?? 0) + 1;

    if (path === '/services/oauth2/token') {
      const fault = faults.pick(req.method ?? 'GET', `${path}${url.search}`);
      if (fault && (await applyTransportFault(fault, req, res))) return;
      if (req.method !== 'POST') return send(res, { status: 405, body: { error: 'invalid_request', error_description: 'must use HTTP POST' } });
      const answer = await handleTokenRequest(new URLSearchParams(rawBody.toString('utf8')), req.headers.authorization, oauth, tokens, origin);
      return send(res, { status: answer.status, body: answer.body });
    }

    // Authentication and business unit come first: they are checked before any limit is counted.
    const auth = req.headers.authorization;
    if (!auth) return sendError(res, new PardotApiError(181, 'A required header is missing: Authorization header not found on request.', 401));
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const tokenState = m ? tokens.check(m[1]) : 'unknown';
    if (tokenState !== 'valid') {
      return sendError(res, new PardotApiError(184, `access_token is invalid, unknown, or malformed${tokenState === 'expired' ? ': Inactive token' : ''}`));
    }
    const bu = req.headers['pardot-business-unit-id'];
    if (bu === undefined || bu === '') return sendError(res, new PardotApiError(181, 'A required header is missing: Pardot-Business-Unit-Id header not found on request.'));
    if (bu !== businessUnitId) return sendError(res, new PardotApiError(201));

    const day = usage();
    if (day.used >= day.limit) return sendError(res, new PardotApiError(122));
    used += 1;
    if (inFlight >= maxConcurrent) {
      refused66 += 1;
      return sendError(res, new PardotApiError(66));
    }
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight -= 1;
      }
    };
    res.on('close', release);
    res.on('finish', release);

    const fault = faults.pick(req.method ?? 'GET', `${path}${url.search}`);
    if (fault) {
      if (await applyTransportFault(fault, req, res)) return;
      if (fault.vendorError) {
        const code = Number(fault.vendorError);
        return sendError(res, Number.isInteger(code) ? new PardotApiError(code) : new PardotApiError(183, `Unknown vendor error ${fault.vendorError}`));
      }
    }
    const ctx: RequestContext = { method: req.method ?? 'GET', path, params: url.searchParams, headers: req.headers, rawBody, state, offset, origin, now: now() };
    // `X-Return-Api-Usage: true` asks for today's usage against the daily limit in `x-api-usage`.
    const wantsUsage = /^(true|1)$/i.test(String(req.headers['x-return-api-usage'] ?? ''));
    const withUsage = (reply: Reply): Reply => (wantsUsage ? { ...reply, headers: { ...reply.headers, 'x-api-usage': `${usage().used}/${usage().limit}` } } : reply);
    try {
      send(res, withUsage(await dispatch(routes, ctx)));
    } catch (err) {
      const e = err instanceof PardotApiError ? err : new PardotApiError(183, `Internal error: ${(err as Error).message}`);
      send(res, withUsage({ status: e.status, body: e.toBody() }));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, new PardotApiError(183, `Internal error: ${(err as Error).message}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  origin = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

  const api: RunningPardotEmulator = {
    system: 'pardot',
    url: origin,
    faults,
    businessUnitId,
    connectInfo: () => [
      ['API base (v5)', `${origin}/api/v5`],
      ['token URL', `${origin}/services/oauth2/token`],
      ['OAuth client', options.clientId ? `client_id ${options.clientId}, client_secret ${options.clientSecret ?? '(any)'}` : 'any client_id and client_secret (client_credentials, refresh_token, JWT bearer)'],
      ['Pardot-Business-Unit-Id', businessUnitId],
      ['daily API limit', String(dailyLimit)],
      ['account time zone offset', offset],
      ['control API', `${origin}/__sandbox/ (docs/sandbox.md)`],
    ],
    get state() {
      return state;
    },
    tokens,
    expireTokens: () => tokens.expireAll(),
    calls: () => counts,
    concurrency: () => ({ peak: peakInFlight, refused: refused66 }),
    dailyUsage: usage,
    setDailyUsage(n: number) {
      usage();
      used = n;
    },
    reset() {
      imports.stop();
      state = freshState(options.seed !== false);
      counts = { total: 0, byFamily: {} };
      used = 0;
      peakInFlight = 0;
      refused66 = 0;
      faults.clear();
    },
    async close() {
      imports.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

function freshState(seed: boolean): PardotState {
  const state = new PardotState();
  if (seed) seedState(state, Date.now());
  return state;
}
