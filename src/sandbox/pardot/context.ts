/** What every emulator handler receives and returns. */
import type { IncomingHttpHeaders } from 'node:http';
import { PardotApiError } from './errors.js';
import type { PardotState } from './state.js';

/** One authenticated API request. */
export interface RequestContext {
  method: string;
  /** Path without the query string. */
  path: string;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  state: PardotState;
  /** The account's UTC offset used to render date-times. */
  offset: string;
  /** The emulator's origin (for nextPageUrl, batchesRef, errorRef). */
  origin: string;
  now: number;
}

/** A handler's answer; `text` is sent as is (CSV downloads), otherwise `body` as JSON. */
export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** Parses a JSON body with the v5 body errors: 151 wrong content type, 152 empty, 150 invalid JSON. */
export function jsonBody(ctx: RequestContext): Record<string, unknown> {
  const ct = String(ctx.headers['content-type'] ?? '');
  if (ctx.rawBody.length === 0) throw new PardotApiError(152);
  if (!ct.toLowerCase().startsWith('application/json')) throw new PardotApiError(151, `Unsupported Content-Type: ${ct || '(none)'}; use application/json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.rawBody.toString('utf8'));
  } catch {
    throw new PardotApiError(150);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PardotApiError(150, 'Invalid JSON in request body: an object is expected');
  return parsed as Record<string, unknown>;
}

/** Parses a path id: Pardot ids are integers. */
export function pathId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new PardotApiError(109);
  return id;
}
