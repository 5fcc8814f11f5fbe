/**
 * The shape of one admin route. Every route is a plain object in a table: method, path, the least
 * role it needs, its JSON schemas and its handler. The same table registers the routes, builds the
 * OpenAPI document and drives the access tests, so no route can be forgotten by any of them.
 */
import type { PendingAuthorizations } from './pending-authorizations.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Hub } from '../../engine/hub-types.js';
import type { JsonObject } from '../../core/json.js';
import type { Store } from '../../store/types.js';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import type { RouteAccess } from '../auth/roles.js';
import type { ConnectionChecks } from './connection-checks.js';
import type { AlertEvaluator } from '../../engine/alerts/evaluator.js';

/** A JSON Schema as Fastify and OpenAPI take it. */
export type Schema = Record<string, unknown>;

/** What every handler can reach. */
export interface AdminContext {
  hub: Hub;
  store: Store;
  auth: Authenticator;
  /** Send session cookies with the Secure flag. */
  secureCookies: boolean;
  /** Last connection test results, for the dashboard. */
  checks: ConnectionChecks;
  /** "Connect with …" authorisations waiting for the browser to come back. */
  authorizations: PendingAuthorizations;
  /** The alert evaluator of this server process (evaluate now, test a channel). */
  alerts: AlertEvaluator;
}

/** One call to a route, typed by its params, query and body. */
export interface Call<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The signed-in caller (null only on public routes). */
  principal: Principal | null;
  request: FastifyRequest;
  reply: FastifyReply;
  ctx: AdminContext;
  /** Writes an audit row attributed to the caller. */
  audit(action: string, target: string, details?: JsonObject): Promise<void>;
}

/** One route of the admin API. */
export interface AdminRoute<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under /api/v1, Fastify style (`/flows/:name`). */
  url: string;
  /** `public` or the least role allowed. */
  access: RouteAccess;
  /** One line for the OpenAPI document. */
  summary: string;
  /** OpenAPI tag (the console page it serves). */
  tag: string;
  /** Let a user who must change their password call it. */
  allowPendingPasswordChange?: boolean;
  /** Request body media types besides JSON (e.g. `text/yaml`). */
  extraBodyTypes?: string[];
  schema: {
    params?: Schema;
    querystring?: Schema;
    body?: Schema;
    /** Status code → schema; 4xx errors are added for every route. */
    response: Record<number, Schema>;
  };
  handler(call: Call<P, Q, B>): Promise<unknown>;
}

/** A route with its types erased, as the table holds it. */
export type AnyRoute = AdminRoute<unknown, unknown, unknown>;

/** Declares a route with typed params, query and body. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(route: AdminRoute<P, Q, B>): AnyRoute {
  return route as unknown as AnyRoute;
}

/** An HTTP error a handler throws; the admin API turns it into `{ error, message, ... }`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: JsonObject = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 404 for a named thing. */
export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} was not found`);
}
