/**
 * The access check every admin route runs first (onRequest, before the body is even parsed): who is calling (session cookie or
 * bearer token), whether their role is enough for this route, and, for cookie-authenticated
 * unsafe methods, whether the request carries the session's CSRF token. Tokens skip the CSRF
 * check: a browser never attaches an Authorization header on its own, so a forged cross-site
 * request cannot carry one.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from './authenticator.js';
import { roleAtLeast, type RouteAccess } from './roles.js';
import { safeEqual } from './tokens.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'syncline_session';
/** Header carrying the CSRF token on unsafe cookie-authenticated requests. */
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in caller, set by the access guard (null on public routes without credentials). */
    principal: Principal | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Options for one route's guard. */
export interface GuardOptions {
  /** Let a user who must change their password through (the password and sign-out routes). */
  allowPendingPasswordChange?: boolean;
}

/** Reads the session cookie value from a request, if any. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Resolves the caller from a bearer token or the session cookie. A bearer header that does not resolve never falls back to the cookie. */
export async function resolvePrincipal(auth: Authenticator, request: FastifyRequest): Promise<Principal | null> {
  const authz = request.headers.authorization;
  if (authz !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    return m ? auth.fromToken(m[1]) : null;
  }
  const cookie = sessionCookieOf(request);
  return cookie ? auth.fromSession(cookie) : null;
}

/** An error body with a stable code and a sentence for people. */
export function errorBody(error: string, message: string): { error: string; message: string } {
  return { error, message };
}

/** Builds the onRequest hook that enforces `access` on one route. */
export function accessGuard(auth: Authenticator, access: RouteAccess, options: GuardOptions = {}) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const principal = await resolvePrincipal(auth, request);
    request.principal = principal;
    if (access === 'public') return;
    if (!principal) {
      await reply.code(401).send(errorBody('unauthenticated', 'sign in or send an API token (Authorization: Bearer slk_...)'));
      return reply;
    }
    if (principal.user.mustChangePassword && !options.allowPendingPasswordChange) {
      await reply.code(403).send(errorBody('password_change_required', 'choose a new password first (POST /api/v1/auth/password)'));
      return reply;
    }
    if (!roleAtLeast(principal.user.role, access)) {
      await reply.code(403).send(errorBody('forbidden', `this needs the ${access} role; you are ${principal.user.role}`));
      return reply;
    }
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
        await reply.code(403).send(errorBody('csrf', `missing or wrong ${CSRF_HEADER} header (get it from GET /api/v1/auth/me)`));
        return reply;
      }
    }
  };
}
