/**
 * The sink's request handler on bare node:http: routing, JSON bodies, required headers, fault
 * injection and the `/__sandbox/*` control routes. No framework, so the engine benchmark measures the
 * engine and not the target.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyTransportFault, handleFaultControl, type FaultInjector } from '../shared/faults.js';
import { errorReply, type ListQuery, type SinkReply, type SinkStore } from './store.js';

/** What the handler needs. */
export interface SinkHandlerDeps {
  store: SinkStore;
  faults: FaultInjector;
  /** Headers every API request must carry with these exact values (answered 401 otherwise). */
  requireHeaders?: Record<string, string>;
  /** Largest accepted body in bytes. */
  maxBodyBytes: number;
  /** Counts API requests (not control requests). */
  onCall(): void;
  /** Clears the data and the call count. */
  reset(): void;
  /** Calls served so far. */
  calls(): number;
}

const RESERVED_PARAMS = new Set(['updatedSince', 'limit', 'cursor']);
const ENTITY = /^[A-Za-z0-9_.-]+$/;

function send(res: ServerResponse, reply: SinkReply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class BodyError extends Error {
  constructor(readonly reply: SinkReply) {
    super('bad body');
  }
}

/** Reads and parses a JSON body; event callbacks rather than async iteration, which costs a lot per request under load. */
function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new BodyError(errorReply(413, 'body_too_large', `body larger than ${max} bytes`)));
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (failed) return;
      const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(new BodyError(errorReply(400, 'invalid_json', 'a JSON body is required')));
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new BodyError(errorReply(400, 'invalid_json', `malformed JSON: ${(err as Error).message}`)));
      }
    });
  });
}

function listQuery(params: URLSearchParams): ListQuery {
  const filters: Record<string, string> = {};
  for (const [k, v] of params) if (!RESERVED_PARAMS.has(k)) filters[k] = v;
  const limit = params.get('limit');
  return {
    updatedSince: params.get('updatedSince') ?? undefined,
    limit: limit === null ? undefined : Number(limit),
    cursor: params.get('cursor') ?? undefined,
    filters,
  };
}

async function route(deps: SinkHandlerDeps, req: IncomingMessage, segments: string[], params: URLSearchParams): Promise<SinkReply> {
  const method = req.method ?? 'GET';
  const { store } = deps;
  const [entity, a, b, c] = segments;
  if (segments.length === 0) return method === 'GET' ? { status: 200, body: { ok: true, system: 'http-sink' } } : errorReply(405, 'method_not_allowed', `${method} / is not supported`);
  if (!ENTITY.test(entity)) return errorReply(404, 'not_found', `no collection "${entity}"`);
  const body = () => readJson(req, deps.maxBodyBytes);
  if (segments.length === 1) {
    if (method === 'GET') return store.list(entity, listQuery(params));
    if (method === 'POST') return store.create(entity, await body());
  } else if (segments.length === 2 && a === '_batch') {
    if (method === 'POST') return store.batch(entity, await body());
  } else if (segments.length === 2) {
    if (method === 'GET') return store.get(entity, a);
    if (method === 'PUT') return store.replace(entity, a, await body());
    if (method === 'PATCH') return store.patch(entity, a, await body());
    if (method === 'DELETE') return store.delete(entity, a);
  } else if (segments.length === 4 && a === 'by') {
    if (method === 'PUT') return store.upsertBy(entity, b, c, await body());
  } else {
    return errorReply(404, 'not_found', `no route for ${segments.join('/')}`);
  }
  return errorReply(405, 'method_not_allowed', `${method} is not supported on /${segments.join('/')}`);
}

/** The request listener of one sink and the reset that also forgets its idempotency keys. */
export interface SinkHandler {
  listener(req: IncomingMessage, res: ServerResponse): void;
  reset(): void;
}

/** Creates the request listener of one sink. */
export function createSinkHandler(deps: SinkHandlerDeps): SinkHandler {
  const idempotent = new Map<string, SinkReply>();
  const reset = () => {
    idempotent.clear();
    deps.reset();
  };
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    if (path.startsWith('/__sandbox/')) {
      if (await handleFaultControl(deps.faults, req, res)) return;
      if (path === '/__sandbox/calls' && req.method === 'GET') return send(res, { status: 200, body: { calls: deps.calls(), records: deps.store.counts() } });
      if (path === '/__sandbox/reset' && req.method === 'POST') {
        reset();
        return send(res, { status: 200, body: { ok: true } });
      }
      return send(res, errorReply(404, 'not_found', `no control route ${path}`));
    }
    deps.onCall();
    const fault = deps.faults.pick(req.method ?? 'GET', rawUrl);
    if (fault) {
      if (await applyTransportFault(fault, req, res)) return;
      if (fault.vendorError) return send(res, errorReply(fault.status ?? 500, fault.vendorError, `injected ${fault.vendorError}`));
    }
    for (const [name, value] of Object.entries(deps.requireHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) return send(res, errorReply(401, 'unauthorized', `missing or wrong ${name} header`));
    }
    let segments: string[];
    try {
      segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return send(res, errorReply(400, 'invalid_path', 'malformed percent-encoding in the path'));
    }
    // Replays a create that carried an Idempotency-Key, so a retried POST does not make a second record.
    const key = req.method === 'POST' && segments.length === 1 ? req.headers['idempotency-key'] : undefined;
    const replayKey = typeof key === 'string' ? `${segments[0]}\n${key}` : undefined;
    const earlier = replayKey ? idempotent.get(replayKey) : undefined;
    if (earlier) return send(res, earlier);
    const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const reply = await route(deps, req, segments, params);
    if (replayKey && reply.status < 300) idempotent.set(replayKey, reply);
    send(res, reply);
  }
  return {
    listener(req, res) {
      handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        send(res, err instanceof BodyError ? err.reply : errorReply(500, 'internal', (err as Error).message));
      });
    },
    reset,
  };
}
