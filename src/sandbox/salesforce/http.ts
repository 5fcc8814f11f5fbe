/** Small request/response helpers for the emulator's node:http handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';

/** What a route handler returns; the router writes it with the common headers. */
export interface Reply {
  status: number;
  /** JSON-serialisable body, a raw string (CSV), or undefined for no body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `body` as is (already a string) with this content type. */
  contentType?: string;
}

/** Reads the whole request body as a string. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON request body or throws 400 JSON_PARSER_ERROR as Salesforce does. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', `Unexpected character: ${(err as Error).message}`);
  }
}

/** Writes a reply with JSON content type unless told otherwise. */
export function writeReply(res: ServerResponse, reply: Reply, common: Record<string, string>): void {
  const headers: Record<string, string> = { ...common, ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  if (typeof reply.body === 'string' && reply.contentType) {
    headers['content-type'] = reply.contentType;
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return;
  }
  headers['content-type'] = 'application/json;charset=UTF-8';
  res.writeHead(reply.status, headers);
  res.end(JSON.stringify(reply.body));
}

/** The reply for an ApiError. */
export function errorReply(err: ApiError): Reply {
  return { status: err.status, body: err.toBody() };
}
